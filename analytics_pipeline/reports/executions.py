"""Execution tracking in `control.report_executions`: at most one row per
(report, scheduled_for, format), claimed atomically, completed or failed.

Life of a row: `claim_execution` inserts it as running (or re-claims a failed
or pending one: the same row goes back to running, `attempts` counts the
claims, and the earlier error and file are cleared), then `complete_execution`
records the file or `fail_execution` the error. A completed row is final; a
running one is never taken over by a claim: `fail_stuck_executions` first marks
runs older than a timeout failed (saying so in the error), after which they
can be claimed again. Timestamps are timestamptz; `now` defaults to the
database clock and may be given (aware) for deterministic runs and tests.
Each function is one committed transaction (see `control.transaction`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from psycopg2.extensions import connection
from psycopg2.extras import Json

from analytics_pipeline.reports.control import (
    REPORT_EXECUTION_TABLE,
    ExecutionTable,
    transaction,
)

# Errors longer than this are cut (a traceback can be huge; the row stays readable).
MAX_ERROR_CHARS = 8000


class ExecutionStateError(RuntimeError):
    """A transition the execution's current status does not allow."""


class RenderedFileLike(Protocol):
    """What a renderer returns (`render.RenderedFile` fits)."""

    path: Path
    size: int
    sha256: str
    record_count: int
    generation_time_ms: float


@dataclass(frozen=True)
class Execution:
    """One row of control.report_executions (or of another `ExecutionTable`:
    `report_id` is then the id of its definition, e.g. a dashboard's)."""

    id: int
    report_id: str
    scheduled_for: datetime
    format: str
    status: str
    attempts: int
    started_at: datetime | None
    completed_at: datetime | None
    file_path: Path | None
    file_size: int | None
    sha256: str | None
    record_count: int | None
    generation_time_ms: int | None
    parameters: dict[str, Any]
    data_range: tuple[date, date] | None
    error_message: str | None
    executed_by: str | None
    delivery_status: str | None
    delivered_at: datetime | None
    delivery_error: str | None
    recipients: tuple[str, ...] | None


def execution_from_row(row: tuple[Any, ...]) -> Execution:
    """An Execution from a row selected as `ExecutionTable.columns` (control.EXECUTION_COLUMNS)."""
    values = list(row)
    values[8] = None if values[8] is None else Path(values[8])
    span = values[14]
    values[14] = (
        None
        if span is None
        else (date.fromisoformat(span["start"]), date.fromisoformat(span["end"]))
    )
    values[20] = None if values[20] is None else tuple(values[20])
    return Execution(*values)


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value


def error_text(error: str | BaseException) -> str:
    """The error as stored: an exception as `Type: message`, cut to MAX_ERROR_CHARS."""
    if isinstance(error, BaseException):
        error = f"{type(error).__name__}: {error}"
    return error if len(error) <= MAX_ERROR_CHARS else error[: MAX_ERROR_CHARS - 1] + "…"


# Set every column a claim owns, so a re-claimed row carries nothing of its
# earlier attempt.
_CLAIM_SET = """
    status = 'running', attempts = e.attempts + 1, started_at = %(now)s,
    completed_at = null, file_path = null, file_size = null, sha256 = null,
    record_count = null, generation_time_ms = null, parameters = %(parameters)s,
    data_range = %(data_range)s, error_message = null, executed_by = %(executed_by)s,
    delivery_status = null, delivered_at = null, delivery_error = null, recipients = null
"""


