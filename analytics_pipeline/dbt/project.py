"""The dbt project as Dagster sees it, and a manifest that is never stale."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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


# dbt's saved parse state. dagster-dbt gives each invocation a new target
# folder, where dbt finds none and parses the whole project again (about 6 s a
# run); every invocation reads this one instead (DBT_PARTIAL_PARSE_FILE_PATH)
# and re-reads only the files whose checksums changed. dbt accepts a state
# parsed with the same connection settings only, so there is one per profile.
_PARSE_STATE_FILE = "partial_parse.msgpack"
_PROFILE_VARIABLES = (
    "ANALYTICS_PG_HOST",
    "ANALYTICS_PG_PORT",
    "ANALYTICS_PG_USER",
    "ANALYTICS_PG_DATABASE",
    "ANALYTICS_PG_SSLMODE",
)


def _is_fresh(artifact: Path, project_dir: Path) -> bool:
    return artifact.exists() and artifact.stat().st_mtime >= _newest_input_mtime(project_dir)


def _parse_once(project: DbtProject, env: dict[str, str], artifacts: dict[str, Path]) -> None:
    """`dbt parse`, then move its artifacts (file name -> destination) into place,
    unless they are fresh. Several processes may ask at once (test workers, the
    UI and the CLI): one parses under a file lock into a private folder."""
    if all(_is_fresh(path, project.project_dir) for path in artifacts.values()):
        return
    folder = project.manifest_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all(_is_fresh(path, project.project_dir) for path in artifacts.values()):
            return  # another process parsed while we waited
        # Dated when the parse began: a file saved while dbt parsed stays newer.
        began = time.time()
        with tempfile.TemporaryDirectory(dir=folder, prefix=".parse-") as scratch:
            result = subprocess.run(
                dbt_command("parse", "--quiet", target_path=Path(scratch), project=project),
                # A whole parse (an unchanged saved state would be left unwritten).
                env={
                    **{k: v for k, v in env.items() if k != "DBT_PARTIAL_PARSE_FILE_PATH"},
                    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                },
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
            for name, destination in artifacts.items():
                os.utime(Path(scratch) / name, (began, began))
                os.replace(Path(scratch) / name, destination)


def ensure_manifest(project: DbtProject | None = None) -> Path:
    """Run `dbt parse` when the manifest is missing or older than any project file."""
    project = project or dbt_project()
    _parse_once(project, dict(os.environ), {"manifest.json": project.manifest_path})
    return project.manifest_path


def parse_state(env: dict[str, str], project: DbtProject | None = None) -> Path:
    """The saved parse state for dbt runs with `env`'s connection settings
    (parsed when missing or older than any project file)."""
    project = project or dbt_project()
    profile = "\0".join(env.get(name, "") for name in _PROFILE_VARIABLES)
    digest = hashlib.sha256(profile.encode()).hexdigest()[:12]
    path = project.manifest_path.with_name(f"parse-state-{digest}.msgpack")
    _parse_once(project, env, {_PARSE_STATE_FILE: path})
    return path


# dagster-dbt writes each invocation's artifacts (about 8 MB: compiled SQL,
# manifest, run results, log) to target/<op>-<run>-<id>/, and each profile
# (warehouse) gets its parse state. The newest are kept for inspection; older
# ones go, or a deployment running hourly would grow by some 200 MB a day.
KEPT_INVOCATION_FOLDERS = 20
KEPT_PARSE_STATES = 4
_INVOCATION_FOLDER = re.compile(r"^dbt_\w+-[0-9a-f]{7}-[0-9a-f]{7}$")
_PARSE_STATE = re.compile(r"^parse-state-[0-9a-f]{12}\.msgpack$")
_PRUNE_AFTER_SECONDS = 3600  # never what an invocation may still use


def prune_target_folder(project: DbtProject | None = None) -> int:
    """Remove invocation folders beyond the newest KEPT_INVOCATION_FOLDERS and
    parse states beyond the newest KEPT_PARSE_STATES, if over an hour old;
    returns how many."""
    target = (project or dbt_project()).manifest_path.parent
    if not target.is_dir():
        return 0
    entries = list(target.iterdir())
    removed = 0
    for pattern, keep in (
        (_INVOCATION_FOLDER, KEPT_INVOCATION_FOLDERS),
        (_PARSE_STATE, KEPT_PARSE_STATES),
    ):
        matching = sorted(
            (p for p in entries if pattern.match(p.name)),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        cutoff = time.time() - _PRUNE_AFTER_SECONDS
        for path in matching[keep:]:
            if path.stat().st_mtime < cutoff:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed += 1
    return removed


def prepare_dbt_invocation() -> None:
    """Point profiles.yml at the warehouse (starting the embedded server if
    needed) and dbt at the saved parse state; prune the target folder."""
    os.environ.update(warehouse.dbt_env())
    os.environ["DBT_PARTIAL_PARSE_FILE_PATH"] = str(parse_state(dict(os.environ)))
    prune_target_folder()


@contextlib.contextmanager
def environment_set(variables: dict[str, str]) -> Iterator[None]:
    """os.environ with `variables` set, restored afterwards."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_dbt(*args: str, target_path: Path, log_path: Path | None = None) -> str:
    """Run `dbt <args>` against the warehouse of the current settings; returns
    its output, raises RuntimeError when dbt fails."""
    prepare_dbt_invocation()
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
