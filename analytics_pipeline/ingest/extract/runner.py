"""One extraction of one table: its changes since the stored cursor, written
as a Parquet batch, ingested like any contract file, then the cursor moved."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from psycopg2.extensions import connection

from analytics_pipeline import warehouse
from analytics_pipeline.ingest import IngestResult, ingest_files
from analytics_pipeline.ingest.contract import Source, get_source
from analytics_pipeline.ingest.extract.postgres import KEY_COLUMN, VERSION_COLUMN, read_changes
from analytics_pipeline.ingest.extract.state import (
    Cursor,
    load_cursor,
    prepare_state_tables,
    recent_keys,
    save_progress,
)

# Re-read on every extraction: rows of transactions that commit up to this long
# after they stamped updated_at are still taken.
DEFAULT_OVERLAP = dt.timedelta(minutes=10)

_ARROW_TYPES = {
    "text": pa.string(),
    "int": pa.int64(),
    "numeric": pa.string(),  # exact: the number's text, as the contract keeps it
    "bool": pa.bool_(),
    "ts": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "json": pa.string(),
}


@dataclass(frozen=True)
class TableExtract:
    """A raw source filled from a table of an operational database."""

    source: str  # the contract source (raw table) it lands in
    table: str  # "schema.table" in the operational database

    @property
    def contract(self) -> Source:
        return get_source(self.source)


@dataclass(frozen=True)
class ExtractResult:
    source: str
    rows_read: int  # rows the source returned, the overlap window's included
    rows_new: int  # of those, rows not extracted before: the batch
    file: Path | None  # the batch (None when there was nothing new)
    ingest: IngestResult | None
    cursor: Cursor | None
    seconds: float


def _arrow_schema(source: Source) -> pa.Schema:
    return pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in source.columns])


def _cell(value, type_: str):
    if value is None:
        return None
    if type_ == "numeric":
        return str(value) if isinstance(value, Decimal | int | float) else value
    if type_ == "json":
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if type_ == "text" and not isinstance(value, str):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if type_ == "ts" and type(value) is dt.date:
        return dt.datetime.combine(value, dt.time(), dt.UTC)  # a date is its midnight, UTC
    return value


def _batch_path(out_dir: Path, spec: TableExtract, cursor: Cursor) -> Path:
    """Named after the batch's newest row: the same rows extracted again (a run
    that stopped before moving the cursor) give the same file, which the ingest
    ledger skips."""
    stamp = cursor.updated_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return out_dir / spec.source / f"{spec.source}-{stamp}-{cursor.row_id}.parquet"


def extract_table(
    source_conn: connection,
    spec: TableExtract,
    out_dir: Path,
    overlap: dt.timedelta = DEFAULT_OVERLAP,
    page_rows: int = 50_000,
    say: Callable[[str], None] | None = None,
) -> ExtractResult:
    """Extract `spec.table`'s changes since the stored cursor into `spec.source`."""
    started = time.perf_counter()
    prepare_state_tables()
    with warehouse.connect(warehouse.Role.LOADER) as state:
        cursor = load_cursor(state, spec.source)
        seen = recent_keys(state, spec.source)
    contract = spec.contract
    columns = contract.column_names
    schema = _arrow_schema(contract)
    types = [c.type for c in contract.columns]
    since = cursor.updated_at - overlap if cursor else None
    newest = cursor
    recent: deque[tuple[int, dt.datetime]] = deque()  # taken, newest overlap only
    rows_read = rows_new = 0
    staging = out_dir / spec.source / "_extracting.parquet"
    staging.parent.mkdir(parents=True, exist_ok=True)
    writer: pq.ParquetWriter | None = None
    try:
        for page in read_changes(source_conn, spec.table, columns, since, page_rows):
            rows_read += len(page)
            fresh = [row for row in page if (row[KEY_COLUMN], row[VERSION_COLUMN]) not in seen]
            if not fresh:
                continue
            rows_new += len(fresh)
            arrays = [
                pa.array([_cell(row[name], type_) for row in fresh], type=schema.field(name).type)
                for name, type_ in zip(columns, types, strict=True)
            ]
            if writer is None:
                writer = pq.ParquetWriter(staging, schema)
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            last = fresh[-1]
            newest = max(
                newest or Cursor(last[VERSION_COLUMN], last[KEY_COLUMN]),
                Cursor(last[VERSION_COLUMN], last[KEY_COLUMN]),
                key=lambda c: (c.updated_at, c.row_id),
            )
            recent.extend((row[KEY_COLUMN], row[VERSION_COLUMN]) for row in fresh)
            while recent and recent[0][1] < newest.updated_at - overlap:
                recent.popleft()
    finally:
        if writer is not None:
            writer.close()
        source_conn.rollback()  # ends the read-only snapshot
    if writer is None:
        staging.unlink(missing_ok=True)
        return ExtractResult(
            spec.source, rows_read, 0, None, None, cursor, time.perf_counter() - started
        )
    batch = _batch_path(out_dir, spec, newest)
    staging.replace(batch)
    (result,) = ingest_files(spec.source, [batch])
    with warehouse.connect(warehouse.Role.LOADER) as state:
        save_progress(state, spec.source, newest, recent, rows_new, overlap)
    if say:
        say(
            f"{spec.source}: {rows_new:,} new rows of {rows_read:,} read "
            f"({result.rows_quarantined:,} quarantined)"
        )
    return ExtractResult(
        spec.source, rows_read, rows_new, batch, result, newest, time.perf_counter() - started
    )
