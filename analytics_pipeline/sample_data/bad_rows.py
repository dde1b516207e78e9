"""Invalid rows of every kind the contract quarantines, each invalid for one reason only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import orjson

from analytics_pipeline.ingest.contract import MAX_TEXT_LENGTH, Column, Source

from .mongo_files import RawJson
from .writers import Payload, RawLine, csv_line

# Kinds, in manifest order. Each names one quarantine rule of CONTRACT.md.
KINDS = (
    "required_missing",  # a required key absent from the JSON object
    "required_null",  # a required value null (empty CSV field)
    "type_int",
    "type_numeric",
    "type_bool",
    "type_ts",
    "ts_out_of_range",  # outside 1970..2100
    "enum",
    "bound",  # >= 0, 0..1, 1..5, 0..3600, 0..100, 0..86400
    "order",  # ended_at < started_at
    "invalid_json",
    "not_object",  # valid JSON that is not an object
    "text_too_long",
    "json_not_object",  # metadata / properties not a JSON object
    "metadata_duration_ms",  # metadata.duration_ms negative or not a number
    "csv_field_count",
    "csv_unparseable",
    # Rules of the domain packs (no core source has them: the core's rows stay as they were).
    "json_not_array",  # a json array column holding something else
    "json_array_element",  # an element of a json array column breaking its key rules
    "range_when",  # a bound that depends on another column (NPS 0..10, CSAT 1..5)
    "extended_json",  # malformed MongoDB Extended JSON in a mapped field
    "non_finite",  # {"$numberDouble": "Infinity"} and the like in a number column
    "type_date",  # a date column that is no ISO 8601 date in 1850..2100
)
ANYWHERE, LAST_LINE, TEXT_TIMESTAMPS = "any", "last", "text_ts"

_BAD_VALUES = {
    "int": ("twelve", "12abc", "1e3x"),
    "numeric": ("abc", "1.2.3", "12,5"),
    "bool": ("maybe", "2", "sometimes"),
    "ts": ("not-a-timestamp", "2026-02-30T10:00:00Z", "2026-08-01T25:61:00Z", "yesterday"),
    "date": ("2026-02-30", "30.09.2026", "next week", "1849-12-31"),
}
_PAST = ("1969-12-31T23:59:59Z", "1900-01-01T00:00:00Z")
_FUTURE = ("2101-01-01T00:00:00Z", "2250-06-15T12:00:00+00:00")
_NOT_OBJECTS = ([1, 2], "not an object", 42)
_BAD_DURATIONS = (-35, "slow", -0.5)
_NOT_ARRAYS = ({"message_id": "m1"}, "not an array", 42)
_MALFORMED = (
    {"$oid": "xyz"},
    {"$uuid": "not-a-uuid"},
    {"$binary": {"base64": "AAAA", "subType": "04"}},
)
_NON_FINITE = ("Infinity", "-Infinity", "NaN")
_JSON_LINE_KINDS = ("jsonl", "mongo_lines", "mongo_array")


def applicable_kinds(source: Source, file_kind: str) -> list[str]:
    """Kinds of bad rows that can occur in `source` written as `file_kind`
    (jsonl, csv, parquet, mongo_lines or mongo_array)."""
    cols = source.columns
    types = {c.type for c in cols}
    mongo = file_kind.startswith("mongo")
    arrays = [c for c in cols if c.type == "json" and c.json_kind == "array"]
    present = {
        "required_missing": file_kind in _JSON_LINE_KINDS,
        "required_null": any(c.required for c in cols),
        "type_int": "int" in types,
        "type_numeric": "numeric" in types,
        "type_bool": "bool" in types,
        "type_ts": "ts" in types,
        "ts_out_of_range": "ts" in types,
        "enum": any(c.enum for c in cols),
        "bound": any(c.minimum is not None or c.maximum is not None for c in cols),
        "order": bool(source.order_rules),
        "invalid_json": file_kind in ("jsonl", "mongo_lines"),  # an array would end there
        "not_object": file_kind in _JSON_LINE_KINDS,
        "text_too_long": "text" in types,
        "json_not_object": any(c.type == "json" and c.json_kind == "object" for c in cols),
        "metadata_duration_ms": "metadata" in source.column_names,
        "csv_field_count": file_kind == "csv",
        "csv_unparseable": file_kind == "csv",
        "json_not_array": bool(arrays),
        "json_array_element": any(c.json_keys for c in arrays),
        "range_when": bool(source.range_rules),
        "extended_json": mongo,
        "non_finite": mongo and bool(types & {"int", "numeric"}),
        "type_date": "date" in types,
    }
    return [k for k in KINDS if present[k]]


def allocate(
    rng: np.random.Generator, kinds: list[str], fraction: float, n_valid: int, n_files: int
) -> dict[str, int]:
    """Bad rows per kind: `fraction` of the valid rows, at least one of each kind.
    An unparseable CSV line goes last in its file (it would swallow what follows), so
    there is at most one per file."""
    if fraction <= 0 or not kinds:
        return {}
    total = max(len(kinds), round(fraction * n_valid))
    per_kind, rest = divmod(total, len(kinds))
    counts = dict.fromkeys(kinds, per_kind)
    for i in rng.permutation(len(kinds))[:rest].tolist():
        counts[kinds[i]] += 1
    if counts.get("csv_unparseable", 0) > n_files:
        counts["csv_field_count"] += counts["csv_unparseable"] - n_files
        counts["csv_unparseable"] = n_files
    return counts


def _pick(columns: list[Column], n: int) -> Column:
    return columns[n % len(columns)]


def _shift(text: str, seconds: float) -> str:
    value = datetime.fromisoformat(text)
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return (
        (value + timedelta(seconds=seconds))
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def _out_of_range(source: Source, column: str, n: int) -> str:
    """Too early for a column that must not be later than another, too late for one that
    must not be earlier, either otherwise: the order rule stays satisfied."""
    if any(r.earlier == column for r in source.order_rules):
        return _PAST[n % 2]
    if any(r.later == column for r in source.order_rules):
        return _FUTURE[n % 2]
    return (_PAST + _FUTURE)[n % 4]


def _broken_bound(column: Column, n: int) -> int | float:
    step = 1 if column.type == "int" else 0.5
    if column.minimum is not None and (column.maximum is None or n % 2 == 0):
        value = column.minimum - step
    else:
        value = column.maximum + step
    return int(value) if column.type == "int" else float(value)


def _with_bad_element(column: Column, elements, n: int) -> list:
    """The array with one more element that breaks a rule of its keys (or is no object)."""
    elements = list(elements) if isinstance(elements, list) else []
    good = {
        key.name: key.enum[0] if key.enum else _GOOD_KEY_VALUES[key.type]
        for key in column.json_keys
        if key.required
    }
    enum_key = next((key for key in column.json_keys if key.enum), None)
    number_key = next((key for key in column.json_keys if key.minimum is not None), None)
    options = [7]
    if enum_key is not None:
        options.append({**good, enum_key.name: "BOGUS"})
    if number_key is not None:
        options.append({**good, number_key.name: number_key.minimum - 5})
    return [*elements, options[n % len(options)]]


_GOOD_KEY_VALUES = {"text": "x", "number": 1, "bool": True, "ts": "2026-01-01T00:00:00Z"}


def make_bad_row(
    kind: str, source: Source, template: dict[str, Any], n: int, key: str, file_kind: str
) -> tuple[Payload, str]:
    """A row invalid only by `kind`, built from a valid `template` under the fresh `key`.
    `n` counts rows of this kind (it rotates the column broken). Returns the payload and
    where it may go (anywhere, last line of a file, or a file with text timestamps)."""
    cols = source.columns
    row = dict(template)
    row[source.key[0]] = key
    placement = ANYWHERE
    if kind in ("required_missing", "required_null"):
        col = _pick([c for c in cols if c.required], n)
        if kind == "required_missing":
            del row[col.name]
        else:
            row[col.name] = None
    elif kind.startswith("type_"):
        type_ = kind.removeprefix("type_")
        col = _pick([c for c in cols if c.type == type_], n)
        row[col.name] = _BAD_VALUES[type_][n % len(_BAD_VALUES[type_])]
        if file_kind == "parquet":
            placement = TEXT_TIMESTAMPS
    elif kind == "ts_out_of_range":
        col = _pick([c for c in cols if c.type == "ts"], n)
        row[col.name] = _out_of_range(source, col.name, n)
    elif kind == "enum":
        col = _pick([c for c in cols if c.enum], n)
        current = row.get(col.name)
        swapped = current.swapcase() if isinstance(current, str) else None
        row[col.name] = swapped if n % 2 and swapped not in (None, current) else "bogus_value"
    elif kind == "bound":
        col = _pick([c for c in cols if c.minimum is not None or c.maximum is not None], n)
        row[col.name] = _broken_bound(col, n)
    elif kind == "order":
        rules = source.order_rules
        rotated = [rules[(n + i) % len(rules)] for i in range(len(rules))]
        # A rule whose earlier column the template has; else give it one.
        rule = next((r for r in rotated if row.get(r.earlier) is not None), rotated[0])
        if row.get(rule.earlier) is None:
            row[rule.earlier] = next(
                row[c.name] for c in cols if c.type == "ts" and c.required and row.get(c.name)
            )
        row[rule.later] = _shift(row[rule.earlier], -90.0)
    elif kind == "invalid_json":
        text = orjson.dumps(row).decode()
        return RawLine(text[:-2] if n % 2 == 0 else text[:-1] + ",}"), placement
    elif kind == "not_object":
        options = ("[1, 2]", '"just a string"', "42", "[" + orjson.dumps(row).decode() + "]")
        return RawLine(options[n % len(options)]), placement
    elif kind == "text_too_long":
        text_cols = [c for c in cols if c.type == "text" and not c.enum]
        col = _pick([c for c in text_cols if c.name != source.key[0]] or text_cols, n)
        row[col.name] = ("lorem ipsum " * 900)[: MAX_TEXT_LENGTH + 1 + n]
    elif kind == "json_not_object":
        col = _pick([c for c in cols if c.type == "json" and c.json_kind == "object"], n)
        row[col.name] = _NOT_OBJECTS[n % len(_NOT_OBJECTS)]
    elif kind == "json_not_array":
        col = _pick([c for c in cols if c.type == "json" and c.json_kind == "array"], n)
        row[col.name] = _NOT_ARRAYS[n % len(_NOT_ARRAYS)]
    elif kind == "json_array_element":
        col = _pick([c for c in cols if c.json_kind == "array" and c.json_keys], n)
        row[col.name] = _with_bad_element(col, row.get(col.name), n)
    elif kind == "range_when":
        rule = source.range_rules[n % len(source.range_rules)]
        row[rule.when_column] = rule.when_value
        value = rule.maximum + 1 if n % 2 == 0 else rule.minimum - 1
        row[rule.column] = int(value) if source.column(rule.column).type == "int" else value
    elif kind == "extended_json":
        text_cols = [c for c in cols if c.type == "text" and not c.enum and c.name != source.key[0]]
        col = _pick(text_cols, n)
        row[col.name] = RawJson(_MALFORMED[n % len(_MALFORMED)])
    elif kind == "non_finite":
        col = _pick([c for c in cols if c.type in ("int", "numeric")], n)
        row[col.name] = RawJson({"$numberDouble": _NON_FINITE[n % len(_NON_FINITE)]})
    elif kind == "metadata_duration_ms":
        row["event_type"] = "api_call"
        row["metadata"] = {
            "endpoint": "/api/v1/runs",
            "duration_ms": _BAD_DURATIONS[n % len(_BAD_DURATIONS)],
        }
    elif kind == "csv_field_count":
        fields = [row.get(c.name) for c in cols]
        return RawLine(csv_line(fields + ["unexpected"] if n % 2 == 0 else fields[:-1])), placement
    elif kind == "csv_unparseable":
        # One opening quote that never closes: no CSV parser can end the field.
        fields = [str(row.get(c.name) or "").replace('"', "") for c in cols]
        return RawLine('"' + ",".join(fields)), LAST_LINE
    else:
        raise ValueError(f"unknown bad row kind {kind!r}")
    return row, placement
