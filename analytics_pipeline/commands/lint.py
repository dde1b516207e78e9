"""`analytics-pipeline lint` (`make lint` runs it after ruff): the dbt project's
metadata scored by dbt-score over a freshly parsed manifest, then the models'
SQL checked by sqlfluff. sqlfluff's dbt templater renders each model with dbt,
which needs the warehouse: the embedded server is started (as for any dbt
run) and the dbt profile's environment set. Each tool runs in a process of its
own from the repository root, where pyproject.toml ([tool.dbt-score]) and
.sqlfluff configure it; the exit code is 0 only when every check passed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from analytics_pipeline.dbt.project import ensure_manifest, prepare_dbt_invocation
from analytics_pipeline.settings import REPO_DIR

# The lowest score any model (source, snapshot, exposure, macro) may have;
# pyproject.toml sets the same, this keeps the command explicit.
MIN_SCORE = 9.5
CHECKS = ("score", "sql")


def _tool(name: str) -> str:
    """The console script `name` of this environment (else from PATH)."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def _run(command: Sequence[str], say: Callable[[str], None]) -> int:
    say("$ " + " ".join([Path(command[0]).name, *command[1:]]))
    # This checkout's package first: dbt-score imports its rule filters
    # (analytics_pipeline.dbt.score_rules) from it.
    path = os.pathsep.join(p for p in (str(REPO_DIR), os.environ.get("PYTHONPATH")) if p)
    return subprocess.call(list(command), cwd=REPO_DIR, env={**os.environ, "PYTHONPATH": path})


def score_metadata(say: Callable[[str], None] = print) -> int:
    """dbt-score over a manifest parsed now if any project file changed (no warehouse)."""
    manifest = ensure_manifest()
    return _run(
        [
            _tool("dbt-score"),
            "lint",
            "--manifest",
            str(manifest),
            "--fail-any-item-under",
            str(MIN_SCORE),
        ],
        say,
    )


def lint_sql(say: Callable[[str], None] = print) -> int:
    """sqlfluff over dbt_project/models, rendered by dbt against the warehouse."""
    prepare_dbt_invocation()  # starts the embedded server; exports the profile's variables
    return _run([_tool("sqlfluff"), "lint", "dbt_project/models"], say)


def run_lint(checks: Sequence[str] = CHECKS, say: Callable[[str], None] = print) -> int:
    """Run `checks` (all of them even after a failure); 0 when all pass, else 1."""
    checks = list(dict.fromkeys(checks))
    steps = {"score": score_metadata, "sql": lint_sql}
    failed = [name for name in checks if steps[name](say) != 0]
    if failed:
        say(f"lint failed: {', '.join(failed)}")
        return 1
    say(f"lint passed: {', '.join(checks)}")
    return 0
