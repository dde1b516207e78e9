"""Learning assets: topic mastery (spaced repetition), knowledge gaps and exam
readiness, daily partitioned by as-of date. Thin: read the warehouse, call
the pure computations, replace the published table, record the config."""
# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

import dataclasses
import datetime as dt
import typing
from typing import Any, Literal

import dagster as dg
import pydantic

from analytics_pipeline import groups, warehouse
from analytics_pipeline.dbt.keys import table_asset_key
from analytics_pipeline.learning.computation import MasterySettings
from analytics_pipeline.learning.config import GapConfig, MasteryWeights, ReadinessConfig
from analytics_pipeline.learning.inputs import input_tables
from analytics_pipeline.learning.runs import (
    GAPS_INPUTS,
    MASTERY_INPUTS,
    READINESS_INPUTS,
    SUBJECT_PERCENTILES_INPUTS,
    StaleMasteryError,
    StepResult,
    run_exam_readiness,
    run_knowledge_gaps,
    run_topic_mastery,
)
from analytics_pipeline.learning.tables import SCHEMA, VALUE_RANGES, columns, primary_key
from analytics_pipeline.partitions import daily_partitions
from analytics_pipeline.published_tables import (
    PUBLISHED_FRESHNESS,
    column_schema,
    warehouse_checks,
)
from analytics_pipeline.warehouse.checks import table_checks
from analytics_pipeline.warehouse.previews import Preview, table_preview_markdown

# Keys <group>/<table>, like the dbt assets' (analytics_pipeline.dbt.keys).
TOPIC_MASTERY = dg.AssetKey([groups.LEARNING, "topic_mastery"])
KNOWLEDGE_GAPS = dg.AssetKey([groups.LEARNING, "knowledge_gaps"])
EXAM_READINESS = dg.AssetKey([groups.LEARNING, "exam_readiness"])
SUBJECT_PERCENTILES = dg.AssetKey([groups.LEARNING, "subject_percentiles"])


def _reads(inputs: tuple[str, ...]) -> list[dg.AssetKey]:
    """The dbt assets of the tables behind `inputs`."""
    return [table_asset_key(schema, name) for schema, name in input_tables(inputs)]


def _config_class(name: str, settings_class: type, extra: dict[str, Any] | None = None) -> type:
    """A Dagster run config class with one field per setting, defaulting to
    METRICS.md's values (the dataclass defaults)."""
    types = typing.get_type_hints(settings_class)
    fields = {f.name: (types[f.name], f.default) for f in dataclasses.fields(settings_class)}
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


def _table_metadata(
    name: str, as_of: dt.date, rows: int, seconds: dict[str, float]
) -> dict[str, Any]:
    preview = Preview(
        SCHEMA, name, date_column="as_of_date", days=(as_of, as_of), order_by=primary_key(name)
    )
    return {
        "table": f"{SCHEMA}.{name}",
        "dagster/row_count": rows,
        "preview": dg.MetadataValue.md(table_preview_markdown(preview)),
        **{f"seconds_{step}": value for step, value in seconds.items()},
    }


def _run(step, *args) -> StepResult:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        try:
            return step(conn, *args)
        except StaleMasteryError as exc:
            raise dg.Failure(str(exc)) from exc


_KINDS = {"python", "pandas", "postgres"}
_PARTITIONED = {
    "partitions_def": daily_partitions,
    "group_name": groups.LEARNING,
    "backfill_policy": dg.BackfillPolicy.multi_run(1),
}


def _published(key: dg.AssetKey) -> dict[str, Any]:
    """Spec attributes of a published learning table: where it is, column schema
    and freshness."""
    name = key.path[-1]
    return {
        "metadata": {
            "table": f"{SCHEMA}.{name}",
            "dagster/column_schema": column_schema(SCHEMA, name, columns(name)),
        },
        "freshness_policy": PUBLISHED_FRESHNESS,
    }


@dg.asset(
    key=TOPIC_MASTERY,
    **_published(TOPIC_MASTERY),
    deps=_reads(MASTERY_INPUTS),
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
    result = _run(run_topic_mastery, as_of, settings)
    return dg.MaterializeResult(
        metadata={
            "as_of_date": as_of.isoformat(),
            **settings.as_metadata(),
            **_table_metadata("topic_mastery", as_of, result.rows["topic_mastery"], result.seconds),
        }
    )


@dg.asset(
    key=KNOWLEDGE_GAPS,
    **_published(KNOWLEDGE_GAPS),
    deps=[TOPIC_MASTERY, *_reads(GAPS_INPUTS)],
    kinds=_KINDS,
    description="Every knowledge gap (user, topic) as of the partition date with severity, "
    "prerequisite escalation, priority and ordered recommendations.",
    **_PARTITIONED,
)
def knowledge_gaps(context: dg.AssetExecutionContext, config: KnowledgeGapsConfig):
    as_of = _as_of(context)
    settings = _settings(config, GapConfig)
    result = _run(run_knowledge_gaps, as_of, settings)
    return dg.MaterializeResult(
        metadata={
            "as_of_date": as_of.isoformat(),
            **settings.as_metadata(),
            **{f"gaps_{k}": v for k, v in result.summary.items()},
            **_table_metadata(
                "knowledge_gaps", as_of, result.rows["knowledge_gaps"], result.seconds
            ),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            EXAM_READINESS,
            **_published(EXAM_READINESS),
            deps=[TOPIC_MASTERY, *_reads(READINESS_INPUTS)],
            kinds=_KINDS,
            description="Per learner as of the partition date: predicted board exam score, "
            "coverage, readiness level and percentile in the workspace.",
        ),
        dg.AssetSpec(
            SUBJECT_PERCENTILES,
            **_published(SUBJECT_PERCENTILES),
            deps=[TOPIC_MASTERY, *_reads(SUBJECT_PERCENTILES_INPUTS)],
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
    result = _run(run_exam_readiness, as_of, settings)
    common = {"as_of_date": as_of.isoformat(), **settings.as_metadata()}
    yield dg.MaterializeResult(
        asset_key=EXAM_READINESS,
        metadata={
            **common,
            **{f"learners_{k}": v for k, v in result.summary.items()},
            **_table_metadata(
                "exam_readiness", as_of, result.rows["exam_readiness"], result.seconds
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=SUBJECT_PERCENTILES,
        metadata={
            **common,
            **_table_metadata("subject_percentiles", as_of, result.rows["subject_percentiles"], {}),
        },
    )


LEARNING_ASSETS = [topic_mastery, knowledge_gaps, exam_readiness]


def _checks(key: dg.AssetKey) -> dg.AssetChecksDefinition:
    name = key.path[1]
    return warehouse_checks(
        key, table_checks(f"{SCHEMA}.{name}", primary_key(name), VALUE_RANGES[name])
    )


LEARNING_CHECKS = [
    _checks(key) for key in (TOPIC_MASTERY, KNOWLEDGE_GAPS, EXAM_READINESS, SUBJECT_PERCENTILES)
]
