"""Read `mongoexport` files (one document a line, or one `--jsonArray` array)
into chunks of contract records, through a source's MongoMapping.

Each document's mapped fields are converted from Extended JSON
(extended_json.py) and placed under their column names, so the validator sees
plain values. A line or element that is not JSON, a document that is not an
object and a malformed Extended JSON value are rejects with their text
verbatim; `_source_line` is the line, or the element's number in an array.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import orjson

from analytics_pipeline.ingest.contract_types import MongoField, MongoMapping
from analytics_pipeline.ingest.extended_json import ExtendedJsonError, convert
from analytics_pipeline.ingest.readers import Chunk, Reject

_ABSENT = object()
_WHITESPACE = " \t\r\n"


def _at(document: dict, path: str):
    """The value at a dotted path, or _ABSENT when a step is missing or not an object."""
    value = document
    for step in path.split("."):
        if type(value) is not dict or step not in value:
            return _ABSENT
        value = value[step]
    return value


def _field_value(field: MongoField, document: dict):
    value = _at(document, field.path)
    if value is _ABSENT:
        return _ABSENT
    try:
        if field.element_paths and type(value) is list:
            return [_element(field, item) for item in value]
        return convert(value)
    except ExtendedJsonError as exc:
        raise ExtendedJsonError(f"column {field.column} ({field.path}): {exc}") from None


def _element(field: MongoField, item):
    """An array element's contract keys; an element that is not an object is kept
    as it is, for the validator to name."""
    if type(item) is not dict:
        return convert(item)
    out = {}
    for key, path in field.element_paths:
        value = _at(item, path)
        if value is not _ABSENT:
            try:
                out[key] = convert(value)
            except ExtendedJsonError as exc:
                raise ExtendedJsonError(f"element key {key} ({path}): {exc}") from None
    return out


def document_record(mapping: MongoMapping, document: dict) -> dict:
    """The contract record of one document (columns absent where the path is)."""
    record = {}
    for field in mapping.fields:
        value = _field_value(field, document)
        if value is not _ABSENT:
            record[field.column] = value
    return record


class _ChunkBuilder:
    """Adds documents (or rejects) to chunks of at most `chunk_rows` rows."""

    def __init__(self, mapping: MongoMapping, chunk_rows: int):
        self.mapping = mapping
        self.chunk_rows = chunk_rows
        self.chunk = Chunk(json_as_text=False)

    def add(self, number: int, value, payload: str | bytes) -> Chunk | None:
        if type(value) is not dict:
            kind = type(value).__name__
            self.reject(number, payload, f"document is JSON but not an object ({kind})")
        else:
            try:
                self.chunk.add(document_record(self.mapping, value), number, payload)
            except ExtendedJsonError as exc:
                self.reject(number, payload, str(exc))
        return self.take() if self.chunk.rows_read >= self.chunk_rows else None

    def reject(self, number: int, payload: str | bytes, reason: str) -> None:
        text = payload.decode("utf-8", "replace") if type(payload) is bytes else payload
        self.chunk.rejects.append(Reject(number, text, reason))

    def take(self) -> Chunk | None:
        chunk, self.chunk = self.chunk, Chunk(json_as_text=False)
        return chunk if chunk.rows_read else None


def mongo_chunks(handle, mapping: MongoMapping, chunk_rows: int) -> Iterator[Chunk]:
    """Chunks of a mongoexport file opened in binary mode (past any BOM)."""
    builder = _ChunkBuilder(mapping, chunk_rows)
    lines = _array_items(handle.read()) if _is_array(handle) else _line_items(handle)
    for number, value, payload in lines:
        if value is _BROKEN:
            builder.reject(number, payload[0], payload[1])
            continue
        full = builder.add(number, value, payload)
        if full is not None:
            yield full
    last = builder.take()
    if last is not None:
        yield last


_BROKEN = object()  # an item that did not parse: its payload is (text, reason)


def _is_array(handle) -> bool:
    """Whether the first character other than whitespace is "[" (--jsonArray);
    the handle is back where it was."""
    start = handle.tell()
    try:
        while block := handle.read(4096):
            head = block.lstrip()
            if head:
                return head[:1] == b"["
        return False
    finally:
        handle.seek(start)


def _line_items(handle) -> Iterator[tuple[int, object, object]]:
    for line_no, raw in enumerate(handle, start=1):
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue  # blank lines hold no document
        try:
            yield line_no, orjson.loads(raw), raw
        except orjson.JSONDecodeError as exc:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                reason = f"line is not valid UTF-8 ({bad.reason})"
                yield line_no, _BROKEN, (raw.decode("utf-8", "replace"), reason)
                continue
            yield line_no, _BROKEN, (text, f"line is not valid JSON ({exc})")


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def _array_items(data: bytes) -> Iterator[tuple[int, object, object]]:
    """Elements of a `--jsonArray` export, each with its text verbatim. After a
    break in the array, the rest of the file is one broken item."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        reason = f"file is not valid UTF-8 ({bad.reason})"
        yield 1, _BROKEN, (data.decode("utf-8", "replace"), reason)
        return
    decoder = json.JSONDecoder(parse_constant=_no_constants)
    pos = _skip(text, text.index("[") + 1)
    number = 0
    if text.startswith("]", pos):
        pos = _skip(text, pos + 1)
    else:
        while True:
            number += 1
            try:
                value, end = decoder.raw_decode(text, pos)
            except ValueError as exc:
                reason = f"file is not a valid JSON array at element {number} ({exc})"
                yield number, _BROKEN, (text[pos:].rstrip(_WHITESPACE), reason)
                return
            yield number, value, text[pos:end]
            pos = _skip(text, end)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
            elif text.startswith("]", pos):
                pos = _skip(text, pos + 1)
                break
            else:
                reason = f"file is not a valid JSON array after element {number}"
                yield number + 1, _BROKEN, (text[pos:].rstrip(_WHITESPACE), reason)
                return
    if pos < len(text):
        reason = "text after the end of the JSON array"
        yield number + 1, _BROKEN, (text[pos:].rstrip(_WHITESPACE), reason)


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos
