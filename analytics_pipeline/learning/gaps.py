"""Knowledge gaps per (user, topic), their severity, priority and recommendations
(METRICS "Knowledge gaps").

Choices where METRICS.md is silent:
- Prerequisites are the direct `prerequisite` edges of topic_relationships
  (related_topic_id must be learned before topic_id), not their transitive
  closure. "A topic the user attempted" uses the rolled-up attempts of
  topic_mastery (a subject is attempted when any attempt falls in its subtree).
- One row per (user, topic). gap_type is `low_mastery` when the low-mastery rule
  holds (whether or not the topic is also a weak prerequisite), else
  `prerequisite`; a prerequisite's role shows in dependent_gap_topics.
- dependent_gap_topics = number of the user's other gap topics that have this
  topic as a direct prerequisite. It feeds escalation and priority of every gap.
- escalated is true only when the severity was actually raised (a critical gap
  with 2+ dependent gaps stays critical and is not marked escalated).
- A null mastery counts as 0, like an unattempted prerequisite without a row.
- Recommendations, in this order: review_prerequisite for each direct
  prerequisite that is itself a gap of the user (weakest first, then topic_id);
  review_material for up to 3 catalog materials of the topic's subtree the user
  has not completed by the as-of end (the topic's own first, then by distance
  and material_id); practice_questions always; schedule_review only when the
  scheduler has a due date for the pair (never-reviewed pairs have none).
- Wrong attempts for the practice count: the topic's whole subtree, answered in
  the 30 days ending at the as-of date inclusive.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from .config import GapConfig
from .curriculum import (
    expand_to_ancestors,
    prerequisites,
    subtree_materials,
    topic_lineage,
    topic_systems,
)
from .reviews import DAY, as_of_end, before, group_codes, utc

GAP_COLUMNS = [
    "workspace_id",
    "user_id",
    "topic_id",
    "gap_type",
    "mastery",
    "attempts",
    "severity",
    "escalated",
    "dependent_gap_topics",
    "priority",
    "recommendations",
]
SEVERITIES = ("low", "medium", "high", "critical")
LOW_MASTERY = "low_mastery"
PREREQUISITE_GAP = "prerequisite"


def knowledge_gaps(
    mastery: pd.DataFrame,
    topics: pd.DataFrame,
    relationships: pd.DataFrame,
    interactions: pd.DataFrame,
    materials: pd.DataFrame,
    attempts: pd.DataFrame,
    due_dates: pd.DataFrame | None,
    as_of: dt.date | str | pd.Timestamp,
    config: GapConfig | None = None,
) -> pd.DataFrame:
    """One row per knowledge gap (user, topic) with severity, priority and recommendations.

    mastery: topic_mastery output (workspace_id, user_id, topic_id, attempts,
    mastery). relationships: stg_topic_relationships. interactions, materials,
    attempts: staging columns (only completions and wrong attempts before the
    as-of end are read). due_dates: user_id, topic_id, due (scheduler's next
    review). Returns GAP_COLUMNS sorted by workspace_id, user_id, priority
    (highest first), topic_id.
    """
    config = config or GapConfig()
    end = as_of_end(as_of)
    edges = prerequisites(relationships)
    gaps = _find_gaps(mastery, edges, config)
    if gaps.empty:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in GAP_COLUMNS})

    # Which gap topics depend on which gap prerequisites (both gaps of the same user).
    links = gaps[["user_id", "topic_id"]].merge(edges, on="topic_id")
    keys = gaps[["user_id", "topic_id", "mastery"]].rename(
        columns={"topic_id": "prerequisite_id", "mastery": "prerequisite_mastery"}
    )
    links = links.merge(keys, on=["user_id", "prerequisite_id"])
    dependents = links.groupby(["user_id", "prerequisite_id"]).size()
    wanted = pd.MultiIndex.from_arrays([gaps["user_id"], gaps["topic_id"]])
    gaps["dependent_gap_topics"] = dependents.reindex(wanted).fillna(0).astype("int64").to_numpy()

    mastery_values = gaps["mastery"].to_numpy()
    base = np.select(
        [
            mastery_values < config.critical_below,
            mastery_values < config.high_below,
            mastery_values < config.medium_below,
        ],
        [3, 2, 1],
        default=0,
    )
    escalated = (gaps["dependent_gap_topics"].to_numpy() >= config.escalate_at_dependent_gaps) & (
        base < len(SEVERITIES) - 1
    )
    gaps["severity"] = np.array(SEVERITIES, dtype=object)[base + escalated]
    gaps["escalated"] = escalated

    systems = topic_systems(topics).set_index("topic_id")["system_exam_weight"]
    weight = systems.reindex(gaps["topic_id"]).fillna(config.default_exam_weight).to_numpy()
    gaps["priority"] = (1.0 - mastery_values) * weight * (1 + gaps["dependent_gap_topics"])

    gaps["recommendations"] = _recommendations(
        gaps, links, interactions, materials, attempts, due_dates, topics, end, config
    )
    gaps = gaps.assign(_order=-gaps["priority"]).sort_values(
        ["workspace_id", "user_id", "_order", "topic_id"], ignore_index=True
    )
    return gaps[GAP_COLUMNS]


def _find_gaps(mastery: pd.DataFrame, edges: pd.DataFrame, config: GapConfig) -> pd.DataFrame:
    """(workspace_id, user_id, topic_id, gap_type, mastery, attempts) of every gap."""
    rows = mastery[["workspace_id", "user_id", "topic_id", "attempts", "mastery"]].copy()
    # Compared at 12 decimals, as topic_mastery rounds them.
    rows["mastery"] = rows["mastery"].astype("float64").round(12).fillna(0.0)
    rows["attempts"] = rows["attempts"].fillna(0).astype("int64")
    low = rows[(rows["attempts"] >= config.min_attempts) & (rows["mastery"] < config.mastery_below)]

    attempted = rows.loc[rows["attempts"] > 0, ["user_id", "topic_id"]]
    needed = attempted.merge(edges, on="topic_id")[["user_id", "prerequisite_id"]]
    needed = needed.drop_duplicates().rename(columns={"prerequisite_id": "topic_id"})
    needed = needed.merge(rows, on=["user_id", "topic_id"], how="left")
    needed["mastery"] = needed["mastery"].fillna(0.0)
    needed["attempts"] = needed["attempts"].fillna(0).astype("int64")
    weak = needed[needed["mastery"] < config.prerequisite_mastery_below]

    gaps = pd.concat([low.assign(gap_type=LOW_MASTERY), weak.assign(gap_type=PREREQUISITE_GAP)])
    gaps = gaps.drop_duplicates(["user_id", "topic_id"], keep="first")
    workspaces = rows.drop_duplicates("user_id").set_index("user_id")["workspace_id"]
    gaps["workspace_id"] = workspaces.reindex(gaps["user_id"]).to_numpy()
    columns = ["workspace_id", "user_id", "topic_id", "gap_type", "mastery", "attempts"]
    return gaps[columns].reset_index(drop=True)


def practice_count(wrong: np.ndarray, config: GapConfig) -> np.ndarray:
    """Questions to practise: max(min, per_wrong * wrong attempts), capped at max."""
    count = np.maximum(config.practice_min_questions, config.practice_questions_per_wrong * wrong)
    return np.minimum(count, config.practice_max_questions).astype("int64")


def _recommendations(
    gaps: pd.DataFrame,
    links: pd.DataFrame,
    interactions: pd.DataFrame,
    materials: pd.DataFrame,
    attempts: pd.DataFrame,
    due_dates: pd.DataFrame | None,
    topics: pd.DataFrame,
    end: pd.Timestamp,
    config: GapConfig,
) -> list[list[dict[str, Any]]]:
    """The ordered recommendation list of each gap row."""
    gap_row = pd.Series(
        np.arange(len(gaps)), index=pd.MultiIndex.from_arrays([gaps["user_id"], gaps["topic_id"]])
    )
    recommendations: list[list[dict[str, Any]]] = [[] for _ in range(len(gaps))]

    # 1. Prerequisites that are gaps of the user, weakest first.
    rows = gap_row.reindex(pd.MultiIndex.from_arrays([links["user_id"], links["topic_id"]]))
    prereq = links.assign(gap=rows.to_numpy()).sort_values(
        ["gap", "prerequisite_mastery", "prerequisite_id"]
    )
    below = f"{config.prerequisite_mastery_below:.2f}"
    for gap, topic, value in zip(
        prereq["gap"].tolist(),
        prereq["prerequisite_id"].tolist(),
        prereq["prerequisite_mastery"].tolist(),
        strict=True,
    ):
        recommendations[gap].append(
            {
                "action": "review_prerequisite",
                "topic_id": topic,
                "mastery": value,
                "reason": f"prerequisite mastery {value:.2f} is below {below}",
            }
        )

    # 2. Uncompleted catalog materials of the topic's subtree, the nearest first.
    offered = _uncompleted_materials(
        gaps, interactions, materials, topics, end, config.max_materials
    )
    for gap, material, topic, title in zip(
        offered["gap"].tolist(),
        offered["material_id"].tolist(),
        offered["material_topic_id"].tolist(),
        offered["title"].tolist(),
        strict=True,
    ):
        recommendations[gap].append(
            {
                "action": "review_material",
                "material_id": material,
                "topic_id": topic,
                "title": title,
                "reason": "study material of the topic not completed yet",
            }
        )

    # 3. Practice questions, from the wrong attempts of the last window days.
    wrong = _recent_wrong_attempts(attempts, topics, end, config.practice_window_days)
    wrong_counts = wrong.reindex(gap_row.index).fillna(0).astype("int64").to_numpy()
    days = config.practice_window_days
    for gap, (topic, count, missed) in enumerate(
        zip(
            gaps["topic_id"].tolist(),
            practice_count(wrong_counts, config).tolist(),
            wrong_counts.tolist(),
            strict=True,
        )
    ):
        recommendations[gap].append(
            {
                "action": "practice_questions",
                "topic_id": topic,
                "count": count,
                "wrong_attempts": missed,
                "reason": f"{missed} wrong attempts in the last {days} days",
            }
        )

    # 4. The scheduler's next review of the pair, when it has one.
    if due_dates is not None and not due_dates.empty:
        latest = due_dates.drop_duplicates(["user_id", "topic_id"], keep="last")
        due = pd.Series(
            utc(latest["due"]).array,
            index=pd.MultiIndex.from_arrays([latest["user_id"], latest["topic_id"]]),
        ).reindex(gap_row.index)
        has_due = due.notna().to_numpy()
        for gap, topic, stamp in zip(
            np.flatnonzero(has_due).tolist(),
            gaps["topic_id"][has_due].tolist(),
            due[has_due].dt.to_pydatetime().tolist(),
            strict=True,
        ):
            recommendations[gap].append(
                {
                    "action": "schedule_review",
                    "topic_id": topic,
                    "due": stamp.isoformat(),
                    "reason": "spaced-repetition review " + ("overdue" if stamp < end else "due"),
                }
            )
    return recommendations


def _uncompleted_materials(
    gaps: pd.DataFrame,
    interactions: pd.DataFrame,
    materials: pd.DataFrame,
    topics: pd.DataFrame,
    end: pd.Timestamp,
    limit: int,
) -> pd.DataFrame:
    """Up to `limit` catalog materials of each gap's subtree that the user has not
    completed by `end`, nearest first (distance below the gap topic, then material_id).

    Columns: gap (row of `gaps`), material_id, material_topic_id, title; sorted
    by gap, then that order.
    """
    catalog = subtree_materials(topics, materials)
    catalog = catalog.sort_values(["topic_id", "distance", "material_id"], ignore_index=True)
    topic_index = pd.Index(catalog["topic_id"].unique())
    per_topic = catalog.groupby("topic_id", sort=False).size().reindex(topic_index).to_numpy()
    starts = (np.cumsum(per_topic) - per_topic).astype("int64")
    material_index = pd.Index(catalog["material_id"].unique())

    columns = ["user_id", "material_id", "interaction_type", "occurred_at"]
    done = before(interactions[columns], "occurred_at", end)
    done = done.loc[done["interaction_type"] == "complete", ["user_id", "material_id"]]
    done = done[done["material_id"].isin(material_index)].drop_duplicates()
    user_index = pd.Index(pd.concat([gaps["user_id"], done["user_id"]]).unique())
    done_keys = user_index.get_indexer(done["user_id"]).astype("int64") * len(
        material_index
    ) + material_index.get_indexer(done["material_id"])
    done_per_user = np.bincount(user_index.get_indexer(done["user_id"]), minlength=len(user_index))

    # The first `limit` open materials lie within the first limit + (materials the
    # user completed anywhere) of the topic's list: look no further than that.
    # A topic without catalog materials (code -1) reads the trailing 0 sentinel.
    topic = topic_index.get_indexer(gaps["topic_id"])
    user = user_index.get_indexer(gaps["user_id"])
    size = np.append(per_topic, 0)[topic]
    count = np.minimum(size, limit + done_per_user[user]).astype("int64")
    gap = np.repeat(np.arange(len(gaps)), count)
    offset = np.arange(len(gap)) - np.repeat(np.cumsum(count) - count, count)
    position = np.repeat(np.append(starts, 0)[topic], count) + offset
    material = material_index.get_indexer(catalog["material_id"])[position]
    is_open = ~np.isin(user[gap] * len(material_index) + material, done_keys)
    gap, position = gap[is_open], position[is_open]
    first_of_gap = np.searchsorted(gap, gap, side="left")
    keep = np.arange(len(gap)) - first_of_gap < limit
    gap, position = gap[keep], position[keep]

    named = materials.drop_duplicates("material_id", keep="last").set_index("material_id")
    titles = named["title"] if "title" in named else pd.Series(dtype=object)
    title = titles.reindex(catalog["material_id"]).astype(object)
    catalog["title"] = title.where(title.notna(), None).to_numpy()
    chosen = catalog.take(position)
    return pd.DataFrame(
        {
            "gap": gap,
            "material_id": chosen["material_id"].to_numpy(),
            "material_topic_id": chosen["material_topic_id"].to_numpy(),
            "title": chosen["title"].to_numpy(),
        }
    )


def _recent_wrong_attempts(
    attempts: pd.DataFrame, topics: pd.DataFrame, end: pd.Timestamp, days: int
) -> pd.Series:
    """Wrong attempts per (user_id, topic_id), every level, answered in [end - days, end)."""
    recent = before(
        attempts[["user_id", "topic_id", "is_correct", "answered_at"]], "answered_at", end
    )
    recent = recent[
        (recent["answered_at"] >= end - days * DAY) & ~recent["is_correct"].astype(bool)
    ]
    expanded = expand_to_ancestors(recent[["user_id", "topic_id"]], topic_lineage(topics))
    groups, keys = group_codes(expanded, ["user_id", "topic_id"])
    return pd.Series(
        np.bincount(groups, minlength=len(keys)),
        index=pd.MultiIndex.from_frame(keys),
    )


def _dtype(column: str) -> str:
    return {
        "mastery": "float64",
        "priority": "float64",
        "attempts": "int64",
        "dependent_gap_topics": "int64",
        "escalated": "bool",
    }.get(column, "object")
