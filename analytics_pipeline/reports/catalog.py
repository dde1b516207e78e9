"""The report definitions the pipeline knows: the YAML files in the repository
(`$ANALYTICS_REPORTS_DIR`, default `reports/`), synced into
`control.report_definitions`, where rows may also be added or edited directly.
Runs always read the table; the files only feed it."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from psycopg2.extensions import connection

from analytics_pipeline import warehouse
from analytics_pipeline.reports.control import (
    DEFINITIONS_TABLE,
    REPORT_DEFINITION_TABLE,
    InvalidDefinition,
    SyncResult,
    ensure_control_schema,
    pick_active,
    read_definitions,
    sync_definitions,
)
from analytics_pipeline.reports.definition import (
    DefinitionError,
    DefinitionT,
    ReportDefinition,
    definition_to_record,
    load_definition_file,
    load_definition_files,
    parse_definition,
)
from analytics_pipeline.settings import get_settings

log = logging.getLogger(__name__)


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


def readable_files(
    directory: Path, load: Callable[[Path], DefinitionT]
) -> tuple[list[DefinitionT], list[FileProblem]]:
    """Every `*.yml` file of `directory` that `load` reads, and the problems of
    the others (for callers that must not fail on one bad file, e.g. loading
    the code location)."""
    good: list[DefinitionT] = []
    bad: list[FileProblem] = []
    for path in definition_files(directory):
        try:
            good.append(load(path))
        except DefinitionError as exc:
            bad.append(FileProblem(path, str(exc)))
    return good, bad


def readable_definitions(
    directory: Path | None = None,
) -> tuple[list[ReportDefinition], list[FileProblem]]:
    """Every report definition file that parses, and the problems of the others."""
    return readable_files(directory or reports_dir(), load_definition_file)


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
    try:
        return pick_active(valid, invalid, report_id, REPORT_DEFINITION_TABLE, "report sync")
    except LookupError as exc:
        raise UnknownReportError(str(exc)) from None


def documented_definitions() -> list[ReportDefinition]:
    """The definitions the dbt docs show: the rows of control.report_definitions
    (inactive ones too), and the definition files whose ids the table does not
    have yet (not synced; without the table, every file). A row that fails
    validation is left out with a warning."""
    files = load_definition_files(reports_dir())
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        conn.autocommit = True  # read_definitions wants a connection with no transaction
        with conn.cursor() as cur:
            cur.execute("select to_regclass(%s) is not null", (DEFINITIONS_TABLE,))
            (table_exists,) = cur.fetchone()
        if not table_exists:
            return files
        rows, invalid = read_definitions(conn, parse_definition, active_only=False)
    for row in invalid:
        log.warning("report definition %r left out of the docs: %s", row.id, row.error)
    by_id = {d.id: d for d in files} | {d.id: d for d in rows}
    return [by_id[report_id] for report_id in sorted(by_id)]
