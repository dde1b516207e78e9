"""Proof of the quality management pack: every published column of its six
tables and its analytics_metrics rows equals the independent pandas
computation from the raw files (tests/reference/qms.py) at an early as-of
date, after incremental runs to the last day, after a re-run of a partition
and after a late batch; and every count is the number of its records in
the drill-through qms_kpi_records."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.sample_data import generate_sample
from tests.builds import assert_same_tables, landing_folder, materialize_days, sorted_tables
from tests.reference.oracle import (
    GRAINS,
    assert_tables_equal_reference,
    compare_frames,
    reference_tables,
    warehouse_table,
)

# The daily tables (compared whole); training_overdue (its as-of date's list),
# int_qms_kpis (but its text columns) and qms_kpi_records (its count rows) have
# tests of their own shape below.
DAILY_TABLES = [
    "quality_kpis", "training_compliance", "document_control", "lab_quality",
    "risk_register_summary",
]  # fmt: skip
CHECKED = [*DAILY_TABLES, "training_overdue", "int_qms_kpis", "qms_kpi_records"]
# Written by the dbt definitions, not recomputed by the reference.
PROVENANCE = ["calculation_method", "data_source"]
QMS_UNPARTITIONED = "group:qms and not tag:daily"
QMS_DAILY = "group:qms and tag:daily"
# Per table: its scope columns in qms_kpi_records and the counts (published
# column = kpi) whose records are listed there.
DRILL_THROUGH = {
    "quality_kpis": (
        ["department_id", "module"],
        [
            "open_events", "open_deviations", "open_capas", "open_complaints",
            "open_audit_findings", "open_change_controls", "open_critical", "open_major",
            "open_minor", "opened_events", "closed_events", "capas_closed",
            "capas_closed_on_time", "overdue_capas", "repeat_deviations",
        ],
    ),
    "training_compliance": (
        ["department_id"],
        ["assigned", "completed", "completed_on_time", "overdue", "due_90d", "compliant_90d"],
    ),
    "document_control": (
        ["department_id"],
        [
            "documents", "documents_draft", "documents_in_review", "documents_approved",
            "documents_effective", "documents_obsolete", "past_periodic_review",
            "reviews_completed",
        ],
    ),
    "lab_quality": (
        ["test_code"],
        ["results", "samples", "evaluable_results", "oos_results", "flag_mismatches"],
    ),
    "risk_register_summary": (["module", "mitigation_status"], ["risks", "high_priority_risks"]),
}  # fmt: skip


# qms_kpi_records' kpis that carry a record's figure for a mean or percentile only.
FIGURE_ONLY_KPIS = [
    "days_to_close_critical", "days_to_close_major", "days_to_close_minor", "turnaround_hours",
    "score",
]  # fmt: skip


def assert_qms_equal_reference(files, as_of: dt.date) -> None:
    """The QMS tables as of `as_of` equal the reference: the daily tables whole,
    training_overdue's list of the as-of date, int_qms_kpis but its provenance
    text (each KPI has one non-empty calculation method and data source)."""
    assert_tables_equal_reference(files, as_of, DAILY_TABLES)
    expected = reference_tables(files, as_of, ["training_overdue", "int_qms_kpis"])
    overdue = warehouse_table("training_overdue")
    compare_frames(
        overdue[overdue.as_of_date == as_of],
        expected["training_overdue"],
        GRAINS["training_overdue"],
    )
    kpis = warehouse_table("int_qms_kpis")
    compare_frames(kpis.drop(columns=PROVENANCE), expected["int_qms_kpis"], GRAINS["int_qms_kpis"])
    provenance = kpis.groupby("metric_name")[PROVENANCE].nunique()
    assert (provenance == 1).all().all()
    assert kpis[PROVENANCE].notna().all().all() and (kpis.calculation_method.str.len() > 20).all()


def _last_day() -> dt.date:
    """The QMS's as-of date without a setting: the day of its newest updated_at."""
    days = warehouse_table("int_qms_days")
    return days[days.kind == "updated"].activity_date.max()


@pytest.fixture(scope="module")
def dataset(fresh_database, tmp_path_factory):
    """35 days of the QMS pack (late and duplicate rows, status histories),
    built up to 12 days before its last day first."""
    landing = tmp_path_factory.mktemp("landing")
    summary = generate_sample(landing, workspaces=1, users=30, days=35, seed=31, packs=("qms",))
    with landing_folder(landing):  # the raw assets read the sample
        assert materialize("group:raw", log_level="WARNING").success
    assert materialize(QMS_UNPARTITIONED, log_level="WARNING").success
    last = _last_day()
    early = last - dt.timedelta(days=12)
    first = warehouse_table("int_qms_days").activity_date.min()
    materialize_days(QMS_DAILY, first, early)
    yield {"files": summary.files, "early": early, "last": last}


def test_qms_tables_equal_reference_at_an_early_as_of_date(dataset):
    assert_qms_equal_reference(dataset["files"], dataset["early"])


