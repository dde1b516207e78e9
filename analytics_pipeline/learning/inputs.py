"""What the learning assets read from the warehouse: the staging tables, as of
the end of the as-of date, without deleted users (who count in no metric)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from psycopg2.extensions import connection

from analytics_pipeline.warehouse.frames import read_frame

_NOT_DELETED = "user_id not in (select user_id from staging.stg_users where is_deleted)"

_QUERIES = {
    "attempts": f"""
        select attempt_id, user_id, workspace_id, question_id, topic_id, is_correct, answered_at
        from staging.stg_question_attempts
        where answered_at < %(end)s and {_NOT_DELETED}
    """,
    "interactions": f"""
        select user_id, workspace_id, material_id, topic_id, interaction_type, occurred_at
        from staging.stg_material_interactions
        where occurred_at < %(end)s and {_NOT_DELETED}
    """,
    "topics": """
        select topic_id, parent_topic_id, name, level, board_exam_weight
        from staging.stg_topics
    """,
    "materials": "select material_id, topic_id, title from staging.stg_materials",
    "relationships": """
        select topic_id, related_topic_id, relationship_type
        from staging.stg_topic_relationships
    """,
}


@dataclass(frozen=True)
class LearningInputs:
    attempts: pd.DataFrame
    interactions: pd.DataFrame
    topics: pd.DataFrame
    materials: pd.DataFrame
    relationships: pd.DataFrame

    def row_counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in _QUERIES}


def as_of_end(as_of: dt.date) -> dt.datetime:
    """The end of the as-of date: D + 1 day, 00:00 UTC (exclusive)."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def load_inputs(conn: connection, as_of: dt.date, names: tuple[str, ...] = tuple(_QUERIES)):
    """The staging rows the learning computations need, as of `as_of`."""
    params = {"end": as_of_end(as_of)}
    frames = {name: read_frame(conn, _QUERIES[name], params) for name in names}
    empty = {name: pd.DataFrame() for name in _QUERIES if name not in frames}
    return LearningInputs(**frames, **empty)
