"""Schema `control`: report definitions and executions, written by users and the
application and never dropped by dbt.

Definitions come from two places. YAML files in the repository are synced into
`control.report_definitions` by `sync_definitions`; rows can also be added or
edited directly in the table. A sync upserts the definitions it is given and
leaves every other row alone (a row added in the table stays; deleting a file
does not delete its row: set `is_active = false` to retire a report). For the
ids the files define, the files win: a sync overwrites table edits of them.

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
# Columns whose change is a change of the definition (all but the key).
_CONTENT_FIELDS = DEFINITION_FIELDS[1:]


def _in(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


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

-- updated_at follows content changes, whoever makes them (a sync or a direct
-- edit); an update that changes nothing keeps it, and created_at never moves.
create or replace function {CONTROL_SCHEMA}.report_definitions_touch() returns trigger
language plpgsql as $$
begin
    new.created_at := old.created_at;
    if ({", ".join(f"new.{c}" for c in _CONTENT_FIELDS)})
        is distinct from ({", ".join(f"old.{c}" for c in _CONTENT_FIELDS)}) then
        new.updated_at := now();
    else
        new.updated_at := old.updated_at;
    end if;
    return new;
end
$$;
create or replace trigger report_definitions_touch
    before update on {DEFINITIONS_TABLE}
    for each row execute function {CONTROL_SCHEMA}.report_definitions_touch();

create table if not exists {EXECUTIONS_TABLE} (
    id                 bigint generated always as identity primary key,
    report_id          text not null references {DEFINITIONS_TABLE} (id),
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
    constraint report_executions_once unique (report_id, scheduled_for, format),
    constraint report_executions_format check (format in ({_in(FORMATS)})),
    constraint report_executions_status check (status in ({_in(EXECUTION_STATUSES)})),
    constraint report_executions_running_started
        check (status <> 'running' or started_at is not null),
    constraint report_executions_completed_file check (
        status <> 'completed' or (
            started_at is not null and completed_at is not null and file_path is not null
            and file_size is not null and sha256 is not null and record_count is not null
        )
    ),
    constraint report_executions_failed_error
        check (status <> 'failed' or (error_message is not null and completed_at is not null)),
    constraint report_executions_times check (completed_at >= started_at),
    constraint report_executions_sha256 check (sha256 ~ '^[0-9a-f]{{64}}$'),
    constraint report_executions_counts check (
        file_size >= 0 and record_count >= 0 and generation_time_ms >= 0 and attempts >= 0
    ),
    -- delivery starts when the file exists: null before the execution completes
    constraint report_executions_delivery_status
        check (delivery_status in ({_in(DELIVERY_STATUSES)})),
    constraint report_executions_delivery_completed
        check (delivery_status is null or status = 'completed'),
    constraint report_executions_delivery_sent
        check (delivery_status <> 'sent' or delivered_at is not null),
    constraint report_executions_delivery_failed
        check (delivery_status <> 'failed' or delivery_error is not null)
);
comment on table {EXECUTIONS_TABLE} is
    'One row per (report, scheduled_for, format): the run, its file and its delivery.';
create index if not exists report_executions_running
    on {EXECUTIONS_TABLE} (started_at) where status = 'running';
create index if not exists report_executions_delivery_pending
    on {EXECUTIONS_TABLE} (id) where delivery_status = 'pending';
"""


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


def _complete_record(record: Mapping[str, Any], position: int) -> dict[str, Any]:
    label = f"report definition {record.get('id', f'#{position + 1}')!r}"
    unknown = sorted(set(record) - set(DEFINITION_FIELDS))
    if unknown:
        raise ValueError(f"{label}: unknown field {unknown[0]!r}")
    missing = [name for name in _REQUIRED_FIELDS if record.get(name) is None]
    if missing:
        raise ValueError(f"{label}: {missing[0]}: required")
    return {**_DEFAULTS, **record}


def sync_definitions(
    conn: connection,
    records: Sequence[Mapping[str, Any]],
    validate: Callable[[Mapping[str, Any]], object],
) -> SyncResult:
    """Upsert definition records (fields `DEFINITION_FIELDS`) in one transaction.

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
            exc.add_note(f"report definition {record.get('id', f'#{position + 1}')!r}")
            raise
        row = _complete_record(record, position)
        if row["id"] in seen:
            raise ValueError(f"report definition {row['id']!r}: id: defined twice")
        seen.add(row["id"])
        complete.append(row)

    columns = ", ".join(DEFINITION_FIELDS)
    placeholders = ", ".join(f"%({name})s" for name in DEFINITION_FIELDS)
    assignments = ", ".join(f"{name} = excluded.{name}" for name in _CONTENT_FIELDS)
    current = ", ".join(f"d.{name}" for name in _CONTENT_FIELDS)
    incoming = ", ".join(f"excluded.{name}" for name in _CONTENT_FIELDS)
    upsert = (
        f"insert into {DEFINITIONS_TABLE} as d ({columns}) values ({placeholders}) "
        f"on conflict (id) do update set {assignments} "
        f"where ({current}) is distinct from ({incoming}) "
        # xmax is 0 on a freshly inserted row version and set on an updated one
        "returning (xmax = 0) as inserted"
    )
    inserted: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    with transaction(conn) as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('analytics_pipeline.report_sync'))")
        for row in complete:
            params = {
                **row,
                "configuration": Json(row["configuration"]),
                "schedule": None if row["schedule"] is None else Json(row["schedule"]),
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
) -> tuple[list[T], list[InvalidDefinition]]:
    """Read definitions (by id) and validate each row: (what `validate` returned
    for the valid ones, the invalid ones with their error). One bad row, e.g.
    a direct table edit, does not stop the others."""
    where = "where is_active" if active_only else ""
    with transaction(conn) as cur:
        cur.execute(
            f"select {', '.join(DEFINITION_FIELDS)} from {DEFINITIONS_TABLE} {where} order by id"
        )
        rows = cur.fetchall()
    valid: list[T] = []
    invalid: list[InvalidDefinition] = []
    for values in rows:
        record = dict(zip(DEFINITION_FIELDS, values, strict=True))
        try:
            valid.append(validate(record))
        except Exception as exc:
            invalid.append(InvalidDefinition(record["id"], record, str(exc)))
    return valid, invalid
