"""Reading a table's changes from an operational PostgreSQL database, in
pages ordered by (updated_at, id), inside one read-only snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import psycopg2
import sqlalchemy as sa
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_REPEATABLE_READ, connection
from psycopg2.extras import RealDictCursor

from analytics_pipeline.warehouse import libpq_params

VERSION_COLUMN = "updated_at"
KEY_COLUMN = "id"


def open_source(url: str | sa.URL) -> connection:
    """A read-only session on the operational database (a postgresql:// URL;
    `?host=/socket/dir` for a Unix socket): every page of an extraction reads
    one snapshot, and the extractor cannot write even when its role could."""
    params = libpq_params(sa.make_url(url) if isinstance(url, str) else url)
    conn = psycopg2.connect(**params, application_name="analytics_pipeline extract")
    conn.set_session(isolation_level=ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
    return conn


def read_changes(
    conn: connection,
    table: str,
    columns: Sequence[str],
    since: dt.datetime | None,
    page_rows: int = 50_000,
) -> Iterator[list[dict]]:
    """Pages of the rows of `table` ("schema.table") with updated_at >= `since`
    (all rows without it), ordered by (updated_at, id), as dicts of `columns`."""
    schema, name = table.split(".", 1)
    select = sql.SQL("select {} from {}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(schema, name)
    )
    order = sql.SQL(" order by {v}, {k} limit %s").format(
        v=sql.Identifier(VERSION_COLUMN), k=sql.Identifier(KEY_COLUMN)
    )
    after_key = sql.SQL(" where ({v}, {k}) > (%s, %s)").format(
        v=sql.Identifier(VERSION_COLUMN), k=sql.Identifier(KEY_COLUMN)
    )
    from_time = sql.SQL(" where {v} >= %s").format(v=sql.Identifier(VERSION_COLUMN))
    last: tuple[dt.datetime, int] | None = None
    with conn.cursor(cursor_factory=RealDictCursor) as cur:
        while True:
            if last is not None:
                cur.execute(select + after_key + order, (*last, page_rows))
            elif since is not None:
                cur.execute(select + from_time + order, (since, page_rows))
            else:
                cur.execute(select + order, (page_rows,))
            page = cur.fetchall()
            if not page:
                return
            yield page
            if len(page) < page_rows:
                return
            last = (page[-1][VERSION_COLUMN], page[-1][KEY_COLUMN])
