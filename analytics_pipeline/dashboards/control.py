"""Dashboard definitions and executions in schema `control`, kept like the
reports' (`reports.control`, whose sync, read and execution functions work on
these tables too):

- `control.dashboard_definitions`: synced from dashboards/*.yml by
  `sync_dashboards`, or added and edited in the table directly. The files win
  for the ids they define; rows added in the table stay; deleting a file does
  not delete its row (set `is_active = false`).
- `control.dashboard_executions`: one row per (dashboard, scheduled_for,
  format), the same columns as `control.report_executions` with the
  dashboard's id in `dashboard_id` (a table of its own rather than a kind
  column in the reports' one: its key references the dashboards' table, and
  its formats are html and pdf). `record_count` is the rows behind the
  widgets.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg2.extensions import connection

from analytics_pipeline.dashboards.definition import (
    FORMATS,
    DashboardDefinition,
    dashboard_to_record,
    parse_dashboard,
)
from analytics_pipeline.reports.control import (
    CONTROL_SCHEMA,
    DefinitionTable,
    ExecutionTable,
    InvalidDefinition,
    SyncResult,
    executions_ddl,
    pick_active,
    read_definitions,
    sync_definitions,
    touch_trigger_ddl,
    transaction,
)

DASHBOARD_DEFINITIONS = DefinitionTable(
    name=f"{CONTROL_SCHEMA}.dashboard_definitions",
    fields=(
        "id",
        "name",
        "description",
        "role",
        "workspace_id",
        "date_range",
        "widgets",
        "schedule",
        "created_by",
        "is_active",
    ),
    required=("id", "name", "date_range", "widgets"),
    defaults={
        "description": None,
        "role": None,
        "workspace_id": None,
        "schedule": None,
        "created_by": None,
        "is_active": True,
    },
    json_fields=("date_range", "widgets", "schedule"),
    kind="dashboard",
)
DASHBOARD_EXECUTIONS = ExecutionTable(
    name=f"{CONTROL_SCHEMA}.dashboard_executions",
    key_column="dashboard_id",
    definitions_table=DASHBOARD_DEFINITIONS.name,
    formats=FORMATS,
    kind="dashboard",
)

_DDL = f"""
create schema if not exists {CONTROL_SCHEMA};

create table if not exists {DASHBOARD_DEFINITIONS.name} (
    id            text primary key,
    name          text not null,
    description   text,
    role          text,
    workspace_id  text,
    date_range    jsonb not null,
    widgets       jsonb not null,
    schedule      jsonb,
    created_by    text,
    is_active     boolean not null default true,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    -- ids name directories under $ANALYTICS_HOME/dashboards: no separators or dots
    constraint dashboard_definitions_id_slug
        check (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]*$' and char_length(id) <= 128),
    constraint dashboard_definitions_widgets_array check (jsonb_typeof(widgets) = 'array'),
    constraint dashboard_definitions_schedule_object
        check (schedule is null or jsonb_typeof(schedule) = 'object')
);
comment on table {DASHBOARD_DEFINITIONS.name} is
    'Dashboard definitions: synced from dashboards/*.yml, or added and edited here directly.';
{touch_trigger_ddl(DASHBOARD_DEFINITIONS)}
{executions_ddl(DASHBOARD_EXECUTIONS)}
"""


def ensure_dashboard_tables(conn: connection) -> None:
    """Create both tables, their constraints, trigger and indexes if missing
    (idempotent; serialized with the reports' schema setup)."""
    with transaction(conn) as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('analytics_pipeline.control_schema'))")
        cur.execute(_DDL)


def sync_dashboards(conn: connection, definitions: Sequence[DashboardDefinition]) -> SyncResult:
    """Upsert the definitions (files win for their ids; other rows stay)."""
    ensure_dashboard_tables(conn)
    records = [dashboard_to_record(definition) for definition in definitions]
    return sync_definitions(conn, records, parse_dashboard, table=DASHBOARD_DEFINITIONS)


def read_dashboards(
    conn: connection, active_only: bool = True
) -> tuple[list[DashboardDefinition], list[InvalidDefinition]]:
    """The definitions of the table (by id), and the rows that fail validation."""
    ensure_dashboard_tables(conn)
    return read_definitions(conn, parse_dashboard, active_only, table=DASHBOARD_DEFINITIONS)


def active_dashboard(conn: connection, dashboard_id: str) -> DashboardDefinition:
    """The active, valid definition with this id; LookupError naming why not."""
    valid, invalid = read_dashboards(conn)
    return pick_active(valid, invalid, dashboard_id, DASHBOARD_DEFINITIONS, "dashboards sync")
