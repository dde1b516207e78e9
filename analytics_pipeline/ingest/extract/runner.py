"""One extraction of one table: its changes since the stored cursor, written
as a Parquet batch, ingested like any contract file, then the cursor moved."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg2.extensions import connection

from analytics_pipeline import warehouse
from analytics_pipeline.ingest import IngestResult, ingest_files
from analytics_pipeline.ingest.contract import Source, get_source
from analytics_pipeline.ingest.extract.postgres import (
    KEY_COLUMN,
    VERSION_COLUMN,
    read_changes,
    write_horizon,
)
from analytics_pipeline.ingest.extract.state import (
    KEYS_SCHEMA,
    Cursor,
    load_cursor,
    prepare_state_tables,
    recent_keys,
    save_progress,
)

# Where the source does not show its open transactions (the role lacks
# pg_read_all_stats), every extraction re-reads this long before its cursor:
# rows of transactions that commit up to this long after they stamped
# updated_at are still taken.
DEFAULT_OVERLAP = dt.timedelta(minutes=10)
# Where it does, the re-read starts this long before the oldest open write
# transaction (or the cursor): a row's stamp and a transaction's start come
# from the same clock, the margin covers their rounding and ordering.
CLOCK_MARGIN = dt.timedelta(seconds=1)

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
    rows_read: int  # rows the source returned, the re-read before the cursor included
    rows_new: int  # of those, rows not extracted before: the batch
    file: Path | None  # the batch (None when there was nothing new)
    ingest: IngestResult | None
    cursor: Cursor | None
    seconds: float
    reread_from: dt.datetime | None = None  # where the next extraction starts reading

    @property
    def rows_skipped(self) -> int:
        """Rows re-read that an earlier extraction had taken."""
        return self.rows_read - self.rows_new


def _arrow_schema(source: Source) -> pa.Schema:
    return pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in source.columns])


def _batch_path(out_dir: Path, spec: TableExtract, cursor: Cursor) -> Path:
    """Named after the batch's newest row: the same rows extracted again (a run
    that stopped before moving the cursor) give the same file, which the ingest
    ledger skips."""
    stamp = cursor.updated_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return out_dir / spec.source / f"{spec.source}-{stamp}-{cursor.row_id}.parquet"


def next_reread_from(
    newest: Cursor,
    horizon: dt.datetime | None,
    overlap: dt.timedelta,
    previous: dt.datetime | None,
) -> dt.datetime:
    """Where the next extraction starts reading: before every row that may
    still commit (`horizon`, from write_horizon before the snapshot), else the
    overlap before the cursor; never before `previous` (the rows before it that
    were not committed then are stamped after it, and the keys kept start there)."""
    if horizon is None:
        mark = newest.updated_at - overlap
    else:
        mark = min(newest.updated_at, horizon) - CLOCK_MARGIN
    return max(mark, previous) if previous is not None else mark


def _unseen(page: pa.Table, seen: pa.Table) -> pa.Array:
    """True for the rows of `page` whose (id, updated_at) is not in `seen`."""
    keys = pa.table(
        {
            "id": page[KEY_COLUMN],
            "updated_at": page[VERSION_COLUMN],
            "row": pa.array(np.arange(page.num_rows)),
        }
    )
    hits = keys.join(seen, keys=["id", "updated_at"], join_type="inner")["row"]
    mask = np.ones(page.num_rows, dtype=bool)
    mask[hits.to_numpy()] = False
    return pa.array(mask)


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
        cursor, since = load_cursor(state, spec.source)
        seen = recent_keys(state, spec.source)
    if cursor is not None and since is None:  # stored before reread_from was
        since = cursor.updated_at - overlap
    schema = _arrow_schema(spec.contract)
    horizon = write_horizon(source_conn)  # before the pages' snapshot
    newest = cursor
    taken: list[pa.Table] = []  # keys of the rows taken, from the next reread_from on
    rows_read = rows_new = 0
    staging = out_dir / spec.source / "_extracting.parquet"
    staging.parent.mkdir(parents=True, exist_ok=True)
    writer: pq.ParquetWriter | None = None
    try:
        for page in read_changes(source_conn, spec.table, schema, since, page_rows):
            rows_read += page.num_rows
            fresh = page.filter(_unseen(page, seen)) if seen.num_rows else page
            if not fresh.num_rows:
                continue
            rows_new += fresh.num_rows
            if writer is None:
                writer = pq.ParquetWriter(staging, schema)
            writer.write_table(fresh)
            last = Cursor(fresh[VERSION_COLUMN][-1].as_py(), fresh[KEY_COLUMN][-1].as_py())
            newest = max(newest or last, last, key=lambda c: (c.updated_at, c.row_id))
            taken.append(pa.table([fresh[KEY_COLUMN], fresh[VERSION_COLUMN]], schema=KEYS_SCHEMA))
            keep_from = next_reread_from(newest, horizon, overlap, since)
            taken = [t for t in taken if t["updated_at"][-1].as_py() >= keep_from]
    finally:
        if writer is not None:
            writer.close()
        source_conn.rollback()  # ends the read-only snapshot
    reread_from = next_reread_from(newest, horizon, overlap, since) if newest else None
    if writer is None:
        staging.unlink(missing_ok=True)
        if cursor is not None and reread_from != since:  # nothing new: the re-read shrinks
            with warehouse.connect(warehouse.Role.LOADER) as state:
                save_progress(state, spec.source, cursor, KEYS_SCHEMA.empty_table(), 0, reread_from)
        return ExtractResult(
            spec.source,
            rows_read,
            0,
            None,
            None,
            cursor,
            time.perf_counter() - started,
            reread_from,
        )
    batch = _batch_path(out_dir, spec, newest)
    staging.replace(batch)
    (result,) = ingest_files(spec.source, [batch])
    keys = pa.concat_tables(taken) if taken else KEYS_SCHEMA.empty_table()
    with warehouse.connect(warehouse.Role.LOADER) as state:
        save_progress(state, spec.source, newest, keys, rows_new, reread_from)
    if say:
        say(
            f"{spec.source}: {rows_new:,} new rows of {rows_read:,} read "
            f"({result.rows_quarantined:,} quarantined)"
        )
    return ExtractResult(
        spec.source,
        rows_read,
        rows_new,
        batch,
        result,
        newest,
        time.perf_counter() - started,
        reread_from,
    )
