"""Dashboard assets: one per dashboard definition file, `dashboards/<id>`,
downstream of exactly the published tables its widgets read, so the lineage
shows table -> dashboard per dashboard.

Why an asset per dashboard and not, as for reports, a family asset with a
partition per definition: Dagster draws lineage per asset, not per
partition, so a family's upstream is the union of its members' tables. A
dashboard reads several tables, and "which dashboards show this table" is
what its lineage is for; one asset each answers it exactly. The assets are
read from dashboards/*.yml when the code location loads (a bad file is left
out; the sync reports it). A dashboard defined only in the table (or whose
file is newer than the loaded code location) is a partition of
`dashboards/defined_in_table`, dynamically partitioned by dashboard id like
a report family: the schedule sensor renders it there, and its lineage shows
no tables until a file names it.

A materialization renders the dashboard for one scheduled time (run config
`scheduled_for`, default now), records each format's execution in
control.dashboard_executions and e-mails the files. The asset
`dashboards/dashboard_definitions` syncs the files into the table.
"""
# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

from pathlib import Path

import dagster as dg
from pydantic import Field

from analytics_pipeline import groups, warehouse
from analytics_pipeline.dashboards.control import (
    active_dashboard,
    read_dashboards,
    sync_dashboards,
)
from analytics_pipeline.dashboards.definition import (
    FORMATS,
    DashboardDefinition,
    load_dashboard_file,
    load_dashboard_files,
)
from analytics_pipeline.dashboards.generation import DashboardRun, generate_dashboard
from analytics_pipeline.reports.assets import parse_scheduled_for, source_key, sync_metadata
from analytics_pipeline.reports.catalog import FileProblem, readable_files
from analytics_pipeline.settings import get_settings

DEFINITIONS_NAME = "dashboard_definitions"
DASHBOARD_DEFINITIONS = dg.AssetKey([groups.DASHBOARDS, DEFINITIONS_NAME])
IN_TABLE_NAME = "defined_in_table"
DASHBOARDS_IN_TABLE = dg.AssetKey([groups.DASHBOARDS, IN_TABLE_NAME])
IN_TABLE_PARTITIONS = dg.DynamicPartitionsDefinition(name="dashboards_defined_in_table")
# Ids a dashboard file cannot take: the keys of the two assets above.
RESERVED_IDS = (DEFINITIONS_NAME, IN_TABLE_NAME)
_KINDS = {"python", "postgres", "html", "pdf"}


def dashboard_key(dashboard_id: str) -> dg.AssetKey:
    return dg.AssetKey([groups.DASHBOARDS, dashboard_id])


def readable_dashboards(
    directory: Path | None = None,
) -> tuple[list[DashboardDefinition], list[FileProblem]]:
    """Every dashboard file that parses, and the problems of the others (loading
    the code location must not fail on one bad file)."""
    good, bad = readable_files(
        directory or get_settings().dashboard_definitions_dir, load_dashboard_file
    )
    for definition in [d for d in good if d.id in RESERVED_IDS]:  # the shared assets' keys
        good.remove(definition)
        path = (directory or get_settings().dashboard_definitions_dir) / f"{definition.id}.yml"
        bad.append(FileProblem(path, f"id {definition.id!r} is reserved"))
    return good, bad


class DashboardRunConfig(dg.Config):
    scheduled_for: str | None = Field(
        default=None,
        description="The scheduled time this run stands for (ISO 8601 with offset); "
        "default: now. Relative date ranges resolve against its date in the "
        "schedule's time zone; at most one execution per dashboard, time and format.",
    )
    formats: list[str] = Field(
        default=[],
        description=f"Formats to produce ({', '.join(FORMATS)}); default: the schedule's.",
    )


def run_metadata(run: DashboardRun) -> dict:
    """The materialization's metadata: per format its status, file, size and
    sha256; a preview linking the HTML file, and the path of a PNG thumbnail
    of the first chart."""
    metadata: dict = {
        "dashboard_id": run.dashboard_id,
        "scheduled_for": run.scheduled_for.isoformat(),
        "reference_date": run.reference_date.isoformat(),
    }
    for outcome in run.outcomes:
        execution = outcome.execution
        prefix = outcome.format
        metadata[f"{prefix}_status"] = outcome.status
        if outcome.message:
            metadata[f"{prefix}_message"] = outcome.message
        if execution is not None:
            metadata[f"{prefix}_execution_id"] = execution.id
        if execution is not None and execution.file_path is not None:
            metadata[f"{prefix}_path"] = dg.MetadataValue.path(str(execution.file_path))
            metadata[f"{prefix}_sha256"] = execution.sha256
            metadata[f"{prefix}_size_bytes"] = execution.file_size
            metadata[f"{prefix}_rows"] = execution.record_count
    html = next((o.execution for o in run.outcomes if o.format == "html" and o.execution), None)
    if run.thumbnail is not None:
        metadata["preview_image"] = dg.MetadataValue.path(str(run.thumbnail))
    if html is not None and html.file_path is not None:
        metadata["preview"] = dg.MetadataValue.md(
            f"[Open the dashboard]({html.file_path.as_uri()}) (`{html.file_path}`)"
        )
    if run.delivery is not None:
        metadata["delivery_status"] = run.delivery.status
        if run.delivery.error:
            metadata["delivery_error"] = run.delivery.error
    return metadata


