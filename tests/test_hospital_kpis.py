"""int_hospital_exact_kpis (docs/metrics.md, "Hospital KPIs in analytics_metrics")
on a sample hospital extracted after a day of changes: its day rows are the
exact daily tables' cells, its weeks and months are what pandas computes over
the operational tables, previous_value and change_percentage follow the KPI
period rules, and the period edges (an ISO week across a month boundary, the
partial period at the as-of date) hold."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pandas as pd
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.dbt.project import run_dbt
from analytics_pipeline.ingest.extract.hospital import extract_hospital
from analytics_pipeline.sample_data.hospital import apply_changes, fill
from tests.test_hospital_models import _landed_ids, _source_rows, _warehouse_rows

# A Wednesday: the week 2026-08-31..09-06 crosses the month boundary and is
# partial, like September.
END = dt.date(2026, 9, 2)
KPI = "intermediate.int_hospital_exact_kpis"
# KPI -> (daily exact table, its column, rows filter) for the KPIs with a daily twin.
DAILY_TWINS = {
    "new_patients": ("patient_analytics", "new_patients", None),
    "total_appointments": ("appointment_analytics", "total_appointments", "department_id"),
    "completed_appointments": ("appointment_analytics", "completed_appointments", "department_id"),
    "no_show_appointments": ("appointment_analytics", "no_show_appointments", "department_id"),
    "appointment_completion_rate": ("appointment_analytics", "completion_rate", "department_id"),
    "no_show_rate": ("appointment_analytics", "no_show_rate", "department_id"),
    "records_created": ("medical_records_analytics", "records_created", None),
    "records_finalized": ("medical_records_analytics", "records_finalized", None),
    "finalize_time_p50_hours": ("medical_records_analytics", "finalize_time_p50_hours", None),
    "lab_tests_ordered": ("lab_tests_analytics", "tests_ordered", "test_type"),
    "lab_tests_completed": ("lab_tests_analytics", "tests_completed", "test_type"),
    "lab_turnaround_p90_hours": ("lab_tests_analytics", "turnaround_p90_hours", "test_type"),
    "billed_amount": ("revenue_analytics", "billed_amount", "department_id"),
    "collected_amount": ("revenue_analytics", "collected_amount", "department_id"),
}
# The weight (value_rows) of the KPIs that are not counts, as the daily column.
DAILY_WEIGHTS = {
    "appointment_completion_rate": "total_appointments",
    "no_show_rate": "completed_appointments + no_show_appointments",
    "finalize_time_p50_hours": "records_finalized",
    "lab_turnaround_p90_hours": "tests_completed",
    "billed_amount": "invoices_issued",
    "collected_amount": "payments_received",
}
COUNT_TYPES = {"count", "sum"}


@pytest.fixture(scope="module")
def hospital(fresh_database, tmp_path_factory):
    url = warehouse.database_url(f"hospital_{uuid.uuid4().hex[:8]}")
    fill(url, departments=3, doctors=8, patients=300, days=40, end_date=END, seed=21)
    extract_hospital(url)
    apply_changes(url, seed=22, fraction=0.05, now_date=END)
    extract_hospital(url)
    output = run_dbt(
        "build",
        "--select",
        "+int_hospital_exact_kpis",
        "+int_hospital_exact_monthly_summary",
        "--vars",
        json.dumps({"max_date": END.isoformat()}),
        target_path=tmp_path_factory.mktemp("dbt-hospital-kpis"),
    )
    return {"url": url, "output": output}


@pytest.fixture(scope="module")
def kpis(hospital) -> pd.DataFrame:
    rows = _warehouse_rows(
        "select metric_name, metric_type, category, period_type, period_start, period_end,"
        " workspace_id, value, previous_value, change_percentage, value_rows, previous_rows,"
        f" value_numerator, previous_numerator from {KPI}"
    )
    columns = [
        "metric_name", "metric_type", "category", "period_type", "period_start", "period_end",
        "workspace_id", "value", "previous_value", "change_percentage", "value_rows",
        "previous_rows", "value_numerator", "previous_numerator",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns).astype(object)
    return frame.where(frame.notna(), None)


def _kpi_values(kpis: pd.DataFrame, period_types: set[str], column="value") -> dict:
    chosen = kpis[kpis.period_type.isin(period_types)]
    return {
        (row.metric_name, row.period_type, row.period_start, row.workspace_id): getattr(row, column)
        for row in chosen.itertuples()
    }


def test_the_build_passes_with_its_data_tests(hospital):
    output = hospital["output"]
    assert "ERROR=0" in output and "WARN=0" in output, output[-3000:]
    # The dbt unit tests of the row set and the period edges ran.
    assert "hospital_kpi_days_rows" in output and "hospital_kpis_period_edges" in output


def test_columns_are_analytics_metrics_then_the_weights(hospital):
    columns = _warehouse_rows(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'intermediate' and table_name = 'int_hospital_exact_kpis'"
        " order by ordinal_position"
    )
    assert columns == [
        ("metric_name", "text"), ("metric_type", "text"), ("category", "text"),
        ("period_type", "text"), ("period_start", "date"), ("period_end", "date"),
        ("workspace_id", "text"), ("value", "numeric"), ("previous_value", "numeric"),
        ("change_percentage", "numeric"), ("value_rows", "bigint"), ("previous_rows", "bigint"),
        ("value_numerator", "bigint"), ("previous_numerator", "bigint"),
    ]  # fmt: skip


def test_day_values_are_the_daily_tables_cells(kpis):
    days = kpis[kpis.period_type == "day"]
    checked = 0
    for metric, (table, column, grain) in DAILY_TWINS.items():
        weight = DAILY_WEIGHTS.get(metric, column)
        if grain == "department_id":
            workspace, where = "department_id::text", ""
        else:
            workspace, where = "null::text", "where test_type is null" if grain else ""
        daily = {
            (day, department): (value, rows)
            for department, day, value, rows in _warehouse_rows(
                f"select {workspace}, metric_date, {column}, ({weight})::bigint"
                f" from intermediate.int_hospital_exact_{table} {where}"
            )
        }
        metric_days = days[days.metric_name == metric]
        assert len(metric_days), metric
        kpi_cells = {
            (row.period_start, row.workspace_id): (row.value, row.value_rows)
            for row in metric_days.itertuples()
        }
        # Every daily cell is the KPI's cell of that day; a KPI day without a
        # daily row is a day without facts.
        for key, (value, rows) in daily.items():
            if key in kpi_cells:
                assert kpi_cells[key] == (value, rows), (metric, key)
                checked += 1
            else:  # a booking-only day before the department's first appointment
                assert value in (0, None) and rows == 0, (metric, key)
        empty = (0, 0) if metric_days.metric_type.iloc[0] in COUNT_TYPES else (None, 0)
        for key, cell in kpi_cells.items():
            if key not in daily:
                assert cell == empty, (metric, key)
    assert checked > 1000


def test_months_of_all_departments_are_monthly_summarys(kpis):
    months = _kpi_values(kpis[kpis.workspace_id.isna()], {"month"})
    summary = _warehouse_rows(
        "select month_start, total_appointments, completed_appointments, no_show_appointments,"
        " completion_rate, no_show_rate, new_patients, records_created, records_finalized,"
        " lab_tests_ordered, lab_tests_completed, billed_amount, collected_amount"
        " from intermediate.int_hospital_exact_monthly_summary"
    )
    names = [
        "total_appointments", "completed_appointments", "no_show_appointments",
        "appointment_completion_rate", "no_show_rate", "new_patients", "records_created",
        "records_finalized", "lab_tests_ordered", "lab_tests_completed", "billed_amount",
        "collected_amount",
    ]  # fmt: skip
    assert summary and {m for m, *_ in summary} == {
        start for (_, period_type, start, _) in months if period_type == "month"
    }
    for month_start, *values in summary:
        for name, value in zip(names, values, strict=True):
            assert months[(name, "month", month_start, None)] == value, (name, month_start)


def _periods(day: dt.date) -> list[tuple[str, dt.date]]:
    week = day - dt.timedelta(days=day.weekday())
    return [("day", day), ("week", week), ("month", day.replace(day=1))]


def _reference(url) -> dict:
    """Weeks and months of total_appointments, billed_amount (per department
    and all) and active_patients (all departments), computed with pandas from
    the operational tables under the deletion rules (a hard-deleted row is
    gone from its table; the planted rule breaks never reached raw)."""
    patients = pd.DataFrame(
        _source_rows(url, "select id, deleted_at from hospital.patients"),
        columns=["id", "deleted_at"],
    )
    live_patients = set(patients[patients.deleted_at.isna()].id) & _landed_ids("hospital_patients")

    def live(table: str, day_column: str, columns: list[str]) -> pd.DataFrame:
        sql = (
            f"select id, patient_id, {', '.join(columns)},"
            f" ({day_column} at time zone 'UTC')::date, deleted_at from hospital.{table}"
        )
        frame = pd.DataFrame(
            _source_rows(url, sql), columns=["id", "patient_id", *columns, "day", "deleted_at"]
        )
        frame = frame[
            frame.deleted_at.isna()
            & frame.patient_id.isin(live_patients)
            & frame.id.isin(_landed_ids(f"hospital_{table}"))
            & (frame.day <= END)
        ]
        return frame

    appointments = live("appointments", "scheduled_start", ["department_id", "status"])
    invoices = live("invoices", "issued_at", ["department_id", "status", "currency", "amount"])
    records = live("medical_records", "created_at", ["status"])
    tests = live("lab_tests", "ordered_at", ["status"])
    money = invoices[(invoices.status != "void") & (invoices.currency == "USD")]

    values: dict = {}

    def add(metric, workspace, day, amount):
        for period_type, start in _periods(day)[1:]:
            key = (metric, period_type, start, workspace)
            values[key] = values.get(key, 0) + amount

    for row in appointments.itertuples():
        for workspace in (str(row.department_id), None):
            add("total_appointments", workspace, row.day, 1)
    for row in money.itertuples():
        for workspace in (str(row.department_id), None):
            add("billed_amount", workspace, row.day, row.amount)
    encounters = pd.concat([
        appointments[appointments.status == "completed"][["patient_id", "day"]],
        records[["patient_id", "day"]],
        tests[tests.status != "cancelled"][["patient_id", "day"]],
    ])  # fmt: skip
    active: dict = {}
    for row in encounters.itertuples():
        for period_type, start in _periods(row.day)[1:]:
            active.setdefault(("active_patients", period_type, start, None), set()).add(
                row.patient_id
            )
    values.update({key: len(patients) for key, patients in active.items()})
    first_days = pd.concat([
        appointments[["department_id", "day"]], invoices[["department_id", "day"]]
    ]).groupby("department_id").day.min()  # fmt: skip
    return {"values": values, "first_days": first_days}


def test_weeks_and_months_equal_a_pandas_computation(hospital, kpis):
    reference = _reference(hospital["url"])
    metrics = {"total_appointments", "billed_amount", "active_patients"}
    actual = _kpi_values(kpis[kpis.metric_name.isin(metrics)], {"week", "month"})
    expected = {key: reference["values"].get(key, 0) for key in actual}
    assert actual == expected
    assert sum(1 for value in actual.values() if value) > 50
    # Each department's rows start at the period containing its first
    # appointment or invoice.
    for department, first_day in reference["first_days"].items():
        starts = (
            kpis[
                (kpis.workspace_id == str(department)) & (kpis.metric_name == "total_appointments")
            ]
            .groupby("period_type")
            .period_start.min()
        )
        assert {t: starts[t] for t in ("day", "week", "month")} == dict(_periods(first_day))
    assert set(kpis.workspace_id.dropna()) == {str(d) for d in reference["first_days"].index}


def test_previous_value_and_change_percentage(kpis):
    values = _kpi_values(kpis, {"day", "week", "month"})
    weights = _kpi_values(kpis, {"day", "week", "month"}, "value_rows")
    numerators = _kpi_values(kpis, {"day", "week", "month"}, "value_numerator")
    changes = 0
    for row in kpis.itertuples():
        if row.period_type == "day":
            previous_start = row.period_start - dt.timedelta(days=1)
        elif row.period_type == "week":
            previous_start = row.period_start - dt.timedelta(days=7)
        else:
            previous_start = (row.period_start - dt.timedelta(days=1)).replace(day=1)
        key = (row.metric_name, row.period_type, previous_start, row.workspace_id)
        assert row.previous_value == values.get(key), key
        assert row.previous_rows == weights.get(key), key
        assert row.previous_numerator == numerators.get(key), key
        if row.value is None or row.previous_value in (None, 0):
            assert row.change_percentage is None, key
        else:
            expected = (row.value - row.previous_value) * 100 / row.previous_value
            assert abs(row.change_percentage - expected) < Decimal("1e-12"), key
            changes += 1
    assert changes > 1000


def test_period_edges(kpis):
    totals = kpis[(kpis.metric_name == "total_appointments") & kpis.workspace_id.isna()]
    cells = {(r.period_type, r.period_start): r for r in totals.itertuples()}
    days = {start: r.value for (t, start), r in cells.items() if t == "day"}
    # The ISO week across the month boundary (Monday 2026-07-27 .. Sunday
    # 08-02) is one week of its 7 days, in July's and August's months.
    week = cells[("week", dt.date(2026, 7, 27))]
    assert week.period_end == dt.date(2026, 8, 2)
    assert week.value == sum(days.get(dt.date(2026, 7, 27) + dt.timedelta(d), 0) for d in range(7))
    # The periods containing the as-of date are partial (to date), their
    # period_end the calendar end; nothing after the as-of date.
    assert max(days) == END
    current_week = cells[("week", dt.date(2026, 8, 31))]
    assert current_week.period_end == dt.date(2026, 9, 6)
    assert current_week.value == sum(days[dt.date(2026, 8, 31) + dt.timedelta(d)] for d in range(3))
    september = cells[("month", dt.date(2026, 9, 1))]
    assert september.period_end == dt.date(2026, 9, 30)
    assert september.value == days[dt.date(2026, 9, 1)] + days[END]
    assert (kpis.period_start <= END).all()
    # The hospital-wide categories have only the all-departments row.
    departments = kpis[kpis.workspace_id.notna()]
    assert set(departments.category) == {"appointments", "revenue"}
    assert len(set(departments.metric_name)) == 7
