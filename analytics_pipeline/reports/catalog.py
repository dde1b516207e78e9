"""The report definitions the pipeline knows: the YAML files in the repository
(`$ANALYTICS_REPORTS_DIR`, default `reports/`), synced into
`control.report_definitions`, where rows may also be added or edited directly.
Runs always read the table; the files only feed it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from psycopg2.extensions import connection

from analytics_pipeline.reports.control import (
    InvalidDefinition,
    SyncResult,
    ensure_control_schema,
    read_definitions,
    sync_definitions,
)
from analytics_pipeline.reports.definition import (
    DefinitionError,
    ReportDefinition,
    definition_to_record,
    load_definition_file,
    load_definition_files,
    parse_definition,
)
from analytics_pipeline.settings import get_settings


def reports_dir() -> Path:
    return get_settings().report_definitions_dir


def definition_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or reports_dir()).glob("*.yml"))


def files_digest(directory: Path | None = None) -> str:
    """A digest of the definition files' names and contents: changes when any file does."""
    digest = hashlib.sha256()
    for path in definition_files(directory):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class FileProblem:
    path: Path
    error: str


def readable_definitions(
    directory: Path | None = None,
) -> tuple[list[ReportDefinition], list[FileProblem]]:
    """Every definition file that parses, and the problems of the others (for
    callers that must not fail on one bad file, e.g. loading the code location)."""
    good: list[ReportDefinition] = []
    bad: list[FileProblem] = []
    for path in definition_files(directory):
        try:
            good.append(load_definition_file(path))
        except DefinitionError as exc:
            bad.append(FileProblem(path, str(exc)))
    return good, bad


def sync_repository(conn: connection, directory: Path | None = None) -> SyncResult:
    """Sync every definition file into the table, all or nothing: one bad file
    raises DefinitionError (naming the file and field) and nothing is written."""
    ensure_control_schema(conn)
    definitions = load_definition_files(directory or reports_dir())
    records = [definition_to_record(definition) for definition in definitions]
    return sync_definitions(conn, records, parse_definition)


def active_definitions(
    conn: connection,
) -> tuple[list[ReportDefinition], list[InvalidDefinition]]:
    """The active definitions in the table (validated), and the invalid rows."""
    ensure_control_schema(conn)
    return read_definitions(conn, parse_definition)


class UnknownReportError(LookupError):
    """No active, valid definition has this id."""


def active_definition(conn: connection, report_id: str) -> ReportDefinition:
    """The active definition `report_id` from the table; UnknownReportError
    says why there is none (missing, inactive or invalid)."""
    valid, invalid = active_definitions(conn)
    for definition in valid:
        if definition.id == report_id:
            return definition
    for row in invalid:
        if row.id == report_id:
            raise UnknownReportError(f"report {report_id!r} is invalid: {row.error}")
    raise UnknownReportError(
        f"no active report {report_id!r} in control.report_definitions "
        "(sync the definition files with `analytics-pipeline report sync`, or set is_active)"
    )
