"""Proof of the activity and agent tables: every published column of every
table equals an independent pandas computation straight from the raw files
(tests/reference), for several as-of dates, across incremental runs; late data
lands in its own day; re-running a partition changes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from analytics_pipeline.commands.demo import event_day_range
from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.sample_data import generate_sample
from tests.builds import assert_same_tables, landing_folder, materialize_days, sorted_tables
from tests.reference.activity import INTERMEDIATE, TABLES
from tests.reference.oracle import (
    assert_tables_equal_reference,
    warehouse_table,
)
from tests.selections import CORE_DAILY, CORE_UNPARTITIONED

PUBLISHED = sorted(TABLES)


@pytest.fixture(scope="module")
def dataset(fresh_database, tmp_path_factory):
    """60 days, 2 workspaces, late and duplicate events, built up to 12 days before
    the end first (the first as-of date), through the project's own assets."""
    landing = tmp_path_factory.mktemp("landing")
    summary = generate_sample(landing, workspaces=2, users=160, days=60, seed=23)
    assert summary.late_rows and summary.duplicate_rows
    with landing_folder(landing):  # the raw assets read the sample
        assert materialize("group:raw", log_level="WARNING").success
    assert materialize(CORE_UNPARTITIONED, log_level="WARNING").success
    first, last = (dt.date.fromisoformat(d) for d in event_day_range())
    early = last - dt.timedelta(days=12)
    materialize_days(CORE_DAILY, first, early)
    yield {"files": summary.files, "first": first, "early": early, "last": last}


def test_tables_equal_reference_at_an_early_as_of_date(dataset):
    assert_tables_equal_reference(dataset["files"], dataset["early"], PUBLISHED)


def test_tables_equal_reference_after_incremental_runs_to_the_end(dataset):
    # A backfill of the middle days in one run, then the last three days one
    # partition at a time, as the daily schedule would run them.
    last = dataset["last"]
    materialize_days(
        CORE_DAILY, dataset["early"] + dt.timedelta(days=1), last - dt.timedelta(days=3)
    )
    for days_back in (2, 1, 0):
        day = last - dt.timedelta(days=days_back)
        materialize_days(CORE_DAILY, day, day)
    assert_tables_equal_reference(
        dataset["files"], dataset["last"], PUBLISHED + sorted(INTERMEDIATE)
    )


def test_rerunning_a_partition_leaves_identical_tables(dataset):
    before = sorted_tables(PUBLISHED)
    materialize_days(CORE_DAILY, dataset["last"], dataset["last"])
    assert_same_tables(before, sorted_tables(PUBLISHED))


def test_late_events_land_in_their_own_day(dataset, tmp_path):
    last = dataset["last"]
    late_day = last - dt.timedelta(days=2)
    users = warehouse_table("int_user_activity_days")
    user = users[users.activity_date == late_day].iloc[0]
    late_file = tmp_path / "user_activity_late.jsonl"
    late_file.write_text(
        "".join(
            json.dumps(
                {
                    "event_id": f"late-{i}",
                    "user_id": user.user_id,
                    "workspace_id": user.workspace_id,
                    "event_type": kind,
                    "metadata": {"duration_ms": 1234.5} if kind == "api_call" else {},
                    "occurred_at": f"{late_day}T{10 + i:02d}:00:00Z",
                }
            )
            + "\n"
            for i, kind in enumerate(["page_view", "api_call", "error", "page_view"])
        )
    )
    before = warehouse_table("daily_metrics")
    (result,) = ingest_files("user_activity", [late_file])
    assert result.rows_loaded == 4
    assert materialize(CORE_UNPARTITIONED, log_level="WARNING").success
    materialize_days(CORE_DAILY, last, last)  # only the latest partition
    after = warehouse_table("daily_metrics")
    row = (after.metric_date == late_day) & (after.workspace_id == user.workspace_id)
    old = (before.metric_date == late_day) & (before.workspace_id == user.workspace_id)
    assert int(after[row].events.iloc[0]) == int(before[old].events.iloc[0]) + 4
    files = {k: list(v) for k, v in dataset["files"].items()}
    files["user_activity"] = files["user_activity"] + [late_file]
    assert_tables_equal_reference(files, last, PUBLISHED)
