"""How far the data has arrived: the newest event time staging holds."""

from __future__ import annotations

import datetime as dt

from psycopg2 import sql
from psycopg2.extensions import connection

# The event streams whose time says how far the data reaches (and from which
# the daily models take their default as-of date, macros/analytics_window.sql).
EVENT_TIMES = (
    ("staging", "stg_user_activity", "occurred_at"),
    ("staging", "stg_agent_runs", "started_at"),
)


def newest_event_time(conn: connection) -> dt.datetime | None:
    """The latest event time in staging (None: no event, or staging not built)."""
    newest = None
    with conn.cursor() as cur:
        for schema, table, column in EVENT_TIMES:
            cur.execute("select to_regclass(%s)", (f"{schema}.{table}",))
            if cur.fetchone()[0] is None:
                continue
            cur.execute(
                sql.SQL("select max({}) from {}").format(
                    sql.Identifier(column), sql.Identifier(schema, table)
                )
            )
            value = cur.fetchone()[0]
            if value is not None and (newest is None or value > newest):
                newest = value
    return newest