def test_qms_tables_equal_reference_after_incremental_runs_to_the_end(dataset):
    last = dataset["last"]
    materialize_days(
        QMS_DAILY, dataset["early"] + dt.timedelta(days=1), last - dt.timedelta(days=2)
    )
    for days_back in (1, 0):
        day = last - dt.timedelta(days=days_back)
        materialize_days(QMS_DAILY, day, day)
    assert_qms_equal_reference(dataset["files"], last)


def test_the_records_behind_every_count_equal_reference(dataset):
    """qms_kpi_records' count rows are the records the reference counts (its rows
    carrying only a figure for a mean or percentile are proven through them)."""
    actual = warehouse_table("qms_kpi_records")
    actual = actual[~actual.kpi.isin(FIGURE_ONLY_KPIS)].drop(columns="value")
    expected = reference_tables(dataset["files"], dataset["last"], ["qms_kpi_records"])
    compare_frames(actual, expected["qms_kpi_records"], GRAINS["qms_kpi_records"])


def test_every_count_is_the_number_of_its_records(dataset):
    records = warehouse_table("qms_kpi_records")
    checked = 0
    for table, (scope, counts) in DRILL_THROUGH.items():
        published = warehouse_table(table)
        mine = records[records.table_name == table]
        listed = (
            mine.groupby([*scope, "metric_date", "kpi"]).size().unstack("kpi", fill_value=0)
            if len(mine)
            else pd.DataFrame()
        )
        for count in counts:
            numbers = published.set_index([*scope, "metric_date"])[count]
            ids = listed[count] if count in listed else pd.Series(dtype=int)
            expected = ids.reindex(numbers.index, fill_value=0)
            pd.testing.assert_series_equal(
                numbers.astype(int), expected.astype(int), check_names=False, obj=f"{table}.{count}"
            )
            checked += int(numbers.sum())
    # Each record row is a distinct record of its kind.
    keys = ["table_name", "metric_date", "department_id", "module", "test_code"]
    keys += ["mitigation_status", "kpi", "record_type", "record_id"]
    assert not records.duplicated(keys).any()
    assert checked > 1000  # the sample counts records in every table


def test_training_overdue_is_the_overdue_records_of_training_compliance(dataset):
    overdue = warehouse_table("training_overdue")
    compliance = warehouse_table("training_compliance")
    per_day = overdue.groupby(["department_id", "as_of_date"]).size()
    published = compliance.set_index(["department_id", "metric_date"]).overdue
    published = published[published > 0]
    assert per_day.sort_index().tolist() == published.sort_index().astype(int).tolist()
    assert (
        overdue.days_overdue == (overdue.as_of_date - overdue.due_date).map(lambda d: d.days + 1)
    ).all()


def test_rerunning_a_partition_leaves_identical_qms_tables(dataset):
    before = sorted_tables(CHECKED)
    materialize_days(QMS_DAILY, dataset["last"], dataset["last"])
    assert_same_tables(before, sorted_tables(CHECKED))


def test_a_late_closure_recomputes_every_day_since_the_event_opened(dataset, tmp_path):
    """A CAPA opened weeks ago and open since gets a closure version, dated
    back within the early days, in a late batch: only the last day's run
    picks it up, and every day from the closure on changes."""
    last = dataset["last"]
    events = warehouse_table("stg_qms_quality_events", schema="staging")
    still_open = events[
        (events.event_type == "CAPA")
        & events.closed_at.isna()
        & (events.opened_at < pd.Timestamp(dataset["early"] - dt.timedelta(days=5), tz="UTC"))
    ]
    event = still_open.sort_values("event_id").iloc[0]
    closed_at = pd.Timestamp(dataset["early"] - dt.timedelta(days=2), tz="UTC") + pd.Timedelta(
        hours=15
    )
    late_file = tmp_path / "qms_quality_events_late.jsonl"
    row = {
        column: (value.isoformat() if hasattr(value, "isoformat") else value)
        for column, value in event.items()
        if not column.startswith("_") and not pd.isna(value)
    }
    row.update(status="CLOSED", closed_at=closed_at.isoformat(), updated_at=f"{last}T23:00:00Z")
    late_file.write_text(json.dumps(row) + "\n")
    (result,) = ingest_files("qms_quality_events", [late_file])
    assert result.rows_loaded == 1
    assert materialize(QMS_UNPARTITIONED, log_level="WARNING").success
    materialize_days(QMS_DAILY, last, last)  # only the latest partition
    files = {k: list(v) for k, v in dataset["files"].items()}
    files["qms_quality_events"] = files.get("qms_quality_events", []) + [late_file]
    assert_qms_equal_reference(files, last)
    expected = reference_tables(files, last, ["quality_kpis"])["quality_kpis"]
    closure_day = closed_at.date()
    day_rows = expected[
        (expected.department_id == event.department_id)
        & (expected.module == event.module)
        & (expected.metric_date == closure_day)
    ]
    assert int(day_rows.closed_events.iloc[0]) >= 1
