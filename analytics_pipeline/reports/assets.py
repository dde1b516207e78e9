"""Report assets: one per report family (report_type table, chart, dashboard,
export), dynamically partitioned by report definition id, downstream of the
published tables their definitions read, so the lineage shows table -> report.

A materialization of partition `<report id>` renders the report's formats for
one scheduled time (run config `scheduled_for`, default now), records each
execution in control.report_executions and delivers the files. The asset
`control/report_definitions` syncs the YAML files into the table and
registers the partitions.
"""
# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import dagster as dg
from pydantic import Field

from analytics_pipeline import groups, warehouse
from analytics_pipeline.dbt.keys import table_asset_key
from analytics_pipeline.reports.catalog import (
    UnknownReportError,
    active_definition,
    active_definitions,
    readable_definitions,
    sync_repository,
)
from analytics_pipeline.reports.control import InvalidDefinition, SyncResult
from analytics_pipeline.reports.definition import FORMATS, REPORT_TYPES, ReportDefinition
from analytics_pipeline.reports.generation import GenerationResult, generate_report
from analytics_pipeline.reports.sources import REPORT_SOURCES
from analytics_pipeline.warehouse.previews import markdown_table

REPORT_DEFINITIONS = dg.AssetKey([groups.REPORTS, "report_definitions"])
_KINDS = {"python", "postgres"}


def family_key(family: str) -> dg.AssetKey:
    return dg.AssetKey([groups.REPORTS, family])


FAMILY_PARTITIONS = {
    family: dg.DynamicPartitionsDefinition(name=f"report_{family}") for family in REPORT_TYPES
}


def source_key(data_source: str) -> dg.AssetKey:
    """The asset of a published report source (dbt model or Python asset table)."""
    source = REPORT_SOURCES[data_source]
    return table_asset_key(source.schema, source.table)


def family_sources() -> dict[str, set[str]]:
    """Per family, the data sources its definition files read: the asset deps.

    Read when the code location loads; a bad file is left out here (the sync
    reports it). A definition added only in the table still runs, but its
    source shows as upstream once a file names it or the location reloads.
    """
    sources: dict[str, set[str]] = {family: set() for family in REPORT_TYPES}
    for definition in readable_definitions()[0]:
        sources[definition.report_type].add(definition.configuration.data_source)
    return sources


def missing_partitions(
    instance: dg.DagsterInstance, definitions: list[ReportDefinition]
) -> dict[str, list[str]]:
    """Per family, the ids of `definitions` not yet among its partitions."""
    missing: dict[str, list[str]] = {}
    for family, partitions in FAMILY_PARTITIONS.items():
        known = set(instance.get_dynamic_partitions(partitions.name))
        new = sorted(d.id for d in definitions if d.report_type == family and d.id not in known)
        if new:
            missing[family] = new
    return missing


def register_partitions(
    instance: dg.DagsterInstance, definitions: list[ReportDefinition]
) -> dict[str, list[str]]:
    """Add each definition's id to its family's partitions; returns the added ids."""
    added = missing_partitions(instance, definitions)
    for family, ids in added.items():
        instance.add_dynamic_partitions(FAMILY_PARTITIONS[family].name, ids)
    return added


class ReportRunConfig(dg.Config):
    scheduled_for: str | None = Field(
        default=None,
        description="The scheduled time this run stands for (ISO 8601 with offset); "
        "default: now. Relative date ranges resolve against its date in the "
        "schedule's time zone; at most one execution per report, time and format.",
    )
    formats: list[str] = Field(
        default=[],
        description=f"Formats to produce ({', '.join(FORMATS)}); default: the schedule's.",
    )


def parse_scheduled_for(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"scheduled_for needs a UTC offset, got {text!r}")
    return moment


def result_metadata(result: GenerationResult) -> dict:
    metadata: dict = {
        "report_id": result.report_id,
        "scheduled_for": result.scheduled_for.isoformat(),
        "reference_date": result.reference_date.isoformat(),
        "data_range": "all dates"
        if result.data_range is None
        else f"{result.data_range[0]} to {result.data_range[1]}",
    }
    for outcome in result.outcomes:
        execution = outcome.execution
        prefix = outcome.format
        metadata[f"{prefix}_status"] = outcome.status
        if outcome.message:
            metadata[f"{prefix}_message"] = outcome.message
        if execution is not None:
            metadata[f"{prefix}_execution_id"] = execution.id
        if execution is not None and execution.file_path is not None:
            metadata[f"{prefix}_path"] = dg.MetadataValue.path(str(execution.file_path))
            metadata[f"{prefix}_size_bytes"] = execution.file_size
            metadata[f"{prefix}_rows"] = execution.record_count
            metadata[f"{prefix}_generation_ms"] = execution.generation_time_ms
    previews = [o for o in result.outcomes if o.columns]
    if previews:
        metadata["dagster/row_count"] = previews[0].execution.record_count
        metadata["preview"] = dg.MetadataValue.md(
            markdown_table(previews[0].columns, previews[0].preview_rows)
        )
    if result.delivery is not None:
        metadata["delivery_status"] = result.delivery.status
        if result.delivery.error:
            metadata["delivery_error"] = result.delivery.error
    return metadata


