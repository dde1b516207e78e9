"""Schema `control`: report definitions and executions, written by users and the
application and never dropped by dbt.

Definitions come from two places. YAML files in the repository are synced into
`control.report_definitions` by `sync_definitions`; rows can also be added or
edited directly in the table. A sync upserts the definitions it is given and
leaves every other row alone (a row added in the table stays; deleting a file
does not delete its row: set `is_active = false` to retire a report). For the
ids the files define, the files win: a sync overwrites table edits of them.

The dashboards keep their definitions and executions in tables of the same
kind (`dashboards.control`): a `DefinitionTable` or an `ExecutionTable`
describes one, and the sync, read and execution functions take it (default:
the reports').

Every public function here (and in `executions` and `delivery`) is one
transaction of its own: it needs a connection with no transaction open and
commits before it returns, so a state change is visible to other workers at
once and never waits for the caller's later work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from psycopg2.extensions import TRANSACTION_STATUS_IDLE, connection, cursor
from psycopg2.extras import Json

from analytics_pipeline.reports.definition import FORMATS, REPORT_TYPES

CONTROL_SCHEMA = "control"
DEFINITIONS_TABLE = f"{CONTROL_SCHEMA}.report_definitions"
EXECUTIONS_TABLE = f"{CONTROL_SCHEMA}.report_executions"

EXECUTION_STATUSES = ("pending", "running", "completed", "failed")
DELIVERY_STATUSES = ("pending", "sent", "skipped", "failed")

# The fields of a definition record, as `validate` receives them; the table adds
# created_at and updated_at, which the database maintains.
DEFINITION_FIELDS = (
    "id",
    "name",
    "description",
    "report_type",
    "configuration",
    "schedule",
    "workspace_id",
    "created_by",
    "is_active",
)
_REQUIRED_FIELDS = ("id", "name", "report_type", "configuration")
_DEFAULTS: dict[str, Any] = {
    "description": None,
    "schedule": None,
    "workspace_id": None,
    "created_by": None,
    "is_active": True,
}


def _in(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


@dataclass(frozen=True)
class DefinitionTable:
    """A table of definitions `sync_definitions` and `read_definitions` work on:
    reports' control.report_definitions, the dashboards' own table."""

    name: str
    fields: tuple[str, ...]  # the record's fields, `id` first; the table adds the times
    required: tuple[str, ...]
    defaults: Mapping[str, Any]
    json_fields: tuple[str, ...]  # jsonb columns
    kind: str  # what a definition is, in words: report, dashboard

    @property
    def content_fields(self) -> tuple[str, ...]:
        """Columns whose change is a change of the definition (all but the key)."""
        return self.fields[1:]


REPORT_DEFINITION_TABLE = DefinitionTable(
    DEFINITIONS_TABLE,
    DEFINITION_FIELDS,
    _REQUIRED_FIELDS,
    _DEFAULTS,
    ("configuration", "schedule"),
    "report",
)


def touch_trigger_ddl(table: DefinitionTable) -> str:
    """The trigger keeping created_at and updated_at of a definitions table."""
    prefix = table.name.split(".")[-1]
    return f"""
-- updated_at follows content changes, whoever makes them (a sync or a direct
-- edit); an update that changes nothing keeps it, and created_at never moves.
create or replace function {CONTROL_SCHEMA}.{prefix}_touch() returns trigger
language plpgsql as $$
begin
    new.created_at := old.created_at;
    if ({", ".join(f"new.{c}" for c in table.content_fields)})
        is distinct from ({", ".join(f"old.{c}" for c in table.content_fields)}) then
        new.updated_at := now();
    else
        new.updated_at := old.updated_at;
    end if;
    return new;
end
$$;
create or replace trigger {prefix}_touch
    before update on {table.name}
    for each row execute function {CONTROL_SCHEMA}.{prefix}_touch();
"""


@dataclass(frozen=True)
class ExecutionTable:
    """A table of executions (`executions` works on any): one row per (definition,
    scheduled_for, format). Reports have control.report_executions; the
    dashboards their own table of the same shape (`dashboards.control`)."""

    name: str
    key_column: str  # the definition's id
    definitions_table: str
    formats: tuple[str, ...]
    kind: str  # what a definition is, in words: report, dashboard

    @property
    def columns(self) -> str:
        """The columns selected as an `executions.Execution` (the key as its report_id)."""
        return EXECUTION_COLUMNS.replace("report_id", self.key_column, 1)


EXECUTION_COLUMNS = (
    "id, report_id, scheduled_for, format, status, attempts, started_at, completed_at, "
    "file_path, file_size, sha256, record_count, generation_time_ms, parameters, data_range, "
    "error_message, executed_by, delivery_status, delivered_at, delivery_error, recipients"
)
REPORT_EXECUTION_TABLE = ExecutionTable(
    EXECUTIONS_TABLE, "report_id", DEFINITIONS_TABLE, FORMATS, "report"
)


def executions_ddl(table: ExecutionTable) -> str:
    """The table, its constraints and indexes (named after the table)."""
    prefix = table.name.split(".")[-1]
    return f"""
