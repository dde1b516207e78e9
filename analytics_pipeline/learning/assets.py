"""Learning assets: topic mastery (spaced repetition), knowledge gaps and exam
readiness, daily partitioned by as-of date. Thin: read the warehouse, call
the pure computations, replace the published table, record the config."""
# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

import dataclasses
import datetime as dt
import time
from typing import Any, Literal

import dagster as dg
import pandas as pd
import pydantic

from analytics_pipeline import warehouse
from analytics_pipeline.dbt.partitions import daily_partitions
from analytics_pipeline.dbt.previews import table_preview_markdown
from analytics_pipeline.learning.computation import (
    MasterySettings,
    compute_exam_readiness,
    compute_knowledge_gaps,
    compute_topic_mastery,
)
from analytics_pipeline.learning.config import GapConfig, MasteryWeights, ReadinessConfig
from analytics_pipeline.learning.inputs import load_inputs
from analytics_pipeline.learning.tables import SCHEMA, ensure_tables, replace_rows
from analytics_pipeline.warehouse.frames import read_frame

LEARNING_GROUP = "learning"
TOPIC_MASTERY = dg.AssetKey([SCHEMA, "topic_mastery"])
KNOWLEDGE_GAPS = dg.AssetKey([SCHEMA, "knowledge_gaps"])
EXAM_READINESS = dg.AssetKey([SCHEMA, "exam_readiness"])
SUBJECT_PERCENTILES = dg.AssetKey([SCHEMA, "subject_percentiles"])


def _staging(*names: str) -> list[dg.AssetKey]:
    return [dg.AssetKey(["staging", name]) for name in names]


def _config_class(name: str, settings_class: type, extra: dict[str, Any] | None = None) -> type:
    """A Dagster run config class with one field per setting, defaulting to
    METRICS.md's values (the dataclass defaults)."""
    fields = {
        f.name: (f.type if not isinstance(f.type, str) else eval(f.type), f.default)  # noqa: S307
        for f in dataclasses.fields(settings_class)
    }
    return pydantic.create_model(name, __base__=dg.Config, **fields, **(extra or {}))


TopicMasteryConfig = _config_class(
    "TopicMasteryConfig",
    MasteryWeights,
    {
        "scheduler": (Literal["fsrs", "sm2"], "fsrs"),
        "desired_retention": (float, 0.9),
    },
)
KnowledgeGapsConfig = _config_class("KnowledgeGapsConfig", GapConfig)
ExamReadinessConfig = _config_class("ExamReadinessConfig", ReadinessConfig)


def _settings(config: dg.Config, settings_class: type):
    names = {f.name for f in dataclasses.fields(settings_class)}
    return settings_class(**{k: v for k, v in config.model_dump().items() if k in names})


def _as_of(context: dg.AssetExecutionContext) -> dt.date:
    return dt.date.fromisoformat(context.partition_key)


def _table_metadata(name: str, rows: int, seconds: dict[str, float]) -> dict[str, Any]:
    return {
        "table": f"{SCHEMA}.{name}",
        "dagster/row_count": rows,
        "preview": dg.MetadataValue.md(table_preview_markdown(SCHEMA, name)),
        **{f"seconds_{step}": round(value, 3) for step, value in seconds.items()},
    }


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = now - self._last
        self._last = now


_KINDS = {"python", "pandas", "postgres"}
_PARTITIONED = {
    "partitions_def": daily_partitions,
    "group_name": LEARNING_GROUP,
    "backfill_policy": dg.BackfillPolicy.multi_run(1),
}


@dg.asset(
    key=TOPIC_MASTERY,
    deps=_staging(
        "stg_question_attempts",
        "stg_material_interactions",
        "stg_topics",
        "stg_materials",
        "stg_users",
    ),
    kinds=_KINDS,
    description="Per user and topic (every level) as of the partition date: FSRS-6 (or SM-2) "
    "review state, retrieval strength, first-attempt accuracy, accuracy, materials score, "
    "mastery and confidence. Replaced whole per materialization; history in snapshots.",
    **_PARTITIONED,
)
def topic_mastery(context: dg.AssetExecutionContext, config: TopicMasteryConfig):
    as_of = _as_of(context)
    settings = MasterySettings(
        scheduler=config.scheduler,
        desired_retention=config.desired_retention,
        weights=_settings(config, MasteryWeights),
    )
    timer = _Timer()
    with warehouse.connect() as conn:
        ensure_tables(conn)
        inputs = load_inputs(conn, as_of, ("attempts", "interactions", "topics", "materials"))
        timer.lap("read")
        frame = compute_topic_mastery(inputs, as_of, settings)
        timer.lap("compute")
        replace_rows(conn, "topic_mastery", frame)
        conn.commit()
        timer.lap("write")
    return dg.MaterializeResult(
        metadata={
            "as_of_date": as_of.isoformat(),
            **settings.as_metadata(),
            **_table_metadata("topic_mastery", len(frame), timer.seconds),
        }
    )


