"""Late data is never left stale: batches whose events are 20 days old (far
outside the lookback) arrive after the daily runs; only the daily run of the
latest day follows, and every row of every daily, weekly, monthly, as-of and
cohort table equals the pandas reference and a --full-refresh rebuild. One of
the late sessions crosses midnight, its last event arriving in a batch of
its own: the start day's session figures change although that batch has no
event on it."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.commands.demo import event_day_range
from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.sample_data import generate_sample
from tests.builds import assert_same_tables, landing_folder, materialize_days, sorted_tables
from tests.reference import activity, learning
from tests.reference.oracle import (
    assert_tables_equal_reference,
    warehouse_table,
)
from tests.selections import CORE_DAILY, CORE_UNPARTITIONED

PUBLISHED = sorted([*activity.TABLES, *learning.TABLES])
LATE_DAYS = 20


def _jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def _row_of_workspace(files, workspace_id: str) -> dict:
    """The first raw row of `files` (.jsonl or .jsonl.gz) in the workspace."""
    for path in files:
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt") as handle:
            for line in handle:
                row = json.loads(line)
                if row.get("workspace_id") == workspace_id:
                    return row
    raise AssertionError(f"no row of workspace {workspace_id}")


@pytest.fixture(scope="module")
def late_dataset(fresh_database, tmp_path_factory):
    """Daily runs up to the last day, then late batches 20 days old, each
    followed by staging/intermediate and the daily run of the last day only."""
    landing = tmp_path_factory.mktemp("landing")
    summary = generate_sample(landing, workspaces=2, users=40, days=30, seed=41)
    with landing_folder(landing):  # the raw assets read the sample
        assert materialize("group:raw", log_level="WARNING").success
    assert materialize(CORE_UNPARTITIONED, log_level="WARNING").success
    first, last = (dt.date.fromisoformat(d) for d in event_day_range())
    materialize_days(CORE_DAILY, first, last - dt.timedelta(days=1))
    materialize_days(CORE_DAILY, last, last)

    late_day = last - dt.timedelta(days=LATE_DAYS)
    next_day = late_day + dt.timedelta(days=1)
    days = warehouse_table("int_user_activity_days")
    user = days[days.activity_date == late_day].iloc[0]
    # A user whose first activity is after the late day: it moves earlier, so
    # new_users changes on the old first day too.
    firsts = warehouse_table("int_user_first_activity")
    newcomer = firsts[firsts.first_activity_date > late_day + dt.timedelta(days=5)].iloc[0]
    late_dir = tmp_path_factory.mktemp("late")
    who = {"user_id": user.user_id, "workspace_id": user.workspace_id}
    activity_file = late_dir / "user_activity_late.jsonl"
    _jsonl(
        activity_file,
        [
            {**who, "event_id": "late-1", "event_type": "page_view",
             "occurred_at": f"{late_day}T09:00:00Z"},
            {**who, "event_id": "late-2", "event_type": "api_call",
             "metadata": {"duration_ms": 812.5}, "occurred_at": f"{late_day}T09:10:00Z"},
            {**who, "event_id": "late-3", "event_type": "error",
             "occurred_at": f"{late_day}T09:20:00Z"},
            {**who, "event_id": "late-4", "event_type": "page_view", "session_id": "late-midnight",
             "occurred_at": f"{late_day}T23:55:00Z"},
            {**who, "event_id": "late-5", "event_type": "page_view", "session_id": "late-midnight",
             "occurred_at": f"{late_day}T23:59:00Z"},
            {"user_id": newcomer.user_id, "workspace_id": newcomer.workspace_id,
             "event_id": "late-6", "event_type": "page_view",
             "occurred_at": f"{late_day}T12:00:00Z"},
        ],
    )  # fmt: skip
    run = _row_of_workspace(summary.files["agent_runs"], user.workspace_id)
    runs_file = late_dir / "agent_runs_late.jsonl"
    _jsonl(
        runs_file,
        [
            {**run, **who, "run_id": "late-run-1", "status": "completed",
             "started_at": f"{late_day}T15:00:00Z", "ended_at": f"{late_day}T15:01:40Z",
             "runtime_seconds": 100, "updated_at": f"{late_day}T15:01:40Z"},
        ],
    )  # fmt: skip
    attempt = _row_of_workspace(summary.files["question_attempts"], user.workspace_id)
    attempts_file = late_dir / "question_attempts_late.jsonl"
    _jsonl(
        attempts_file,
        [{**attempt, **who, "attempt_id": "late-1", "answered_at": f"{late_day}T10:00:00Z"}],
    )
    # The session's last event, after midnight, in a batch of its own.
    midnight_file = late_dir / "user_activity_after_midnight.jsonl"
    _jsonl(
        midnight_file,
        [{**who, "event_id": "late-7", "event_type": "page_view", "session_id": "late-midnight",
          "occurred_at": f"{next_day}T00:02:00Z"}],
    )  # fmt: skip

    files = {k: list(v) for k, v in summary.files.items()}
    for source, path in (
        ("user_activity", activity_file),
        ("agent_runs", runs_file),
        ("question_attempts", attempts_file),
    ):
        (result,) = ingest_files(source, [path])
        assert result.rows_loaded >= 1, result
        files[source] = files[source] + [path]
    assert materialize(CORE_UNPARTITIONED, log_level="WARNING").success
    materialize_days(CORE_DAILY, last, last)
    before_midnight = warehouse_table("daily_metrics")

    (result,) = ingest_files("user_activity", [midnight_file])
    assert result.rows_loaded == 1
    files["user_activity"] = files["user_activity"] + [midnight_file]
    assert materialize(CORE_UNPARTITIONED, log_level="WARNING").success
    materialize_days(CORE_DAILY, last, last)
    yield {
        "files": files,
        "last": last,
        "late_day": late_day,
        "user": user,
        "before_midnight": before_midnight,
    }


def test_every_table_equals_the_reference_after_late_batches(late_dataset):
    assert_tables_equal_reference(late_dataset["files"], late_dataset["last"], PUBLISHED)


def test_session_crossing_midnight_counts_whole_on_its_start_day(late_dataset):
    """METRICS.md: duration = last event - first event, the session counted on
    its start day: 23:55 -> 00:02 is 420 s on the late day, none the next."""
    sessions = warehouse_table("int_sessions")
    session = sessions[sessions.session_id == "late-midnight"]
    assert len(session) == 1
    assert session.duration_seconds.iloc[0] == 420
    assert session.session_date.iloc[0] == late_dataset["late_day"]
    assert session.event_count.iloc[0] == 3
    # The after-midnight batch had no event on the late day, yet its row changed.
    user = late_dataset["user"]

    def row(frame):
        match = (frame.metric_date == late_dataset["late_day"]) & (
            frame.workspace_id == user.workspace_id
        )
        return frame[match].iloc[0]

    before = row(late_dataset["before_midnight"])
    after = row(warehouse_table("daily_metrics"))
    assert after.sessions == before.sessions
    total_after = float(after.avg_session_duration_seconds) * after.sessions
    total_before = float(before.avg_session_duration_seconds) * before.sessions
    assert total_after == pytest.approx(total_before + (420 - 240), abs=1e-6)


def test_each_dirty_day_is_consumed_once(late_dataset):
    """After the daily run the late day's dirty records are all consumed."""
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(
            """select count(*) from intermediate._dirty_days as dirty
               where dirty.day = %s and not exists (
                   select 1 from intermediate._dirty_days_consumed as consumed
                   where consumed.dirty_id = dirty.dirty_id
                       and consumed.model = 'daily_metrics')""",
            (late_dataset["late_day"],),
        )
        assert cur.fetchone()[0] == 0


def test_incremental_tables_equal_a_full_refresh(late_dataset, run_dbt):
    before = sorted_tables(PUBLISHED)
    window = {"ANALYTICS_WINDOW_MAX_DATE": late_dataset["last"].isoformat()}
    full_refresh = ["build", "--select", "tag:daily", "--exclude", "path:models/hr/aggregates"]
    run_dbt([*full_refresh, "--full-refresh"], environment=window).check()
    assert_same_tables(before, sorted_tables(PUBLISHED))
