"""Land one file into its raw table: hash it, skip it if the ledger knows its
content, validate it chunk by chunk and COPY valid rows into `raw.<source>` and
invalid ones into `raw._quarantine`, all in one transaction with its ledger row.
An event table's month partitions that a chunk needs are made in that
transaction before its COPY (ingest/partitioning.py).

A lost connection (or, without `on_failure`, any database error) stops the
ingest with an IngestError naming the file. That file's transaction is rolled
back; files committed before it stay loaded.

A file without rows (0 bytes, blank lines, a CSV header only, a byte-order mark
only) is "empty": its ledger row counts zeros, and it is known by its path as
well as its content, since different empty files share their bytes.
"""

from __future__ import annotations

import gc
import hashlib
import io
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg2
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg2.extensions import connection

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.accepted_files import check_accepts
from analytics_pipeline.ingest.contract import Source, get_source
from analytics_pipeline.ingest.partitioning import (
    ensure_months,
    existing_months,
    is_event_source,
    months_in,
)
from analytics_pipeline.ingest.readers import Chunk, file_format, read_chunks
from analytics_pipeline.ingest.schema import (
    BATCHES_TABLE,
    QUARANTINE_TABLE,
    prepare_landing_tables,
    raw_table,
)
from analytics_pipeline.ingest.validate import validate
from analytics_pipeline.warehouse.copy_errors import copy_from_stdin

# A failure reason is one line of the failures table and of the run's metadata.
_MAX_REASON = 1000
# The loader's connections show under this name in pg_stat_activity.
APPLICATION_NAME = "analytics-pipeline ingest"

_QUARANTINE_COLUMNS = (
    "source",
    "source_file",
    "source_line",
    "batch_id",
    "reason",
    "payload",
    "quarantined_at",
)


@dataclass(frozen=True)
class IngestResult:
    source: str
    file: str
    status: str  # "loaded", "empty" (a file without rows) or "skipped" (known to the ledger)
    batch_id: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class IngestFailure:
    """A file that could not be loaded: its transaction was rolled back."""

    source: str
    file: str
    file_sha256: str | None  # None when the file could not be read at all
    reason: str  # one line: the exception's type and message

    def as_dict(self) -> dict:
        return asdict(self)


class IngestError(RuntimeError):
    """A database error stopped the ingest of `path` (None: before any file).
    That file's batch was rolled back."""

    def __init__(self, path: Path | None, reason: str):
        where = str(path) if path else "before loading any file"
        rolled_back = "; its batch was rolled back, nothing of it is loaded" if path else ""
        super().__init__(f"{where}: {reason}{rolled_back}")
        self.path = path
        self.reason = reason


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_file(source: Source, path: Path) -> None:
    check_accepts(source, path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")


def ingest_files(
    source_name: str,
    paths: Iterable[Path],
    progress: Callable[[IngestResult], None] | None = None,
    on_failure: Callable[[IngestFailure], None] | None = None,
) -> list[IngestResult]:
    """Ingest files into one source, each file its own batch and transaction.

    Without `on_failure` the first error propagates (names are checked before
    anything loads). With it, a file that fails is rolled back and reported,
    and the other files still load.
    """
    source = get_source(source_name)
    paths = [Path(p) for p in paths]
    if on_failure is None:
        for path in paths:
            _check_file(source, path)  # reject unsupported names before loading anything
    results = []
    # Millions of short-lived dicts make the cyclic GC rescan the heap over and
    # over (3x slower); the loader creates no reference cycles worth collecting.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        prepare_landing_tables()
        with warehouse.connect(warehouse.Role.LOADER) as conn:
            with conn.cursor() as cur:
                cur.execute("set application_name = %s", (APPLICATION_NAME,))
            conn.commit()
            for path in paths:
                try:
                    if on_failure is not None:
                        _check_file(source, path)
                    result = _ingest_one(conn, source, path)
                    conn.commit()
                except Exception as exc:
                    # A lost connection fails every file alike: it ends the call.
                    if on_failure is None or conn.closed:
                        if isinstance(exc, psycopg2.Error):
                            raise IngestError(path.resolve(), _describe(conn, exc)) from exc
                        raise
                    conn.rollback()
                    on_failure(_failure(source, path, exc))
                    continue
                results.append(result)
                if progress:
                    progress(result)
    except psycopg2.Error as exc:  # connecting, or the landing tables' DDL
        raise IngestError(None, f"database error ({_first_line(exc)})") from exc
    finally:
        if gc_was_enabled:
            gc.enable()
    return results


def _failure(source: Source, path: Path, exc: Exception) -> IngestFailure:
    try:
        sha = file_sha256(path)
    except OSError:
        sha = None
    reason = " ".join(f"{type(exc).__name__}: {exc}".split())
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 3] + "..."
    return IngestFailure(source.name, str(path.resolve()), sha, reason)