def _render(
    context: dg.AssetExecutionContext,
    dashboard_id: str,
    file_sources: tuple[str, ...] | None,
    config: DashboardRunConfig,
):
    """Render `dashboard_id` (active in the table) for the run's scheduled time;
    `file_sources`: the tables the asset's lineage shows (None: none)."""
    launched_by = context.run.tags.get("analytics/launched_by", "dagster")
    try:
        scheduled_for = parse_scheduled_for(config.scheduled_for)
    except ValueError as exc:
        raise dg.Failure(str(exc)) from exc
    unknown = sorted(set(config.formats) - set(FORMATS))
    if unknown:
        raise dg.Failure(f"unknown format(s) {unknown}: choose from {', '.join(FORMATS)}")
    with (
        warehouse.connect(warehouse.Role.TRANSFORMER) as conn,
        warehouse.connect(warehouse.Role.READER) as reader,
    ):
        try:
            definition = active_dashboard(conn, dashboard_id)
        except LookupError as exc:
            raise dg.Failure(str(exc)) from exc
        if file_sources is not None and definition.data_sources != file_sources:
            context.log.warning(
                f"dashboard {dashboard_id!r} in the table reads {sorted(definition.data_sources)}; "
                "the lineage shows its file's tables until the code location reloads"
            )
        run = generate_dashboard(
            conn,
            definition,
            scheduled_for,
            formats=config.formats or None,
            executed_by=f"{launched_by} (dagster run {context.run.run_id})",
            query_conn=reader,
        )
    metadata = run_metadata(run)
    if run.failed:
        errors = "; ".join(f"{o.format}: {o.message}" for o in run.failed)
        raise dg.Failure(f"dashboard {dashboard_id!r} failed: {errors}", metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)


def _dashboard_asset(definition: DashboardDefinition) -> dg.AssetsDefinition:
    dashboard_id = definition.id

    @dg.asset(
        key=dashboard_key(dashboard_id),
        deps=[
            DASHBOARD_DEFINITIONS,
            # A widget reads whichever days of its (daily-partitioned) table
            # its date range covers: the dashboard depends on all of them.
            *(
                dg.AssetDep(source_key(name), partition_mapping=dg.AllPartitionMapping())
                for name in definition.data_sources
            ),
        ],
        group_name=groups.DASHBOARDS,
        kinds=_KINDS,
        metadata={
            "role": definition.role or "-",
            "workspace_id": definition.workspace_id or "all",
            "widgets": len(definition.widgets),
        },
        description=f"{definition.name}: renders HTML and PDF into "
        f"$ANALYTICS_HOME/dashboards/{dashboard_id}/, records each file in "
        "control.dashboard_executions and e-mails them."
        + (f"\n\n{definition.description}" if definition.description else ""),
    )
    def dashboard(context: dg.AssetExecutionContext, config: DashboardRunConfig):
        return _render(context, dashboard_id, definition.data_sources, config)

    return dashboard


@dg.asset(
    key=DASHBOARD_DEFINITIONS,
    group_name=groups.DASHBOARDS,
    kinds={"python", "postgres"},
    description="Dashboard definitions: the dashboards/*.yml files synced into "
    "control.dashboard_definitions (all or nothing).",
)
def dashboard_definitions(context: dg.AssetExecutionContext):
    definitions = load_dashboard_files(get_settings().dashboard_definitions_dir)
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        synced = sync_dashboards(conn, definitions)
        valid, invalid = read_dashboards(conn)
    return dg.MaterializeResult(
        metadata=sync_metadata(context, synced, valid, invalid, "dashboards")
    )


@dg.asset(
    key=DASHBOARDS_IN_TABLE,
    deps=[DASHBOARD_DEFINITIONS],
    partitions_def=IN_TABLE_PARTITIONS,
    group_name=groups.DASHBOARDS,
    kinds=_KINDS,
    description="The dashboards defined only in control.dashboard_definitions (no "
    "dashboards/<id>.yml in the loaded code location, so no asset of their own): one "
    "partition per dashboard id, added by the schedule sensor when one comes due. "
    "Rendered like the others; the lineage shows their tables once a file names them.",
)
def dashboards_defined_in_table(context: dg.AssetExecutionContext, config: DashboardRunConfig):
    return _render(context, context.partition_key, None, config)


def build_dashboard_assets() -> list[dg.AssetsDefinition]:
    definitions, _problems = readable_dashboards()
    return [
        dashboard_definitions,
        dashboards_defined_in_table,
        *(_dashboard_asset(d) for d in definitions),
    ]
