"""`analytics-pipeline dashboards ...`: sync the definition files, list the
dashboards, render one now, verify the rendered files, serve them. `render`
runs here, without Dagster (a dashboard defined only in the table has no
asset); `materialize` and the demo render through the dashboards' assets
(`render_latest_scheduled`), so their runs show in the UI."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from analytics_pipeline import warehouse
from analytics_pipeline.dashboards.control import (
    DASHBOARD_DEFINITIONS,
    DASHBOARD_EXECUTIONS,
    active_dashboard,
    ensure_dashboard_tables,
    read_dashboards,
    sync_dashboards,
)
from analytics_pipeline.dashboards.definition import load_dashboard_files
from analytics_pipeline.dashboards.generation import DashboardRun, generate_dashboard
from analytics_pipeline.reports.control import transaction
from analytics_pipeline.reports.executions import (
    Execution,
    completed_executions,
    latest_completed,
)
from analytics_pipeline.reports.schedule import latest_due, next_due
from analytics_pipeline.reports.verification import verify_files
from analytics_pipeline.settings import get_settings


def sync_dashboard_files() -> str:
    """dashboards/*.yml -> control.dashboard_definitions; the first bad file
    raises (DefinitionError naming the file and field) before anything is written."""
    definitions = load_dashboard_files(get_settings().dashboard_definitions_dir)
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        result = sync_dashboards(conn, definitions)
    return (
        f"inserted: {len(result.inserted)}, updated: {len(result.updated)}, "
        f"unchanged: {len(result.unchanged)}"
    )


def list_dashboards(say: Callable[[str], None] = print) -> int:
    """Print the active definitions: role, workspace, widgets, next render."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        valid, invalid = read_dashboards(conn)
    now = datetime.now(UTC)
    say(f"{'id':32} {'role':10} {'workspace':12} {'widgets':>7}  next render (UTC)")
    for definition in valid:
        due = next_due(definition.schedule, now) if definition.schedule else None
        when = due.strftime("%Y-%m-%d %H:%M") if due else "by hand only"
        say(
            f"{definition.id:32} {definition.role or '-':10} {definition.workspace_id or 'all':12}"
            f" {len(definition.widgets):>7}  {when}"
        )
    for row in invalid:
        say(f"{row.id:32} INVALID: {row.error}")
    return len(valid)


def render_dashboard_now(
    dashboard_id: str, as_of: date | None = None, formats: Sequence[str] = ()
) -> DashboardRun:
    """Render the active dashboard now (scheduled for this second), its
    relative date ranges resolved against `as_of` (default: today in its
    schedule's time zone). The widgets are read as the reader role."""
    moment = datetime.now(UTC).replace(microsecond=0)
    with (
        warehouse.connect(warehouse.Role.TRANSFORMER) as conn,
        warehouse.connect(warehouse.Role.READER) as reader,
    ):
        definition = active_dashboard(conn, dashboard_id)
        return generate_dashboard(
            conn,
            definition,
            moment,
            reference_date=as_of,
            formats=formats or None,
            executed_by="cli",
            query_conn=reader,
        )


@dataclass(frozen=True)
class DashboardOutcome:
    success: bool
    message: str
    executions: list[Execution]  # of the run's scheduled time, by format


def run_dashboard(
    dashboard_id: str,
    scheduled_for: datetime,
    formats: Sequence[str] = (),
    tags: dict[str, str] | None = None,
) -> DashboardOutcome:
    """Materialize the dashboard's asset for `scheduled_for` (aware); a
    dashboard without an asset (defined only in the table) is rendered here."""
    from analytics_pipeline.commands.materialize import (
        all_asset_keys,
        failure_summary,
        materialize,
    )
    from analytics_pipeline.dashboards.assets import dashboard_key

    key = dashboard_key(dashboard_id)
    if key in all_asset_keys():
        config = {"scheduled_for": scheduled_for.isoformat(), "formats": list(formats)}
        result = materialize(
            f"key:{key.to_user_string()}",
            log_level="WARNING",
            tags={
                "analytics/launched_by": "cli",
                "analytics/dashboard_id": dashboard_id,
                **(tags or {}),
            },
            run_config={"ops": {key.to_python_identifier(): {"config": config}}},
        )
        success = result.success
        message = dashboard_id if success else failure_summary(result)
    else:
        with (
            warehouse.connect(warehouse.Role.TRANSFORMER) as conn,
            warehouse.connect(warehouse.Role.READER) as reader,
        ):
            run = generate_dashboard(
                conn,
                active_dashboard(conn, dashboard_id),
                scheduled_for,
                formats=formats or None,
                executed_by=(tags or {}).get("analytics/launched_by", "cli"),
                query_conn=reader,
            )
        success = not run.failed
        message = (
            dashboard_id if success else "; ".join(f"{o.format}: {o.message}" for o in run.failed)
        )
    return DashboardOutcome(success, message, _executions(dashboard_id, scheduled_for))


def _executions(dashboard_id: str, scheduled_for: datetime) -> list[Execution]:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        return [
            e
            for e in completed_executions(conn, dashboard_id, table=DASHBOARD_EXECUTIONS)
            if e.scheduled_for == scheduled_for
        ]


def render_latest_scheduled(
    moment: datetime,
    tags: dict[str, str] | None = None,
    say: Callable[[str], None] = print,
    only: Collection[str] | None = None,
) -> bool:
    """Render every active dashboard (whose id is in `only`, default all) for
    its latest scheduled time at or before `moment` (unscheduled and manual
    ones for `moment` itself), one Dagster run each; a failing one does not
    stop the others. Returns whether all succeeded."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        definitions = read_dashboards(conn)[0]
    if only is not None:
        definitions = [d for d in definitions if d.id in only]
    all_ok = True
    for definition in definitions:
        due = latest_due(definition.schedule, moment) if definition.schedule else None
        outcome = run_dashboard(definition.id, due or moment, tags=tags)
        for execution in outcome.executions:
            say(f"  {definition.id:32} {execution.format:5}  {execution.file_path}")
        if not outcome.success:
            say(f"  {definition.id}: FAILED: {outcome.message}")
            all_ok = False
    return all_ok


def latest_html_files() -> list[tuple[str, str]]:
    """(dashboard id, path) of each dashboard's latest rendered HTML file."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        ensure_dashboard_tables(conn)
        latest = latest_completed(conn, table=DASHBOARD_EXECUTIONS)
    return [(e.report_id, str(e.file_path)) for e in latest if e.format == "html"]


def verify_dashboards(dashboard_id: str | None = None, say: Callable[[str], None] = print) -> bool:
    """Re-hash the file of every completed execution (of `dashboard_id`, or all)
    and say OK, CHANGED or MISSING for each, then a summary (as `report
    verify`). LookupError for a dashboard id the warehouse has never heard of."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        ensure_dashboard_tables(conn)
        executions = completed_executions(conn, dashboard_id, table=DASHBOARD_EXECUTIONS)
        if dashboard_id is not None and not executions:
            with transaction(conn) as cur:
                cur.execute(
                    f"select 1 from {DASHBOARD_DEFINITIONS.name} where id = %s", (dashboard_id,)
                )
                if cur.fetchone() is None:
                    raise LookupError(
                        f"no dashboard {dashboard_id!r} in {DASHBOARD_DEFINITIONS.name}"
                    )
    scope = f"of dashboard {dashboard_id!r}" if dashboard_id else "of any dashboard"
    return verify_files(executions, scope, say)


def serve_dashboards(port: int, say: Callable[[str], None] = print) -> None:
    """Serve the index and the latest files on 127.0.0.1 until interrupted."""
    from analytics_pipeline.dashboards.server import DashboardServer

    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        ensure_dashboard_tables(conn)  # a missing warehouse fails here, not per request
    with DashboardServer(port, log=say) as server:

        def stop(signum, frame) -> None:
            # shutdown() waits for the serving loop to end: not from the loop's thread
            threading.Thread(target=server.shutdown, daemon=True).start()

        # Ctrl-C or a TERM ends the loop between requests (a KeyboardInterrupt
        # could land anywhere in the request handling instead).
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        say(f"serving the dashboards on {server.url} (Ctrl-C stops)")
        try:
            server.serve_forever()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        say("stopped")
