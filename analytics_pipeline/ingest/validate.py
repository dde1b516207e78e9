"""Check parsed records against the contract, column by column.

Each column's values are checked and converted in one pass (timestamps
vectorized through pandas); the result holds the converted columns for every
row and, for the rows that break a rule, the reasons naming column and rule.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics_pipeline.ingest.contract import (
    MAX_TEXT_LENGTH,
    MAX_YEAR,
    MIN_DATE_YEAR,
    MIN_YEAR,
    Column,
    JsonKey,
    RangeWhen,
    Source,
)

_NUMERIC = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1
_TS_MIN = pd.Timestamp(f"{MIN_YEAR}-01-01", tz="UTC")
_TS_MAX = pd.Timestamp(f"{MAX_YEAR + 1}-01-01", tz="UTC")


@dataclass
class Validated:
    """Converted columns (pyarrow arrays, all rows) and the reasons of bad rows."""

    arrays: dict[str, pa.Array]
    reasons: dict[int, list[str]]

    def valid_mask(self, rows: int) -> np.ndarray:
        mask = np.ones(rows, dtype=bool)
        if self.reasons:
            mask[list(self.reasons)] = False
        return mask


def _show(value) -> str:
    text = (
        value if isinstance(value, str) else str(value) if type(value) is Decimal else repr(value)
    )
    return text if len(text) <= 40 else text[:37] + "..."


class _Errors:
    def __init__(self) -> None:
        self.by_row: dict[int, list[str]] = {}

    def add(self, row: int, reason: str) -> None:
        self.by_row.setdefault(row, []).append(reason)


def validate(
    source: Source, records: list[dict] | pa.RecordBatch, *, json_as_text: bool
) -> Validated:
    """Check records of one file. `json_as_text`: the file's format carries the
    JSON objects of json columns as text (CSV and Parquet cells); JSON lines
    carry the object itself, so there a string is not an object.

    `records` may be a Parquet file's columns (a record batch): a column whose
    Arrow type is already its contract type is checked as it is, without a
    Python object per value, with the same results and reasons."""
    errors = _Errors()
    arrays: dict[str, pa.Array] = {}
    batch = records if isinstance(records, pa.RecordBatch) else None
    present = set(batch.schema.names) if batch is not None else None
    for column in source.columns:
        name = column.name
        if batch is None:
            values = [record.get(name) for record in records]
        elif name in present:
            array = batch.column(name)
            native = _NATIVE_CHECKERS.get(column.type)
            if native is not None and native[0](array.type):
                arrays[name] = native[1](column, array, errors)
                continue
            values = array.to_pylist()
        else:
            values = [None] * batch.num_rows
        if column.type == "json":
            arrays[name] = _check_json(column, values, errors, json_as_text)
        else:
            arrays[name] = _CHECKERS[column.type](column, values, errors)
    if batch is None:
        _name_missing_values(errors, lambda row, name: name not in records[row])
    else:
        _name_missing_values(errors, lambda row, name: name not in present)
    for rule in source.order_rules:
        later, earlier = arrays[rule.later], arrays[rule.earlier]
        _flag(errors, pc.less(later, earlier), f"rule {rule.later} >= {rule.earlier}: broken")
    for rule in source.range_rules:
        _check_range_when(rule, arrays, errors)
    return Validated(arrays, errors.by_row)


def _check_range_when(rule: RangeWhen, arrays: dict[str, pa.Array], errors: _Errors) -> None:
    """A bound that applies on the rows where another column has a given value."""
    values = arrays[rule.column]
    if pa.types.is_string(values.type):  # numeric columns keep their text
        values = pc.cast(values, pa.float64())
    applies = pc.equal(arrays[rule.when_column], rule.when_value)
    outside = pc.or_(pc.less(values, rule.minimum), pc.greater(values, rule.maximum))
    _flag(
        errors,
        pc.and_(applies, outside),
        lambda row: f"column {rule.column}: value {values[row].as_py():g} is outside {rule.rule}",
    )


_NULL_REASON = "required value is null"


def _name_missing_values(errors: _Errors, absent: Callable[[int, str], bool]) -> None:
    """Tell a column absent from the row ("missing") from one given as null."""
    for row, reasons in errors.by_row.items():
        for i, reason in enumerate(reasons):
            if reason.endswith(_NULL_REASON):
                name = reason[len("column ") : reason.index(":")]
                if absent(row, name):
                    reasons[i] = f"column {name}: required value is missing"


def _presence(column: Column, values: list, errors: _Errors) -> None:
    """Record null required values; blank text counts as null."""
    for row, value in enumerate(values):
        if value is None or (type(value) is str and not value.strip()):
            values[row] = None
            if column.required:
                errors.add(row, f"column {column.name}: {_NULL_REASON}")


def _flag(errors: _Errors, mask: pa.Array, reason) -> None:
    """Add `reason(row)` (or the reason text) for every row where mask is true."""
    hits = np.flatnonzero(mask.fill_null(False).to_numpy(zero_copy_only=False))
    for row in hits:
        row = int(row)
        errors.add(row, reason(row) if callable(reason) else reason)


def _check_text(column: Column, values: list, errors: _Errors) -> pa.Array:
    try:
        array = pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = pa.array(_text_values(column, values, errors), type=pa.string())
    return _check_text_array(column, array, errors, lambda row: values[row])


def _check_text_array(
    column: Column, array: pa.Array, errors: _Errors, written: Callable[[int], object]
) -> pa.Array:
    """The checks of a text column; `written(row)`: the value as the file wrote it."""
    blank = pc.equal(pc.utf8_trim_whitespace(array), "")
    if pc.any(blank).as_py():
        array = pc.if_else(blank, pa.scalar(None, pa.string()), array)
    name = column.name
    if column.required:
        _flag(errors, array.is_null(), f"column {name}: {_NULL_REASON}")
    too_long = pc.greater(pc.utf8_length(array), MAX_TEXT_LENGTH)
    has_nul = pc.match_substring(array, "\x00")
    bad = pc.or_(too_long, has_nul)
    _flag(errors, too_long, f"column {name}: text longer than {MAX_TEXT_LENGTH} characters")
    _flag(errors, has_nul, f"column {name}: text contains a NUL character")
    if column.enum:
        outside = pc.and_(pc.invert(pc.is_in(array, pa.array(column.enum))), array.is_valid())
        outside = pc.and_(outside, pc.invert(bad.fill_null(False)))
        _flag(
            errors,
            outside,
            lambda row: (
                f"column {name}: value {_show(written(row))} is not one of {', '.join(column.enum)}"
            ),
        )
        bad = pc.or_(bad, outside)
    if pc.any(bad).as_py():
        array = pc.if_else(bad.fill_null(False), pa.scalar(None, pa.string()), array)
    return array


def _text_values(column: Column, values: list, errors: _Errors) -> list:
    """Slow path for a column mixing types: numbers become text, the rest is flagged."""
    out = list(values)
    for row, value in enumerate(values):
        if value is None or type(value) is str:
            continue
        if type(value) in (int, float):
            out[row] = str(value)  # numeric ids exported as JSON numbers
        else:
            errors.add(row, f"column {column.name}: value {_show(value)} is not text")
            out[row] = None
    return out


def _bounds(column: Column, row: int, number: float, written, errors: _Errors) -> bool:
    """Check the column's range; `written` is the value as the file wrote it."""
    if column.minimum is not None and number < column.minimum:
        errors.add(
            row,
            f"column {column.name}: value {_show(written)} is below the minimum {column.minimum:g}",
        )
        return False
    if column.maximum is not None and number > column.maximum:
        errors.add(
            row,
            f"column {column.name}: value {_show(written)} is above the maximum {column.maximum:g}",
        )
        return False
    return True


