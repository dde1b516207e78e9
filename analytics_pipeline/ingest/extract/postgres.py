"""Reading a table's changes from an operational PostgreSQL database, in
pages ordered by (updated_at, id), inside one read-only snapshot: each page is
a `COPY (select ...) TO STDOUT` in CSV parsed by Arrow, no Python object per
value."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import psycopg2
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_REPEATABLE_READ, connection

from analytics_pipeline.warehouse import libpq_params

VERSION_COLUMN = "updated_at"
KEY_COLUMN = "id"

# Who may still commit rows: the sessions of this database holding a
# transaction id (they wrote), and whether every one of them is visible. A
# session of another role shows no state, xact_start or backend_type unless
# our role has pg_read_all_stats; a prepared transaction may commit any time;
# a standby does not show the primary's transactions.
_OPEN_WRITES = """
select now(),
       min(xact_start) filter (where backend_xid is not null),
       pg_is_in_recovery()
       or coalesce(bool_or((state is null and coalesce(backend_type, 'client backend')
                                                   = 'client backend')
                           or (backend_xid is not null and xact_start is null)), false)
       or exists (select from pg_prepared_xacts where database = current_database())
from pg_stat_activity
where datname = current_database() and pid <> pg_backend_pid()
"""


def open_source(url: str | sa.URL) -> connection:
    """A read-only session on the operational database (a postgresql:// URL;
    `?host=/socket/dir` for a Unix socket): every page of an extraction reads
    one snapshot, and the extractor cannot write even when its role could.
    Its time zone is UTC, the form in which the pages carry timestamps."""
    params = libpq_params(sa.make_url(url) if isinstance(url, str) else url)
    conn = psycopg2.connect(**params, application_name="analytics_pipeline extract")
    conn.set_session(isolation_level=ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
    with conn.cursor() as cur:
        cur.execute("set time zone 'UTC'")
    conn.commit()
    return conn


def write_horizon(conn: connection) -> dt.datetime | None:
    """A time before the `updated_at` of every row not committed yet: the start
    of the oldest write transaction still open, else now. None when some
    session's transaction is not visible to the role (no pg_read_all_stats).

    Read in a transaction of its own, before the snapshot of the pages: a
    transaction open now shows with its start; one that writes later stamps
    its rows later than now (`updated_at` is the clock time of the write)."""
    try:
        with conn.cursor() as cur:
            cur.execute(_OPEN_WRITES)
            now, oldest, hidden = cur.fetchone()
    finally:
        conn.commit()
    if hidden:
        return None
    return min(now, oldest) if oldest is not None else now


def read_changes(
    conn: connection,
    table: str,
    schema: pa.Schema,
    since: dt.datetime | None,
    page_rows: int = 50_000,
) -> Iterator[pa.Table]:
    """Pages of the rows of `table` ("schema.table") with updated_at >= `since`
    (all rows without it), ordered by (updated_at, id): Arrow tables of the
    columns and types of `schema`."""
    table_schema, name = table.split(".", 1)
    select = sql.SQL("select {} from {}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in schema.names),
        sql.Identifier(table_schema, name),
    )
    order = sql.SQL(" order by {v}, {k} limit %s").format(
        v=sql.Identifier(VERSION_COLUMN), k=sql.Identifier(KEY_COLUMN)
    )
    after_key = sql.SQL(" where ({v}, {k}) > (%s, %s)").format(
        v=sql.Identifier(VERSION_COLUMN), k=sql.Identifier(KEY_COLUMN)
    )
    from_time = sql.SQL(" where {v} >= %s").format(v=sql.Identifier(VERSION_COLUMN))
    last: tuple[dt.datetime, int] | None = None
    with conn.cursor() as cur:
        while True:
            if last is not None:
                query = cur.mogrify(select + after_key + order, (*last, page_rows))
            elif since is not None:
                query = cur.mogrify(select + from_time + order, (since, page_rows))
            else:
                query = cur.mogrify(select + order, (page_rows,))
            buffer = io.BytesIO()
            cur.copy_expert(b"copy (" + query + b") to stdout with (format csv)", buffer)
            if not buffer.tell():
                return
            buffer.seek(0)
            page = _parse_csv(buffer, schema)
            yield page
            if page.num_rows < page_rows:
                return
            last = (page[VERSION_COLUMN][-1].as_py(), page[KEY_COLUMN][-1].as_py())


def _parse_csv(buffer: io.BytesIO, schema: pa.Schema) -> pa.Table:
    """PostgreSQL's CSV: NULL is an unquoted empty field, "" an empty text,
    booleans t/f, timestamps ISO 8601 in UTC (the session's time zone)."""
    convert = pacsv.ConvertOptions(
        column_types=schema,
        true_values=["t"],
        false_values=["f"],
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    parse = pacsv.ParseOptions(newlines_in_values=True)
    try:
        read = pacsv.ReadOptions(column_names=schema.names, block_size=_BLOCK_BYTES)
        return pacsv.read_csv(buffer, read, parse, convert).cast(schema)
    except pa.ArrowInvalid:
        # A row longer than a block (a very long text): the page as one block.
        buffer.seek(0)
        whole = max(_BLOCK_BYTES, len(buffer.getbuffer()) + 1)
        read = pacsv.ReadOptions(column_names=schema.names, block_size=whole)
        return pacsv.read_csv(buffer, read, parse, convert).cast(schema)


# Blocks parsed in parallel; a row must fit in one.
_BLOCK_BYTES = 4 << 20
