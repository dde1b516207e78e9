"""Write rows of a source with a MongoDB mapping as `mongoexport` would: the
seed's documents (the mapping read backwards) in Extended JSON v2, canonical
or relaxed, one document a line or one `--jsonArray` array.

A value that cannot be what its column says (the bad rows' "twelve" in an int
column, an unparseable timestamp) is written as the plain JSON value it is; a
RawJson value is written as given (malformed Extended JSON on purpose)."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from analytics_pipeline.ingest.contract import Column, MongoField, Source

from .writers import Payload, RawLine

_HEX24 = re.compile(r"^[0-9a-f]{24}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_INT32 = 2**31
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class RawJson:
    """A value written into the document verbatim."""

    value: Any


def _text(path: str, value: str, canonical: bool):
    if path == "_id" and _HEX24.match(value):
        return {"$oid": value}
    if _UUID.match(value):
        if canonical:
            raw = base64.b64encode(uuid.UUID(value).bytes).decode()
            return {"$binary": {"base64": raw, "subType": "04"}}
        return {"$uuid": value}
    return value


def _date(value: str, canonical: bool):
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # not a timestamp: written as the text it is
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    ms = (moment - _EPOCH) // _MS
    if canonical or not 1970 <= moment.year <= 9999:  # relaxed mode's own exception
        return {"$date": {"$numberLong": str(ms)}}
    return {"$date": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")}


def _number(value, canonical: bool):
    if not canonical or type(value) not in (int, float):
        return value
    if type(value) is float:
        return {"$numberDouble": repr(value)}
    return {"$numberInt" if -_INT32 <= value < _INT32 else "$numberLong": str(value)}


def _encode(kind: str, path: str, value, canonical: bool):
    """A contract value of type `kind` as Extended JSON."""
    if isinstance(value, RawJson):
        return value.value
    if value is None:
        return None
    if kind == "text" and type(value) is str:
        return _text(path, value, canonical)
    if kind == "ts" and type(value) is str:
        return _date(value, canonical)
    if kind in ("int", "numeric", "number"):
        return _number(value, canonical)
    return value


def _put(document: dict, path: str, value) -> None:
    steps = path.split(".")
    for step in steps[:-1]:
        document = document.setdefault(step, {})
    document[steps[-1]] = value


def _element(field: MongoField, column: Column, element, canonical: bool):
    if not isinstance(element, dict):
        return element
    types = {key.name: key.type for key in column.json_keys}
    out: dict = {}
    for key, path in field.element_paths:
        if key in element:
            _put(out, path, _encode(types.get(key, "text"), path, element[key], canonical))
    return out


def to_document(source: Source, row: dict, canonical: bool) -> dict:
    """The seed's document of a contract row (absent columns stay absent)."""
    document: dict = {}
    for field in source.mongo.fields:
        if field.column not in row:
            continue
        column = source.column(field.column)
        value = row[field.column]
        if field.element_paths and type(value) is list:
            value = [_element(field, column, item, canonical) for item in value]
        else:
            value = _encode(column.type, field.path, value, canonical)
        _put(document, field.path, value)
    return document


def mongo_bytes(
    source: Source, payloads: Sequence[Payload], canonical: bool, json_array: bool
) -> bytes:
    """A mongoexport file: one document a line, or one JSON array."""
    parts = [
        p.text.encode()
        if isinstance(p, RawLine)
        else orjson.dumps(to_document(source, p, canonical))
        for p in payloads
    ]
    if json_array:
        return b"[\n" + b",\n".join(parts) + b"\n]\n"
    return b"\n".join(parts) + b"\n" if parts else b""