def _check_int(column: Column, values: list, errors: _Errors) -> pa.Array:
    _presence(column, values, errors)
    for row, value in enumerate(values):
        if value is None:
            continue
        number = None
        if type(value) is int:
            number = value
        elif (type(value) is float and value.is_integer()) or (
            type(value) is str and _INTEGER.match(value)
        ):
            number = int(value)
        elif type(value) is Decimal and value.is_finite() and value == value.to_integral_value():
            number = int(value)  # MongoDB $numberDouble / $numberDecimal
        if number is None or not _BIGINT_MIN <= number <= _BIGINT_MAX:
            errors.add(
                row, f"column {column.name}: value {_show(value)} does not parse as an integer"
            )
            values[row] = None
        elif _bounds(column, row, number, value, errors):
            values[row] = number
        else:
            values[row] = None
    return pa.array(values, type=pa.int64())


def _check_numeric(column: Column, values: list, errors: _Errors) -> pa.Array:
    """Numbers keep their written form (PostgreSQL numeric is exact)."""
    _presence(column, values, errors)
    for row, value in enumerate(values):
        if value is None:
            continue
        text = None
        if type(value) in (int, float) and math.isfinite(value):
            text = repr(value)
        elif type(value) is str and _NUMERIC.match(value):
            text = value.strip()
        elif type(value) is Decimal and value.is_finite():
            text = str(value)
        if text is None:
            errors.add(
                row, f"column {column.name}: value {_show(value)} does not parse as a number"
            )
            values[row] = None
        elif _bounds(column, row, float(text), value, errors):
            values[row] = text
        else:
            values[row] = None
    return pa.array(values, type=pa.string())


