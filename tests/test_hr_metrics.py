"""Proof of the HR platform pack's eight tables: every published column equals
the independent pandas computation from the raw files (tests/reference/hr.py),
at an early as-of date, after incremental runs to the last day, after a
re-run of a partition, and after a late batch that only the last day's run
picks up (its days are dirty days of int_hr_activity_days)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.sample_data import generate_sample
from tests.builds import assert_same_tables, landing_folder, materialize_days, sorted_tables
from tests.reference.hr import TABLES
from tests.reference.oracle import assert_tables_equal_reference, warehouse_table

PUBLISHED = sorted(TABLES)
# The HR rows of analytics_metrics, as int_hr_kpis computes them.
CHECKED = [*PUBLISHED, "int_hr_kpis"]
HR_UNPARTITIONED = "group:hr and not tag:daily"
HR_DAILY = "group:hr and tag:daily"


def _event_days() -> tuple[dt.date, dt.date]:
    """First and last day with an HR event (organizations may be older: the first
    build of a daily model rebuilds everything from their creation days)."""
    days = warehouse_table("int_hr_activity_days")
    events = days[days.source == "event"].activity_date
    return events.min(), events.max()


@pytest.fixture(scope="module")
def dataset(fresh_database, tmp_path_factory):
    """35 days of one workspace and the HR pack (late and duplicate rows),
    built up to 12 days before the last event day first."""
    landing = tmp_path_factory.mktemp("landing")
    summary = generate_sample(landing, workspaces=1, users=30, days=35, seed=31, packs=("hr",))
    with landing_folder(landing):  # the raw assets read the sample
        assert materialize("group:raw", log_level="WARNING").success
    assert materialize(HR_UNPARTITIONED, log_level="WARNING").success
    first, last = _event_days()
    early = last - dt.timedelta(days=12)
    materialize_days(HR_DAILY, first, early)
    yield {"files": summary.files, "first": first, "early": early, "last": last}


def test_hr_tables_equal_reference_at_an_early_as_of_date(dataset):
    assert_tables_equal_reference(dataset["files"], dataset["early"], CHECKED)


def test_hr_tables_equal_reference_after_incremental_runs_to_the_end(dataset):
    last = dataset["last"]
    materialize_days(HR_DAILY, dataset["early"] + dt.timedelta(days=1), last - dt.timedelta(days=3))
    for days_back in (2, 1, 0):
        day = last - dt.timedelta(days=days_back)
        materialize_days(HR_DAILY, day, day)
    assert_tables_equal_reference(dataset["files"], last, CHECKED)


def test_rerunning_a_partition_leaves_identical_hr_tables(dataset):
    before = sorted_tables(CHECKED)
    materialize_days(HR_DAILY, dataset["last"], dataset["last"])
    assert_same_tables(before, sorted_tables(CHECKED))


def test_a_late_batch_recomputes_the_days_it_touches(dataset, tmp_path):
    last = dataset["last"]
    late_day = dataset["early"] - dt.timedelta(days=4)  # outside the last run's lookback
    events = warehouse_table("int_hr_activity_events")
    event = events[events.metric_date == late_day].iloc[0]
    late_file = tmp_path / "hr_activity_logs_late.jsonl"
    late_file.write_text(
        "".join(
            json.dumps(
                {
                    "event_id": f"late-{i}",
                    "user_id": event.user_id,
                    "organization_id": event.organization_id,
                    "session_id": "late-session",
                    "event_type": kind,
                    "feature": "REPORT_GENERATION",
                    "duration_ms": 1500,
                    "success": i != 1,
                    "occurred_at": f"{late_day}T23:{50 + 5 * i:02d}:00Z",
                }
            )
            + "\n"
            for i, kind in enumerate(["LOGIN", "PAGE_VIEW"])
        )
    )
    before = warehouse_table("platform_adoption_metrics")
    (result,) = ingest_files("hr_activity_logs", [late_file])
    assert result.rows_loaded == 2
    assert materialize(HR_UNPARTITIONED, log_level="WARNING").success
    materialize_days(HR_DAILY, last, last)  # only the latest partition
    after = warehouse_table("platform_adoption_metrics")
    row = (after.metric_date == late_day) & (after.organization_id == event.organization_id)
    old = (before.metric_date == late_day) & (before.organization_id == event.organization_id)
    assert len(after[row]) == 1 and len(before[old]) == 1
    files = {k: list(v) for k, v in dataset["files"].items()}
    files["hr_activity_logs"] = files.get("hr_activity_logs", []) + [late_file]
    assert_tables_equal_reference(files, last, CHECKED)
