"""The `analytics-pipeline` command as a user runs it: `materialize` builds
everything (or the daily run of a day, or a selection, expanded to whole
multi-assets) with readable output and a log file; user errors are one line
on stderr with exit code 2, and the other files of an ingest still load."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.cli import main as cli_main
from analytics_pipeline.commands.build import event_day_range
from analytics_pipeline.commands.materialize import all_asset_keys, resolve_selection
from analytics_pipeline.dagster_instance import get_instance
from analytics_pipeline.ingest.contract import PACKS
from analytics_pipeline.learning.assets import EXAM_READINESS, SUBJECT_PERCENTILES, TOPIC_MASTERY
from analytics_pipeline.sample_data import generate_sample

REPO = Path(__file__).resolve().parents[1]
DAILY_METRICS = dg.AssetKey(["aggregates", "daily_metrics"])
DAILY_SNAPSHOTS = dg.AssetKey(["snapshots", "data_snapshots_daily"])


def _cli(*args: str) -> subprocess.CompletedProcess:
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


def _materialized_since(key: dg.AssetKey, since: float, partition: str | None = None) -> bool:
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


def _assert_readable(result: subprocess.CompletedProcess) -> Path:
    """No warnings nor dbt log on the terminal; the log file named holds the dbt log."""
    output = result.stdout + result.stderr
    assert "Warning" not in output, output
    assert "Traceback" not in output, output
    assert "Running with dbt=" not in output and "START sql" not in output, output
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("logs (dbt, Dagster): ")]
    log = Path(line.split(": ", 1)[1])
    assert log.parent == Path(os.environ["ANALYTICS_HOME"]) / "logs"
    return log


@pytest.fixture(scope="module")
def landed(fresh_database, tmp_path_factory):
    """A small sample in a landing folder of the module's own."""
    landing = tmp_path_factory.mktemp("landing")
    previous = os.environ.get("ANALYTICS_LANDING_DIR")
    os.environ["ANALYTICS_LANDING_DIR"] = str(landing)
    generate_sample(landing, workspaces=1, users=30, days=8, seed=5, bad_rows=0.0, packs=PACKS)
    yield landing
    if previous is None:
        os.environ.pop("ANALYTICS_LANDING_DIR", None)
    else:
        os.environ["ANALYTICS_LANDING_DIR"] = previous


def test_a_selection_of_part_of_a_multi_asset_takes_all_of_it():
    notes: list[str] = []
    keys = resolve_selection("key:learning/exam_readiness", say=notes.append)
    assert keys == {EXAM_READINESS, SUBJECT_PERCENTILES}
    (note,) = notes
    assert "learning/subject_percentiles" in note


def test_materialize_builds_everything_then_the_daily_run_of_a_day(landed):
    started = dt.datetime.now(dt.UTC).timestamp()
    result = _cli("materialize")
    assert result.returncode == 0, result.stdout + result.stderr
    log = _assert_readable(result)
    text = log.read_text()
    assert "Running with dbt=" in text and "Completed successfully" in text
    steps = [x for x in result.stdout.splitlines() if x.startswith("[")]
    assert len(steps) >= 6 and "done:" in steps[-1], result.stdout
    assert len(result.stdout.splitlines()) < 60, result.stdout
    for key in all_asset_keys():
        assert _materialized_since(key, started), key
    first_day, last_day = event_day_range()
    assert _materialized_since(TOPIC_MASTERY, started, last_day)
    assert not _materialized_since(TOPIC_MASTERY, started, first_day)  # history: last days

    # --as-of D: what the daily schedules build for D, D's learning included.
    started = dt.datetime.now(dt.UTC).timestamp()
    result = _cli("materialize", "--as-of", first_day)
    assert result.returncode == 0, result.stdout + result.stderr
    _assert_readable(result)
    for key in (TOPIC_MASTERY, DAILY_METRICS, DAILY_SNAPSHOTS):
        assert _materialized_since(key, started, first_day), key
    assert not _materialized_since(dg.AssetKey(["staging", "stg_users"]), started)

    # A part of a multi-asset: expanded, said in one line (topic_mastery is
    # as of first_day now, and readiness reads it).
    started = dt.datetime.now(dt.UTC).timestamp()
    result = _cli("materialize", "--select", "key:learning/exam_readiness", "--as-of", first_day)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sum("note:" in x for x in result.stdout.splitlines()) == 1
    assert _materialized_since(SUBJECT_PERCENTILES, started, first_day)

    # Selections the user got wrong: one line each, exit 2.
    for selection in ("key:no/such_asset", "key:(", "group:nothing"):
        result = _cli("materialize", "--select", selection)
        assert result.returncode == 2, (selection, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert selection in result.stderr


def test_ingest_reports_each_bad_file_in_one_line_and_loads_the_others(
    empty_database, tmp_path, capsys
):
    rows = [
        {
            "event_id": f"e{n}",
            "user_id": "u",
            "workspace_id": "w",
            "event_type": "login",
            "occurred_at": "2026-09-01",
        }
        for n in range(300)
    ]
    first, last = tmp_path / "first.jsonl", tmp_path / "last.jsonl"
    first.write_text(json.dumps(rows[0]) + "\n")
    last.write_text(json.dumps(rows[1]) + "\n")
    whole = gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode())
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    unsupported = tmp_path / "notes.txt"
    unsupported.write_text("hello\n")

    code = cli_main(
        ["ingest", "user_activity", str(first), str(truncated), str(unsupported), str(last)]
    )
    assert code == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    errors = err.strip().splitlines()
    assert len(errors) == 3, err  # one per bad file, and the count
    assert str(truncated) in errors[0] and "truncated" in errors[0]
    assert str(unsupported) in errors[1] and "unsupported file type" in errors[1]
    assert str(first) in out and str(last) in out
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute("select event_id from raw.user_activity order by 1")
        assert cur.fetchall() == [("e0",), ("e1",)]
        cur.execute("select source_file, reason from raw._ingest_failures order by failed_at")
        failures = cur.fetchall()
    assert [f for f, _ in failures] == [str(truncated), str(unsupported)]
    assert failures[0][1].startswith("EOFError")


def test_an_unreachable_database_url_is_one_line_exit_2(analytics_home, tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    path.write_text("{}\n")
    saved = os.environ.get("ANALYTICS_DATABASE_URL")
    try:
        for url in ("postgresql://someone:secret@127.0.0.1:1/analytics", "not a url"):
            os.environ["ANALYTICS_DATABASE_URL"] = url
            assert cli_main(["ingest", "user_activity", str(path)]) == 2
            err = capsys.readouterr().err
            assert len(err.strip().splitlines()) == 1 and err.startswith("error: warehouse:"), err
            assert "secret" not in err
    finally:
        if saved is None:
            os.environ.pop("ANALYTICS_DATABASE_URL", None)
        else:
            os.environ["ANALYTICS_DATABASE_URL"] = saved


def test_a_failed_run_says_its_cause_and_where_the_log_is(empty_database):
    # knowledge_gaps reads the learning facts, which an empty database lacks.
    result = _cli("materialize", "--select", "key:learning/knowledge_gaps", "--as-of", "2026-09-01")
    assert result.returncode == 1
    log = _assert_readable(result)
    assert 'relation "intermediate.int_learning_attempts" does not exist' in result.stdout
    (error,) = result.stderr.strip().splitlines()
    assert error.startswith("error: materialize failed") and str(log) in error
    text = log.read_text()  # the whole story is in the log
    assert "learning__knowledge_gaps failed:" in text and "Stack Trace:" in text
