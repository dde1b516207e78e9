"""Execution tracking: one execution per (report, scheduled_for, format), claimed
atomically across connections, stuck runs failed, failed runs retried."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.errors
import pytest
from psycopg2.extensions import connection

from analytics_pipeline import warehouse
from analytics_pipeline.reports.control import ensure_control_schema, sync_definitions
from analytics_pipeline.reports.executions import (
    Execution,
    ExecutionStateError,
    claim_execution,
    complete_execution,
    fail_execution,
    fail_stuck_executions,
    find_execution,
    get_execution,
)

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
SHA = "ab" * 32


@dataclass(frozen=True)
class Rendered:
    path: Path
    size: int
    sha256: str
    record_count: int
    generation_time_ms: float


def connect() -> connection:
    return psycopg2.connect(**warehouse.libpq_params(warehouse.warehouse_url(warehouse.Role.ADMIN)))


@pytest.fixture
def conn(empty_database: str) -> Iterator[connection]:
    connection = connect()
    try:
        ensure_control_schema(connection)
        records = [
            {
                "id": report_id,
                "name": report_id,
                "report_type": "table",
                "configuration": {"data_source": "daily_metrics"},
            }
            for report_id in ("kpi", "usage")
        ]
        sync_definitions(connection, records, lambda record: None)
        yield connection
    finally:
        connection.close()


def row_count(conn: connection) -> int:
    with conn.cursor() as cur:
        cur.execute("select count(*) from control.report_executions")
        (count,) = cur.fetchone()
    conn.rollback()
    return count


def test_claim_prevents_duplicates(conn: connection) -> None:
    claimed = claim_execution(
        conn,
        "kpi",
        T0,
        "csv",
        {"as_of": "2026-03-01"},
        (date(2026, 2, 23), date(2026, 3, 1)),
        "tests",
        now=T0 + timedelta(seconds=5),
    )
    assert claimed is not None
    assert (claimed.report_id, claimed.scheduled_for, claimed.format) == ("kpi", T0, "csv")
    assert (claimed.status, claimed.attempts, claimed.executed_by) == ("running", 1, "tests")
    assert claimed.started_at == T0 + timedelta(seconds=5)
    assert claimed.parameters == {"as_of": "2026-03-01"}
    assert claimed.data_range == (date(2026, 2, 23), date(2026, 3, 1))
    assert claimed.delivery_status is None

    # Running: nobody else gets it, the same instant in another zone included.
    assert claim_execution(conn, "kpi", T0, "csv", now=T0 + timedelta(seconds=6)) is None
    same_instant = T0.astimezone(datetime.fromisoformat("2026-03-02T09:00+02:00").tzinfo)
    assert claim_execution(conn, "kpi", same_instant, "csv") is None
    # Other formats, times and reports are other executions.
    others = [
        claim_execution(conn, "kpi", T0, "pdf"),
        claim_execution(conn, "kpi", T0 + timedelta(days=1), "csv"),
        claim_execution(conn, "usage", T0, "csv"),
    ]
    assert all(o is not None and o.status == "running" for o in others)

    done = complete_execution(
        conn,
        claimed.id,
        Rendered(Path("/reports/kpi/kpi.csv"), 1234, SHA, 56, 78.6),
        now=T0 + timedelta(seconds=9),
    )
    assert (done.status, done.file_path, done.file_size, done.sha256) == (
        "completed",
        Path("/reports/kpi/kpi.csv"),
        1234,
        SHA,
    )
    assert (done.record_count, done.generation_time_ms) == (56, 79)
    assert (done.completed_at, done.delivery_status) == (T0 + timedelta(seconds=9), "pending")
    # Completed: final; claiming again writes nothing.
    assert claim_execution(conn, "kpi", T0, "csv") is None
    assert get_execution(conn, claimed.id) == done
    assert find_execution(conn, "kpi", T0, "csv") == done
    assert row_count(conn) == 4

    with pytest.raises(ExecutionStateError, match="it is completed"):
        complete_execution(conn, claimed.id, Rendered(Path("x"), 1, SHA, 1, 1))
    with pytest.raises(ExecutionStateError, match="it is completed"):
        fail_execution(conn, claimed.id, "late")
    with pytest.raises(ExecutionStateError, match="no such execution"):
        fail_execution(conn, 999_999, "nothing")


def test_arguments_are_checked(conn: connection) -> None:
    with pytest.raises(ValueError, match="scheduled_for must be timezone-aware"):
        claim_execution(conn, "kpi", datetime(2026, 3, 2, 7), "csv")
    with pytest.raises(ValueError, match="format: 'docx'"):
        claim_execution(conn, "kpi", T0, "docx")
    with pytest.raises(ValueError, match="timeout must be positive"):
        fail_stuck_executions(conn, timedelta(0), T0)
    assert row_count(conn) == 0


def _race(gate: connection, claims: int, **claim: Any) -> list[Execution | None]:
    """Run `claims` claims of the same triple on their own connections, all
    released at once: `gate` holds a lock every claim's insert waits on, and is
    committed only when all of them are waiting."""
    with gate.cursor() as cur:
        cur.execute("lock table control.report_executions in share row exclusive mode")
    connections = [connect() for _ in range(claims)]
    started = threading.Barrier(claims + 1)

    def claim_on(c: connection) -> Execution | None:
        started.wait()
        return claim_execution(c, **claim)

    try:
        with ThreadPoolExecutor(claims) as pool:
            futures = [pool.submit(claim_on, c) for c in connections]
            started.wait()
            try:
                _wait_until_blocked(gate, claims, futures)
            finally:
                gate.commit()  # release them (also when waiting failed: no hang)
            return [f.result(timeout=20) for f in futures]
    finally:
        for c in connections:
            c.close()


def _wait_until_blocked(gate: connection, claims: int, futures: list[Future]) -> None:
    deadline = time.monotonic() + 20
    with gate.cursor() as cur:
        while True:
            # Activity is snapshotted per transaction, and the gate's stays open.
            cur.execute("select pg_stat_clear_snapshot()")
            cur.execute(
                "select count(*) from pg_stat_activity where datname = current_database()"
                " and wait_event_type = 'Lock' and query like 'insert into control.%%'"
            )
            if cur.fetchone()[0] == claims:
                return
            for future in futures:
                if future.done():
                    future.result()  # a claim that failed early: show its error
            assert time.monotonic() < deadline, "claims never reached the lock"
            time.sleep(0.02)


def test_concurrent_claims_exactly_one_wins(conn: connection) -> None:
    results = _race(conn, 4, report_id="kpi", scheduled_for=T0, format="csv", now=T0)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert winners[0].attempts == 1
    assert row_count(conn) == 1

    # The retry of a failed execution is contested the same way.
    fail_execution(conn, winners[0].id, "boom", now=T0 + timedelta(minutes=1))
    results = _race(conn, 4, report_id="kpi", scheduled_for=T0, format="csv", now=T0)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert (winners[0].attempts, winners[0].status) == (2, "running")
    assert row_count(conn) == 1


def test_stuck_executions_are_failed_after_the_timeout(conn: connection) -> None:
    early = claim_execution(conn, "kpi", T0, "csv", now=T0)
    late = claim_execution(conn, "usage", T0, "csv", now=T0 + timedelta(minutes=50))
    finished = claim_execution(conn, "kpi", T0, "pdf", now=T0)
    assert early and late and finished
    complete_execution(conn, finished.id, Rendered(Path("f.pdf"), 1, SHA, 0, 0), now=T0)
    timeout = timedelta(hours=1)

    # Exactly the timeout is not past it.
    assert fail_stuck_executions(conn, timeout, now=T0 + timeout) == []
    now = T0 + timedelta(minutes=61)
    assert fail_stuck_executions(conn, timeout, now=now) == [early.id]
    stuck = get_execution(conn, early.id)
    assert (stuck.status, stuck.completed_at) == ("failed", now)
    assert stuck.error_message == (
        "stuck: still running after the timeout of 1:00:00 "
        "(started 2026-03-02T07:00:00Z, marked failed 2026-03-02T08:01:00Z)"
    )
    assert get_execution(conn, late.id).status == "running"
    assert get_execution(conn, finished.id).status == "completed"

    # The worker that was stuck cannot complete it any more; a retry can.
    with pytest.raises(ExecutionStateError, match="it is failed"):
        complete_execution(conn, early.id, Rendered(Path("f.csv"), 1, SHA, 0, 0))
    assert claim_execution(conn, "kpi", T0, "csv", now=now) is not None
    assert fail_stuck_executions(conn, timeout, now=T0 + timedelta(hours=2)) == [late.id]


def test_failed_execution_is_retried_on_the_same_row(conn: connection) -> None:
    first = claim_execution(
        conn, "kpi", T0, "xlsx", {"try": 1}, (date(2026, 3, 1), date(2026, 3, 1)), "a", now=T0
    )
    assert first is not None
    failed = fail_execution(conn, first.id, KeyError("dau"), now=T0 + timedelta(seconds=3))
    assert (failed.status, failed.error_message) == ("failed", "KeyError: 'dau'")
    assert failed.completed_at == T0 + timedelta(seconds=3)

    retry = claim_execution(conn, "kpi", T0, "xlsx", {"try": 2}, None, "b", now=T0 + timedelta(1))
    assert retry is not None
    assert (retry.id, retry.attempts, retry.status) == (first.id, 2, "running")
    assert (retry.error_message, retry.completed_at) == (None, None)
    assert (retry.parameters, retry.data_range, retry.executed_by) == ({"try": 2}, None, "b")
    assert retry.started_at == T0 + timedelta(days=1)
    assert row_count(conn) == 1

    long_error = "x" * 20_000
    assert len(fail_execution(conn, retry.id, long_error).error_message) == 8000


def test_one_failing_report_does_not_affect_another(conn: connection) -> None:
    kpi = claim_execution(conn, "kpi", T0, "csv", now=T0)
    usage = claim_execution(conn, "usage", T0, "csv", now=T0)
    assert kpi and usage
    fail_execution(conn, kpi.id, RuntimeError("warehouse unreachable"), now=T0)
    # A database error (unknown report) rolls back its own claim only and
    # leaves the connection usable.
    with pytest.raises(psycopg2.errors.ForeignKeyViolation):
        claim_execution(conn, "no_such_report", T0, "csv")
    complete_execution(conn, usage.id, Rendered(Path("u.csv"), 10, SHA, 2, 5), now=T0)

    assert get_execution(conn, kpi.id).error_message == "RuntimeError: warehouse unreachable"
    assert get_execution(conn, kpi.id).status == "failed"
    done = get_execution(conn, usage.id)
    assert (done.status, done.error_message, done.record_count) == ("completed", None, 2)
    assert row_count(conn) == 2
