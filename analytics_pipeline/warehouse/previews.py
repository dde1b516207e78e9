"""Row counts and small previews of tables, for their materializations' metadata.

Every preview is a Markdown table of at most PREVIEW_ROWS rows. A partitioned
table shows the rows of the partition just built (its date column within the
partition's days, or its exact time window, newest first); a json column
can be shown as one column per key. Numbers that are not integers show
SIGNIFICANT_DIGITS significant digits, never fewer than their integer digits
and without exponent (0.123456 -> 0.1235, 1234.5678 -> 1235, 0.00012345 ->
0.0001235); json cells are compact json; cells are cut to 60 characters.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg2 import sql

from analytics_pipeline import warehouse

PREVIEW_ROWS = 10
SIGNIFICANT_DIGITS = 4
CELL_CHARACTERS = 60


@dataclass(frozen=True)
class Preview:
    """Which rows of a table a preview shows.

    `date_column`: the rows' date (newest first); with `days` (first, last,
    inclusive) only rows of those days, or, with `end_column` too, rows whose
    period [date_column, end_column] overlaps them; with `window` (start, end:
    timestamps, end exclusive) only rows whose date_column lies within it.
    `order_by` breaks ties. `json_column`: a json object column shown as one
    column per key (the keys of the rows shown, in their order).
    """

    schema: str
    table: str
    date_column: str | None = None
    end_column: str | None = None
    days: tuple[dt.date, dt.date] | None = None
    order_by: Sequence[str] = ()
    window: tuple[dt.datetime, dt.datetime] | None = None
    json_column: str | None = None

    def query(self, rows: int = PREVIEW_ROWS) -> tuple[sql.Composed, dict[str, Any]]:
        """The select statement and its parameters."""
        where = sql.SQL("")
        params: dict[str, Any] = {"rows": rows}
        if self.date_column and self.days:
            params |= {"first_day": self.days[0], "last_day": self.days[1]}
            start = sql.Identifier(self.date_column)
            end = sql.Identifier(self.end_column or self.date_column)
            where = sql.SQL(
                " where {start}::date <= %(last_day)s and {end}::date >= %(first_day)s"
            ).format(start=start, end=end)
        elif self.date_column and self.window:
            params |= {"window_start": self.window[0], "window_end": self.window[1]}
            where = sql.SQL(
                " where {column} >= %(window_start)s and {column} < %(window_end)s"
            ).format(column=sql.Identifier(self.date_column))
        order = [sql.SQL("{} desc").format(sql.Identifier(self.date_column))] * bool(
            self.date_column
        )
        order += [sql.Identifier(c) for c in self.order_by]
        order_by = sql.SQL(" order by ") + sql.SQL(", ").join(order) if order else sql.SQL("")
        query = sql.SQL("select * from {table}{where}{order_by} limit %(rows)s").format(
            table=sql.Identifier(self.schema, self.table), where=where, order_by=order_by
        )
        return query, params


def table_preview_markdown(preview: Preview, rows: int = PREVIEW_ROWS) -> str:
    """The preview's rows as a markdown table."""
    query, params = preview.query(rows)
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        names = [d.name for d in cur.description]
        body = cur.fetchall()
    if preview.json_column in names:
        names, body = _expand_json(names, body, names.index(preview.json_column))
    return markdown_table(names, body)


def _expand_json(names: list[str], rows: list[tuple], index: int) -> tuple[list[str], list[tuple]]:
    """The json object column at `index` replaced by one column per key."""
    objects = [row[index] or {} for row in rows]
    keys = list(dict.fromkeys(key for value in objects for key in value))
    others = [n for i, n in enumerate(names) if i != index]
    expanded = [
        (*(v for i, v in enumerate(row) if i != index), *(value.get(k) for k in keys))
        for row, value in zip(rows, objects, strict=True)
    ]
    return [*others, *keys], expanded


def format_number(value: float | decimal.Decimal) -> str:
    """SIGNIFICANT_DIGITS significant digits, all integer digits, no exponent."""
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    decimals = max(0, SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_cell(value: Any) -> str:
    """A value as the text of a markdown table cell."""
    if value is None:
        text = ""
    elif isinstance(value, float | decimal.Decimal):
        text = format_number(value)
    elif isinstance(value, dict | list):
        text = json.dumps(value, default=str, separators=(",", ":"))
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")[:CELL_CHARACTERS]


def markdown_table(names: Iterable[str], rows: Iterable[Iterable]) -> str:
    """Column names and rows as a markdown table (cells formatted by format_cell)."""
    names = list(names)
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for row in rows:
        lines.append("| " + " | ".join(format_cell(v) for v in row) + " |")
    return "\n".join(lines)


def table_row_count(schema: str, table: str) -> int:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(f'select count(*) from "{schema}"."{table}"')
        return cur.fetchone()[0]
