"""What the small-cell rule needs to know of each published hospital table
(docs/metrics.md, hospital pack: each table's "Patient counts" and
"Relations" paragraphs): its grain, protected cells and their weights, the
totals of a row, and the derived cells (rates, means, percentiles) with what
they are computed from. The exact figures come from the intermediate model
`int_hospital_exact_<table>`: the published columns plus the counts the
rule needs that are never published (`extra`)."""

from __future__ import annotations

from dataclasses import dataclass, field

_APPOINTMENT_STATUSES = (
    "completed_appointments",
    "cancelled_appointments",
    "no_show_appointments",
    "unresolved_appointments",
)
_APPOINTMENT_COUNTS = ("total_appointments", *_APPOINTMENT_STATUSES)


def exact_model(table: str) -> str:
    """The intermediate model of a published table's exact figures."""
    return f"int_hospital_exact_{table}"


@dataclass(frozen=True)
class Rate:
    """`column` = numerator / (sum of `denominator`): hidden when a published
    count it is computed from is hidden, or when the numerator, the
    denominator or their difference is about 1..k-1 rows."""

    column: str
    numerator: str
    denominator: tuple[str, ...]


@dataclass(frozen=True)
class HospitalTable:
    name: str
    grain: tuple[str, ...]
    # The dimension whose null is the all-departments (all-test-types) row.
    all_row_dimension: str | None = None
    # Protected counts: their weight is their value.
    counts: tuple[str, ...] = ()
    # Protected money columns -> the count of the rows they sum (their weight).
    money: dict[str, str] = field(default_factory=dict)
    # Totals of a row: total -> its parts, in the docs' order.
    row_totals: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rates: tuple[Rate, ...] = ()
    # Means and percentiles -> the count of rows they are over.
    statistics: dict[str, str] = field(default_factory=dict)
    # Per-day averages -> the total they divide.
    per_day: dict[str, str] = field(default_factory=dict)
    # Columns of the exact model that are not published.
    extra: tuple[str, ...] = ()

    @property
    def protected(self) -> tuple[str, ...]:
        return (*self.counts, *self.money)


PATIENT_ANALYTICS = HospitalTable(
    "patient_analytics",
    grain=("metric_date",),
    counts=(
        "new_patients",
        "new_patients_male",
        "new_patients_female",
        "new_patients_other",
        "new_patients_sex_unknown",
        "new_patients_age_0_17",
        "new_patients_age_18_34",
        "new_patients_age_35_49",
        "new_patients_age_50_64",
        "new_patients_age_65_79",
        "new_patients_age_80_plus",
        "new_patients_age_unknown",
        "active_patients",
    ),
    row_totals=(
        (
            "new_patients",
            (
                "new_patients_male",
                "new_patients_female",
                "new_patients_other",
                "new_patients_sex_unknown",
            ),
        ),
        (
            "new_patients",
            (
                "new_patients_age_0_17",
                "new_patients_age_18_34",
                "new_patients_age_35_49",
                "new_patients_age_50_64",
                "new_patients_age_65_79",
                "new_patients_age_80_plus",
                "new_patients_age_unknown",
            ),
        ),
    ),
)

_COMPLETION_RATE = Rate("completion_rate", "completed_appointments", ("total_appointments",))
_NO_SHOW_RATE = Rate(
    "no_show_rate", "no_show_appointments", ("completed_appointments", "no_show_appointments")
)

APPOINTMENT_ANALYTICS = HospitalTable(
    "appointment_analytics",
    grain=("department_id", "metric_date"),
    all_row_dimension="department_id",
    counts=("bookings_made", *_APPOINTMENT_COUNTS, "unique_patients"),
    row_totals=(("total_appointments", _APPOINTMENT_STATUSES),),
    rates=(
        _COMPLETION_RATE,
        Rate("cancellation_rate", "cancelled_appointments", ("total_appointments",)),
        _NO_SHOW_RATE,
    ),
    statistics={
        "lead_time_p50_days": "total_appointments",
        "lead_time_p90_days": "total_appointments",
        "waiting_time_p50_minutes": "waiting_time_rows",
        "waiting_time_p90_minutes": "waiting_time_rows",
        "avg_duration_minutes": "duration_rows",
    },
    extra=("waiting_time_rows", "duration_rows"),
)