def _mastery(conn) -> pd.DataFrame:
    return read_frame(conn, f"select * from {SCHEMA}.topic_mastery")


def _check_as_of(mastery: pd.DataFrame, as_of: dt.date) -> None:
    found = set(mastery["as_of_date"].dt.date.unique())
    if found and found != {as_of}:
        raise dg.Failure(
            f"topic_mastery holds as-of date(s) {sorted(found)}, not {as_of}: "
            "materialize topic_mastery for this partition first"
        )


@dg.asset(
    key=KNOWLEDGE_GAPS,
    deps=[TOPIC_MASTERY, *_staging("stg_topic_relationships", "stg_material_interactions")],
    kinds=_KINDS,
    description="Every knowledge gap (user, topic) as of the partition date with severity, "
    "prerequisite escalation, priority and ordered recommendations.",
    **_PARTITIONED,
)
def knowledge_gaps(context: dg.AssetExecutionContext, config: KnowledgeGapsConfig):
    as_of = _as_of(context)
    settings = _settings(config, GapConfig)
    timer = _Timer()
    with warehouse.connect() as conn:
        ensure_tables(conn)
        mastery = _mastery(conn)
        _check_as_of(mastery, as_of)
        inputs = load_inputs(conn, as_of)
        timer.lap("read")
        frame = compute_knowledge_gaps(inputs, mastery, as_of, settings)
        timer.lap("compute")
        replace_rows(conn, "knowledge_gaps", frame)
        conn.commit()
        timer.lap("write")
    severities = frame["severity"].value_counts().to_dict() if len(frame) else {}
    return dg.MaterializeResult(
        metadata={
            "as_of_date": as_of.isoformat(),
            **settings.as_metadata(),
            **{f"gaps_{k}": int(v) for k, v in severities.items()},
            **_table_metadata("knowledge_gaps", len(frame), timer.seconds),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            EXAM_READINESS,
            deps=[TOPIC_MASTERY, *_staging("stg_question_attempts", "stg_topics")],
            kinds=_KINDS,
            description="Per learner as of the partition date: predicted board exam score, "
            "coverage, readiness level and percentile in the workspace.",
        ),
        dg.AssetSpec(
            SUBJECT_PERCENTILES,
            deps=[TOPIC_MASTERY],
            kinds=_KINDS,
            description="Comparative analytics: each learner's mastery of each subject and "
            "percentile among the workspace's learners with mastery in that subject.",
        ),
    ],
    **_PARTITIONED,
)
def exam_readiness(context: dg.AssetExecutionContext, config: ExamReadinessConfig):
    as_of = _as_of(context)
    settings = _settings(config, ReadinessConfig)
    timer = _Timer()
    with warehouse.connect() as conn:
        ensure_tables(conn)
        mastery = _mastery(conn)
        _check_as_of(mastery, as_of)
        inputs = load_inputs(conn, as_of, ("attempts", "topics"))
        timer.lap("read")
        readiness, subjects = compute_exam_readiness(inputs, mastery, as_of, settings)
        timer.lap("compute")
        replace_rows(conn, "exam_readiness", readiness)
        replace_rows(conn, "subject_percentiles", subjects)
        conn.commit()
        timer.lap("write")
    levels = readiness["readiness_level"].value_counts().to_dict() if len(readiness) else {}
    common = {"as_of_date": as_of.isoformat(), **settings.as_metadata()}
    yield dg.MaterializeResult(
        asset_key=EXAM_READINESS,
        metadata={
            **common,
            **{f"learners_{k}": int(v) for k, v in levels.items()},
            **_table_metadata("exam_readiness", len(readiness), timer.seconds),
        },
    )
    yield dg.MaterializeResult(
        asset_key=SUBJECT_PERCENTILES,
        metadata={**common, **_table_metadata("subject_percentiles", len(subjects), {})},
    )


LEARNING_ASSETS = [topic_mastery, knowledge_gaps, exam_readiness]
