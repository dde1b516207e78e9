"""The `analytics-pipeline` command run as a user runs it, for the tests that
check what it prints and what it materializes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from analytics_pipeline.dagster_instance import get_instance

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The CLI in a process of its own, as a user runs it (environment inherited)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "analytics_pipeline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=1200,
    )


def assert_readable(result: subprocess.CompletedProcess) -> Path:
    """No warnings nor dbt log on the terminal; the log file named holds the dbt log."""
    output = result.stdout + result.stderr
    assert "Warning" not in output, output
    assert "Traceback" not in output, output
    assert "Running with dbt=" not in output and "START sql" not in output, output
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("logs (dbt, Dagster): ")]
    log = Path(line.split(": ", 1)[1])
    assert log.parent == Path(os.environ["ANALYTICS_HOME"]) / "logs"
    return log


def materialized_since(key: dg.AssetKey, since: float, partition: str | None = None) -> bool:
    """Whether `key` (its `partition`, if given) has a materialization after `since`."""
    records = (
        get_instance()
        .fetch_materializations(
            dg.AssetRecordsFilter(
                asset_key=key,
                asset_partitions=[partition] if partition else None,
                after_timestamp=since,
            ),
            limit=1,
        )
        .records
    )
    return bool(records)
