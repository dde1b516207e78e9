"""The dbt project as Dagster sees it, and a manifest that is never stale."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from dagster_dbt import DbtProject

from analytics_pipeline import warehouse
from analytics_pipeline.settings import get_settings

_PROJECT_INPUTS = ("models", "macros", "snapshots", "tests", "seeds", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml")


def dbt_project() -> DbtProject:
    project_dir = get_settings().dbt_project_dir
    return DbtProject(project_dir=project_dir, profiles_dir=project_dir)


def _newest_input_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _PROJECT_FILES:
        path = project_dir / name
        if path.exists():
            newest = max(newest, path.stat().st_mtime)
    for folder in _PROJECT_INPUTS:
        for path in (project_dir / folder).rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return newest


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_command(
    *args: str,
    target_path: Path,
    log_path: Path | None = None,
    project: DbtProject | None = None,
) -> list[str]:
    """`dbt <args>` on the project, writing its artifacts to `target_path`."""
    project = project or dbt_project()
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(project.project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
        "--target-path",
        str(target_path),
    ]
    return command + (["--log-path", str(log_path)] if log_path else [])


def _is_fresh(manifest: Path, project_dir: Path) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_input_mtime(project_dir)


def ensure_manifest(project: DbtProject | None = None) -> Path:
    """Run `dbt parse` when the manifest is missing or older than any project file.

    Several processes may ask at once (test workers, the UI and the CLI): one
    parses under a file lock into a private folder, then swaps the manifest in.
    """
    project = project or dbt_project()
    manifest = project.manifest_path
    if _is_fresh(manifest, project.project_dir):
        return manifest
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_fresh(manifest, project.project_dir):
            return manifest  # another process parsed while we waited
        with tempfile.TemporaryDirectory(dir=manifest.parent, prefix=".parse-") as scratch:
            env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
            result = subprocess.run(
                dbt_command("parse", "--quiet", target_path=Path(scratch), project=project),
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
            os.replace(Path(scratch) / "manifest.json", manifest)
    return manifest


def export_dbt_env() -> None:
    """Point profiles.yml at the warehouse (starting the embedded server if needed)."""
    os.environ.update(warehouse.dbt_env())


def run_dbt(*args: str, target_path: Path, log_path: Path | None = None) -> str:
    """Run `dbt <args>` against the warehouse of the current settings; returns
    its output, raises RuntimeError when dbt fails."""
    export_dbt_env()
    result = subprocess.run(
        dbt_command(*args, target_path=target_path, log_path=log_path),
        env=os.environ,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}")
    return result.stdout