DOCTOR_PERFORMANCE = HospitalTable(
    "doctor_performance",
    grain=("doctor_id", "month_start"),
    counts=(*_APPOINTMENT_COUNTS, "unique_patients", "records_created", "records_finalized"),
    row_totals=(("total_appointments", _APPOINTMENT_STATUSES),),
    rates=(_COMPLETION_RATE, _NO_SHOW_RATE),
    statistics={
        "avg_duration_minutes": "duration_rows",
        "finalize_time_p50_hours": "records_finalized",
        "finalize_time_p90_hours": "records_finalized",
    },
    extra=("duration_rows",),
)

MEDICAL_RECORDS_ANALYTICS = HospitalTable(
    "medical_records_analytics",
    grain=("metric_date",),
    counts=("records_created", "records_finalized", "drafts_open"),
    statistics={
        "finalize_time_p50_hours": "records_finalized",
        "finalize_time_p90_hours": "records_finalized",
    },
)

LAB_TESTS_ANALYTICS = HospitalTable(
    "lab_tests_analytics",
    grain=("test_type", "metric_date"),
    all_row_dimension="test_type",
    counts=("tests_ordered", "tests_cancelled", "tests_completed", "pending_backlog"),
    rates=(Rate("abnormal_rate", "abnormal_tests", ("flagged_tests",)),),
    statistics={
        "turnaround_p50_hours": "tests_completed",
        "turnaround_p90_hours": "tests_completed",
    },
    extra=("abnormal_tests", "flagged_tests"),
)

REVENUE_ANALYTICS = HospitalTable(
    "revenue_analytics",
    grain=("department_id", "metric_date"),
    all_row_dimension="department_id",
    counts=(
        "invoices_issued",
        "invoices_other_currency",
        "payments_received",
        "open_invoices",
        "overdue_invoices",
        "invoices_paid_in_full",
    ),
    money={
        "billed_amount": "invoices_issued",
        "collected_amount": "payments_received",
        "outstanding_receivables": "open_invoices",
        "overdue_receivables": "overdue_invoices",
    },
    statistics={
        "time_to_payment_p50_days": "invoices_paid_in_full",
        "avg_time_to_payment_days": "invoices_paid_in_full",
    },
)

MONTHLY_SUMMARY = HospitalTable(
    "monthly_summary",
    grain=("month_start",),
    counts=(
        "new_patients",
        "active_patients_end",
        *_APPOINTMENT_COUNTS,
        "unique_patients_seen",
        "records_created",
        "records_finalized",
        "lab_tests_ordered",
        "lab_tests_completed",
    ),
    money={
        "billed_amount": "invoices_issued",
        "collected_amount": "payments_received",
        "outstanding_receivables_end": "open_invoices_end",
    },
    row_totals=(("total_appointments", _APPOINTMENT_STATUSES),),
    rates=(_COMPLETION_RATE, _NO_SHOW_RATE),
    per_day={
        "avg_daily_new_patients": "new_patients",
        "avg_daily_appointments": "total_appointments",
    },
    extra=("invoices_issued", "payments_received", "open_invoices_end"),
)