def _ingest_one(conn: connection, source: Source, path: Path) -> IngestResult:
    started = time.perf_counter()
    path = path.resolve()
    sha = file_sha256(path)
    with conn.cursor() as cur:
        # One loader per (source, content) at a time; the ledger then decides.
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"{source.name}:{sha}",))
        known = _known_batch(cur, source, sha, path)
        if known:
            return IngestResult(
                source.name, str(path), "skipped", known, 0, 0, 0, time.perf_counter() - started
            )
        cur.execute("select clock_timestamp()")
        ingested_at = cur.fetchone()[0]
    batch_id = uuid.uuid4().hex
    lineage = {"_ingested_at": ingested_at, "_source_file": str(path), "_batch_id": batch_id}
    rows_read = rows_loaded = rows_quarantined = 0
    months = _MonthPartitions(conn, source)
    # PostgreSQL works through one chunk's COPY while the next chunk is parsed.
    # At most one chunk is in flight, which bounds memory.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy") as copier:
        in_flight: list[Future] = []
        for chunk in read_chunks(path, mongo=source.mongo):
            tables, loaded, quarantined = _prepare_chunk(source, chunk, lineage)
            rows_read += chunk.rows_read
            rows_loaded += loaded
            rows_quarantined += quarantined
            for future in in_flight:
                future.result()  # re-raises a failed COPY
            months.ensure(tables)  # the connection is idle: no COPY in flight
            in_flight = [copier.submit(_copy, conn, name, table) for name, table in tables]
        for future in in_flight:
            future.result()
    fmt, gzipped = file_format(path)
    with conn.cursor() as cur:
        cur.execute(
            f"""insert into {BATCHES_TABLE} (batch_id, source, source_file, file_sha256,
                    file_bytes, file_format, rows_read, rows_loaded, rows_quarantined,
                    started_at, finished_at)
                values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, clock_timestamp())""",
            (
                batch_id,
                source.name,
                str(path),
                sha,
                path.stat().st_size,
                fmt + (".gz" if gzipped else ""),
                rows_read,
                rows_loaded,
                rows_quarantined,
                ingested_at,
            ),
        )
    return IngestResult(
        source.name,
        str(path),
        "loaded" if rows_read else "empty",
        batch_id,
        rows_read,
        rows_loaded,
        rows_quarantined,
        time.perf_counter() - started,
    )


class _MonthPartitions:
    """The month partitions an event table needs before a chunk's COPY: made
    in the batch's transaction, so a rolled-back batch leaves none behind.
    Retention makes the coming months ahead of time; this covers the rest
    (late or early events, a first load)."""

    def __init__(self, conn: connection, source: Source):
        self._conn, self._source = conn, source
        self._table = raw_table(source)
        self._known: set | None = None

    def ensure(self, tables: list[tuple[str, pa.Table]]) -> None:
        if not is_event_source(self._source):
            return
        with self._conn.cursor() as cur:
            if self._known is None:
                self._known = existing_months(cur, self._source.name)
            for name, table in tables:
                if name == self._table:
                    missing = months_in(table, self._source.event_time_column) - self._known
                    ensure_months(cur, self._source.name, missing)
                    self._known |= missing


