"""Where an extraction stands, per source, in the warehouse's schema `raw`:

- `raw._extract_cursors`: the newest (updated_at, id) extracted so far;
- `raw._extract_recent`: the (id, updated_at) of the rows extracted within
  the overlap window before that cursor. Each extraction re-reads the window
  (a transaction that commits late may hold rows stamped before the cursor);
  rows it already took are skipped, rows it had not seen are new.

The cursor moves only after the batch is ingested: an extraction that stops
half-way is repeated, and the ingest ledger skips a batch it already holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from psycopg2.extensions import connection
from psycopg2.extras import execute_values

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.schema import RAW_SCHEMA

CURSORS_TABLE = f"{RAW_SCHEMA}._extract_cursors"
RECENT_TABLE = f"{RAW_SCHEMA}._extract_recent"

_DDL = f"""
create table if not exists {CURSORS_TABLE} (
    source         text primary key,
    updated_at     timestamptz not null,
    row_id         bigint not null,
    rows_total     bigint not null,
    extracted_at   timestamptz not null
);
create table if not exists {RECENT_TABLE} (
    source      text not null,
    row_id      bigint not null,
    updated_at  timestamptz not null,
    primary key (source, row_id, updated_at)
);
grant select, insert, update, delete on {CURSORS_TABLE}, {RECENT_TABLE} to {{loader}};
"""


@dataclass(frozen=True)
class Cursor:
    """The newest row extracted: its updated_at, then its id."""

    updated_at: dt.datetime
    row_id: int


def prepare_state_tables() -> None:
    """Create the cursor tables (DDL is the admin's; the loader reads and writes them)."""
    loader = warehouse.Role.LOADER.role_name
    with warehouse.connect(warehouse.Role.ADMIN) as admin, admin.cursor() as cur:
        cur.execute(f"create schema if not exists {RAW_SCHEMA}")
        cur.execute(_DDL.format(loader=loader))


def load_cursor(conn: connection, source: str) -> Cursor | None:
    with conn.cursor() as cur:
        cur.execute(f"select updated_at, row_id from {CURSORS_TABLE} where source = %s", (source,))
        row = cur.fetchone()
    return Cursor(*row) if row else None


def recent_keys(conn: connection, source: str) -> set[tuple[int, dt.datetime]]:
    with conn.cursor() as cur:
        cur.execute(f"select row_id, updated_at from {RECENT_TABLE} where source = %s", (source,))
        return set(cur.fetchall())


def save_progress(
    conn: connection,
    source: str,
    cursor: Cursor,
    taken: Iterable[tuple[int, dt.datetime]],
    rows: int,
    overlap: dt.timedelta,
) -> None:
    """Record the new cursor and the rows taken inside the overlap window; forget
    the keys that fell out of it. In the caller's transaction."""
    with conn.cursor() as cur:
        cur.execute(
            f"""insert into {CURSORS_TABLE} (source, updated_at, row_id, rows_total, extracted_at)
                values (%s, %s, %s, %s, clock_timestamp())
                on conflict (source) do update set
                    updated_at = excluded.updated_at, row_id = excluded.row_id,
                    rows_total = {CURSORS_TABLE}.rows_total + excluded.rows_total,
                    extracted_at = excluded.extracted_at""",
            (source, cursor.updated_at, cursor.row_id, rows),
        )
        window_start = cursor.updated_at - overlap
        recent = [(source, row_id, stamp) for row_id, stamp in taken if stamp >= window_start]
        execute_values(
            cur,
            f"insert into {RECENT_TABLE} (source, row_id, updated_at) values %s"
            " on conflict do nothing",
            recent,
        )
        cur.execute(
            f"delete from {RECENT_TABLE} where source = %s and updated_at < %s",
            (source, window_start),
        )
