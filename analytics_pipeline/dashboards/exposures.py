"""dbt exposures generated from dashboard definitions: every dashboard shows in
the dbt docs and their lineage graph downstream of exactly the tables its
widgets read, as the reports do (`reports.exposures`, whose dependency
naming, Jinja escaping, YAML layout and atomic write this module uses).

The committed file `EXPOSURES_FILE` is generated from dashboards/*.yml (a test
keeps it current: `python -m analytics_pipeline.dashboards.exposures`);
`analytics-pipeline docs` regenerates it from the definitions the warehouse
holds. Exposure names are `dashboard_<id>` (hyphens as underscores): exposures
share one namespace in dbt, and a report may have a dashboard's id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from analytics_pipeline import warehouse
from analytics_pipeline.dashboards.control import DASHBOARD_DEFINITIONS
from analytics_pipeline.dashboards.definition import (
    DashboardDefinition,
    load_dashboard_files,
    parse_dashboard,
)
from analytics_pipeline.reports.control import read_definitions
from analytics_pipeline.reports.exposures import (
    DEFAULT_OWNER,
    date_range_text,
    dbt_dependency,
    exposures_document,
    jinja_literal,
    write_if_changed,
)
from analytics_pipeline.reports.schedule import describe_schedule
from analytics_pipeline.reports.sources import REPORT_SOURCES
from analytics_pipeline.settings import get_settings

EXPOSURES_FILE = Path("models") / "dashboards" / "_dashboard_exposures.yml"
_HEADER = """\
# Generated from the dashboard definitions by analytics_pipeline.dashboards.exposures:
# do not edit. `python -m analytics_pipeline.dashboards.exposures` writes it from
# dashboards/*.yml; `analytics-pipeline docs` from control.dashboard_definitions.
"""
log = logging.getLogger(__name__)


def exposure_name(dashboard_id: str) -> str:
    return f"dashboard_{dashboard_id.replace('-', '_')}"


def exposure(definition: DashboardDefinition) -> dict[str, Any]:
    """One dbt exposure (a YAML-ready mapping) for a dashboard definition."""
    schedule = definition.schedule
    created_by = definition.created_by or DEFAULT_OWNER
    return {
        "name": exposure_name(definition.id),
        "label": jinja_literal(definition.name),
        "type": "dashboard",
        "maturity": _maturity(definition),
        "owner": {("email" if "@" in created_by else "name"): jinja_literal(created_by)},
        "description": jinja_literal(_description(definition)),
        "depends_on": sorted(
            {dbt_dependency(REPORT_SOURCES[name]) for name in definition.data_sources}
        ),
        "config": {
            "tags": ["dashboard"],
            "meta": {
                "dashboard_id": jinja_literal(definition.id),
                "role": jinja_literal(definition.role) if definition.role else None,
                "workspace_id": (
                    jinja_literal(definition.workspace_id) if definition.workspace_id else None
                ),
                "widgets": len(definition.widgets),
                "data_sources": list(definition.data_sources),
                "formats": list(schedule.formats) if schedule else ["html", "pdf"],
                "schedule": describe_schedule(schedule) if schedule else None,
                "date_range": date_range_text(definition.date_range),
                "is_active": definition.is_active,
            },
        },
    }


def _maturity(definition: DashboardDefinition) -> str:
    if not definition.is_active:
        return "low"
    scheduled = definition.schedule is not None and definition.schedule.frequency != "manual"
    return "high" if scheduled else "medium"


def _description(definition: DashboardDefinition) -> str:
    """Markdown: the definition's description, then what it shows and when it renders."""
    schedule = definition.schedule
    workspace = (
        f"workspace `{definition.workspace_id}`" if definition.workspace_id else "all workspaces"
    )
    widgets = len(definition.widgets)
    facts = [
        f"Dashboard `{definition.id}` for {definition.role or 'any role'}, {workspace}",
        f"{widgets} widget{'' if widgets == 1 else 's'} on "
        + ", ".join(f"`{name}`" for name in definition.data_sources),
        f"Date range: {date_range_text(definition.date_range)}",
    ]
    if schedule is None:
        facts.append("Rendered by hand only")
    else:
        recipients = len(schedule.recipients)
        facts.append(f"Schedule: {describe_schedule(schedule)}")
        facts.append(
            f"Formats: {', '.join(schedule.formats)}; "
            f"{recipients} recipient{'' if recipients == 1 else 's'}"
        )
    if not definition.is_active:
        facts.append("Inactive: not rendered")
    summary = definition.description.strip() or definition.name
    return "\n".join([summary, "", *(f"- {fact}" for fact in facts)])


def exposures_yaml(definitions: Iterable[DashboardDefinition]) -> str:
    """The exposures file for `definitions`, sorted by id."""
    return exposures_document(
        [exposure(d) for d in sorted(definitions, key=lambda d: d.id)], _HEADER
    )


def exposures_path(project_dir: Path | None = None) -> Path:
    return (project_dir or get_settings().dbt_project_dir) / EXPOSURES_FILE


def write_exposures(
    definitions: Iterable[DashboardDefinition], project_dir: Path | None = None
) -> bool:
    """Write the exposures file (atomically); False when it already had this text."""
    return write_if_changed(exposures_path(project_dir), exposures_yaml(definitions))


def documented_dashboards() -> list[DashboardDefinition]:
    """The dashboards the dbt docs show: the rows of control.dashboard_definitions
    (inactive ones too), and the files whose ids the table lacks (without the
    table, every file). A row that fails validation is left out with a warning."""
    files = load_dashboard_files(get_settings().dashboard_definitions_dir)
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        conn.autocommit = True  # read_definitions wants a connection with no transaction
        with conn.cursor() as cur:
            cur.execute("select to_regclass(%s) is not null", (DASHBOARD_DEFINITIONS.name,))
            (table_exists,) = cur.fetchone()
        if not table_exists:
            return files
        rows, invalid = read_definitions(
            conn, parse_dashboard, active_only=False, table=DASHBOARD_DEFINITIONS
        )
    for row in invalid:
        log.warning("dashboard definition %r left out of the docs: %s", row.id, row.error)
    by_id = {d.id: d for d in files} | {d.id: d for d in rows}
    return [by_id[dashboard_id] for dashboard_id in sorted(by_id)]


if __name__ == "__main__":
    # `python -m analytics_pipeline.dashboards.exposures`: regenerate the committed file.
    changed = write_exposures(load_dashboard_files(get_settings().dashboard_definitions_dir))
    print(f"{exposures_path()}: {'written' if changed else 'up to date'}")
