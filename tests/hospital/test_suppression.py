"""The small-cell rule over hand-made exact rows of the published hospital
tables: which columns of which rows are hidden, and why."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics_pipeline.hospital.published_tables import (
    DAILY_AND_MONTHLY,
    DASHBOARD,
    DASHBOARD_EXTRA,
    DASHBOARD_GRAIN,
    KPI_EXTRA,
    KPI_GRAIN,
    KPIS,
)
from analytics_pipeline.hospital.suppression import suppressed_columns

DAY = dt.date(2026, 9, 1)
AS_OF = dt.date(2026, 9, 30)


def _columns(table) -> list[str]:
    rates = [c for r in table.rates for c in (r.column, r.numerator, *r.denominator)]
    return list(
        dict.fromkeys(
            [
                *table.grain,
                *table.counts,
                *table.money,
                *table.money.values(),
                *rates,
                *table.statistics,
                *table.statistics.values(),
                *table.per_day,
                *table.extra,
                *(["days_in_period"] if table.name == "monthly_summary" else []),
            ]
        )
    )


def _frames(**rows: list[dict]) -> dict[str, pd.DataFrame]:
    """Exact frames of every table: the rows given, zeros elsewhere."""
    frames = {}
    for table in DAILY_AND_MONTHLY:
        columns = _columns(table)
        given = [{c: row.get(c, 0) for c in columns} for row in rows.get(table.name, [])]
        frames[table.name] = pd.DataFrame(given, columns=columns)
    dashboard = [*DASHBOARD_GRAIN, "current_value", "previous_value", "change_percentage"]
    frames[DASHBOARD] = pd.DataFrame(
        rows.get(DASHBOARD, []), columns=[*dashboard, *DASHBOARD_EXTRA]
    )
    kpis = [*KPI_GRAIN, "period_end", "value", "previous_value", "change_percentage"]
    frames[KPIS] = pd.DataFrame(rows.get(KPIS, []), columns=[*kpis, *KPI_EXTRA])
    return frames


def _appointments(department, total, completed, cancelled, **more) -> dict:
    return {
        "department_id": department,
        "metric_date": DAY,
        "total_appointments": total,
        "completed_appointments": completed,
        "cancelled_appointments": cancelled,
        **more,
    }


def _hidden(result, table) -> dict[tuple, list[str]]:
    frame = result[table]
    grain = [c for c in frame.columns if c != "suppressed_columns"]
    return {tuple(r[c] for c in grain): r["suppressed_columns"] for _, r in frame.iterrows()}


def test_small_cells_their_complements_and_the_rates_over_them_are_hidden():
    frames = _frames(
        appointment_analytics=[
            _appointments(1, 7, 3, 4),
            _appointments(2, 10, 10, 0),
            _appointments(None, 17, 13, 4),
        ]
    )
    hidden = _hidden(suppressed_columns(frames, 5), "appointment_analytics")
    rates = ["completion_rate", "cancellation_rate", "no_show_rate"]
    # Department 1: its 3 completed and 4 cancelled hide each other (7 >= 5).
    # The all-departments row: its 4 cancelled alone would be 17 - 13; the 13
    # goes too, and the departments' rows add up to it with two hidden cells.
    assert hidden == {
        (1, DAY): ["completed_appointments", "cancelled_appointments", *rates],
        (None, DAY): ["completed_appointments", "cancelled_appointments", *rates],
    }


def test_a_small_part_takes_the_smallest_other_part_and_the_rates_over_them():
    frames = _frames(
        appointment_analytics=[_appointments(None, 9, 6, 0, unresolved_appointments=3)]
    )
    hidden = _hidden(suppressed_columns(frames, 5), "appointment_analytics")
    # 3 unresolved would be 9 - 6: the 6 goes too. The cancellation rate (0 of
    # 9) is over counts still shown.
    assert hidden == {
        (None, DAY): [
            "completed_appointments",
            "unresolved_appointments",
            "completion_rate",
            "no_show_rate",
        ]
    }


def test_a_rate_of_a_few_rows_is_hidden_even_when_its_counts_are_not_published():
    lab = {"test_type": "CBC", "metric_date": DAY, "tests_ordered": 20, "tests_completed": 12}
    frames = _frames(
        lab_tests_analytics=[
            {**lab, "abnormal_tests": 2, "flagged_tests": 12},
            {**lab, "test_type": None, "abnormal_tests": 6, "flagged_tests": 12},
        ]
    )
    hidden = _hidden(suppressed_columns(frames, 5), "lab_tests_analytics")
    assert hidden == {("CBC", DAY): ["abnormal_rate"]}


def test_statistics_over_fewer_than_k_rows_are_hidden():
    frames = _frames(
        medical_records_analytics=[
            {"metric_date": DAY, "records_created": 12, "records_finalized": 3, "drafts_open": 20},
            {
                "metric_date": DAY + dt.timedelta(days=1),
                "records_created": 12,
                "records_finalized": 0,
            },
        ]
    )
    hidden = _hidden(suppressed_columns(frames, 5), "medical_records_analytics")
    assert hidden == {
        (DAY,): ["records_finalized", "finalize_time_p50_hours", "finalize_time_p90_hours"],
    }


def test_a_month_keeps_its_days_from_being_subtracted():
    days = [
        {"metric_date": DAY + dt.timedelta(days=i), "records_created": n, "records_finalized": 0}
        for i, n in enumerate([2, 9, 11])
    ]
    month = {"month_start": DAY, "records_created": 22, "days_in_period": 30}
    frames = _frames(medical_records_analytics=days, monthly_summary=[month])
    result = suppressed_columns(frames, 5)
    # The 2 of day 1 is small; 22 - 9 - 11 would give it back: the 9 goes too.
    assert _hidden(result, "medical_records_analytics") == {
        (DAY,): ["records_created"],
        (DAY + dt.timedelta(days=1),): ["records_created"],
    }
    assert _hidden(result, "monthly_summary") == {}


def _kpi(workspace, period_type, start, metric, value, previous=0, end=None, **weights) -> dict:
    return {
        "workspace_id": workspace,
        "period_type": period_type,
        "period_start": start,
        "period_end": end or start,
        "metric_name": metric,
        "value": value,
        "previous_value": previous,
        "value_rows": weights.get("rows", value),
        "previous_rows": weights.get("previous_rows", previous),
        "value_numerator": weights.get("numerator"),
        "previous_numerator": None,
    }


def test_a_kpi_day_is_the_daily_tables_cell_and_a_week_hides_a_second_day():
    days = [DAY + dt.timedelta(days=i) for i in range(3)]
    records = [
        {"metric_date": d, "records_created": n, "records_finalized": 0}
        for d, n in zip(days, [3, 8, 12], strict=True)
    ]
    kpis = [
        *(
            _kpi(None, "day", d, "records_created", n, previous=p)
            for d, n, p in zip(days, [3, 8, 12], [0, 3, 8], strict=True)
        ),
        _kpi(None, "week", days[0], "records_created", 23, end=days[-1]),
    ]
    result = suppressed_columns(_frames(medical_records_analytics=records, kpis=kpis), 5)
    # Day 1's 3 is small in the daily table and as the KPI (one cell); day 2's
    # previous_value is that same 3. The week (23 = 3 + 8 + 12) takes day 2's 8.
    assert _hidden(result, "medical_records_analytics") == {
        (days[0],): ["records_created"],
        (days[1],): ["records_created"],
    }
    assert _hidden(result, KPIS) == {
        (None, "day", days[0], "records_created"): ["value", "change_percentage"],
        (None, "day", days[1], "records_created"): [
            "value",
            "previous_value",
            "change_percentage",
        ],
        (None, "day", days[2], "records_created"): ["previous_value", "change_percentage"],
    }
