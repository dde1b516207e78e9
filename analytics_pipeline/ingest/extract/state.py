"""Where an extraction stands, per source, in the warehouse's schema `raw`:

- `raw._extract_cursors`: the newest (updated_at, id) extracted so far, and
  `reread_from`: where the next extraction starts reading, a time before
  every row that was not committed yet when the last one read (a transaction
  that commits late may hold rows stamped before the cursor);
- `raw._extract_recent`: the (id, updated_at) of the rows extracted at or
  after `reread_from`. Each extraction re-reads from there; rows it already
  took are skipped, rows it had not seen are new.

The cursor moves only after the batch is ingested: an extraction that stops
half-way is repeated, and the ingest ledger skips a batch it already holds.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg2.extensions import connection

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
alter table {CURSORS_TABLE} add column if not exists reread_from timestamptz;
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


def load_cursor(conn: connection, source: str) -> tuple[Cursor | None, dt.datetime | None]:
    """The source's cursor and where the next extraction starts reading (None
    for a cursor stored before `reread_from` was: the caller's overlap)."""
    with conn.cursor() as cur:
        cur.execute(
            f"select updated_at, row_id, reread_from from {CURSORS_TABLE} where source = %s",
            (source,),
        )
        row = cur.fetchone()
    return (Cursor(row[0], row[1]), row[2]) if row else (None, None)


KEYS_SCHEMA = pa.schema([("id", pa.int64()), ("updated_at", pa.timestamp("us", tz="UTC"))])


def recent_keys(conn: connection, source: str) -> pa.Table:
    """The (id, updated_at) of the rows extracted at or after `reread_from`."""
    buffer = io.BytesIO()
    with conn.cursor() as cur:
        query = cur.mogrify(
            f"copy (select row_id, (extract(epoch from updated_at) * 1000000)::bigint"
            f" from {RECENT_TABLE} where source = %s) to stdout with (format csv)",
            (source,),
        )
        cur.copy_expert(query, buffer)
    if not buffer.tell():
        return KEYS_SCHEMA.empty_table()
    buffer.seek(0)
    read = pacsv.ReadOptions(column_names=["id", "micros"])
    types = {"id": pa.int64(), "micros": pa.int64()}
    table = pacsv.read_csv(buffer, read, convert_options=pacsv.ConvertOptions(column_types=types))
    stamps = table["micros"].cast(pa.timestamp("us")).cast(KEYS_SCHEMA.field("updated_at").type)
    return pa.table([table["id"], stamps], schema=KEYS_SCHEMA)


def save_progress(
    conn: connection,
    source: str,
    cursor: Cursor,
    taken: pa.Table,
    rows: int,
    reread_from: dt.datetime,
) -> None:
    """Record the new cursor, where the next extraction starts, and the keys of
    the rows taken at or after it (`taken`: KEYS_SCHEMA); forget the keys
    before it. In the caller's transaction."""
    with conn.cursor() as cur:
        cur.execute(
            f"""insert into {CURSORS_TABLE}
                    (source, updated_at, row_id, rows_total, extracted_at, reread_from)
                values (%s, %s, %s, %s, clock_timestamp(), %s)
                on conflict (source) do update set
                    updated_at = excluded.updated_at, row_id = excluded.row_id,
                    rows_total = {CURSORS_TABLE}.rows_total + excluded.rows_total,
                    extracted_at = excluded.extracted_at, reread_from = excluded.reread_from""",
            (source, cursor.updated_at, cursor.row_id, rows, reread_from),
        )
        taken = taken.filter(
            pc.greater_equal(taken["updated_at"], pa.scalar(reread_from, taken["updated_at"].type))
        )
        if taken.num_rows:
            micros = taken["updated_at"].cast(pa.timestamp("us")).cast(pa.int64())
            buffer = io.BytesIO()
            pacsv.write_csv(
                pa.table({"row_id": taken["id"], "micros": micros}),
                buffer,
                pacsv.WriteOptions(include_header=False),
            )
            buffer.seek(0)
            cur.execute(
                "create temporary table _extract_taken (row_id bigint, micros bigint)"
                " on commit drop"
            )
            cur.copy_expert("copy _extract_taken from stdin with (format csv)", buffer)
            cur.execute(
                f"insert into {RECENT_TABLE} (source, row_id, updated_at)"
                " select %s, row_id, to_timestamp(0) + micros * interval '1 microsecond'"
                " from _extract_taken on conflict do nothing",
                (source,),
            )
        cur.execute(
            f"delete from {RECENT_TABLE} where source = %s and updated_at < %s",
            (source, reread_from),
        )