def _check_bool(column: Column, values: list, errors: _Errors) -> pa.Array:
    _presence(column, values, errors)
    for row, value in enumerate(values):
        if value is None or type(value) is bool:
            continue
        word = str(value).strip().lower() if type(value) in (str, int) else None
        if word in _TRUE:
            values[row] = True
        elif word in _FALSE:
            values[row] = False
        else:
            errors.add(
                row, f"column {column.name}: value {_show(value)} does not parse as a boolean"
            )
            values[row] = None
    return pa.array(values, type=pa.bool_())


def _check_ts(column: Column, values: list, errors: _Errors) -> pa.Array:
    _presence(column, values, errors)
    for row, value in enumerate(values):
        if value is None:
            continue
        if type(value) is str:
            if value[0].isspace() or value[-1].isspace():
                values[row] = value.strip()
            continue
        if isinstance(value, datetime):  # Parquet timestamps; naive means UTC
            values[row] = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        elif isinstance(value, date):
            values[row] = value.isoformat()
        else:
            errors.add(
                row, f"column {column.name}: value {_show(value)} is not an ISO 8601 timestamp"
            )
            values[row] = None
    raw = pd.Series(values, dtype=object)
    parsed = pd.to_datetime(raw, format="ISO8601", utc=True, errors="coerce")
    if parsed.dt.unit != "us":
        parsed = parsed.dt.as_unit("us")
    unparsed = parsed.isna().to_numpy() & raw.notna().to_numpy()
    for row in np.flatnonzero(unparsed):
        row = int(row)
        errors.add(row, _timestamp_problem(column, values[row]))
    out_of_range = ((parsed < _TS_MIN) | (parsed >= _TS_MAX)).to_numpy()
    for row in np.flatnonzero(out_of_range):
        errors.add(
            int(row),
            f"column {column.name}: timestamp {_show(values[int(row)])} is outside "
            f"{MIN_YEAR}..{MAX_YEAR}",
        )
    parsed[out_of_range] = pd.NaT
    return pa.Array.from_pandas(parsed)


def _check_date(column: Column, values: list, errors: _Errors) -> pa.Array:
    """A calendar date: an ISO 8601 date (YYYY-MM-DD), or a Parquet date."""
    _presence(column, values, errors)
    for row, value in enumerate(values):
        if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
            continue
        day = None
        if type(value) is str:
            with contextlib.suppress(ValueError):
                day = date.fromisoformat(value.strip())
        if day is None or not MIN_DATE_YEAR <= day.year <= MAX_YEAR:
            errors.add(
                row,
                f"column {column.name}: value {_show(value)} is not an ISO 8601 date "
                f"in {MIN_DATE_YEAR}..{MAX_YEAR}",
            )
            day = None
        values[row] = day
    return pa.array(values, type=pa.date32())


