"""dbt docs for analysts: `analytics-pipeline docs` builds the static site, with
every report definition as an exposure downstream of the table it reads."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

from analytics_pipeline import warehouse
from analytics_pipeline.dbt.project import dbt_executable, dbt_project, export_dbt_env
from analytics_pipeline.reports.control import DEFINITIONS_TABLE, read_definitions
from analytics_pipeline.reports.definition import (
    ReportDefinition,
    load_definition_files,
    parse_definition,
)
from analytics_pipeline.reports.exposures import write_exposures
from analytics_pipeline.settings import get_settings

log = logging.getLogger(__name__)


def docs_dir() -> Path:
    return get_settings().home / "dbt_docs"


def _dbt(*args: str) -> list[str]:
    project = dbt_project()
    return [
        dbt_executable(),
        *args,
        "--project-dir",
        str(project.project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
        "--target-path",
        str(docs_dir()),
    ]


def report_definitions() -> list[ReportDefinition]:
    """The definitions the docs show: the rows of control.report_definitions
    (inactive ones too), and the reports/*.yml files whose ids the table does
    not have yet (not synced; without the table, every file). A row that fails
    validation is left out with a warning."""
    files = load_definition_files(get_settings().report_definitions_dir)
    with warehouse.connect() as conn:
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


def generate_docs() -> Path:
    """Regenerate the report exposures, then run `dbt docs generate` (catalog from
    the live warehouse); returns index.html."""
    export_dbt_env()
    write_exposures(report_definitions())
    result = subprocess.run(
        _dbt("docs", "generate"), env=os.environ, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed:\n{result.stdout[-4000:]}")
    return docs_dir() / "index.html"


def serve_docs(port: int) -> int:
    """Serve the generated site (blocks until interrupted)."""
    return subprocess.call(_dbt("docs", "serve", "--port", str(port), "--host", "127.0.0.1"))
