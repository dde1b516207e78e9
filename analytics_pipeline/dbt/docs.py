"""dbt docs for analysts: `analytics-pipeline docs` builds the static site."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from analytics_pipeline.dbt.project import dbt_executable, dbt_project, export_dbt_env
from analytics_pipeline.settings import get_settings


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


def generate_docs() -> Path:
    """Run `dbt docs generate` (catalog from the live warehouse); returns index.html."""
    export_dbt_env()
    result = subprocess.run(
        _dbt("docs", "generate"), env=os.environ, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed:\n{result.stdout[-4000:]}")
    return docs_dir() / "index.html"


def serve_docs(port: int) -> int:
    """Serve the generated site (blocks until interrupted)."""
    return subprocess.call(_dbt("docs", "serve", "--port", str(port), "--host", "127.0.0.1"))
