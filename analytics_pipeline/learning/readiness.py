"""Exam readiness per user and comparative subject percentiles (METRICS "Exam readiness").

Choices where METRICS.md is silent:
- Examined topics are the topics with a non-null board_exam_weight, whatever
  their level (the sample curriculum weighs systems). A user's mastery of an
  examined topic without a mastery row, or with a null mastery, is 0.
- With no examined weight at all (sum 0), predicted_score and coverage are null
  and readiness_level is null.
- predicted_score and coverage are rounded to 12 decimals, so float noise
  neither moves a user across a cut-off (0.1 + 0.7 is 0.7999... in floats) nor
  splits a tie.
- percent_rank follows PostgreSQL: (rank - 1) / (rows - 1) with ties sharing the
  lowest rank, 0 for a single row, ascending, nulls last.
- subject_percentiles ranks a user's mastery of a subject among the learners of
  the same workspace who have a mastery row (an attempt or material interaction
  in the subject's subtree) with a non-null mastery for that subject.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .config import ReadinessConfig

READINESS_COLUMNS = [
    "workspace_id",
    "user_id",
    "predicted_score",
    "coverage",
    "readiness_level",
    "percentile_in_workspace",
    "examined_topics",
    "attempted_examined_topics",
]
SUBJECT_PERCENTILE_COLUMNS = [
    "workspace_id",
    "user_id",
    "topic_id",
    "mastery",
    "learners",
    "percentile_in_workspace",
]
SUBJECT = "subject"
_DECIMALS = 12


def exam_readiness(
    mastery: pd.DataFrame,
    topics: pd.DataFrame,
    users_with_attempts: pd.DataFrame,
    config: ReadinessConfig | None = None,
) -> pd.DataFrame:
    """Predicted board exam score, coverage and readiness of each user with any attempt.

    mastery: topic_mastery output (user_id, topic_id, attempts, mastery).
    topics: stg_topics (topic_id, board_exam_weight). users_with_attempts:
    user_id, workspace_id of every user with an attempt before the as-of end
    (the population of rows and of percentile_in_workspace). Returns
    READINESS_COLUMNS sorted by workspace_id, user_id.
    """
    config = config or ReadinessConfig()
    users = users_with_attempts[["workspace_id", "user_id"]].drop_duplicates("user_id")
    users = users.sort_values(["workspace_id", "user_id"], ignore_index=True)
    weights = pd.to_numeric(topics["board_exam_weight"], errors="coerce").astype("float64")
    examined = pd.DataFrame({"topic_id": topics["topic_id"], "weight": weights})
    examined = examined[examined["weight"].notna()].drop_duplicates("topic_id", keep="last")
    total = float(examined["weight"].sum())

    grid = pd.MultiIndex.from_product(
        [users["user_id"], examined["topic_id"]], names=["user_id", "topic_id"]
    )
    rows = mastery.drop_duplicates(["user_id", "topic_id"]).set_index(["user_id", "topic_id"])
    topic_mastery = rows["mastery"].astype("float64").reindex(grid).fillna(0.0).to_numpy()
    attempted = rows["attempts"].reindex(grid).fillna(0).to_numpy() > 0
    weight = np.tile(examined["weight"].to_numpy(), len(users))
    user_of = np.repeat(np.arange(len(users)), len(examined))

    denominator = total if total > 0 else np.nan
    out = users.copy()
    score = np.bincount(user_of, weights=weight * topic_mastery, minlength=len(users))
    covered = np.bincount(user_of, weights=weight * attempted, minlength=len(users))
    out["predicted_score"] = np.round(score / denominator, _DECIMALS)
    out["coverage"] = np.round(covered / denominator, _DECIMALS)
    out["readiness_level"] = readiness_level(out["predicted_score"], out["coverage"], config)
    out["percentile_in_workspace"] = percent_rank(out["predicted_score"], [out["workspace_id"]])
    out["examined_topics"] = len(examined)
    out["attempted_examined_topics"] = np.bincount(
        user_of, weights=attempted, minlength=len(users)
    ).astype("int64")
    return out[READINESS_COLUMNS]


def readiness_level(score: pd.Series, coverage: pd.Series, config: ReadinessConfig) -> pd.Series:
    """ready / on_track / at_risk / not_ready from the predicted score and coverage."""
    level = np.select(
        [
            (score >= config.ready_score) & (coverage >= config.ready_coverage),
            score >= config.on_track_score,
            score >= config.at_risk_score,
        ],
        ["ready", "on_track", "at_risk"],
        default="not_ready",
    ).astype(object)
    level[score.isna().to_numpy()] = None
    return pd.Series(level, index=score.index, name="readiness_level")


def percent_rank(values: pd.Series, partition: Sequence[pd.Series]) -> pd.Series:
    """PostgreSQL percent_rank() over (partition by ... order by values), values
    compared at 12 decimals."""
    rounded = values.astype("float64").round(_DECIMALS)
    keys = [pd.Series(p.to_numpy(), index=values.index) for p in partition]
    if not keys:
        keys = [pd.Series(0, index=values.index)]
    grouped = rounded.groupby(keys, dropna=False)
    rank = grouped.rank(method="min", na_option="bottom")
    rows = grouped.transform("size")
    return ((rank - 1) / (rows - 1).where(rows > 1)).fillna(0.0).rename("percent_rank")


def subject_percentiles(mastery: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """Each (user, subject) mastery and its percent_rank among the workspace's learners
    of that subject. Returns SUBJECT_PERCENTILE_COLUMNS sorted by workspace_id,
    topic_id, user_id; learners is the size of the ranked population."""
    subjects = topics.loc[topics["level"] == SUBJECT, "topic_id"]
    rows = mastery[mastery["topic_id"].isin(subjects) & mastery["mastery"].notna()]
    out = rows[["workspace_id", "user_id", "topic_id", "mastery"]].reset_index(drop=True)
    partition = [out["workspace_id"], out["topic_id"]]
    out["learners"] = (
        out.groupby(partition, dropna=False)["user_id"].transform("size").astype("int64")
    )
    out["percentile_in_workspace"] = percent_rank(out["mastery"], partition)
    out = out.sort_values(["workspace_id", "topic_id", "user_id"], ignore_index=True)
    return out[SUBJECT_PERCENTILE_COLUMNS]
