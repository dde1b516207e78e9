"""mongoexport files, read independently of the loader (docs/contract.md, "MongoDB
exports"): one document a line or one `--jsonArray`, MongoDB Extended JSON v2
(canonical or relaxed) turned into plain values, and a document mapped to the
contract's columns by dotted paths.
"""

from __future__ import annotations

import base64
import json
import math
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

_HEX24 = re.compile(r"[0-9a-fA-F]{24}")
_INTEGER = re.compile(r"[+-]?\d+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Malformed(ValueError):
    """An Extended JSON value that does not hold what its `$` key says."""


def _int_text(value: Any, what: str) -> int:
    if not isinstance(value, str) or not _INTEGER.fullmatch(value):
        raise Malformed(f"{what} is not an integer text")
    return int(value)


def _date(value: Any) -> datetime | str:
    if isinstance(value, str):  # relaxed: ISO 8601 text, checked as a timestamp later
        return value
    if isinstance(value, dict) and set(value) == {"$numberLong"}:
        millis = _int_text(value["$numberLong"], "$date.$numberLong")
        try:
            return _EPOCH + timedelta(milliseconds=millis)
        except OverflowError:
            raise Malformed("$date out of range") from None
    if isinstance(value, int) and not isinstance(value, bool):  # legacy relaxed millis
        return _EPOCH + timedelta(milliseconds=value)
    raise Malformed("$date is neither ISO text nor {$numberLong}")


def _double(value: Any, what: str) -> float | str:
    if not isinstance(value, str):
        raise Malformed(f"{what} is not text")
    try:
        number = float(value)
    except ValueError:
        raise Malformed(f"{what} is not a number") from None
    # Not finite: a plain non-finite number, refused later like any other.
    return number if math.isfinite(number) else value


def _binary(value: Any) -> str:
    if not isinstance(value, dict) or set(value) != {"base64", "subType"}:
        raise Malformed("$binary is not {base64, subType}")
    if str(value["subType"]).lower() not in ("04", "4"):
        raise Malformed("$binary is not a UUID (subtype 04)")
    try:
        raw = base64.b64decode(value["base64"], validate=True)
    except (ValueError, TypeError):
        raise Malformed("$binary base64 does not decode") from None
    if len(raw) != 16:
        raise Malformed("$binary is not 16 bytes")
    return str(uuid.UUID(bytes=raw))


def plain(value: Any) -> Any:
    """The plain value of an Extended JSON value (recursively); Malformed if broken."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    dollar = [k for k in value if isinstance(k, str) and k.startswith("$")]
    if not dollar:
        return {k: plain(v) for k, v in value.items()}
    if len(value) != 1:
        raise Malformed(f"unexpected keys {sorted(value)}")
    ((key, inner),) = value.items()
    if key == "$oid":
        if not isinstance(inner, str) or not _HEX24.fullmatch(inner):
            raise Malformed("$oid is not 24 hex digits")
        return inner.lower()
    if key == "$date":
        return _date(inner)
    if key in ("$numberInt", "$numberLong"):
        return _int_text(inner, key)
    if key in ("$numberDouble", "$numberDecimal"):
        return _double(inner, key)
    if key == "$uuid":
        try:
            return str(uuid.UUID(inner))
        except (ValueError, TypeError, AttributeError):
            raise Malformed("$uuid is not a UUID") from None
    if key == "$binary":
        return _binary(inner)
    raise Malformed(f"unknown key {key}")


_ABSENT = object()


def at_path(document: Mapping, path: str) -> Any:
    """The value at a dotted path, or _ABSENT."""
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _ABSENT
        value = value[part]
    return value


def map_document(
    document: Mapping,
    fields: Sequence[tuple[str, str]],
    elements: Mapping[str, Sequence[tuple[str, str]]],
) -> dict[str, Any]:
    """The contract row of a document: {column: plain value at its path} for present
    paths; an array column's elements mapped key by key (`elements`). Malformed
    names the column and the path."""
    row: dict[str, Any] = {}
    for column, path in fields:
        value = at_path(document, path)
        if value is _ABSENT:
            continue
        try:
            if column in elements and isinstance(value, list):
                value = [
                    _map_element(element, elements[column])
                    if isinstance(element, dict)
                    else plain(element)
                    for element in value
                ]
            else:
                value = plain(value)
        except Malformed as exc:
            raise Malformed(f"column {column} ({path}): {exc}") from None
        row[column] = value
    return row


def _map_element(element: Mapping, keys: Sequence[tuple[str, str]]) -> dict[str, Any]:
    out = {}
    for key, path in keys:
        value = at_path(element, path)
        if value is not _ABSENT:
            out[key] = plain(value)
    return out


def read_documents(text: str) -> Iterator[tuple[int, Any, str | None]]:
    """(line or element number, document, reason it is unreadable) of an export."""
    if text.lstrip().startswith("["):
        yield from _read_array(text)
        return
    for n, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            yield n, json.loads(line), None
        except ValueError:
            yield n, None, "invalid json"


def _read_array(text: str) -> Iterator[tuple[int, Any, str | None]]:
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    n = 0

    def skip(p: int) -> int:
        while p < len(text) and text[p] in " \t\r\n":
            p += 1
        return p

    pos = skip(pos)
    if pos < len(text) and text[pos] == "]":
        return
    while True:
        try:
            document, pos = decoder.raw_decode(text, pos)
        except ValueError:
            yield n + 1, None, f"file is not a valid JSON array after element {n}"
            return
        n += 1
        yield n, document, None
        pos = skip(pos)
        if pos < len(text) and text[pos] == ",":
            pos = skip(pos + 1)
            continue
        if pos < len(text) and text[pos] == "]" and not text[pos + 1 :].strip():
            return
        yield n + 1, None, f"file is not a valid JSON array after element {n}"
        return
