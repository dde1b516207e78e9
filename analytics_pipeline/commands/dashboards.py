"""`analytics-pipeline dashboards ...`: sync the definition files, list the
dashboards, render one now. Rendering runs here, without Dagster (the
dashboard assets come later); the executions are recorded all the same."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from analytics_pipeline import warehouse
from analytics_pipeline.dashboards.control import (
    active_dashboard,
    read_dashboards,
    sync_dashboards,
)
from analytics_pipeline.dashboards.definition import load_dashboard_files
from analytics_pipeline.dashboards.generation import DashboardRun, generate_dashboard
from analytics_pipeline.reports.schedule import next_due
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
