"""Checks of a published table's rows in the warehouse: a unique, not-null key
and values within their ranges. Each check is a query counting the rows that
break it; no Dagster here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from psycopg2 import sql
from psycopg2.extensions import connection


@dataclass(frozen=True)
class TableCheck:
    name: str
    description: str
    query: sql.Composed  # select count(*) of the rows that break the check


def table_checks(
    table: str,
    key: Sequence[str],
    ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
    where: sql.Composable | None = None,
    not_null: Sequence[str] | None = None,
) -> list[TableCheck]:
    """Checks of `table` ("schema.name"): `key` unique (nulls alike) and its
    columns (or `not_null`) not null, each column of `ranges` within [min, max]
    (None: open; null values pass). `where` limits the checked rows (a
    condition over the table's columns)."""
    not_null = key if not_null is None else not_null
    relation = sql.Identifier(*table.split("."))
    condition = where or sql.SQL("true")
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in key)
    checks = [
        TableCheck(
            "primary_key_unique",
            f"No two rows share ({', '.join(key)}).",
            sql.SQL(
                "select count(*) from (select 1 from {t} where {w} group by {k} "
                "having count(*) > 1) as duplicated"
            ).format(t=relation, w=condition, k=columns),
        ),
        TableCheck(
            "primary_key_not_null",
            f"No row has a null in ({', '.join(not_null)}).",
            sql.SQL("select count(*) from {t} where ({w}) and ({nulls})").format(
                t=relation,
                w=condition,
                nulls=sql.SQL(" or ").join(
                    sql.SQL("{} is null").format(sql.Identifier(c)) for c in not_null
                ),
            ),
        ),
    ]
    for column, (low, high) in (ranges or {}).items():
        bounds = []
        if low is not None:
            bounds.append(sql.SQL("{} < {}").format(sql.Identifier(column), sql.Literal(low)))
        if high is not None:
            bounds.append(sql.SQL("{} > {}").format(sql.Identifier(column), sql.Literal(high)))
        low_text = "-inf" if low is None else low
        high_text = "inf" if high is None else high
        checks.append(
            TableCheck(
                f"{column}_in_range",
                f"{column} is within [{low_text}, {high_text}] (or null).",
                sql.SQL("select count(*) from {t} where ({w}) and ({out})").format(
                    t=relation, w=condition, out=sql.SQL(" or ").join(bounds)
                ),
            )
        )
    return checks


def violations(conn: connection, check: TableCheck) -> int:
    """How many rows break `check`."""
    with conn.cursor() as cur:
        cur.execute(check.query)
        return cur.fetchone()[0]