def _run_report(context: dg.AssetExecutionContext, family: str, config: ReportRunConfig):
    report_id = context.partition_key
    launched_by = context.run.tags.get("analytics/launched_by", "dagster")
    try:
        scheduled_for = parse_scheduled_for(config.scheduled_for)
    except ValueError as exc:
        raise dg.Failure(str(exc)) from exc
    with (
        warehouse.connect(warehouse.Role.TRANSFORMER) as conn,
        warehouse.connect(warehouse.Role.READER) as reader,
    ):
        try:
            definition = active_definition(conn, report_id)
        except UnknownReportError as exc:
            raise dg.Failure(str(exc)) from exc
        if definition.report_type != family:
            raise dg.Failure(
                f"report {report_id!r} is a {definition.report_type} report, not {family}: "
                f"materialize it in reports/{definition.report_type}"
            )
        unknown = sorted(set(config.formats) - set(FORMATS))
        if unknown:
            raise dg.Failure(f"unknown format(s) {unknown}: choose from {', '.join(FORMATS)}")
        result = generate_report(
            conn,
            definition,
            scheduled_for,
            formats=config.formats or None,
            executed_by=f"{launched_by} (dagster run {context.run.run_id})",
            query_conn=reader,
        )
    metadata = result_metadata(result)
    if result.failed:
        errors = "; ".join(f"{o.format}: {o.message}" for o in result.failed)
        raise dg.Failure(f"report {report_id!r} failed: {errors}", metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)


def _family_asset(family: str, sources: set[str]) -> dg.AssetsDefinition:
    @dg.asset(
        key=family_key(family),
        deps=[
            REPORT_DEFINITIONS,
            # A report reads whichever days of its (daily-partitioned) source its
            # date range covers: it depends on all of them.
            *(
                dg.AssetDep(source_key(name), partition_mapping=dg.AllPartitionMapping())
                for name in sorted(sources)
            ),
        ],
        partitions_def=FAMILY_PARTITIONS[family],
        group_name=groups.REPORTS,
        kinds=_KINDS,
        description=f"The {family} reports: one partition per report definition of type "
        f"{family}. Renders its formats into $ANALYTICS_HOME/reports/<id>/, records each "
        "execution in control.report_executions and e-mails the files.",
    )
    def report_family(context: dg.AssetExecutionContext, config: ReportRunConfig):
        return _run_report(context, family, config)

    return report_family


@dg.asset(
    key=REPORT_DEFINITIONS,
    group_name=groups.REPORTS,
    kinds=_KINDS,
    description="Report definitions: the reports/*.yml files synced into "
    "control.report_definitions (all or nothing), and each active definition "
    "registered as a partition of its report family.",
)
def report_definitions(context: dg.AssetExecutionContext):
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        synced = sync_repository(conn)
        valid, invalid = active_definitions(conn)
    added = register_partitions(context.instance, valid)
    metadata = sync_metadata(context, synced, valid, invalid, "definitions")
    metadata["partitions_added"] = ", ".join(i for ids in added.values() for i in ids) or "none"
    return dg.MaterializeResult(metadata=metadata)


def sync_metadata(
    context: dg.AssetExecutionContext,
    synced: SyncResult,
    valid: Sequence[Any],
    invalid: Sequence[InvalidDefinition],
    noun: str,
) -> dict:
    """A definition sync's materialization metadata (the reports', the dashboards',
    the alert rules'); each invalid table row is logged as a warning."""
    for row in invalid:
        context.log.warning(f"invalid row in the table: {row.id}: {row.error}")
    return {
        "inserted": ", ".join(synced.inserted) or "none",
        "updated": ", ".join(synced.updated) or "none",
        "unchanged": len(synced.unchanged),
        f"active_{noun}": len(valid),
        "invalid_rows": ", ".join(row.id for row in invalid) or "none",
    }


def build_report_assets() -> list[dg.AssetsDefinition]:
    sources = family_sources()
    return [report_definitions, *(_family_asset(f, sources[f]) for f in REPORT_TYPES)]