def _timestamp_problem(column: Column, value: str) -> str:
    # pandas cannot hold far-away years: tell "out of range" from "unparseable".
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return f"column {column.name}: value {_show(value)} does not parse as an ISO 8601 timestamp"
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return f"column {column.name}: timestamp {_show(value)} is outside {MIN_YEAR}..{MAX_YEAR}"
    return f"column {column.name}: value {_show(value)} does not parse as an ISO 8601 timestamp"


_JSON_KINDS = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
}
_EMPTY_JSON = {"object": b"{}", "array": b"[]"}


def _check_json(column: Column, values: list, errors: _Errors, as_text: bool) -> pa.Array:
    """A JSON object, or an array of objects for `json_kind` "array" (given as
    text when `as_text`); absent means {} (or [])."""
    kind = column.json_kind
    want = dict if kind == "object" else list
    dumps = orjson.dumps
    out: list = [_EMPTY_JSON[kind]] * len(values)
    for row, value in enumerate(values):
        if not value and (value is None or type(value) is want):
            continue  # absent or empty: "{}" / "[]"
        if type(value) is str and not as_text:
            errors.add(
                row,
                f"column {column.name}: value {_show(value)} is a JSON string, not an {kind} "
                f"(JSON lines carry the {kind} itself; only CSV and Parquet cells hold JSON text)",
            )
            out[row] = None
            continue
        if type(value) is str:
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                errors.add(row, f"column {column.name}: value {_show(value)} is not valid JSON")
                out[row] = None
                continue
        if type(value) is not want:
            found = _JSON_KINDS.get(type(value), type(value).__name__)
            errors.add(row, f"column {column.name}: value is a JSON {found}, not an {kind}")
            out[row] = None
            continue
        problem = (
            _json_key_problem(column.json_keys, value)
            if kind == "object"
            else _json_elements_problem(column.json_keys, value)
        )
        if problem:
            errors.add(row, f"column {column.name}: {problem}")
            out[row] = None
            continue
        try:
            out[row] = dumps(value)
        except TypeError:  # Parquet structs may hold dates; MongoDB exports decimals
            out[row] = json.dumps(value, default=_json_number_or_text).encode()
    array = pa.array(out, type=pa.binary()).cast(pa.string())
    bad = pc.or_(
        pc.greater(pc.utf8_length(array), MAX_TEXT_LENGTH), pc.match_substring(array, "\\u0000")
    )
    _flag(
        errors,
        bad,
        f"column {column.name}: JSON text longer than {MAX_TEXT_LENGTH} characters "
        "or holding a NUL character",
    )
    if pc.any(bad).as_py():
        array = pc.if_else(bad.fill_null(False), pa.scalar(None, pa.string()), array)
    return array


def _json_number_or_text(value):
    if type(value) is Decimal:
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def _json_elements_problem(keys: tuple[JsonKey, ...], elements: list) -> str | None:
    """What is wrong with the first bad element of a json array column, if any."""
    for number, element in enumerate(elements, start=1):
        if type(element) is not dict:
            found = _JSON_KINDS.get(type(element), type(element).__name__)
            return f"element {number} is a JSON {found}, not an object"
        problem = _json_key_problem(keys, element)
        if problem:
            return f"element {number}: {problem}"
    return None


def _json_key_problem(keys: tuple[JsonKey, ...], obj: dict) -> str | None:
    for key in keys:
        value = obj.get(key.name)
        if value is None:
            if key.required:
                state = "null" if key.name in obj else "missing"
                return f"key {key.name} is {state} (required)"
            continue
        if not _json_key_ok(key, value):
            return f"key {key.name} = {_show(value)} is not {key.rule}"
    return None


def _json_key_ok(key: JsonKey, value) -> bool:
    if key.type == "text":
        return type(value) is str and (key.enum is None or value in key.enum)
    if key.type == "bool":
        return type(value) is bool
    if key.type == "ts":
        return type(value) is str and _iso_timestamp(value)
    if type(value) is Decimal:
        value = float(value)
    if type(value) not in (int, float) or not math.isfinite(value):
        return False
    return key.minimum is None or value >= key.minimum


