"""Rows of the operational tables as columns (numpy arrays or lists), and their
bulk load with COPY. Moments are int64 epoch seconds, `NAT` for none (the
value numpy reads as NaT)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

import numpy as np

MINUTE, HOUR, DAY = 60, 3600, 86400
NAT = np.iinfo(np.int64).min
NULL = r"\N"
CHUNK = 100_000

Column = np.ndarray | Sequence
Table = dict[str, Column]  # column name -> values, all of one length


def epoch(day: date) -> int:
    """Seconds since the epoch at the start (UTC) of `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=UTC)


def where(cond: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """`seconds` where `cond`, none elsewhere."""
    return np.where(cond, seconds, NAT)


def length(table: Table) -> int:
    return len(next(iter(table.values())))


def take(table: Table, rows: np.ndarray) -> Table:
    """The rows at positions `rows` (indices or a boolean mask)."""
    index = np.flatnonzero(rows) if rows.dtype == bool else rows
    return {
        name: col[index] if isinstance(col, np.ndarray) else [col[i] for i in index.tolist()]
        for name, col in table.items()
    }


def _text(col: Column) -> list[str]:
    """A column as COPY text values (ints, moments, amounts, booleans, strings)."""
    if isinstance(col, np.ndarray):
        if col.dtype.kind == "M":
            return np.where(np.isnat(col), NULL, np.datetime_as_string(col)).tolist()
        if col.dtype.kind in "iu":
            return col.astype(str).tolist()
        if col.dtype.kind == "f":
            return [NULL if v != v else f"{v:.2f}" for v in col.tolist()]
        if col.dtype.kind == "b":
            return np.where(col, "t", "f").tolist()
        col = col.tolist()
    return [NULL if v is None else "t" if v is True else "f" if v is False else str(v) for v in col]


def moments(seconds: np.ndarray) -> np.ndarray:
    return np.asarray(seconds, dtype=np.int64).view("datetime64[s]")


def copy_rows(cursor, table: str, rows: Table) -> int:
    """COPY `rows` into hospital.`table` in chunks; the number of rows.

    Columns named *_at and scheduled_start (int64 seconds) load as moments; text must not hold
    tabs, newlines or backslashes (the generator's never do)."""
    n = length(rows)
    names = list(rows)
    sql = f"copy hospital.{table} ({', '.join(names)}) from stdin"
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        cols = []
        for name in names:
            col = rows[name]
            part = col[start:stop]
            is_moment = name.endswith("_at") or name == "scheduled_start"
            if is_moment and isinstance(part, np.ndarray) and part.dtype == np.int64:
                part = moments(part)
            cols.append(_text(part))
        buffer = io.StringIO("\n".join(map("\t".join, zip(*cols, strict=True))) + "\n")
        cursor.copy_expert(sql, buffer)
    return n


def pick(rng: np.random.Generator, options: Sequence, n: int, weights: Iterable | None = None):
    """`n` choices among `options` (an array of them), weighted if asked."""
    p = None
    if weights is not None:
        p = np.asarray(list(weights), dtype=float)
        p /= p.sum()
    return np.asarray(options, dtype=object)[rng.choice(len(options), n, p=p)]