def claim_execution(
    conn: connection,
    report_id: str,
    scheduled_for: datetime,
    format: str,
    parameters: Mapping[str, Any] | None = None,
    data_range: tuple[date, date] | None = None,
    executed_by: str | None = None,
    *,
    now: datetime | None = None,
    table: ExecutionTable = REPORT_EXECUTION_TABLE,
) -> Execution | None:
    """Start the execution of (report_id, scheduled_for, format) as running.

    Returns None, writing nothing, when that execution is completed or running
    already. A failed or pending one is re-claimed (same row). Of concurrent
    claims for one triple exactly one wins: the insert waits on the unique
    key, the re-claim on the row lock, and the loser then sees it running.
    `data_range` is the inclusive (start, end) the report covers.
    """
    _aware(scheduled_for, "scheduled_for")
    _aware(now, "now")
    if format not in table.formats:
        raise ValueError(f"format: {format!r} is not one of {', '.join(table.formats)}")
    params = {
        "report_id": report_id,
        "scheduled_for": scheduled_for,
        "format": format,
        "parameters": Json(dict(parameters or {})),
        "data_range": None
        if data_range is None
        else Json({"start": data_range[0].isoformat(), "end": data_range[1].isoformat()}),
        "executed_by": executed_by,
        "now": now,
    }
    with transaction(conn) as cur:
        if now is None:
            cur.execute("select clock_timestamp()")
            params["now"] = cur.fetchone()[0]
        cur.execute(
            f"insert into {table.name} as e "
            f"({table.key_column}, scheduled_for, format, status, attempts, started_at, "
            " parameters, data_range, executed_by) "
            "values (%(report_id)s, %(scheduled_for)s, %(format)s, 'running', 1, %(now)s, "
            " %(parameters)s, %(data_range)s, %(executed_by)s) "
            f"on conflict ({table.key_column}, scheduled_for, format) do nothing "
            f"returning {table.columns}",
            params,
        )
        row = cur.fetchone()
        if row is None:
            cur.execute(
                f"update {table.name} as e set {_CLAIM_SET} "
                f"where {table.key_column} = %(report_id)s and scheduled_for = %(scheduled_for)s "
                "and format = %(format)s and status in ('failed', 'pending') "
                f"returning {table.columns}",
                params,
            )
            row = cur.fetchone()
    return None if row is None else execution_from_row(row)


def complete_execution(
    conn: connection,
    execution_id: int,
    rendered: RenderedFileLike,
    *,
    now: datetime | None = None,
    table: ExecutionTable = REPORT_EXECUTION_TABLE,
) -> Execution:
    """Record the rendered file on a running execution: completed, delivery
    pending. Raises ExecutionStateError when it is no longer running (e.g.
    marked failed as stuck meanwhile)."""
    _aware(now, "now")
    with transaction(conn) as cur:
        cur.execute(
            f"update {table.name} set status = 'completed', "
            "completed_at = greatest(coalesce(%(now)s, clock_timestamp()), started_at), "
            "file_path = %(path)s, file_size = %(size)s, sha256 = %(sha256)s, "
            "record_count = %(record_count)s, generation_time_ms = %(ms)s, "
            "delivery_status = 'pending' "
            f"where id = %(id)s and status = 'running' returning {table.columns}",
            {
                "id": execution_id,
                "now": now,
                "path": str(rendered.path),
                "size": rendered.size,
                "sha256": rendered.sha256,
                "record_count": rendered.record_count,
                "ms": round(rendered.generation_time_ms),
            },
        )
        row = cur.fetchone()
        if row is None:
            raise ExecutionStateError(_not_running(cur, table, execution_id, "complete"))
    return execution_from_row(row)


def fail_execution(
    conn: connection,
    execution_id: int,
    error: str | BaseException,
    *,
    now: datetime | None = None,
    table: ExecutionTable = REPORT_EXECUTION_TABLE,
) -> Execution:
    """Mark a running (or pending) execution failed with its error (an exception
    is written as `Type: message`). Raises ExecutionStateError otherwise."""
    _aware(now, "now")
    with transaction(conn) as cur:
        cur.execute(
            f"update {table.name} set status = 'failed', "
            "completed_at = greatest(coalesce(%(now)s, clock_timestamp()), started_at), "
            "error_message = %(error)s "
            f"where id = %(id)s and status in ('running', 'pending') returning {table.columns}",
            {"id": execution_id, "now": now, "error": error_text(error)},
        )
        row = cur.fetchone()
        if row is None:
            raise ExecutionStateError(_not_running(cur, table, execution_id, "fail"))
    return execution_from_row(row)


