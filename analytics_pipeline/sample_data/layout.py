"""Where each source's files go and in which format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileFormat:
    """How one file is written: `kind` is jsonl, csv or parquet."""

    kind: str
    suffix: str
    gzip: bool = False
    typed_ts: bool = False  # Parquet only: timestamp columns typed instead of ISO strings


JSONL = FileFormat("jsonl", ".jsonl")
NDJSON = FileFormat("jsonl", ".ndjson")
JSONL_GZ = FileFormat("jsonl", ".jsonl.gz", gzip=True)
CSV = FileFormat("csv", ".csv")
CSV_GZ = FileFormat("csv", ".csv.gz", gzip=True)
PARQUET_TYPED = FileFormat("parquet", ".parquet", typed_ts=True)
PARQUET_TEXT = FileFormat("parquet", ".parquet")

INITIAL = "initial"

# Every reader is exercised: plain and gzipped JSON lines, .ndjson, CSV (plain and
# gzipped), Parquet with typed and with text timestamps.
_FORMATS: dict[str, tuple[FileFormat, FileFormat]] = {
    # source: (format of the initial file, format of the other files)
    "workspaces": (JSONL, JSONL),
    "users": (JSONL, JSONL),
    "user_activity": (JSONL, JSONL),
    "agents": (PARQUET_TYPED, PARQUET_TEXT),
    "agent_runs": (JSONL_GZ, JSONL_GZ),
    "topics": (CSV, CSV),
    "topic_relationships": (CSV, CSV),
    "study_events": (NDJSON, NDJSON),
    "question_attempts": (JSONL, JSONL),
    "material_interactions": (JSONL, JSONL),
    "materials": (CSV, CSV_GZ),
}


def file_format(source: str, label: str) -> FileFormat:
    """Format of the file `label` ("initial", "updates_<date>" or "<date>") of `source`."""
    initial, later = _FORMATS[source]
    return initial if label == INITIAL else later


def file_path(out_dir: Path, source: str, label: str) -> Path:
    """`out_dir/<source>/<source>_<label><suffix>`."""
    return out_dir / source / f"{source}_{label}{file_format(source, label).suffix}"


def updates_label(day_label: str) -> str:
    return f"updates_{day_label}"
