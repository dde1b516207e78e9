"""The hospital pack's extraction: every table of the hospital's operational
database (schema `hospital`) into its raw source, each from its own cursor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from analytics_pipeline.ingest.contract_hospital import TABLES
from analytics_pipeline.ingest.extract.postgres import open_source
from analytics_pipeline.ingest.extract.runner import (
    DEFAULT_OVERLAP,
    ExtractResult,
    TableExtract,
    extract_table,
)
from analytics_pipeline.settings import get_settings

# Parents before children (a batch's references are older than it), then the
# hard deletes, so that a deletion never lands before the row it removes.
HOSPITAL_TABLES: tuple[TableExtract, ...] = (
    *(TableExtract(f"hospital_{name}", f"hospital.{name}") for name in TABLES),
    TableExtract("hospital_deleted_rows", "hospital.deleted_rows"),
)


def extracts_dir() -> Path:
    """Where extracted batches are kept: $ANALYTICS_HOME/extracts/ (the ingest
    ledger names them as the files they were loaded from)."""
    return get_settings().home / "extracts"


def extract_hospital(
    url,
    overlap: dt.timedelta = DEFAULT_OVERLAP,
    page_rows: int = 50_000,
    say: Callable[[str], None] | None = None,
    out_dir: Path | None = None,
) -> list[ExtractResult]:
    """Extract every hospital table changed since the last extraction; the
    batches go to `out_dir` (default extracts_dir() / "hospital")."""
    out_dir = out_dir or extracts_dir() / "hospital"
    conn = open_source(url)
    try:
        return [
            extract_table(conn, spec, out_dir, overlap, page_rows, say) for spec in HOSPITAL_TABLES
        ]
    finally:
        conn.close()
