"""An independent reading of the raw contract: classify every line of a sample file.

Written from CONTRACT.md and contract.py only (not from the generator), so the tests can
check that valid rows conform and that every injected bad row breaks exactly one rule.
MongoDB exports are turned into records by the ingest's own document mapping (its
Extended JSON conversion is tested on its own in tests/ingest/test_extended_json.py).
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq

from analytics_pipeline.ingest.contract import MAX_TEXT_LENGTH, SOURCES, Column, Source
from analytics_pipeline.ingest.extended_json import ExtendedJsonError
from analytics_pipeline.ingest.mongo_export import document_record

_INT = re.compile(r"[+-]?\d+")
_NUMERIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode()


def _mongo_records(source: Source, text: str) -> Iterator[tuple[int, Any]]:
    """(line or element number, record or reason) of a mongoexport file."""
    if text.lstrip().startswith("["):
        items = [(i, value) for i, value in enumerate(json.loads(text), start=1)]
    else:
        items = []
        for i, line in enumerate(text.split("\n")[:-1], start=1):
            try:
                items.append((i, orjson.loads(line)))
            except orjson.JSONDecodeError:
                items.append((i, _INVALID))
    for i, value in items:
        if value is _INVALID:
            yield i, "invalid_json"
        elif not isinstance(value, dict):
            yield i, "not_object"
        else:
            try:
                yield i, document_record(source.mongo, value)
            except ExtendedJsonError:
                yield i, "extended_json"


_INVALID = object()


def records(path: Path, source: Source | None = None) -> Iterator[tuple[int, Any]]:
    """(line or row number, parsed record or a reason string for unreadable lines).
    MongoDB exports (`.json`) need their `source`."""
    name = path.name.removesuffix(".gz")
    if name.endswith(".json"):
        yield from _mongo_records(source, read_text(path))
        return
    if name.endswith(".parquet"):
        for i, row in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield i, row
        return
    lines = read_text(path).split("\n")
    assert lines[-1] == "", f"{path} must end with a newline"
    lines = lines[:-1]
    if name.endswith(".csv"):
        header = next(csv.reader([lines[0]], strict=True))
        for i, line in enumerate(lines[1:], start=1):
            try:
                fields = next(csv.reader([line], strict=True))
            except csv.Error:
                yield i, "csv_unparseable"
                continue
            if len(fields) != len(header):
                yield i, "csv_field_count"
                continue
            yield i, {h: (v if v != "" else None) for h, v in zip(header, fields, strict=True)}
        return
    for i, line in enumerate(lines, start=1):
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield i, "invalid_json"
            continue
        yield i, value if isinstance(value, dict) else "not_object"


def _ts(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _date(value: Any) -> date | None:
    """A calendar date: a Parquet date, or ISO 8601 text of a year in 1850..2100."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if 1850 <= day.year <= 2100 else None


def _number(value: Any, textual: bool, integer: bool) -> float | None:
    if isinstance(value, Decimal):  # MongoDB $numberDouble / $numberDecimal
        if not value.is_finite() or (integer and value != value.to_integral_value()):
            return None
        return float(value)
    if textual and isinstance(value, str):
        pattern = _INT if integer else _NUMERIC
        return float(value) if pattern.fullmatch(value) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if integer and not isinstance(value, int):
        return None
    return float(value) if math.isfinite(value) else None


def _bool(value: Any, textual: bool) -> bool | None:
    if isinstance(value, bool):
        return value
    if textual and value in ("true", "false"):
        return value == "true"
    return None


def violations(source: Source, row: dict[str, Any], textual: bool) -> list[str]:
    """Names of the contract rules the row breaks (empty for a valid row).
    `textual`: values come from CSV text fields."""
    reasons: list[str] = []
    parsed: dict[str, Any] = {}
    for col in source.columns:
        if col.name not in row:
            if col.required:
                reasons.append("required_missing")
            continue
        value = row[col.name]
        if value is None:
            if col.required:
                reasons.append("required_null")
            continue
        if col.type == "text":
            if not isinstance(value, str):
                reasons.append("type_text")
            elif len(value) > MAX_TEXT_LENGTH:
                reasons.append("text_too_long")
            parsed[col.name] = value
        elif col.type in ("int", "numeric"):
            number = _number(value, textual, col.type == "int")
            if isinstance(value, Decimal) and not value.is_finite():
                reasons.append("non_finite")
                continue
            if number is None:
                reasons.append(f"type_{col.type}")
                continue
            parsed[col.name] = number
        elif col.type == "bool":
            flag = _bool(value, textual)
            if flag is None:
                reasons.append("type_bool")
            parsed[col.name] = flag
        elif col.type == "ts":
            stamp = _ts(value)
            if stamp is None:
                reasons.append("type_ts")
                continue
            if not 1970 <= stamp.astimezone(UTC).year <= 2100:
                reasons.append("ts_out_of_range")
                continue
            parsed[col.name] = stamp
        elif col.type == "date":
            day = _date(value)
            if day is None:
                reasons.append("type_date")
                continue
            parsed[col.name] = day
        elif col.type == "json" and col.json_kind == "array":
            if textual and isinstance(value, str):
                value = orjson.loads(value)
            if not isinstance(value, list):
                reasons.append("json_not_array")
            elif any(not _element_ok(col, element) for element in value):
                reasons.append("json_array_element")
        elif col.type == "json":
            if not isinstance(value, dict):
                reasons.append("json_not_object")
            parsed[col.name] = value
        if col.enum and parsed.get(col.name) not in col.enum:
            reasons.append("enum")
        number = parsed.get(col.name)
        if col.minimum is not None and number is not None and number < col.minimum:
            reasons.append("bound")
        if col.maximum is not None and number is not None and number > col.maximum:
            reasons.append("bound")
    for rule in source.order_rules:
        later, earlier = parsed.get(rule.later), parsed.get(rule.earlier)
        if later is not None and earlier is not None and later < earlier:
            reasons.append("order")
    for rule in source.range_rules:
        number = parsed.get(rule.column)
        applies = parsed.get(rule.when_column) == rule.when_value and number is not None
        if applies and not rule.minimum <= number <= rule.maximum:
            reasons.append("range_when")
    metadata = parsed.get("metadata")
    if isinstance(metadata, dict) and "duration_ms" in metadata:
        duration = metadata["duration_ms"]
        if isinstance(duration, bool) or not isinstance(duration, int | float) or duration < 0:
            reasons.append("metadata_duration_ms")
    return reasons


def _element_ok(column: Column, element: Any) -> bool:
    """An element of a json array column: an object whose keys keep their rules."""
    if not isinstance(element, dict):
        return False
    return all(_key_ok(key, element.get(key.name)) for key in column.json_keys)


def _key_ok(key, value: Any) -> bool:
    if value is None:
        return not key.required
    if key.type == "text":
        return isinstance(value, str) and (key.enum is None or value in key.enum)
    if key.type == "number":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and (key.minimum is None or value >= key.minimum)
    if key.type == "ts":
        return _ts(value) is not None
    return isinstance(value, bool)


def classify(source_name: str, path: Path) -> Iterator[tuple[int, Any, list[str]]]:
    """(line, record, reasons) for every line/row of a file of `source_name`."""
    source = SOURCES[source_name]
    textual = path.name.removesuffix(".gz").endswith(".csv")
    for line, record in records(path, source):
        if isinstance(record, str):
            yield line, None, [record]
        else:
            yield line, record, violations(source, record, textual)
