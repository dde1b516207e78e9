"""Reads of the ingest ledger (which contents are loaded) and writes of the
failures log (`raw._ingest_failures`), for the landing sensor and the raw assets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.loader import IngestFailure
from analytics_pipeline.ingest.schema import (
    BATCHES_TABLE,
    FAILURES_TABLE,
    prepare_landing_tables,
)

Content = tuple[str, str]
"""(source, file sha256): what the ledger knows a file with rows by."""

FileRef = tuple[str, str, str]
"""(source, file sha256, path) of a landed file."""


def ingested(files: Iterable[FileRef]) -> set[FileRef]:
    """The given files that the ledger holds: by content when the content had
    rows, by content and path when it had none (empty files share contents)."""
    wanted = set(files)
    if not wanted:
        return set()
    with warehouse.connect(warehouse.Role.LOADER) as conn, conn.cursor() as cur:
        # Before the first ingest the ledger does not exist: nothing is loaded.
        if not _table_exists(cur, BATCHES_TABLE):
            return set()
        cur.execute(
            f"""select source, file_sha256, rows_read > 0, source_file from {BATCHES_TABLE}
                where file_sha256 = any(%s)""",
            (sorted({sha for _, sha, _ in wanted}),),
        )
        with_rows: set[Content] = set()
        empty_files: set[FileRef] = set()
        for source, sha, has_rows, source_file in cur.fetchall():
            if has_rows:
                with_rows.add((source, sha))
            else:
                empty_files.add((source, sha, source_file))
    # The loader records a file by its resolved path.
    return {
        ref
        for ref in wanted
        if ref[:2] in with_rows or (ref[0], ref[1], str(Path(ref[2]).resolve())) in empty_files
    }


def latest_failure_reasons(contents: Iterable[Content]) -> dict[Content, str]:
    """The reason of the latest recorded failure of each given content that has one."""
    wanted = set(contents)
    if not wanted:
        return {}
    with warehouse.connect(warehouse.Role.LOADER) as conn, conn.cursor() as cur:
        if not _table_exists(cur, FAILURES_TABLE):
            return {}
        cur.execute(
            f"""select distinct on (source, file_sha256) source, file_sha256, reason
                from {FAILURES_TABLE} where file_sha256 = any(%s)
                order by source, file_sha256, failed_at desc""",
            (sorted({sha for _, sha in wanted}),),
        )
        return {(s, h): reason for s, h, reason in cur.fetchall() if (s, h) in wanted}


def record_failures(failures: Sequence[IngestFailure]) -> None:
    """Append the failures to `raw._ingest_failures` (one row per failed attempt)."""
    if not failures:
        return
    prepare_landing_tables()
    with warehouse.connect(warehouse.Role.LOADER) as conn, conn.cursor() as cur:
        cur.executemany(
            f"""insert into {FAILURES_TABLE} (source, source_file, file_sha256, reason,
                        failed_at)
                    values (%s, %s, %s, %s, clock_timestamp())""",
            [(f.source, f.file, f.file_sha256, f.reason) for f in failures],
        )


def _table_exists(cur, table: str) -> bool:
    cur.execute("select to_regclass(%s) is not null", (table,))
    return cur.fetchone()[0]
