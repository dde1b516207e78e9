"""Running the real dbt CLI against the test warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.dbt.project import parse_state
from analytics_pipeline.settings import REPO_DIR

DBT_PROJECT_DIR = REPO_DIR / "dbt_project"


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


@dataclass
class DbtResult:
    returncode: int
    output: str
    target_path: Path

    def check(self) -> DbtResult:
        assert self.returncode == 0, f"dbt failed ({self.returncode}):\n{self.output}"
        return self

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.target_path / "manifest.json").read_text())

    @property
    def run_results(self) -> list[dict[str, Any]]:
        return json.loads((self.target_path / "run_results.json").read_text())["results"]


DbtRunner = Callable[..., DbtResult]


@pytest.fixture(scope="module")
def run_dbt(tmp_path_factory: pytest.TempPathFactory) -> DbtRunner:
    """Run `dbt <args>` on dbt_project/ (or a copy: `project_dir`) with its own
    target and log paths.

    With `warehouse=True` the profile points at the test warehouse (the
    database of `fresh_database` when the module uses it); `environment` adds
    variables (e.g. a partition window)."""

    def run(
        args: Sequence[str],
        *,
        warehouse_env: bool = True,
        name: str = "dbt",
        project_dir: Path = DBT_PROJECT_DIR,
        environment: dict[str, str] | None = None,
    ) -> DbtResult:
        workdir = tmp_path_factory.mktemp(name)
        target_path = workdir / "target"
        env = dict(os.environ)
        if warehouse_env:
            env |= warehouse.dbt_env()
        if project_dir == DBT_PROJECT_DIR:  # the saved parse state, as the assets use it
            env["DBT_PARTIAL_PARSE_FILE_PATH"] = str(parse_state(env))
        env |= environment or {}
        command = [
            _dbt_executable(),
            "--no-use-colors",
            *args,
            "--project-dir", str(project_dir),
            "--profiles-dir", str(project_dir),
            "--target-path", str(target_path),
            "--log-path", str(workdir / "logs"),
        ]  # fmt: skip
        completed = subprocess.run(
            command, cwd=workdir, env=env, capture_output=True, text=True, check=False
        )
        return DbtResult(completed.returncode, completed.stdout + completed.stderr, target_path)

    return run


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of dbt_project/ (without its target and logs) that the module's tests
    may change."""
    copy = tmp_path_factory.mktemp("project") / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    return copy
