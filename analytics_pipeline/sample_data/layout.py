"""Where each source's files go and in which format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileFormat:
    """How one file is written: `kind` is jsonl, csv, parquet, mongo_lines (a
    mongoexport file, one document a line) or mongo_array (--jsonArray)."""

    kind: str
    suffix: str
    gzip: bool = False
    typed_ts: bool = False  # Parquet only: timestamp columns typed instead of ISO strings
    canonical: bool = False  # MongoDB exports: canonical (else relaxed) Extended JSON

    @property
    def mongo(self) -> bool:
        return self.kind.startswith("mongo")


JSONL = FileFormat("jsonl", ".jsonl")
NDJSON = FileFormat("jsonl", ".ndjson")
JSONL_GZ = FileFormat("jsonl", ".jsonl.gz", gzip=True)
CSV = FileFormat("csv", ".csv")
CSV_GZ = FileFormat("csv", ".csv.gz", gzip=True)
PARQUET_TYPED = FileFormat("parquet", ".parquet", typed_ts=True)
PARQUET_TEXT = FileFormat("parquet", ".parquet")
MONGO_CANONICAL = FileFormat("mongo_lines", ".json", canonical=True)
MONGO_RELAXED_GZ = FileFormat("mongo_lines", ".json.gz", gzip=True)
MONGO_ARRAY = FileFormat("mongo_array", ".json")

INITIAL = "initial"

# Every reader is exercised: plain and gzipped JSON lines, .ndjson, CSV (plain and
# gzipped), Parquet with typed and with text timestamps, MongoDB exports canonical
# and relaxed (gzipped), one document a line and --jsonArray.
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
    # The HR pack: the seed's PostgreSQL tables, then its MongoDB collections.
    "hr_organizations": (JSONL, JSONL),
    "hr_departments": (CSV, CSV),
    "hr_branches": (CSV, CSV_GZ),
    "hr_employees": (JSONL, JSONL_GZ),
    "hr_users": (PARQUET_TYPED, PARQUET_TEXT),
    "hr_report_generations": (JSONL_GZ, JSONL_GZ),
    "hr_notification_deliveries": (CSV, CSV),
    "hr_survey_responses": (NDJSON, NDJSON),
    "hr_report_access_logs": (MONGO_CANONICAL, MONGO_CANONICAL),
    "hr_chat_sessions": (MONGO_RELAXED_GZ, MONGO_RELAXED_GZ),
    "hr_dashboard_interactions": (MONGO_ARRAY, MONGO_ARRAY),
    "hr_activity_logs": (MONGO_CANONICAL, MONGO_CANONICAL),
    # The quality management pack: the QMS's table exports (Parquet only for tables
    # of text and timestamps: its writer keeps the other columns as text).
    "qms_departments": (CSV, CSV),
    "qms_users": (JSONL, JSONL),
    "qms_quality_events": (JSONL, JSONL_GZ),
    "qms_documents": (PARQUET_TYPED, PARQUET_TEXT),
    "qms_document_versions": (CSV, CSV),
    "qms_document_review_steps": (JSONL, JSONL),
    "qms_training_assignments": (CSV, CSV_GZ),
    "qms_lab_samples": (NDJSON, NDJSON),
    "qms_lab_results": (JSONL_GZ, JSONL_GZ),
    "qms_risk_assessments": (CSV, CSV),
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