def _iso_timestamp(text: str) -> bool:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return False
    return MIN_YEAR <= moment.year <= MAX_YEAR


# -- Parquet columns already of their contract type ----------------------------


def _flag_nulls(column: Column, array: pa.Array, errors: _Errors) -> None:
    if column.required and array.null_count:
        _flag(errors, array.is_null(), f"column {column.name}: {_NULL_REASON}")


def _native_text(column: Column, array: pa.Array, errors: _Errors) -> pa.Array:
    array = array.cast(pa.string())
    return _check_text_array(column, array, errors, lambda row: array[row].as_py())


def _native_int(column: Column, array: pa.Array, errors: _Errors) -> pa.Array:
    array = array.cast(pa.int64())
    _flag_nulls(column, array, errors)
    name, out = column.name, None
    for bound, compare, side in (
        (column.minimum, pc.less, "below the minimum"),
        (column.maximum, pc.greater, "above the maximum"),
    ):
        if bound is None:
            continue
        broken = compare(array, bound).fill_null(False)
        if out is not None:  # a row breaks one bound at most, as in _bounds
            broken = pc.and_(broken, out.is_valid())
        if not pc.any(broken).as_py():
            continue
        _flag(
            errors,
            broken,
            lambda row, side=side, bound=bound: (
                f"column {name}: value {_show(array[row].as_py())} is {side} {bound:g}"
            ),
        )
        out = pc.if_else(broken, pa.scalar(None, pa.int64()), out if out is not None else array)
    return out if out is not None else array


def _native_bool(column: Column, array: pa.Array, errors: _Errors) -> pa.Array:
    _flag_nulls(column, array, errors)
    return array


def _native_date(column: Column, array: pa.Array, errors: _Errors) -> pa.Array:
    # A Parquet date is taken as it is (_check_date checks only dates given as text).
    _flag_nulls(column, array, errors)
    return array


def _native_ts(column: Column, array: pa.Array, errors: _Errors) -> pa.Array:
    """A Parquet timestamp (naive means UTC) in s, ms or us: the same instants
    and range check as _check_ts, without a text round trip."""
    _flag_nulls(column, array, errors)
    moments = array.cast(pa.timestamp("us", tz="UTC"))
    outside = pc.or_(
        pc.less(moments, pa.scalar(_TS_MIN.to_pydatetime(), moments.type)),
        pc.greater_equal(moments, pa.scalar(_TS_MAX.to_pydatetime(), moments.type)),
    ).fill_null(False)
    if not pc.any(outside).as_py():
        return moments

    def reason(row: int) -> str:
        value = array[row].as_py()
        written = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        return f"column {column.name}: timestamp {_show(written)} is outside {MIN_YEAR}..{MAX_YEAR}"

    _flag(errors, outside, reason)
    return pc.if_else(outside, pa.scalar(None, moments.type), moments)


def _is_small_integer(type_: pa.DataType) -> bool:
    return pa.types.is_integer(type_) and type_ != pa.uint64()  # uint64 may exceed bigint


def _is_text(type_: pa.DataType) -> bool:
    return pa.types.is_string(type_) or pa.types.is_large_string(type_)


def _is_timestamp_us(type_: pa.DataType) -> bool:
    return pa.types.is_timestamp(type_) and type_.unit in ("s", "ms", "us")


# Contract type -> (Arrow types checked natively, checker); other columns go
# through their values and _CHECKERS.
_NATIVE_CHECKERS = {
    "text": (_is_text, _native_text),
    "int": (_is_small_integer, _native_int),
    "bool": (pa.types.is_boolean, _native_bool),
    "date": (pa.types.is_date32, _native_date),
    "ts": (_is_timestamp_us, _native_ts),
}

_CHECKERS = {
    "text": _check_text,
    "int": _check_int,
    "numeric": _check_numeric,
    "bool": _check_bool,
    "ts": _check_ts,
    "date": _check_date,
}
