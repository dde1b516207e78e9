"""Compare a table read from the warehouse with the reference, row by row.

Values are normalized before comparing: None / NaN / NaT / pd.NA are null;
Decimal and numpy numbers are Python numbers; datetimes are UTC pd.Timestamps
(naive = UTC); dates stay dates; JSON text is parsed when the other side holds a
dict or list. Numbers match within `float_tol` relative (absolute below 1); JSON
objects match key for key with the same tolerance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd


def normalize(value: Any) -> Any:
    """A comparable Python value (see module docstring)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, Decimal):
        return None if value.is_nan() else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, datetime | pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    if isinstance(value, date):
        return value
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [normalize(v) for v in value]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def values_match(actual: Any, expected: Any, float_tol: float = 1e-9) -> bool:
    """Whether two normalized values are equal (numbers within tolerance)."""
    if isinstance(actual, str) and isinstance(expected, dict | list):
        try:
            actual = normalize(json.loads(actual))
        except ValueError:
            return False
    if isinstance(expected, str) and isinstance(actual, dict | list):
        try:
            expected = normalize(json.loads(expected))
        except ValueError:
            return False
    if actual is None or expected is None:
        return actual is None and expected is None
    if _is_number(actual) and _is_number(expected):
        scale = max(1.0, abs(float(actual)), abs(float(expected)))
        return abs(float(actual) - float(expected)) <= float_tol * scale
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(
            values_match(actual[k], expected[k], float_tol) for k in expected
        )
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(
            values_match(a, e, float_tol) for a, e in zip(actual, expected, strict=True)
        )
    if type(actual) is not type(expected) and not (
        isinstance(actual, pd.Timestamp) and isinstance(expected, pd.Timestamp)
    ):
        return False
    return actual == expected


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:297] + "..."


def _rows_by_key(frame: pd.DataFrame, keys: Sequence[str], label: str, problems: list[str]):
    rows: dict[tuple, dict] = {}
    records = frame.to_dict("records")
    for record in records:
        key = tuple(normalize(record[k]) for k in keys)
        if key in rows:
            problems.append(f"{label}: duplicate key {dict(zip(keys, key, strict=True))}")
        rows[key] = record
    return rows


def frame_differences(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    keys: Sequence[str],
    float_tol: float = 1e-9,
    columns: Sequence[str] | None = None,
    check_columns: bool = True,
) -> list[str]:
    """Readable differences between `actual` (e.g. the mart) and `expected` (the
    reference), aligned on `keys`: column set (when `check_columns`), duplicate keys,
    rows only on one side, and every differing value (key, column, both values).
    `columns` restricts the compared columns (default: all columns of `expected`)."""
    keys = list(keys)
    problems: list[str] = []
    if check_columns and list(actual.columns) != list(expected.columns):
        missing = [c for c in expected.columns if c not in actual.columns]
        extra = [c for c in actual.columns if c not in expected.columns]
        if missing or extra:
            problems.append(f"columns: missing {missing}, unexpected {extra}")
    compared = [c for c in (columns or expected.columns) if c not in keys and c in actual]
    for column in keys:
        if column not in actual or column not in expected:
            return [*problems, f"key column {column!r} missing"]
    got = _rows_by_key(actual, keys, "actual", problems)
    want = _rows_by_key(expected, keys, "expected", problems)
    only_actual = [k for k in got if k not in want]
    only_expected = [k for k in want if k not in got]
    for label, missing_keys in (
        ("rows only in actual", only_actual),
        ("rows only in expected", only_expected),
    ):
        if missing_keys:
            shown = [dict(zip(keys, k, strict=True)) for k in missing_keys[:10]]
            more = f" (and {len(missing_keys) - 10} more)" if len(missing_keys) > 10 else ""
            problems.append(f"{label}: {len(missing_keys)}: {shown}{more}")
    for key, want_row in want.items():
        if key not in got:
            continue
        got_row = got[key]
        for column in compared:
            a, e = normalize(got_row[column]), normalize(want_row[column])
            if not values_match(a, e, float_tol):
                where = dict(zip(keys, key, strict=True))
                problems.append(f"{where} {column}: actual {_show(a)} != expected {_show(e)}")
    return problems


def compare_frames(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    keys: Sequence[str],
    float_tol: float = 1e-9,
    columns: Sequence[str] | None = None,
    check_columns: bool = True,
    max_report: int = 40,
) -> None:
    """Assert that `actual` equals `expected` row for row (aligned on `keys`); the
    AssertionError lists the first `max_report` differences."""
    problems = frame_differences(actual, expected, keys, float_tol, columns, check_columns)
    if problems:
        shown = "\n  ".join(problems[:max_report])
        more = (
            f"\n  ... and {len(problems) - max_report} more" if len(problems) > max_report else ""
        )
        raise AssertionError(
            f"{len(problems)} difference(s) (actual {len(actual)} rows, expected "
            f"{len(expected)} rows):\n  {shown}{more}"
        )
