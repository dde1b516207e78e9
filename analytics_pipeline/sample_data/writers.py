"""Serialize rows to files byte-for-byte reproducibly: JSON lines, CSV, Parquet, optional gzip."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq


@dataclass(frozen=True)
class RawLine:
    """A line written verbatim: rows that must not parse as a record."""

    text: str


Payload = dict[str, Any] | RawLine


def jsonl_bytes(payloads: Sequence[Payload]) -> bytes:
    """One JSON object (or raw line) per line, newline-terminated."""
    if not payloads:
        return b""
    parts = [p.text.encode() if isinstance(p, RawLine) else orjson.dumps(p) for p in payloads]
    return b"\n".join(parts) + b"\n"


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_line(values: Sequence[Any]) -> str:
    """One CSV record (no line terminator); None is the empty field."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([_csv_field(v) for v in values])
    return buffer.getvalue()


def csv_bytes(columns: Sequence[str], payloads: Sequence[Payload]) -> bytes:
    """Header row plus one record per payload; keys absent from a dict are empty fields."""
    lines = [csv_line(columns)]
    for p in payloads:
        lines.append(p.text if isinstance(p, RawLine) else csv_line([p.get(c) for c in columns]))
    return ("\n".join(lines) + "\n").encode()


def _as_utc(text: str | None) -> datetime | None:
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parquet_bytes(
    columns: Sequence[str], ts_columns: Sequence[str], payloads: Sequence[Payload], typed_ts: bool
) -> bytes:
    """A Parquet file; timestamps typed (timestamp[us, UTC]) or kept as ISO strings."""
    rows = [p for p in payloads if isinstance(p, dict)]
    if len(rows) != len(payloads):
        raise ValueError("Parquet files cannot hold raw lines")
    arrays = []
    fields = []
    for name in columns:
        values = [r.get(name) for r in rows]
        if typed_ts and name in ts_columns:
            type_ = pa.timestamp("us", tz="UTC")
            values = [_as_utc(v) for v in values]
        else:
            type_ = pa.string()
        arrays.append(pa.array(values, type=type_))
        fields.append(pa.field(name, type_))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def write_file(path: Path, data: bytes, compress: bool) -> Path:
    """Write `data`, gzip-compressed with a fixed header (mtime 0) when `compress`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
        ):
            gz.write(data)
    else:
        path.write_bytes(data)
    return path