create table if not exists {table.name} (
    id                 bigint generated always as identity primary key,
    {table.key_column:<18} text not null references {table.definitions_table} (id),
    scheduled_for      timestamptz not null,
    format             text not null,
    status             text not null default 'pending',
    attempts           integer not null default 0,
    started_at         timestamptz,
    completed_at       timestamptz,
    file_path          text,
    file_size          bigint,
    sha256             text,
    record_count       bigint,
    generation_time_ms bigint,
    parameters         jsonb not null default '{{}}'::jsonb,
    data_range         jsonb,
    error_message      text,
    executed_by        text,
    delivery_status    text,
    delivered_at       timestamptz,
    delivery_error     text,
    recipients         text[],
    constraint {prefix}_once unique ({table.key_column}, scheduled_for, format),
    constraint {prefix}_format check (format in ({_in(table.formats)})),
    constraint {prefix}_status check (status in ({_in(EXECUTION_STATUSES)})),
    constraint {prefix}_running_started
        check (status <> 'running' or started_at is not null),
    constraint {prefix}_completed_file check (
        status <> 'completed' or (
            started_at is not null and completed_at is not null and file_path is not null
            and file_size is not null and sha256 is not null and record_count is not null
        )
    ),
    constraint {prefix}_failed_error
        check (status <> 'failed' or (error_message is not null and completed_at is not null)),
    constraint {prefix}_times check (completed_at >= started_at),
    constraint {prefix}_sha256 check (sha256 ~ '^[0-9a-f]{{64}}$'),
    constraint {prefix}_counts check (
        file_size >= 0 and record_count >= 0 and generation_time_ms >= 0 and attempts >= 0
    ),
    -- delivery starts when the file exists: null before the execution completes
    constraint {prefix}_delivery_status
        check (delivery_status in ({_in(DELIVERY_STATUSES)})),
    constraint {prefix}_delivery_completed
        check (delivery_status is null or status = 'completed'),
    constraint {prefix}_delivery_sent
        check (delivery_status <> 'sent' or delivered_at is not null),
    constraint {prefix}_delivery_failed
        check (delivery_status <> 'failed' or delivery_error is not null)
);
comment on table {table.name} is
    'One row per ({table.kind}, scheduled_for, format): the run, its file and its delivery.';
create index if not exists {prefix}_running
    on {table.name} (started_at) where status = 'running';
create index if not exists {prefix}_delivery_pending
    on {table.name} (id) where delivery_status = 'pending';
"""


_DDL = f"""
create schema if not exists {CONTROL_SCHEMA};

create table if not exists {DEFINITIONS_TABLE} (
    id            text primary key,
    name          text not null,
    description   text,
    report_type   text not null,
    configuration jsonb not null,
    schedule      jsonb,
    workspace_id  text,
    created_by    text,
    is_active     boolean not null default true,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    -- ids name directories under $ANALYTICS_HOME/reports: no separators or dots
    constraint report_definitions_id_slug
        check (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]*$' and char_length(id) <= 128),
    constraint report_definitions_report_type check (report_type in ({_in(REPORT_TYPES)})),
    constraint report_definitions_configuration_object
        check (jsonb_typeof(configuration) = 'object'),
    constraint report_definitions_schedule_object
        check (schedule is null or jsonb_typeof(schedule) = 'object')
);
comment on table {DEFINITIONS_TABLE} is
    'Report definitions: synced from reports/*.yml, or added and edited here directly.';

{touch_trigger_ddl(REPORT_DEFINITION_TABLE)}
{executions_ddl(REPORT_EXECUTION_TABLE)}"""


@contextmanager
def transaction(conn: connection) -> Iterator[cursor]:
    """One transaction on `conn`: commit on success, roll back on error (the
    connection stays usable). Refuses a connection with a transaction open, so
    it never commits someone else's work; works with autocommit connections."""
    if conn.info.transaction_status != TRANSACTION_STATUS_IDLE:
        raise RuntimeError(
            "the connection has a transaction open; commit or roll back before "
            "calling control functions (each is a transaction of its own)"
        )
    autocommit = conn.autocommit
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            yield cur
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.autocommit = autocommit


def ensure_control_schema(conn: connection) -> None:
    """Create schema `control`, both tables, their constraints, trigger and
    indexes if missing (idempotent; concurrent calls are serialized)."""
    with transaction(conn) as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('analytics_pipeline.control_schema'))")
        cur.execute(_DDL)


@dataclass(frozen=True)
class SyncResult:
    """Ids a sync inserted, updated, and found unchanged (each sorted)."""

    inserted: list[str]
    updated: list[str]
    unchanged: list[str]


