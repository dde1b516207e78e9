"""MongoDB Extended JSON v2 (what `mongoexport` writes, canonical or relaxed)
to plain values, so that the validator checks a converted value like any other.

`{"$oid": hex}` becomes the hex text, `$date` an ISO 8601 timestamp, the
number wrappers numbers (doubles and decimals exactly as written, as Decimal,
so "Infinity" and "NaN" stay non-finite and quarantine like any non-finite
number), UUIDs (`$uuid`, `$binary` subtype 04) their canonical lowercase text.
A value that is not well-formed raises ExtendedJsonError.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import NoReturn

import orjson

_HEX24 = re.compile(r"^[0-9a-fA-F]{24}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DOUBLE = re.compile(r"^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|-?Infinity|NaN)$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UUID_SUBTYPE = "04"


class ExtendedJsonError(ValueError):
    """A malformed or unsupported Extended JSON value."""


def convert(value):
    """The plain value of an Extended JSON value, recursively."""
    if type(value) is dict:
        if value and any(type(k) is str and k.startswith("$") for k in value):
            return _wrapped(value)
        return {key: convert(item) for key, item in value.items()}
    if type(value) is list:
        return [convert(item) for item in value]
    return value


def _show(value) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 80 else text[:77] + "..."


def _fail(value, problem: str) -> NoReturn:
    raise ExtendedJsonError(f"malformed Extended JSON {_show(value)}: {problem}")


def _wrapped(value: dict):
    keys = set(value)
    if keys == {"$oid"}:
        return _oid(value)
    if keys == {"$date"}:
        return _date(value)
    if keys in ({"$numberInt"}, {"$numberLong"}):
        text = next(iter(value.values()))
        if type(text) is not str or not _INTEGER.match(text):
            _fail(value, f"{next(iter(keys))} is not an integer in a string")
        return int(text)
    if keys in ({"$numberDouble"}, {"$numberDecimal"}):
        return _decimal(value, next(iter(keys)))
    if keys == {"$uuid"}:
        return _uuid_text(value, value["$uuid"])
    if keys == {"$binary"} or keys == {"$binary", "$type"}:
        return _binary(value)
    _fail(value, f"unsupported Extended JSON type {', '.join(sorted(keys))}")


def _oid(value: dict) -> str:
    text = value["$oid"]
    if type(text) is not str or not _HEX24.match(text):
        _fail(value, "$oid is not 24 hex digits")
    return text.lower()


def _date(value: dict) -> str:
    inner = value["$date"]
    if type(inner) is str:
        return inner  # relaxed: ISO 8601, parsed and range-checked by the validator
    if type(inner) is dict and set(inner) == {"$numberLong"}:
        ms = inner["$numberLong"]
        if type(ms) is str and _INTEGER.match(ms):
            try:
                moment = _EPOCH + timedelta(milliseconds=int(ms))
            except OverflowError:
                _fail(value, "$date is out of range")
            return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    _fail(value, '$date is neither ISO 8601 text nor {"$numberLong": "<ms>"}')


def _decimal(value: dict, wrapper: str) -> Decimal:
    text = value[wrapper]
    if type(text) is not str:
        _fail(value, f"{wrapper} is not a number in a string")
    if wrapper == "$numberDouble" and not _DOUBLE.match(text):
        _fail(value, f"{wrapper} is not a number in a string")
    try:
        return Decimal(text)
    except InvalidOperation:
        _fail(value, f"{wrapper} is not a number in a string")


def _uuid_text(value: dict, text) -> str:
    try:
        return str(uuid.UUID(text))
    except (ValueError, TypeError, AttributeError):
        _fail(value, "$uuid is not a UUID")


def _binary(value: dict) -> str:
    inner = value["$binary"]
    if type(inner) is dict and set(inner) == {"base64", "subType"}:
        payload, subtype = inner["base64"], inner["subType"]
    elif type(inner) is str and "$type" in value:  # the legacy (v1) form
        payload, subtype = inner, value["$type"]
    else:
        _fail(value, '$binary is not {"base64": ..., "subType": ...}')
    if type(subtype) is not str or subtype.lower().zfill(2) != _UUID_SUBTYPE:
        _fail(value, f"$binary subtype {subtype} is not a UUID (subtype 04)")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, TypeError, ValueError):
        _fail(value, "$binary base64 does not decode")
    if len(raw) != 16:
        _fail(value, f"$binary UUID has {len(raw)} bytes, not 16")
    return str(uuid.UUID(bytes=raw))
