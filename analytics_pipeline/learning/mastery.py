"""Topic mastery per (user, topic) at every level of the topic tree (METRICS "Topic mastery").

Choices where METRICS.md is silent:
- Rows: every (user, topic) where the user has an attempt or a material
  interaction (any type; located by the interaction's own topic_id) in the
  topic's subtree before the as-of end. Pairs with
  interactions but no attempts get a row: attempts 0, accuracy and
  first_attempt_accuracy null, confidence 0.
- A null term (accuracy and first_attempt_accuracy with no attempts,
  materials_score when the subtree has no catalog materials) drops out of
  mastery and its weight is spread over the non-null terms proportionally:
  mastery = sum(w * term over non-null terms) / sum(w over non-null terms).
  retrieval_strength is never null (0 when never reviewed).
- A material counts for its catalog topic (stg_materials.topic_id) and that
  topic's ancestors; completions of materials missing from the catalog count
  nowhere, so materials_score stays within 0..1.
- mastery is rounded to 12 decimals, so float noise does not decide threshold
  comparisons downstream (gaps at 0.80, severities, readiness).
- first_attempt_accuracy: the earliest attempt of each distinct question (ties at
  the same answered_at go to the smallest attempt_id).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .config import MasteryWeights
from .curriculum import expand_to_ancestors, subtree_materials, topic_lineage
from .reviews import as_of_end, before, group_codes, user_workspaces, utc

MASTERY_COLUMNS = [
    "workspace_id",
    "user_id",
    "topic_id",
    "topic_level",
    "attempts",
    "correct",
    "accuracy",
    "first_attempt_accuracy",
    "materials_completed",
    "materials_total",
    "materials_score",
    "retrieval_strength",
    "mastery",
    "confidence",
]
COMPLETE = "complete"
DECIMALS = 12
_ATTEMPT_COLUMNS = [
    "attempt_id",
    "user_id",
    "workspace_id",
    "question_id",
    "topic_id",
    "is_correct",
    "answered_at",
]
_INTERACTION_COLUMNS = [
    "user_id",
    "workspace_id",
    "material_id",
    "topic_id",
    "interaction_type",
    "occurred_at",
]
_COUNTS = ["attempts", "correct", "first_questions", "first_correct", "materials_completed"]


def topic_mastery(
    attempts: pd.DataFrame,
    interactions: pd.DataFrame,
    topics: pd.DataFrame,
    materials: pd.DataFrame,
    retention: pd.DataFrame,
    as_of: dt.date | str | pd.Timestamp,
    weights: MasteryWeights | None = None,
) -> pd.DataFrame:
    """Mastery of each (user, topic), every topic level, as of the end of date `as_of`.

    attempts: stg_question_attempts columns (attempt_id, user_id, workspace_id,
    question_id, topic_id, is_correct, answered_at). interactions:
    stg_material_interactions (user_id, workspace_id, material_id, topic_id,
    interaction_type, occurred_at). topics: stg_topics. materials: stg_materials
    (material_id, topic_id). retention: user_id, topic_id, retrievability at the
    as-of end (missing pairs: 0). Returns MASTERY_COLUMNS sorted by user_id,
    topic_id.
    """
    weights = weights or MasteryWeights()
    end = as_of_end(as_of)
    attempts = before(attempts[_ATTEMPT_COLUMNS], "answered_at", end)
    interactions = before(interactions[_INTERACTION_COLUMNS], "occurred_at", end)
    lineage = topic_lineage(topics)
    # Counts add up the tree: count per own topic, then roll the counts up.
    own = pd.concat(
        [_practice_counts(attempts), _reading_counts(interactions, materials)],
        ignore_index=True,
    )
    facts = pd.concat(
        [
            expand_to_ancestors(own, lineage).drop(columns="origin_topic_id"),
            _first_attempt_counts(attempts, lineage),
        ],
        ignore_index=True,
    )
    groups, out = group_codes(facts, ["user_id", "topic_id"])
    for column in _COUNTS:
        values = facts[column].fillna(0).to_numpy(dtype="float64")
        out[column] = np.bincount(groups, weights=values, minlength=len(out)).astype("int64")

    totals = subtree_materials(topics, materials).groupby("topic_id")["material_id"].nunique()
    levels = lineage.drop_duplicates("topic_id").set_index("topic_id")["ancestor_level"]
    workspaces = user_workspaces((attempts, "answered_at"), (interactions, "occurred_at"))
    out.insert(0, "workspace_id", workspaces.reindex(out["user_id"]).to_numpy())
    out.insert(3, "topic_level", levels.reindex(out["topic_id"]).to_numpy())
    out["accuracy"] = _ratio(out["correct"], out["attempts"])
    out["first_attempt_accuracy"] = _ratio(out["first_correct"], out["first_questions"])
    out["materials_total"] = totals.reindex(out["topic_id"]).fillna(0).astype("int64").to_numpy()
    out["materials_score"] = _ratio(out["materials_completed"], out["materials_total"])
    out["retrieval_strength"] = _retrievability(retention, out)
    out["mastery"] = weighted_mastery(out, weights)
    out["confidence"] = 1.0 - 1.0 / np.sqrt(1.0 + out["attempts"].to_numpy(dtype="float64"))
    return out[MASTERY_COLUMNS]


def weighted_mastery(terms: pd.DataFrame, weights: MasteryWeights) -> pd.Series:
    """Weighted mean of the non-null terms (a null term's weight is spread proportionally).

    `terms` has one column per MasteryWeights field. Null when every weighted
    term is null. Rounded to 12 decimals so that float noise does not move a
    value across a threshold (0.15 + 0.3 + 0.1 is 0.5499999999999999 in floats).
    """
    total = pd.Series(0.0, index=terms.index)
    weight_sum = pd.Series(0.0, index=terms.index)
    for column, weight in weights.terms().items():
        values = terms[column].astype("float64")
        present = values.notna()
        total += values.fillna(0.0) * weight
        weight_sum += present * weight
    return (total / weight_sum.where(weight_sum > 0)).round(DECIMALS).rename("mastery")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator as float, null where the denominator is 0."""
    denominator = denominator.astype("float64")
    return numerator.astype("float64") / denominator.where(denominator > 0)


def _practice_counts(attempts: pd.DataFrame) -> pd.DataFrame:
    """attempts and correct per (user, own topic)."""
    groups, counts = group_codes(attempts, ["user_id", "topic_id"])
    correct = attempts["is_correct"].astype(bool).to_numpy()
    counts["attempts"] = np.bincount(groups, minlength=len(counts))
    counts["correct"] = np.bincount(groups, weights=correct, minlength=len(counts))
    return counts


def _first_attempt_counts(attempts: pd.DataFrame, lineage: pd.DataFrame) -> pd.DataFrame:
    """first_questions and first_correct per (user, rolled-up topic)."""
    keys = ["user_id", "topic_id", "question_id"]
    first = earliest_attempts(attempts, keys)
    # A question attempted under two topics counts once where they meet, with its
    # earliest attempt there; without such questions the counts simply add up.
    shared = first.duplicated(["user_id", "question_id"]).any()
    if shared:
        first = earliest_attempts(expand_to_ancestors(first, lineage), keys)
    groups, counts = group_codes(first, ["user_id", "topic_id"])
    correct = first["is_correct"].astype(bool).to_numpy()
    counts["first_questions"] = np.bincount(groups, minlength=len(counts))
    counts["first_correct"] = np.bincount(groups, weights=correct, minlength=len(counts))
    if shared:
        return counts
    return expand_to_ancestors(counts, lineage).drop(columns="origin_topic_id")


def earliest_attempts(attempts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The earliest attempt (by answered_at, then smallest attempt_id) of each `keys` group."""
    if attempts.empty:
        return attempts.iloc[0:0]
    groups, keys = group_codes(attempts, keys)
    times = utc(attempts["answered_at"]).array.asi8
    earliest = np.full(len(keys), np.iinfo(np.int64).max)
    np.minimum.at(earliest, groups, times)
    # Only rows at their group's earliest time can win; most groups have one.
    candidates = np.flatnonzero(times == earliest[groups])
    per_group = np.bincount(groups[candidates], minlength=len(keys))
    tied = per_group[groups[candidates]] > 1
    winners = [candidates[~tied]]
    if tied.any():
        rows = candidates[tied]
        ids = pd.factorize(attempts["attempt_id"].take(rows), sort=True)[0]
        order = rows[np.lexsort((ids, groups[rows]))]
        winners.append(order[np.append(True, groups[order][1:] != groups[order][:-1])])
    return attempts.take(np.sort(np.concatenate(winners))).reset_index(drop=True)


def _reading_counts(interactions: pd.DataFrame, materials: pd.DataFrame) -> pd.DataFrame:
    """materials_completed per (user, catalog topic of the material), plus rows with
    no count for every (user, topic) with an interaction."""
    touched = interactions[["user_id", "topic_id"]].drop_duplicates()
    done = interactions.loc[
        interactions["interaction_type"] == COMPLETE, ["user_id", "material_id"]
    ]
    done = done.drop_duplicates()
    catalog = materials[["material_id", "topic_id"]].drop_duplicates("material_id", keep="last")
    done = done.merge(catalog, on="material_id", how="inner")
    groups, completed = group_codes(done, ["user_id", "topic_id"])
    completed["materials_completed"] = np.bincount(groups, minlength=len(completed))
    return pd.concat([touched, completed], ignore_index=True)


def _retrievability(retention: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """retention.retrievability for each (user_id, topic_id) of `rows`, 0 when missing."""
    known = retention.drop_duplicates(["user_id", "topic_id"], keep="last")
    lookup = known.set_index(["user_id", "topic_id"])["retrievability"].astype("float64")
    wanted = pd.MultiIndex.from_arrays([rows["user_id"], rows["topic_id"]])
    return lookup.reindex(wanted).fillna(0.0).to_numpy()