# The daily tables whose days add up to monthly_summary's month: monthly
# column -> (daily table, its column); the all-departments (all-test-types)
# rows of the tables that have them.
MONTH_OF_DAYS: dict[str, tuple[HospitalTable, str]] = {
    "new_patients": (PATIENT_ANALYTICS, "new_patients"),
    **{name: (APPOINTMENT_ANALYTICS, name) for name in _APPOINTMENT_COUNTS},
    "records_created": (MEDICAL_RECORDS_ANALYTICS, "records_created"),
    "records_finalized": (MEDICAL_RECORDS_ANALYTICS, "records_finalized"),
    "lab_tests_ordered": (LAB_TESTS_ANALYTICS, "tests_ordered"),
    "lab_tests_completed": (LAB_TESTS_ANALYTICS, "tests_completed"),
    "billed_amount": (REVENUE_ANALYTICS, "billed_amount"),
    "collected_amount": (REVENUE_ANALYTICS, "collected_amount"),
}
# Stocks at the end of a month's period: the same cell as the daily table's
# on its last day (docs: "the same quantity published twice is one cell").
MONTH_END_STOCKS: dict[str, tuple[HospitalTable, str]] = {
    "active_patients_end": (PATIENT_ANALYTICS, "active_patients"),
    "outstanding_receivables_end": (REVENUE_ANALYTICS, "outstanding_receivables"),
}
# The appointment counts of a month = the doctors' of the month.
MONTH_OF_DOCTORS = _APPOINTMENT_COUNTS


@dataclass(frozen=True)
class DashboardMetric:
    """A metric of hospital_dashboard_metrics and how its values are protected:
    `kind` count (weight = value), money (weight = the *_rows columns), rate
    (no_show_rate: numerator *_numerator over *_rows) or statistic (hidden
    over 1..k-1 rows); `days`, for the totals of a period, the daily table and
    column its 30 days add up from; `stock`, for a stock at a period's end,
    the daily table and column holding the same cell on that day."""

    kind: str
    days: tuple[HospitalTable, str] | None = None
    stock: tuple[HospitalTable, str] | None = None


DASHBOARD_METRICS: dict[str, DashboardMetric] = {
    "new_patients": DashboardMetric("count", (PATIENT_ANALYTICS, "new_patients")),
    "active_patients": DashboardMetric("count", stock=(PATIENT_ANALYTICS, "active_patients")),
    "total_appointments": DashboardMetric("count", (APPOINTMENT_ANALYTICS, "total_appointments")),
    "completed_appointments": DashboardMetric(
        "count", (APPOINTMENT_ANALYTICS, "completed_appointments")
    ),
    "no_show_rate": DashboardMetric("rate"),
    "waiting_time_p50_minutes": DashboardMetric("statistic"),
    "records_created": DashboardMetric("count", (MEDICAL_RECORDS_ANALYTICS, "records_created")),
    "drafts_open": DashboardMetric("count", stock=(MEDICAL_RECORDS_ANALYTICS, "drafts_open")),
    "finalize_time_p50_hours": DashboardMetric("statistic"),
    "lab_tests_ordered": DashboardMetric("count", (LAB_TESTS_ANALYTICS, "tests_ordered")),
    "pending_backlog": DashboardMetric("count", stock=(LAB_TESTS_ANALYTICS, "pending_backlog")),
    "turnaround_p50_hours": DashboardMetric("statistic"),
    "billed_amount": DashboardMetric("money", (REVENUE_ANALYTICS, "billed_amount")),
    "collected_amount": DashboardMetric("money", (REVENUE_ANALYTICS, "collected_amount")),
    "outstanding_receivables": DashboardMetric(
        "money", stock=(REVENUE_ANALYTICS, "outstanding_receivables")
    ),
}
DASHBOARD = "hospital_dashboard_metrics"
DASHBOARD_GRAIN = ("as_of_date", "department_id", "metric_name")
DASHBOARD_EXTRA = (
    "current_rows",
    "previous_rows",
    "current_numerator",
    "previous_numerator",
)
# The value columns of a dashboard row and their period's offset in days.
DASHBOARD_PERIODS = {"current_value": 0, "previous_value": 30}
DASHBOARD_PERIOD_DAYS = 30

# In the docs' order: the order relations are visited in.
DAILY_AND_MONTHLY = (
    PATIENT_ANALYTICS,
    APPOINTMENT_ANALYTICS,
    DOCTOR_PERFORMANCE,
    MEDICAL_RECORDS_ANALYTICS,
    LAB_TESTS_ANALYTICS,
    REVENUE_ANALYTICS,
    MONTHLY_SUMMARY,
)