def _not_running(cur: Any, table: ExecutionTable, execution_id: int, action: str) -> str:
    cur.execute(f"select status from {table.name} where id = %s", (execution_id,))
    found = cur.fetchone()
    if found is None:
        return f"cannot {action} execution {execution_id}: no such execution"
    return f"cannot {action} execution {execution_id}: it is {found[0]}"


def fail_stuck_executions(
    conn: connection,
    timeout: timedelta,
    now: datetime | None = None,
    *,
    table: ExecutionTable = REPORT_EXECUTION_TABLE,
) -> list[int]:
    """Mark failed every execution running since before `now - timeout`; the
    error says it was stuck and since when. Returns their ids, sorted."""
    if timeout <= timedelta(0):
        raise ValueError(f"timeout must be positive, got {timeout}")
    _aware(now, "now")
    with transaction(conn) as cur:
        cur.execute(
            f"update {table.name} set status = 'failed', completed_at = t.now, "
            "error_message = format("
            "  'stuck: still running after the timeout of %%s (started %%s, marked failed %%s)',"
            "  %(timeout_text)s,"
            "  to_char(started_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
            "  to_char(t.now at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) "
            "from (select coalesce(%(now)s::timestamptz, clock_timestamp()) as now) as t "
            "where status = 'running' and started_at < t.now - %(timeout)s "
            "returning id",
            {"now": now, "timeout": timeout, "timeout_text": str(timeout)},
        )
        ids = sorted(row[0] for row in cur.fetchall())
    return ids


def get_execution(
    conn: connection, execution_id: int, *, table: ExecutionTable = REPORT_EXECUTION_TABLE
) -> Execution | None:
    """The execution with this id, or None."""
    with transaction(conn) as cur:
        cur.execute(f"select {table.columns} from {table.name} where id = %s", (execution_id,))
        row = cur.fetchone()
    return None if row is None else execution_from_row(row)


def find_execution(
    conn: connection,
    report_id: str,
    scheduled_for: datetime,
    format: str,
    *,
    table: ExecutionTable = REPORT_EXECUTION_TABLE,
) -> Execution | None:
    """The execution of (report_id, scheduled_for, format), or None."""
    _aware(scheduled_for, "scheduled_for")
    with transaction(conn) as cur:
        cur.execute(
            f"select {table.columns} from {table.name} "
            f"where {table.key_column} = %s and scheduled_for = %s and format = %s",
            (report_id, scheduled_for, format),
        )
        row = cur.fetchone()
    return None if row is None else execution_from_row(row)


def completed_executions(
    conn: connection,
    report_id: str | None = None,
    *,
    table: ExecutionTable = REPORT_EXECUTION_TABLE,
) -> list[Execution]:
    """The completed executions (they have a file) of one report or of all,
    ordered by report, scheduled time and format."""
    with transaction(conn) as cur:
        cur.execute(
            f"select {table.columns} from {table.name} "
            f"where status = 'completed' and (%(id)s::text is null or {table.key_column} = %(id)s) "
            f"order by {table.key_column}, scheduled_for, format",
            {"id": report_id},
        )
        rows = cur.fetchall()
    return [execution_from_row(row) for row in rows]


def latest_completed(
    conn: connection, *, table: ExecutionTable = REPORT_EXECUTION_TABLE
) -> list[Execution]:
    """Per definition, the completed executions of its latest scheduled time
    that has one (every format completed for it), ordered by id and format."""
    with transaction(conn) as cur:
        cur.execute(
            f"select {table.columns} from {table.name} "
            f"where status = 'completed' and ({table.key_column}, scheduled_for) in ("
            f"  select {table.key_column}, max(scheduled_for) from {table.name} "
            "  where status = 'completed' group by 1) "
            f"order by {table.key_column}, format"
        )
        rows = cur.fetchall()
    return [execution_from_row(row) for row in rows]
