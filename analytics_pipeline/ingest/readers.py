"""Read contract files (JSON lines, CSV, Parquet, MongoDB exports; gzip for the
text formats) into chunks of records, keeping each row's line number and
verbatim text. MongoDB exports are read by mongo_export.py, through the
source's mapping.

Structural problems (invalid JSON, JSON that is not an object, CSV rows with
the wrong field count or broken quoting, undecodable bytes) become rejects
here; everything else is the validator's business. A UTF-8 byte-order mark at
the start of a text file (as spreadsheet tools export it) is not part of the
first row and is skipped.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import pyarrow as pa

from analytics_pipeline.ingest.contract_types import MongoMapping

CHUNK_ROWS = 100_000
UTF8_BOM = b"\xef\xbb\xbf"

FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".json": "mongoexport",
}
_TEXT_FORMATS = ("jsonl", "csv", "mongoexport")


class UnsupportedFileError(ValueError):
    """The file's name does not say a format the contract accepts."""


@dataclass
class Reject:
    line: int
    payload: str
    reason: str


@dataclass
class Chunk:
    """Parsed rows of one stretch of a file, and the rows that did not parse."""

    records: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    payloads: list[str | bytes] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    # CSV and Parquet cells hold a json column's object as JSON text; a JSON
    # line holds the object itself.
    json_as_text: bool = True
    # A Parquet chunk keeps its columns instead of records and payloads: the
    # validator checks the columns as they are, and a row's payload is made
    # only when the row is quarantined.
    arrow: pa.RecordBatch | None = None

    @property
    def rows(self) -> int:
        """The rows to validate (the rejects not counted)."""
        return self.arrow.num_rows if self.arrow is not None else len(self.records)

    @property
    def rows_read(self) -> int:
        return self.rows + len(self.rejects)

    @property
    def rows_to_validate(self) -> list[dict] | pa.RecordBatch:
        return self.arrow if self.arrow is not None else self.records

    def payload_text(self, index: int) -> str:
        if self.arrow is not None:
            # Parquet rows have no verbatim text: the payload is the row as JSON.
            (record,) = self.arrow.slice(index, 1).to_pylist()
            return json.dumps(record, default=_json_default, sort_keys=True)
        payload = self.payloads[index]
        return payload.decode("utf-8", "replace") if type(payload) is bytes else payload

    def add(self, record: dict, line: int, payload: str | bytes) -> None:
        self.records.append(record)
        self.lines.append(line)
        self.payloads.append(payload)


def file_format(path: Path) -> tuple[str, bool]:
    """(format, gzipped) of a path, from its extension."""
    suffixes = [s.lower() for s in path.suffixes]
    gzipped = bool(suffixes) and suffixes[-1] == ".gz"
    if gzipped:
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None or (gzipped and fmt not in _TEXT_FORMATS):
        accepted = ".jsonl, .ndjson, .csv or .json (a MongoDB export), optionally .gz, or .parquet"
        raise UnsupportedFileError(f"{path.name}: unsupported file type; expected {accepted}")
    return fmt, gzipped


def read_chunks(
    path: Path, chunk_rows: int = CHUNK_ROWS, mongo: MongoMapping | None = None
) -> Iterator[Chunk]:
    """Chunks of a file; a MongoDB export needs its source's `mongo` mapping."""
    fmt, gzipped = file_format(path)
    if fmt == "parquet":
        yield from _parquet_chunks(path, chunk_rows)
        return
    if fmt == "mongoexport" and mongo is None:
        raise UnsupportedFileError(f"{path.name}: a MongoDB export needs a source's mapping")
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as handle:
        _skip_bom(handle)
        if fmt == "jsonl":
            yield from _jsonl_chunks(handle, chunk_rows)
        elif fmt == "mongoexport":
            # Imported here: mongo_export builds on this module's Chunk and Reject.
            from analytics_pipeline.ingest.mongo_export import mongo_chunks

            yield from mongo_chunks(handle, mongo, chunk_rows)
        else:
            yield from _csv_chunks(handle, chunk_rows)


