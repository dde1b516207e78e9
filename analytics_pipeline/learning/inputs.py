"""What the learning assets read from the warehouse, as of the end of the as-of
date: the learning facts of dbt (intermediate.int_learning_attempts and
int_learning_interactions: attempts and interactions of non-deleted users, who
count in no metric) and the curriculum from staging."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from psycopg2.extensions import connection

from analytics_pipeline.learning.reviews import as_of_end
from analytics_pipeline.warehouse.frames import read_frame


@dataclass(frozen=True)
class InputTable:
    """A table the learning assets read: schema and name are also the key of
    the dbt asset that builds it (analytics_pipeline.dbt.translator)."""

    schema: str
    name: str
    columns: str
    time_column: str | None = None  # rows before the end of the as-of date only

    def query(self) -> str:
        where = f" where {self.time_column} < %(end)s" if self.time_column else ""
        return f"select {self.columns} from {self.schema}.{self.name}{where}"


INPUT_TABLES = {
    "attempts": InputTable(
        "intermediate",
        "int_learning_attempts",
        "attempt_id, user_id, workspace_id, question_id, topic_id, is_correct, answered_at",
        time_column="answered_at",
    ),
    "interactions": InputTable(
        "intermediate",
        "int_learning_interactions",
        "user_id, workspace_id, material_id, topic_id, interaction_type, occurred_at",
        time_column="occurred_at",
    ),
    "topics": InputTable(
        "staging", "stg_topics", "topic_id, parent_topic_id, name, level, board_exam_weight"
    ),
    "materials": InputTable("staging", "stg_materials", "material_id, topic_id, title"),
    "relationships": InputTable(
        "staging", "stg_topic_relationships", "topic_id, related_topic_id, relationship_type"
    ),
}
ALL_INPUTS = tuple(INPUT_TABLES)


def input_tables(names: Iterable[str]) -> list[tuple[str, str]]:
    """(schema, name) of the tables behind the named inputs."""
    return [(INPUT_TABLES[name].schema, INPUT_TABLES[name].name) for name in names]


@dataclass(frozen=True)
class LearningInputs:
    attempts: pd.DataFrame
    interactions: pd.DataFrame
    topics: pd.DataFrame
    materials: pd.DataFrame
    relationships: pd.DataFrame

    def row_counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in INPUT_TABLES}


def load_inputs(conn: connection, as_of: dt.date, names: tuple[str, ...] = ALL_INPUTS):
    """The rows the learning computations need, as of `as_of`; inputs not named are empty."""
    params = {"end": as_of_end(as_of)}
    frames = {name: read_frame(conn, INPUT_TABLES[name].query(), params) for name in names}
    empty = {name: pd.DataFrame() for name in INPUT_TABLES if name not in frames}
    return LearningInputs(**frames, **empty)
