"""dbt docs for analysts: `analytics-pipeline docs` builds the static site, with
every report and dashboard definition as an exposure downstream of the tables
it reads."""

from __future__ import annotations

import subprocess
from pathlib import Path

from analytics_pipeline.dashboards.exposures import documented_dashboards
from analytics_pipeline.dashboards.exposures import write_exposures as write_dashboard_exposures
from analytics_pipeline.dbt.project import dbt_command, run_dbt
from analytics_pipeline.reports.catalog import documented_definitions
from analytics_pipeline.reports.exposures import write_exposures
from analytics_pipeline.settings import get_settings


def docs_dir() -> Path:
    return get_settings().home / "dbt_docs"


def generate_docs() -> Path:
    """Regenerate the report and dashboard exposures, then run `dbt docs generate` (catalog from
    the live warehouse); returns index.html."""
    write_exposures(documented_definitions())
    write_dashboard_exposures(documented_dashboards())
    run_dbt("docs", "generate", target_path=docs_dir())
    return docs_dir() / "index.html"


def serve_docs(port: int) -> int:
    """Serve the generated site (blocks until interrupted)."""
    command = dbt_command(
        "docs", "serve", "--port", str(port), "--host", "127.0.0.1", target_path=docs_dir()
    )
    return subprocess.call(command)