def _known_batch(cur, source: Source, sha: str, path: Path) -> str | None:
    """The batch that already landed this file: the content's, when it had rows;
    for an empty content, the batch of this very file (by path), if any."""
    cur.execute(
        f"""select batch_id from {BATCHES_TABLE}
            where source = %s and file_sha256 = %s and (rows_read > 0 or source_file = %s)
            order by rows_read desc limit 1""",
        (source.name, sha, str(path)),
    )
    row = cur.fetchone()
    return row[0] if row else None


def _prepare_chunk(
    source: Source, chunk: Chunk, lineage: dict
) -> tuple[list[tuple[str, pa.Table]], int, int]:
    """Validate a chunk: ([(table name, rows to COPY)], rows loaded, rows quarantined)."""
    rows = chunk.rows
    quarantine: list[tuple[int, str, str]] = [(r.line, r.reason, r.payload) for r in chunk.rejects]
    tables: list[tuple[str, pa.Table]] = []
    loaded = 0
    if rows:
        checked = validate(source, chunk.rows_to_validate, json_as_text=chunk.json_as_text)
        mask = checked.valid_mask(rows)
        for row, reasons in checked.reasons.items():
            quarantine.append((chunk.lines[row], "; ".join(reasons), chunk.payload_text(row)))
        loaded = int(mask.sum())
        if loaded:
            columns = dict(checked.arrays)
            columns["_ingested_at"] = _constant(lineage["_ingested_at"], rows, TIMESTAMP)
            columns["_source_file"] = _constant(lineage["_source_file"], rows, pa.string())
            columns["_source_line"] = pa.array(chunk.lines, type=pa.int64())
            columns["_batch_id"] = _constant(lineage["_batch_id"], rows, pa.string())
            table = pa.table(columns)
            if loaded < rows:
                table = table.filter(pa.array(mask))
            tables.append((raw_table(source), table))
    if quarantine:
        quarantine.sort()
        count = len(quarantine)
        tables.append(
            (
                QUARANTINE_TABLE,
                pa.table(
                    {
                        "source": _constant(source.name, count, pa.string()),
                        "source_file": _constant(lineage["_source_file"], count, pa.string()),
                        "source_line": pa.array([q[0] for q in quarantine], type=pa.int64()),
                        "batch_id": _constant(lineage["_batch_id"], count, pa.string()),
                        "reason": pa.array([q[1] for q in quarantine], type=pa.string()),
                        "payload": pa.array([q[2] for q in quarantine], type=pa.string()),
                        "quarantined_at": _constant(lineage["_ingested_at"], count, TIMESTAMP),
                    }
                ),
            )
        )
    return tables, loaded, len(quarantine)


TIMESTAMP = pa.timestamp("us", tz="UTC")


def _constant(value, count: int, type_: pa.DataType) -> pa.Array:
    return pa.repeat(pa.scalar(value, type=type_), count)


def _copy(conn: connection, table_name: str, table: pa.Table) -> None:
    """COPY an Arrow table into a PostgreSQL table (CSV: unquoted empty = NULL)."""
    buffer = io.BytesIO()
    pacsv.write_csv(
        _utc_as_text(table),
        buffer,
        pacsv.WriteOptions(include_header=False, quoting_style="needed"),
    )
    buffer.seek(0)
    columns = ", ".join(table.column_names)
    with conn.cursor() as cur:
        copy_from_stdin(cur, f"copy {table_name} ({columns}) from stdin with (format csv)", buffer)


def _utc_as_text(table: pa.Table) -> pa.Table:
    """UTC timestamps as the text write_csv makes of them ("2026-01-02
    03:04:05.000006Z"), formatted as wall times: ten times faster than Arrow
    formatting a zoned timestamp."""
    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz in ("UTC", "+00:00"):
            wall = table.column(index).cast(pa.timestamp(field.type.unit)).cast(pa.string())
            text = pc.binary_join_element_wise(wall, pa.scalar("Z"), "")
            table = table.set_column(index, field.with_type(pa.string()), text)
    return table


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _describe(conn: connection, exc: psycopg2.Error) -> str:
    """One line: what went wrong, in the server's words where it gave any."""
    if conn.closed:
        return f"connection to the database was lost ({_first_line(exc)})"
    return f"database error ({_first_line(exc)})"
