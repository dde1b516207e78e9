"""The retention benchmark: the same rows of a raw event table twice, once
partitioned by month (as the loader lands them) and once in a plain table,
then the retention run's time to drop the expired months' partitions against
a `DELETE` of the same rows, in one run."""

from __future__ import annotations

import datetime as dt
import time

from psycopg2.extensions import connection

from analytics_pipeline.ingest.partitioning import (
    add_months,
    ensure_months,
    months_between,
    partition_month,
)
from analytics_pipeline.maintenance.retention import (
    cutoff,
    delete_expired_rows,
    drop_expired_partitions,
)

TABLE = "raw.user_activity"
PLAIN = "raw.user_activity_plain"
SOURCE = "user_activity"


def fill(conn: connection, rows: int, first: dt.date, last: dt.date) -> float:
    """`rows` events spread evenly over first..last (whole months) into both
    tables, generated in SQL; returns the seconds it took."""
    started = time.perf_counter()
    months = months_between(first, last)
    start = dt.datetime.combine(months[0], dt.time(), tzinfo=dt.UTC)
    span = dt.datetime.combine(add_months(months[-1], 1), dt.time(), tzinfo=dt.UTC) - start
    with conn.cursor() as cur:
        ensure_months(cur, SOURCE, months)
        cur.execute(
            f"""insert into {TABLE} (event_id, user_id, workspace_id, event_type, occurred_at,
                    _ingested_at, _source_file, _source_line, _batch_id)
                select 'e' || i, 'u' || (i %% 20000), 'ws_' || (i %% 3), 'page_view',
                       %(start)s + (i - 1) * %(step)s, %(start)s, 'bench', i, 'bench'
                from generate_series(1, %(rows)s) as i""",
            {"start": start, "step": span / rows, "rows": rows},
        )
        # The same rows, and the same indexes, in one plain table.
        cur.execute(f"create table {PLAIN} (like {TABLE} including defaults)")
        cur.execute(f"insert into {PLAIN} select * from {TABLE}")
        cur.execute(f"create index on {PLAIN} (_batch_id)")
        cur.execute(f"create index on {PLAIN} (event_id)")
    conn.commit()
    # Vacuumed, so that no autovacuum worker holds a partition that the drop
    # then waits a deadlock_timeout to cancel, and a checkpoint, so that
    # neither side's timing pays for writing out the gigabytes just generated.
    _vacuum(conn, f"vacuum analyze {TABLE}", f"vacuum analyze {PLAIN}", "checkpoint")
    return time.perf_counter() - started


def compare(conn: connection, as_of: dt.date, days: int) -> dict:
    """Retention of `days` as of `as_of` on both tables, each step in its own
    transaction and timed: counting the expired partitions' rows (what the
    retention run records) and dropping them, against a DELETE of the same
    rows and the VACUUM that a DELETE leaves to do."""
    cut = cutoff(as_of, days)
    with conn.cursor() as cur:
        count_seconds, (expired, rows) = _timed(
            conn, lambda: drop_expired_partitions(cur, TABLE, cut, dry=True)
        )
        drop_seconds, (dropped, _) = _timed(
            conn, lambda: drop_expired_partitions(cur, TABLE, cut, dry=False, count=False)
        )
    assert dropped == expired
    # DELETE exactly the rows the partitions held: everything before the end
    # of the last month dropped.
    months = [partition_month(SOURCE, name) for name in dropped]
    boundary = cutoff(add_months(max(months), 1), 0) if months else cut
    with conn.cursor() as cur:
        delete_seconds, deleted = _timed(
            conn, lambda: delete_expired_rows(cur, PLAIN, "occurred_at", boundary, dry=False)
        )
    vacuum_seconds = _vacuum(conn, f"vacuum {PLAIN}")
    partition_seconds = count_seconds + drop_seconds
    return {
        "cutoff": cut.isoformat(),
        "partitions_dropped": dropped,
        "rows_dropped": rows,
        "count_seconds": round(count_seconds, 3),
        "drop_seconds": round(drop_seconds, 3),
        "rows_deleted": deleted,
        "delete_seconds": round(delete_seconds, 3),
        "vacuum_seconds": round(vacuum_seconds, 3),
        "ratio": round(delete_seconds / partition_seconds, 1) if partition_seconds else None,
    }


def _timed(conn: connection, step):
    started = time.perf_counter()
    result = step()
    conn.commit()
    return time.perf_counter() - started, result


def _vacuum(conn: connection, *statements: str) -> float:
    """Run VACUUM, ANALYZE or CHECKPOINT (outside a transaction; a checkpoint
    needs the admin to be a superuser or pg_checkpoint); their seconds."""
    started = time.perf_counter()
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.autocommit = False
    return time.perf_counter() - started