def _skip_bom(handle) -> None:
    """Move past a UTF-8 byte-order mark at the start, or stay at the start."""
    if handle.read(len(UTF8_BOM)) != UTF8_BOM:
        handle.seek(0)


# -- JSON lines ----------------------------------------------------------------


def _jsonl_chunks(handle, chunk_rows: int) -> Iterator[Chunk]:
    chunk = Chunk(json_as_text=False)
    loads, add = orjson.loads, chunk.add
    for line_no, raw in enumerate(handle, start=1):
        raw = raw.rstrip(b"\r\n")
        try:
            value = loads(raw)
        except orjson.JSONDecodeError as exc:
            if not raw.strip():
                continue  # blank lines hold no row
            chunk.rejects.append(_json_reject(line_no, raw, exc))
            continue
        if type(value) is not dict:
            chunk.rejects.append(
                Reject(
                    line_no,
                    raw.decode("utf-8", "replace"),
                    f"line is JSON but not an object ({type(value).__name__})",
                )
            )
            continue
        # The verbatim line stays bytes: it is decoded only if the row is quarantined.
        add(value, line_no, raw)
        if len(chunk.records) + len(chunk.rejects) >= chunk_rows:
            yield chunk
            chunk = Chunk(json_as_text=False)
            add = chunk.add
    if chunk.rows_read:
        yield chunk


def _json_reject(line_no: int, raw: bytes, exc: Exception) -> Reject:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return Reject(
            line_no, raw.decode("utf-8", "replace"), f"line is not valid UTF-8 ({bad.reason})"
        )
    return Reject(line_no, text, f"line is not valid JSON ({exc})")


# -- CSV -----------------------------------------------------------------------


class _LineRecorder:
    """Feeds lines to csv.reader and remembers them, so a row's verbatim text
    (several lines for quoted newlines) is known after it is parsed."""

    def __init__(self, text_handle):
        self._handle = text_handle
        self.consumed: list[str] = []
        self.line_no = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._handle)
        self.line_no += 1
        self.consumed.append(line)
        return line

    def take(self) -> tuple[int, str]:
        """(first line number, verbatim text) of what was consumed since the last take."""
        first = self.line_no - len(self.consumed) + 1
        text = "".join(self.consumed).rstrip("\r\n")
        self.consumed = []
        return first, text


def _csv_chunks(handle, chunk_rows: int) -> Iterator[Chunk]:
    text = io.TextIOWrapper(handle, encoding="utf-8", errors="strict", newline="")
    recorder = _LineRecorder(text)
    reader = csv.reader(recorder, strict=True)
    chunk = Chunk()
    header: list[str] | None = None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line, payload = recorder.take()
            chunk.rejects.append(Reject(line, payload, f"line is not valid CSV ({exc})"))
            continue
        except UnicodeDecodeError as exc:
            # The rest of the file cannot be decoded: keep it verbatim in one reject.
            rest = handle.read()
            line, payload = recorder.take()
            payload += rest.decode("utf-8", "replace")
            chunk.rejects.append(
                Reject(line or 1, payload, f"file is not valid UTF-8 ({exc.reason})")
            )
            break
        line, payload = recorder.take()
        if header is None:
            header = [name.strip() for name in row]
            continue
        if not row or (len(row) == 1 and not row[0].strip() and not payload.strip()):
            continue  # blank line
        if len(row) != len(header):
            chunk.rejects.append(
                Reject(
                    line, payload, f"CSV row has {len(row)} fields, the header has {len(header)}"
                )
            )
        else:
            chunk.add(
                {k: (v if v != "" else None) for k, v in zip(header, row, strict=True)},
                line,
                payload,
            )
        if chunk.rows_read >= chunk_rows:
            yield chunk
            chunk = Chunk()
    if chunk.rows_read:
        yield chunk


# -- Parquet -------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"cannot render {type(value).__name__}")


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    import pyarrow.parquet as pq

    row_no = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
        lines = list(range(row_no + 1, row_no + batch.num_rows + 1))
        row_no += batch.num_rows
        yield Chunk(lines=lines, arrow=batch)
