"""The learning computations end to end, as pure functions over the inputs:
reviews -> spaced-repetition state -> topic mastery -> knowledge gaps and exam
readiness. The Dagster assets and the benchmark both call these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from analytics_pipeline.learning.config import GapConfig, MasteryWeights, ReadinessConfig
from analytics_pipeline.learning.gaps import knowledge_gaps
from analytics_pipeline.learning.inputs import LearningInputs
from analytics_pipeline.learning.mastery import topic_mastery
from analytics_pipeline.learning.readiness import exam_readiness, subject_percentiles
from analytics_pipeline.learning.reviews import attempts_by_topic_level, daily_reviews
from analytics_pipeline.learning.spaced_repetition import (
    DEFAULT_FSRS_PARAMETERS,
    fsrs_schedule,
    rating_from_accuracy,
    sm2_quality_from_rating,
    sm2_schedule,
)

Scheduler = Literal["fsrs", "sm2"]

# Scheduler state kept per (user, topic); the columns of the other scheduler are null.
SCHEDULE_COLUMNS = [
    "reviews",
    "last_review",
    "due",
    "stability",
    "difficulty",
    "state",
    "step",
    "ease",
    "interval_days",
    "repetitions",
]


@dataclass(frozen=True)
class MasterySettings:
    scheduler: Scheduler = "fsrs"
    desired_retention: float = 0.9
    weights: MasteryWeights = field(default_factory=MasteryWeights)

    def as_metadata(self) -> dict:
        return {
            "scheduler": self.scheduler,
            "desired_retention": self.desired_retention,
            **{f"weight_{k}": v for k, v in self.weights.as_metadata().items()},
        }


def review_schedule(
    attempts: pd.DataFrame, topics: pd.DataFrame, as_of: dt.date, settings: MasterySettings
) -> pd.DataFrame:
    """Spaced-repetition state of every (user, topic) with a review, every topic
    level: user_id, topic_id, retrievability and SCHEDULE_COLUMNS."""
    reviews = daily_reviews(attempts_by_topic_level(attempts, topics))
    rating = rating_from_accuracy(reviews["accuracy"].to_numpy())
    reviews = reviews.assign(rating=rating, quality=sm2_quality_from_rating(rating))
    if settings.scheduler == "fsrs":
        state = fsrs_schedule(reviews, as_of, desired_retention=settings.desired_retention)
    else:
        state = sm2_schedule(reviews, as_of)
    for column in SCHEDULE_COLUMNS:
        if column not in state:
            state[column] = np.nan if column != "state" else None
    return state[["user_id", "topic_id", "retrievability", *SCHEDULE_COLUMNS]]


def compute_topic_mastery(
    inputs: LearningInputs, as_of: dt.date, settings: MasterySettings
) -> pd.DataFrame:
    """One row per (user, topic), every level: mastery and its terms, the
    scheduler state and the next review date, stamped with the as-of date."""
    schedule = review_schedule(inputs.attempts, inputs.topics, as_of, settings)
    mastery = topic_mastery(
        inputs.attempts,
        inputs.interactions,
        inputs.topics,
        inputs.materials,
        schedule[["user_id", "topic_id", "retrievability"]],
        as_of,
        settings.weights,
    )
    frame = mastery.merge(
        schedule.drop(columns="retrievability"), on=["user_id", "topic_id"], how="left"
    )
    frame["reviews"] = frame["reviews"].fillna(0).astype("int64")
    for column in ("step", "interval_days", "repetitions"):
        frame[column] = frame[column].astype("Int64")
    # What mastery_progression needs to re-evaluate mastery on later days: the
    # retrieval term's share of this row's weights (null terms drop out) and
    # the FSRS decay (w20).
    terms = settings.weights.terms()
    present = sum(frame[column].notna() * weight for column, weight in terms.items())
    frame["retrieval_weight"] = terms["retrieval_strength"] / present.where(present > 0)
    frame["decay"] = DEFAULT_FSRS_PARAMETERS[20] if settings.scheduler == "fsrs" else np.nan
    frame["next_review_date"] = frame["due"].dt.floor("D").dt.tz_localize(None)
    frame.insert(0, "as_of_date", pd.Timestamp(as_of))
    frame["scheduler"] = settings.scheduler
    return frame


def compute_knowledge_gaps(
    inputs: LearningInputs, mastery: pd.DataFrame, as_of: dt.date, config: GapConfig
) -> pd.DataFrame:
    gaps = knowledge_gaps(
        mastery,
        inputs.topics,
        inputs.relationships,
        inputs.interactions,
        inputs.materials,
        inputs.attempts,
        mastery[["user_id", "topic_id", "due"]],
        as_of,
        config,
    )
    gaps.insert(0, "as_of_date", pd.Timestamp(as_of))
    return gaps


def compute_exam_readiness(
    inputs: LearningInputs, mastery: pd.DataFrame, as_of: dt.date, config: ReadinessConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(exam_readiness, subject_percentiles) as of `as_of`."""
    learners = inputs.attempts[["workspace_id", "user_id"]].drop_duplicates()
    readiness = exam_readiness(mastery, inputs.topics, learners, config)
    subjects = subject_percentiles(mastery, inputs.topics)
    readiness.insert(0, "as_of_date", pd.Timestamp(as_of))
    subjects.insert(0, "as_of_date", pd.Timestamp(as_of))
    return readiness, subjects