@dataclass(frozen=True)
class Kpi:
    """A hospital KPI of analytics_metrics and how its value and previous_value
    are protected: `kind` count (weight = value), sum (weight = the *_rows
    columns: invoices or payments summed), ratio (derived from the count KPIs
    `computed_from` of the same row set: numerator, then denominator parts;
    *_numerator over *_rows) or percentile (hidden over 1..k-1 rows). `day`:
    the daily table and column holding the same cell as a day's value;
    `month`: monthly_summary's column holding the same cell as a month's
    all-departments value; `additive`: a week or month is the total of its
    days (not so for distinct patients)."""

    kind: str
    day: tuple[HospitalTable, str] | None = None
    month: str | None = None
    additive: bool = True
    computed_from: tuple[str, ...] = ()


def _count_kpi(table: HospitalTable, column: str, month: str | None = None) -> Kpi:
    return Kpi("count", (table, column), month or column)


def _sum_kpi(column: str) -> Kpi:
    return Kpi("sum", (REVENUE_ANALYTICS, column), column)


# In the docs' order (the order a row's KPIs are visited in).
HOSPITAL_KPIS: dict[str, Kpi] = {
    "new_patients": _count_kpi(PATIENT_ANALYTICS, "new_patients"),
    "active_patients": Kpi("count", additive=False),
    "total_appointments": _count_kpi(APPOINTMENT_ANALYTICS, "total_appointments"),
    "completed_appointments": _count_kpi(APPOINTMENT_ANALYTICS, "completed_appointments"),
    "no_show_appointments": _count_kpi(APPOINTMENT_ANALYTICS, "no_show_appointments"),
    "appointment_completion_rate": Kpi(
        "ratio", computed_from=("completed_appointments", "total_appointments")
    ),
    "no_show_rate": Kpi("ratio", computed_from=("no_show_appointments", "completed_appointments")),
    "records_created": _count_kpi(MEDICAL_RECORDS_ANALYTICS, "records_created"),
    "records_finalized": _count_kpi(MEDICAL_RECORDS_ANALYTICS, "records_finalized"),
    "finalize_time_p50_hours": Kpi("percentile"),
    "lab_tests_ordered": _count_kpi(LAB_TESTS_ANALYTICS, "tests_ordered", "lab_tests_ordered"),
    "lab_tests_completed": _count_kpi(
        LAB_TESTS_ANALYTICS, "tests_completed", "lab_tests_completed"
    ),
    "lab_turnaround_p90_hours": Kpi("percentile"),
    "billed_amount": _sum_kpi("billed_amount"),
    "collected_amount": _sum_kpi("collected_amount"),
}
KPIS = "kpis"  # the KPI rows' name in the cells table (exact model int_hospital_exact_kpis)
KPI_GRAIN = ("workspace_id", "period_type", "period_start", "metric_name")
KPI_EXTRA = ("value_rows", "previous_rows", "value_numerator", "previous_numerator")
KPI_VALUES = {"value": "value", "previous_value": "previous"}  # column -> weight prefix
PERIOD_TYPES = ("day", "week", "month")

GRAINS = {
    **{t.name: t.grain for t in DAILY_AND_MONTHLY},
    DASHBOARD: DASHBOARD_GRAIN,
    KPIS: KPI_GRAIN,
}
# The exact models' columns that are never published.
EXTRAS = {
    **{t.name: t.extra for t in DAILY_AND_MONTHLY},
    DASHBOARD: DASHBOARD_EXTRA,
    KPIS: KPI_EXTRA,
}
# The published tables, and every set of exact figures the rule reads.
PUBLISHED_TABLES = (*(t.name for t in DAILY_AND_MONTHLY), DASHBOARD)
TABLE_NAMES = (*PUBLISHED_TABLES, KPIS)
