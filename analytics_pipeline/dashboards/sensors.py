"""The dashboard schedule sensor: each minute it syncs changed dashboards/*.yml
files, marks stuck executions failed, and requests a run of the dashboard's
asset for every active dashboard whose schedule came due. The schedules and
the rules of the report sensor apply (`reports.sensors`: its `due_runs`,
`already_rendered`, catch-up window and stuck timeout are reused): calendar,
cron, interval and manual schedules in their time zone, the run key
`<id>|<scheduled time>` making Dagster request each scheduled run once, and
a due run already rendered in every format (by `materialize`, the demo or
`dashboards render`) not requested again.

A due dashboard is rendered once one of its tables holds data through the
last day of the dashboard's date range (a widget without rows says so on
the page); until then it is not rendered (a new warehouse, data stopped
weeks ago): the tick log says so and the next due time tries again. A
dashboard defined only in the table (no file, hence no asset of its own)
runs as its partition of `dashboards/defined_in_table`, added when it first
comes due.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import dagster as dg

from analytics_pipeline import groups, warehouse
from analytics_pipeline.dashboards.assets import (
    DASHBOARD_DEFINITIONS,
    DASHBOARDS_IN_TABLE,
    IN_TABLE_PARTITIONS,
    dashboard_key,
    readable_dashboards,
)
from analytics_pipeline.dashboards.control import (
    DASHBOARD_EXECUTIONS,
    read_dashboards,
    sync_dashboards,
)
from analytics_pipeline.dashboards.definition import load_dashboard_files
from analytics_pipeline.reports.catalog import files_digest
from analytics_pipeline.reports.date_ranges import resolve_date_range
from analytics_pipeline.reports.definition import DefinitionError
from analytics_pipeline.reports.executions import fail_stuck_executions
from analytics_pipeline.reports.generation import reference_date
from analytics_pipeline.reports.sensors import (
    STUCK_AFTER,
    DueRun,
    already_rendered,
    data_through,
    due_runs,
)
from analytics_pipeline.settings import get_settings

DASHBOARD_ASSETS = dg.AssetSelection.groups(groups.DASHBOARDS) - dg.AssetSelection.assets(
    DASHBOARD_DEFINITIONS
)


def run_request(run: DueRun, own_asset: bool = True) -> dg.RunRequest:
    """The run of the dashboard's own asset, or (`own_asset` false: defined only
    in the table) of its partition of dashboards/defined_in_table."""
    key = dashboard_key(run.definition.id) if own_asset else DASHBOARDS_IN_TABLE
    return dg.RunRequest(
        run_key=run.run_key,
        asset_selection=[key],
        partition_key=None if own_asset else run.definition.id,
        run_config={
            "ops": {
                key.to_python_identifier(): {
                    "config": {"scheduled_for": run.scheduled_for.isoformat()}
                }
            }
        },
        tags={
            "analytics/launched_by": "dashboard_schedule_sensor",
            "analytics/dashboard_id": run.definition.id,
            "analytics/scheduled_for": run.scheduled_for.isoformat(),
        },
    )


def _needs_data_through(run: DueRun) -> date | None:
    """The last day of the dashboard's date range for this run (None: none)."""
    date_range = run.definition.date_range
    if date_range is None:
        return None
    return resolve_date_range(date_range, reference_date(run.definition, run.scheduled_for))[1]


def _asset_keys(context: dg.SensorEvaluationContext) -> set[dg.AssetKey]:
    """The dashboard assets of the loaded code location (or, without one, as
    the files would make them)."""
    if context.repository_def is not None:
        return set(context.repository_def.asset_graph.get_all_asset_keys())
    return {dashboard_key(d.id) for d in readable_dashboards()[0]}


@dg.sensor(
    name="dashboard_schedule_sensor",
    description="Renders each active dashboard at its scheduled times (its time zone, DST "
    "included; interval schedules every N minutes; manual ones never); syncs changed "
    "dashboards/*.yml files first.",
    asset_selection=DASHBOARD_ASSETS,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def dashboard_schedule_sensor(context: dg.SensorEvaluationContext):
    return evaluate_dashboard_schedules(context, datetime.now(UTC))


def evaluate_dashboard_schedules(context: dg.SensorEvaluationContext, now: datetime):
    """One tick of the sensor at `now` (aware)."""
    state = json.loads(context.cursor) if context.cursor else {}
    last_tick = datetime.fromisoformat(state["last_tick"]) if "last_tick" in state else None
    directory = get_settings().dashboard_definitions_dir
    digest = files_digest(directory)
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        if digest != state.get("files"):
            try:
                synced = sync_dashboards(conn, load_dashboard_files(directory))
                context.log.info(f"synced dashboard files: {synced}")
            except (DefinitionError, ValueError) as exc:
                # Nothing was written; the table's definitions still run.
                context.log.error(f"dashboard files not synced: {exc}")
        stuck = fail_stuck_executions(conn, STUCK_AFTER, table=DASHBOARD_EXECUTIONS)
        if stuck:
            context.log.warning(f"marked stuck dashboard executions failed: {stuck}")
        valid, invalid = read_dashboards(conn)
        due = due_runs(valid, last_tick, now)
        done = already_rendered(conn, due, DASHBOARD_EXECUTIONS)
        latest = {
            source: data_through(conn, source)
            for run in due
            for source in run.definition.data_sources
        }
    for row in invalid:
        context.log.error(f"dashboard {row.id!r} is invalid and does not run: {row.error}")
    keys = _asset_keys(context)
    requests, new_partitions = [], []
    partitions = set(context.instance.get_dynamic_partitions(IN_TABLE_PARTITIONS.name))
    for run in due:
        if run.run_key in done:
            continue
        needed = _needs_data_through(run)
        if not any(
            day is not None and (needed is None or day >= needed)
            for day in (latest[source] for source in run.definition.data_sources)
        ):
            context.log.info(
                f"dashboard {run.definition.id!r} is due ({run.scheduled_for.isoformat()}) but "
                f"none of its tables holds data through {needed}: not rendered"
            )
            continue
        own_asset = dashboard_key(run.definition.id) in keys
        if not own_asset and run.definition.id not in partitions | set(new_partitions):
            new_partitions.append(run.definition.id)
        requests.append(run_request(run, own_asset))
    cursor = {"last_tick": now.isoformat(), "files": digest}
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=(
            [IN_TABLE_PARTITIONS.build_add_request(new_partitions)] if new_partitions else []
        ),
        cursor=json.dumps(cursor),
    )
