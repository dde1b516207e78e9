"""dbt docs for analysts: `analytics-pipeline docs` builds the static site, with
every report definition as an exposure downstream of the table it reads."""

from __future__ import annotations

import subprocess
from pathlib import Path

from analytics_pipeline.dbt.project import dbt_command, run_dbt
from analytics_pipeline.reports.catalog import documented_definitions
from analytics_pipeline.reports.exposures import write_exposures
from analytics_pipeline.settings import get_settings


def docs_dir() -> Path:
    return get_settings().home / "dbt_docs"


def generate_docs() -> Path:
    """Regenerate the report exposures, then run `dbt docs generate` (catalog from
    the live warehouse); returns index.html."""
    write_exposures(documented_definitions())
    run_dbt("docs", "generate", target_path=docs_dir())
    return docs_dir() / "index.html"


def serve_docs(port: int) -> int:
    """Serve the generated site (blocks until interrupted)."""
    command = dbt_command(
        "docs", "serve", "--port", str(port), "--host", "127.0.0.1", target_path=docs_dir()
    )
    return subprocess.call(command)
