"""One step of each learning asset against the warehouse: read, compute,
replace the published table, with timings. The Dagster assets and the
benchmark run exactly these."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import pandas as pd
from psycopg2.extensions import connection

from analytics_pipeline.learning.computation import (
    MasterySettings,
    compute_exam_readiness,
    compute_knowledge_gaps,
    compute_topic_mastery,
)
from analytics_pipeline.learning.config import GapConfig, ReadinessConfig
from analytics_pipeline.learning.inputs import ALL_INPUTS, load_inputs
from analytics_pipeline.learning.tables import SCHEMA, ensure_tables, replace_rows
from analytics_pipeline.warehouse.frames import read_frame

# The inputs (learning/inputs.py) each step reads besides the published
# topic_mastery; the assets declare the tables behind them as their deps.
MASTERY_INPUTS = ("attempts", "interactions", "topics", "materials")
GAPS_INPUTS = ALL_INPUTS
READINESS_INPUTS = ("attempts", "topics")  # read once for both tables of the step:
SUBJECT_PERCENTILES_INPUTS = ("topics",)  # subject_percentiles uses only the topics


class StaleMasteryError(RuntimeError):
    """topic_mastery holds another as-of date than the one asked for."""


@dataclass
class StepResult:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    seconds: dict[str, float] = field(default_factory=dict)  # read / compute / write
    summary: dict[str, int] = field(default_factory=dict)  # e.g. gaps per severity
    _last: float = field(default_factory=time.perf_counter, repr=False)

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = round(now - self._last, 3)
        self._last = now


def _published_mastery(conn: connection, as_of: dt.date) -> pd.DataFrame:
    mastery = read_frame(conn, f"select * from {SCHEMA}.topic_mastery")
    found = set(mastery["as_of_date"].dt.date.unique())
    if found and found != {as_of}:
        raise StaleMasteryError(
            f"topic_mastery holds as-of date(s) {sorted(found)}, not {as_of}: "
            "materialize topic_mastery for this date first"
        )
    return mastery


def run_topic_mastery(conn: connection, as_of: dt.date, settings: MasterySettings) -> StepResult:
    result = StepResult()
    ensure_tables(conn)
    inputs = load_inputs(conn, as_of, MASTERY_INPUTS)
    result.lap("read")
    frame = compute_topic_mastery(inputs, as_of, settings)
    result.lap("compute")
    result.rows["topic_mastery"] = replace_rows(conn, "topic_mastery", frame)
    conn.commit()
    result.lap("write")
    return result


def run_knowledge_gaps(conn: connection, as_of: dt.date, config: GapConfig) -> StepResult:
    result = StepResult()
    ensure_tables(conn)
    mastery = _published_mastery(conn, as_of)
    inputs = load_inputs(conn, as_of, GAPS_INPUTS)
    result.lap("read")
    frame = compute_knowledge_gaps(inputs, mastery, as_of, config)
    result.lap("compute")
    result.rows["knowledge_gaps"] = replace_rows(conn, "knowledge_gaps", frame)
    conn.commit()
    result.lap("write")
    result.summary = {k: int(v) for k, v in frame["severity"].value_counts().items()}
    return result


def run_exam_readiness(conn: connection, as_of: dt.date, config: ReadinessConfig) -> StepResult:
    result = StepResult()
    ensure_tables(conn)
    mastery = _published_mastery(conn, as_of)
    inputs = load_inputs(conn, as_of, READINESS_INPUTS)
    result.lap("read")
    readiness, subjects = compute_exam_readiness(inputs, mastery, as_of, config)
    result.lap("compute")
    result.rows["exam_readiness"] = replace_rows(conn, "exam_readiness", readiness)
    result.rows["subject_percentiles"] = replace_rows(conn, "subject_percentiles", subjects)
    conn.commit()
    result.lap("write")
    result.summary = {k: int(v) for k, v in readiness["readiness_level"].value_counts().items()}
    return result