@dataclass(frozen=True)
class InvalidDefinition:
    """A table row that failed validation, and why."""

    id: str
    record: dict[str, Any]
    error: str


T = TypeVar("T")


def _json(value: Any) -> Json | None:
    return None if value is None else Json(value)


def _label(table: DefinitionTable, record: Mapping[str, Any], position: int) -> str:
    return f"{table.kind} definition {record.get('id', f'#{position + 1}')!r}"


def _complete_record(
    table: DefinitionTable, record: Mapping[str, Any], position: int
) -> dict[str, Any]:
    label = _label(table, record, position)
    unknown = sorted(set(record) - set(table.fields))
    if unknown:
        raise ValueError(f"{label}: unknown field {unknown[0]!r}")
    missing = [name for name in table.required if record.get(name) is None]
    if missing:
        raise ValueError(f"{label}: {missing[0]}: required")
    return {**table.defaults, **record}


def sync_definitions(
    conn: connection,
    records: Sequence[Mapping[str, Any]],
    validate: Callable[[Mapping[str, Any]], object],
    table: DefinitionTable = REPORT_DEFINITION_TABLE,
) -> SyncResult:
    """Upsert definition records (fields `table.fields`) in one transaction.

    Every record is validated first (`validate` raises on a bad one, naming the
    field); any failure, or a duplicate id, raises before anything is written,
    and a database error rolls the whole sync back: never half-applied. A
    record whose content equals its row leaves the row (and updated_at) as it
    is. Rows whose id is not among the records are not touched.
    """
    complete: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, record in enumerate(records):
        try:
            validate(record)
        except Exception as exc:
            exc.add_note(_label(table, record, position))
            raise
        row = _complete_record(table, record, position)
        if row["id"] in seen:
            raise ValueError(f"{table.kind} definition {row['id']!r}: id: defined twice")
        seen.add(row["id"])
        complete.append(row)

    columns = ", ".join(table.fields)
    placeholders = ", ".join(f"%({name})s" for name in table.fields)
    assignments = ", ".join(f"{name} = excluded.{name}" for name in table.content_fields)
    current = ", ".join(f"d.{name}" for name in table.content_fields)
    incoming = ", ".join(f"excluded.{name}" for name in table.content_fields)
    upsert = (
        f"insert into {table.name} as d ({columns}) values ({placeholders}) "
        f"on conflict (id) do update set {assignments} "
        f"where ({current}) is distinct from ({incoming}) "
        # xmax is 0 on a freshly inserted row version and set on an updated one
        "returning (xmax = 0) as inserted"
    )
    inserted: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    with transaction(conn) as cur:
        cur.execute(
            "select pg_advisory_xact_lock(hashtext(%s))",
            (f"analytics_pipeline.{table.kind}_sync",),
        )
        for row in complete:
            params = {
                **row,
                **{name: _json(row[name]) for name in table.json_fields},
            }
            cur.execute(upsert, params)
            result = cur.fetchone()
            if result is None:
                unchanged.append(row["id"])
            elif result[0]:
                inserted.append(row["id"])
            else:
                updated.append(row["id"])
    return SyncResult(sorted(inserted), sorted(updated), sorted(unchanged))


def read_definitions(
    conn: connection,
    validate: Callable[[Mapping[str, Any]], T],
    active_only: bool = True,
    table: DefinitionTable = REPORT_DEFINITION_TABLE,
) -> tuple[list[T], list[InvalidDefinition]]:
    """Read definitions (by id) and validate each row: (what `validate` returned
    for the valid ones, the invalid ones with their error). One bad row, e.g.
    a direct table edit, does not stop the others."""
    where = "where is_active" if active_only else ""
    with transaction(conn) as cur:
        cur.execute(f"select {', '.join(table.fields)} from {table.name} {where} order by id")
        rows = cur.fetchall()
    valid: list[T] = []
    invalid: list[InvalidDefinition] = []
    for values in rows:
        record = dict(zip(table.fields, values, strict=True))
        try:
            valid.append(validate(record))
        except Exception as exc:
            invalid.append(InvalidDefinition(record["id"], record, str(exc)))
    return valid, invalid


def pick_active(
    valid: Sequence[T],
    invalid: Sequence[InvalidDefinition],
    definition_id: str,
    table: DefinitionTable,
    sync_command: str,
) -> T:
    """The definition `definition_id` among what `read_definitions` returned;
    LookupError says why there is none (invalid, or missing or inactive)."""
    for definition in valid:
        if definition.id == definition_id:  # type: ignore[attr-defined]
            return definition
    for row in invalid:
        if row.id == definition_id:
            raise LookupError(f"{table.kind} {definition_id!r} is invalid: {row.error}")
    raise LookupError(
        f"no active {table.kind} {definition_id!r} in {table.name} "
        f"(sync the definition files with `analytics-pipeline {sync_command}`, or set is_active)"
    )
