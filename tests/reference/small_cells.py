"""An independent checker of the hospital pack's published (suppressed) tables
against "Small cells" in docs/metrics.md (Hospital operations pack), written from
the docs only: it does not re-run the suppression procedure, it checks that what
was published obeys the rule.

`violations(exact, published, k)` takes, per table, the exact figures (the
reference's frames: published columns plus the weight columns of
`hospital.EXTRA`) and the published frame (published columns and
`suppressed_columns`, a list or its JSON text) and returns one readable string per
violation, naming the table, the row, the column and the rule:

- `exact`: a cell not named in suppressed_columns differs from the exact figure;
- `marker`: a named cell is not null, a name is not a column that can be
  suppressed, the names are not in column order, or a null count is not named;
- `primary`: a published protected cell has weight 1..k-1;
- `relation`: a relation (within a row, all-departments / all-test-types rows,
  periods) is not safe: some cells suppressed, and not at least two, or its
  total published while the suppressed parts weigh less than k;
- `same cell`: a quantity published twice (a month's end-of-period stock and
  its last day's, the dashboard's stocks and the daily tables') suppressed in
  one place only;
- `derived`: a rate, mean, percentile or change_percentage that the docs
  suppress is published, or one is suppressed that the docs do not suppress;
- `rows`: a row on one side only.

The KPIs (`hospital_kpis`: the exact frame of `hospital.hospital_kpis` with its
weights `hospital.KPI_EXTRA`, and the published `intermediate.int_hospital_kpis` or
the hospital rows of analytics_metrics, same columns without weights) have no
marker column: a null value, previous_value or change_percentage whose exact figure
is not null is a suppressed one. Their cells are value and previous_value of the
count and sum KPIs (weights value_rows, previous_rows); the ratios and percentiles
and change_percentage are derived cells. Their relations (after every other): an
all-departments count or sum = its department rows', a week's or month's = its
days' (not active_patients); their same cells: previous_value and the previous
period's value, a day's KPI and the daily table's cell, an all-departments month's
and monthly_summary's.

`suppress(exact, k)` is a reference of the procedure itself (primary, then the
complements over the same relations, then the derived cells), for comparing
which cells the production suppression hides; the checker passes on its output.
Its KPI frame is the published shape (no marker column, hidden cells null).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from .compare import normalize, values_match
from .hospital import DEPARTMENT_CATEGORIES, GRAINS, HOSPITAL_KPIS

K = 5  # ANALYTICS_MIN_CELL_SIZE's default
KPIS = "hospital_kpis"  # the hospital rows of analytics_metrics (no marker column)
TABLE_ORDER = list(GRAINS)  # the docs' order, the KPIs last
APPOINTMENT_COUNTS = [
    "total_appointments", "completed_appointments", "cancelled_appointments",
    "no_show_appointments", "unresolved_appointments",
]  # fmt: skip
STATUS_PARTS = APPOINTMENT_COUNTS[1:]
SEX_PARTS = ["new_patients_male", "new_patients_female", "new_patients_other",
             "new_patients_sex_unknown"]  # fmt: skip
AGE_PARTS = [
    "new_patients_age_0_17", "new_patients_age_18_34", "new_patients_age_35_49",
    "new_patients_age_50_64", "new_patients_age_65_79", "new_patients_age_80_plus",
    "new_patients_age_unknown",
]  # fmt: skip

# Protected cells per table: {column: the column holding its weight (None: itself)}.
PROTECTED: dict[str, dict[str, str | None]] = {
    "patient_analytics": dict.fromkeys(["new_patients", *SEX_PARTS, *AGE_PARTS,
                                        "active_patients"]),
    "appointment_analytics": dict.fromkeys(["bookings_made", *APPOINTMENT_COUNTS,
                                            "unique_patients"]),
    "doctor_performance": dict.fromkeys([*APPOINTMENT_COUNTS, "unique_patients",
                                         "records_created", "records_finalized"]),
    "medical_records_analytics": dict.fromkeys(["records_created", "records_finalized",
                                                "drafts_open"]),
    "lab_tests_analytics": dict.fromkeys(["tests_ordered", "tests_cancelled",
                                          "tests_completed", "pending_backlog"]),
    "revenue_analytics": {
        **dict.fromkeys(["invoices_issued", "invoices_other_currency", "payments_received",
                         "open_invoices", "overdue_invoices", "invoices_paid_in_full"]),
        "billed_amount": "invoices_issued",
        "collected_amount": "payments_received",
        "outstanding_receivables": "open_invoices",
        "overdue_receivables": "overdue_invoices",
    },
    "monthly_summary": {
        **dict.fromkeys(["new_patients", "active_patients_end", *APPOINTMENT_COUNTS,
                         "unique_patients_seen", "records_created", "records_finalized",
                         "lab_tests_ordered", "lab_tests_completed"]),
        "billed_amount": "invoices_issued",
        "collected_amount": "payments_received",
        "outstanding_receivables_end": "open_invoices_end",
    },
}  # fmt: skip
DASHBOARD_PROTECTED = {
    "new_patients", "active_patients", "total_appointments", "completed_appointments",
    "records_created", "drafts_open", "lab_tests_ordered", "pending_backlog",
    "billed_amount", "collected_amount", "outstanding_receivables",
}  # fmt: skip
DASHBOARD_MEDIANS = {"waiting_time_p50_minutes", "finalize_time_p50_hours",
                     "turnaround_p50_hours"}  # fmt: skip


@dataclass(frozen=True)
class Rate:
    """A rate: numerator / denominator (column sums of the exact row), computed from
    the published cells `inputs` of the same row."""

    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Over:
    """A mean or percentile over the rows counted by `rows` (exact row)."""

    rows: str


@dataclass(frozen=True)
class PerDay:
    """An average per day of a published total."""

    total: str


COMPLETION = Rate(("completed_appointments",), ("total_appointments",),
                  ("completed_appointments", "total_appointments"))  # fmt: skip
NO_SHOW = Rate(("no_show_appointments",), ("completed_appointments", "no_show_appointments"),
               ("no_show_appointments", "completed_appointments"))  # fmt: skip
DERIVED: dict[str, dict[str, Rate | Over | PerDay]] = {
    "patient_analytics": {},
    "appointment_analytics": {
        "completion_rate": COMPLETION,
        "cancellation_rate": Rate(("cancelled_appointments",), ("total_appointments",),
                                  ("cancelled_appointments", "total_appointments")),
        "no_show_rate": NO_SHOW,
        "lead_time_p50_days": Over("total_appointments"),
        "lead_time_p90_days": Over("total_appointments"),
        "waiting_time_p50_minutes": Over("waiting_time_rows"),
        "waiting_time_p90_minutes": Over("waiting_time_rows"),
        "avg_duration_minutes": Over("duration_rows"),
    },
    "doctor_performance": {
        "completion_rate": COMPLETION,
        "no_show_rate": NO_SHOW,
        "avg_duration_minutes": Over("duration_rows"),
        "finalize_time_p50_hours": Over("records_finalized"),
        "finalize_time_p90_hours": Over("records_finalized"),
    },
    "medical_records_analytics": {
        "finalize_time_p50_hours": Over("records_finalized"),
        "finalize_time_p90_hours": Over("records_finalized"),
    },
    "lab_tests_analytics": {
        "turnaround_p50_hours": Over("tests_completed"),
        "turnaround_p90_hours": Over("tests_completed"),
        "abnormal_rate": Rate(("abnormal_tests",), ("flagged_tests",), ()),
    },
    "revenue_analytics": {
        "time_to_payment_p50_days": Over("invoices_paid_in_full"),
        "avg_time_to_payment_days": Over("invoices_paid_in_full"),
    },
    "monthly_summary": {
        "avg_daily_new_patients": PerDay("new_patients"),
        "avg_daily_appointments": PerDay("total_appointments"),
        "completion_rate": COMPLETION,
        "no_show_rate": NO_SHOW,
    },
}  # fmt: skip

# Relations across rows and periods.
ALL_ROWS = {  # table: (scope column, the columns whose all-row = the sum of the others)
    "appointment_analytics": ("department_id", list(PROTECTED["appointment_analytics"])),
    "lab_tests_analytics": ("test_type", list(PROTECTED["lab_tests_analytics"])),
    "revenue_analytics": ("department_id", list(PROTECTED["revenue_analytics"])),
}
MONTH_FROM_DAYS = {  # monthly_summary column: (daily table, its column)
    "new_patients": ("patient_analytics", "new_patients"),
    **{c: ("appointment_analytics", c) for c in APPOINTMENT_COUNTS},
    "records_created": ("medical_records_analytics", "records_created"),
    "records_finalized": ("medical_records_analytics", "records_finalized"),
    "lab_tests_ordered": ("lab_tests_analytics", "tests_ordered"),
    "lab_tests_completed": ("lab_tests_analytics", "tests_completed"),
    "billed_amount": ("revenue_analytics", "billed_amount"),
    "collected_amount": ("revenue_analytics", "collected_amount"),
}
SCOPE_COLUMN = {
    "patient_analytics": None,
    "appointment_analytics": "department_id",
    "medical_records_analytics": None,
    "lab_tests_analytics": "test_type",
    "revenue_analytics": "department_id",
}
DASHBOARD_FROM_DAYS = {  # dashboard metric: (daily table, its column)
    "new_patients": ("patient_analytics", "new_patients"),
    "total_appointments": ("appointment_analytics", "total_appointments"),
    "completed_appointments": ("appointment_analytics", "completed_appointments"),
    "records_created": ("medical_records_analytics", "records_created"),
    "lab_tests_ordered": ("lab_tests_analytics", "tests_ordered"),
    "billed_amount": ("revenue_analytics", "billed_amount"),
    "collected_amount": ("revenue_analytics", "collected_amount"),
}
PERIOD_DAYS = 30

# The KPIs (grain: metric_name, period_type, period_start, workspace_id).
KPI_CELLS = {"value": "value_rows", "previous_value": "previous_rows"}  # cell: its weight
KPI_NUMERATORS = {"value": "value_numerator", "previous_value": "previous_numerator"}
KPI_PROTECTED = [n for n, (kind, _) in HOSPITAL_KPIS.items() if kind in ("count", "sum")]
KPI_ADDITIVE = [n for n in KPI_PROTECTED if n != "active_patients"]  # period relations
KPI_DEPARTMENTAL = [n for n in KPI_PROTECTED if HOSPITAL_KPIS[n][1] in DEPARTMENT_CATEGORIES]
KPI_RATE_INPUTS = {  # ratio: the count KPIs of the same row it is computed from
    "appointment_completion_rate": ("completed_appointments", "total_appointments"),
    "no_show_rate": ("no_show_appointments", "completed_appointments"),
}
KPI_PERIODS = ("day", "week", "month")
SUPPRESSIBLE_KPI = (*KPI_CELLS, "change_percentage")  # a null one with an exact figure: hidden
KPI_DAY_TWINS = {  # KPI: (daily table, its column), the same cell on a day
    "new_patients": ("patient_analytics", "new_patients"),
    **{c: ("appointment_analytics", c) for c in APPOINTMENT_COUNTS[:2] + APPOINTMENT_COUNTS[3:4]},
    "appointment_completion_rate": ("appointment_analytics", "completion_rate"),
    "no_show_rate": ("appointment_analytics", "no_show_rate"),
    "records_created": ("medical_records_analytics", "records_created"),
    "records_finalized": ("medical_records_analytics", "records_finalized"),
    "finalize_time_p50_hours": ("medical_records_analytics", "finalize_time_p50_hours"),
    "lab_tests_ordered": ("lab_tests_analytics", "tests_ordered"),
    "lab_tests_completed": ("lab_tests_analytics", "tests_completed"),
    "lab_turnaround_p90_hours": ("lab_tests_analytics", "turnaround_p90_hours"),
    "billed_amount": ("revenue_analytics", "billed_amount"),
    "collected_amount": ("revenue_analytics", "collected_amount"),
}
KPI_MONTH_TWINS = {  # KPI: monthly_summary's column, the same cell on a month
    **{c: c for c in MONTH_FROM_DAYS if c in HOSPITAL_KPIS},
    "appointment_completion_rate": "completion_rate",
    "no_show_rate": "no_show_rate",
}


def _order(key: tuple) -> tuple:
    """Grain order, nulls (all-rows) first."""
    return tuple((v is not None, v) for v in key)


def _department(workspace_id: str | None) -> tuple:
    """A KPI row's department in department_id order (text ids), all departments last."""
    if workspace_id is None:
        return (2, 0, "")
    return (0, int(workspace_id), "") if workspace_id.isdigit() else (1, 0, workspace_id)


def _kpi_order(key: tuple) -> tuple:
    """The KPI rows' order: workspace_id (nulls last), period type (day, week,
    month), period_start, the docs' metric order."""
    metric, period_type, start, workspace = key
    return (_department(workspace), KPI_PERIODS.index(period_type), start,
            list(HOSPITAL_KPIS).index(metric))  # fmt: skip


def _names(value) -> list[str] | None:
    """suppressed_columns as a list (None when unreadable)."""
    value = normalize(value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


class Table:
    """A table's exact and published rows by normalized grain key."""

    def __init__(self, name: str, exact: pd.DataFrame, published: pd.DataFrame):
        self.name, self.grain = name, GRAINS[name]
        self.exact = self._by_key(exact)
        self.published = self._by_key(published)
        self.columns = [
            c for c in published.columns if c not in self.grain and c != "suppressed_columns"
        ]
        self.named: dict[tuple, list[str]] = {}

    def _by_key(self, frame: pd.DataFrame) -> dict[tuple, dict]:
        return {
            tuple(normalize(row[c]) for c in self.grain): row for row in frame.to_dict("records")
        }

    def where(self, key: tuple) -> str:
        return ", ".join(f"{c}={v}" for c, v in zip(self.grain, key, strict=True))

    def suppressed(self, key: tuple, column: str) -> bool:
        return column in self.named.get(key, ())

    def has(self, key: tuple) -> bool:
        return key in self.published and key in self.exact

    def protected(self, key: tuple, column: str) -> bool:
        if self.name == KPIS:
            return column in KPI_CELLS and key[0] in KPI_PROTECTED
        if self.name == "hospital_dashboard_metrics":
            return column in ("current_value", "previous_value") and key[2] in DASHBOARD_PROTECTED
        return column in PROTECTED.get(self.name, {})

    def weight(self, key: tuple, column: str) -> float:
        """The weight of a protected cell, from the exact figures."""
        row = self.exact[key]
        if self.name == KPIS:
            weight = row[KPI_CELLS[column]]
        elif self.name == "hospital_dashboard_metrics":
            weight = row["current_rows" if column == "current_value" else "previous_rows"]
        else:
            weight = row[PROTECTED[self.name][column] or column]
        weight = normalize(weight)
        return 0 if weight is None else weight


# -- the checks ----------------------------------------------------------------------------


def _matched_rows(table: Table, out: list[str]) -> Iterator[tuple[tuple, dict, str]]:
    """(key, published row, label) of the rows on both sides; a row on one side
    only is a `rows` violation."""
    for key in table.exact.keys() - table.published.keys():
        out.append(f"{table.name} [{table.where(key)}]: rows: missing from the published table")
    for key in table.published.keys() - table.exact.keys():
        out.append(f"{table.name} [{table.where(key)}]: rows: not in the exact figures")
    for key, row in table.published.items():
        if key in table.exact:
            yield key, row, f"{table.name} [{table.where(key)}]"


def check_markers_and_values(table: Table, k: int, out: list[str]) -> None:
    """(a) exact values, (b) markers, (c) primary suppression."""
    for key, row, where in _matched_rows(table, out):
        names = _names(row.get("suppressed_columns"))
        if names is None:
            out.append(f"{where} suppressed_columns: marker: not a JSON array of names")
            names = []
        suppressible = [
            c for c in table.columns if table.protected(key, c) or _derived_kind(table, key, c)
        ]
        for name in names:
            if name not in suppressible:
                out.append(f"{where} {name}: marker: named but not a cell that can be suppressed")
        if names != [c for c in table.columns if c in names] or len(set(names)) != len(names):
            out.append(f"{where} suppressed_columns: marker: {names} not in column order")
        table.named[key] = [n for n in names if n in table.columns]
        exact = table.exact[key]
        for column in table.columns:
            value = normalize(row[column])
            if column in names:
                if value is not None:
                    out.append(f"{where} {column}: marker: named in suppressed_columns, not null")
                continue
            if table.protected(key, column) and value is None:
                out.append(f"{where} {column}: marker: null count not named in suppressed_columns")
            elif not values_match(value, normalize(exact[column])):
                out.append(
                    f"{where} {column}: exact: published {value!r} != exact "
                    f"{normalize(exact[column])!r}"
                )
            if table.protected(key, column) and 1 <= table.weight(key, column) <= k - 1:
                out.append(
                    f"{where} {column}: primary: published with weight "
                    f"{table.weight(key, column)} < k={k}"
                )


def check_kpi_values(table: Table, k: int, out: list[str]) -> None:
    """The KPIs' (a) exact values and (c) primary suppression; with no marker
    column, a null cell whose exact figure is not null is a suppressed one (a null
    count or sum always; a null ratio or percentile whose counts are not 0)."""
    for key, row, where in _matched_rows(table, out):
        exact = {c: normalize(v) for c, v in table.exact[key].items()}
        named = []
        for column in table.columns:
            value = normalize(row[column])
            if value is None and exact[column] is not None and column in SUPPRESSIBLE_KPI:
                named.append(column)
            elif not values_match(value, exact[column]):
                out.append(
                    f"{where} {column}: exact: published {value!r} != exact {exact[column]!r}"
                )
        table.named[key] = named
        for column in KPI_CELLS:
            weight = table.weight(key, column)
            if table.protected(key, column) and column not in named and _small(weight, k):
                out.append(f"{where} {column}: primary: published with weight {weight} < k={k}")


def _derived_kind(table: Table, key: tuple, column: str) -> Rate | Over | PerDay | str | None:
    if table.name == KPIS:
        if column == "change_percentage":
            return "change"
        kind = HOSPITAL_KPIS[key[0]][0]
        if column in KPI_CELLS and kind in ("ratio", "percentile"):
            return f"kpi_{kind}"
        return None
    if table.name == "hospital_dashboard_metrics":
        if column == "change_percentage":
            return "change"
        if column in ("current_value", "previous_value"):
            if key[2] == "no_show_rate":
                return "dashboard_rate"
            if key[2] in DASHBOARD_MEDIANS:
                return "dashboard_median"
        return None
    return DERIVED.get(table.name, {}).get(column)


def _small(n, k: int) -> bool:
    return n is not None and 1 <= n <= k - 1


def derived_required(table: Table, key: tuple, column: str, k: int) -> str | None:
    """Why the docs suppress this derived cell (None: they do not)."""
    kind = _derived_kind(table, key, column)
    exact = {c: normalize(v) for c, v in table.exact[key].items()}

    def total(columns: Sequence[str]) -> float:
        return sum(exact[c] or 0 for c in columns)

    if table.name == KPIS and exact[column] is None:
        return None  # undefined (no input, previous 0, the first period): nothing to hide
    if kind == "change":
        cells = KPI_CELLS if table.name == KPIS else ("current_value", "previous_value")
        hidden = [c for c in cells if table.suppressed(key, c)]
        return f"change of suppressed {hidden}" if hidden else None
    if kind == "kpi_percentile":
        rows = exact[KPI_CELLS[column]] or 0
        return f"percentile over {rows} rows" if _small(rows, k) else None
    if kind == "kpi_ratio":
        inputs = [(name, *key[1:]) for name in KPI_RATE_INPUTS[key[0]]]
        hidden = [c[0] for c in inputs if table.suppressed(c, column)]
        if hidden:
            return f"rate of suppressed {hidden} ({column})"
        numerator = exact[KPI_NUMERATORS[column]] or 0
        return _rate_reason(numerator, exact[KPI_CELLS[column]] or 0, k)
    if kind in ("dashboard_rate", "dashboard_median"):
        current = column == "current_value"
        rows = exact["current_rows" if current else "previous_rows"] or 0
        if kind == "dashboard_median":
            return f"median over {rows} rows" if _small(rows, k) else None
        numerator = exact["current_numerator" if current else "previous_numerator"] or 0
        return _rate_reason(numerator, rows, k)
    if isinstance(kind, Over):
        rows = exact[kind.rows] or 0
        return f"over {rows} rows" if _small(rows, k) else None
    if isinstance(kind, PerDay):
        return f"per day of suppressed {kind.total}" if table.suppressed(key, kind.total) else None
    if isinstance(kind, Rate):
        hidden = [c for c in kind.inputs if table.suppressed(key, c)]
        if hidden:
            return f"rate of suppressed {hidden}"
        return _rate_reason(total(kind.numerator), total(kind.denominator), k)
    return None


def _rate_reason(numerator, denominator, k: int) -> str | None:
    for name, n in (
        ("numerator", numerator),
        ("denominator", denominator),
        ("difference", denominator - numerator),
    ):
        if _small(n, k):
            return f"rate with {name} {n}"
    return None


def check_derived(table: Table, k: int, out: list[str]) -> None:
    """(e) derived cells suppressed exactly when the docs say."""
    for key in table.published:
        if key not in table.exact:
            continue
        where = f"{table.name} [{table.where(key)}]"
        for column in table.columns:
            if not _derived_kind(table, key, column):
                continue
            reason = derived_required(table, key, column, k)
            if reason and not table.suppressed(key, column):
                out.append(f"{where} {column}: derived: published, but {reason}")
            if not reason and table.suppressed(key, column):
                out.append(f"{where} {column}: derived: suppressed without a reason in the docs")


# -- relations -----------------------------------------------------------------------------

Cell = tuple[str, tuple, str]  # (table, key, column)


@dataclass
class Relation:
    label: str
    total: Cell
    parts: list[Cell]


def relation_safe(total: tuple[bool, float], parts: Iterable[tuple[bool, float]], k: int) -> bool:
    """(suppressed, weight) of the total and of the parts: safe when none is
    suppressed, or at least two are and, if the total is published, the
    suppressed parts weigh k or more."""
    parts = list(parts)
    hidden = [w for s, w in parts if s]
    count = len(hidden) + int(total[0])
    if count == 0:
        return True
    return count >= 2 and (total[0] or sum(hidden) >= k)


def _rows_of(table: Table, scope_column: str | None, scope, first: date, last: date):
    """Keys of `table`'s rows of `scope` with metric_date in first..last, by date."""
    index = table.grain.index("metric_date")
    keys = []
    for key in table.published:
        if not table.has(key) or not first <= key[index] <= last:
            continue
        if scope_column is not None and key[table.grain.index(scope_column)] != scope:
            continue
        keys.append(key)
    return sorted(keys, key=lambda key: key[index])


def relations(tables: Mapping[str, Table]) -> list[Relation]:
    """Every relation of the docs, in the docs' order: per table, rows in grain
    order, within-row relations, then all-rows and period relations."""
    out: list[Relation] = []
    within = {
        "patient_analytics": [("new_patients", SEX_PARTS), ("new_patients", AGE_PARTS)],
        "appointment_analytics": [("total_appointments", STATUS_PARTS)],
        "doctor_performance": [("total_appointments", STATUS_PARTS)],
        "monthly_summary": [("total_appointments", STATUS_PARTS)],
    }
    for name, pairs in within.items():
        table = tables.get(name)
        if table is None:
            continue
        for key in sorted((k for k in table.published if table.has(k)), key=_order):
            for total, parts in pairs:
                out.append(
                    Relation(
                        "within row",
                        (name, key, total),
                        [(name, key, p) for p in parts],
                    )
                )
    for name, (scope_column, columns) in ALL_ROWS.items():
        table = tables.get(name)
        if table is None:
            continue
        scope_at = table.grain.index(scope_column)
        for key in sorted(
            (k for k in table.published if table.has(k) and k[scope_at] is None), key=_order
        ):
            others = sorted(
                (
                    other
                    for other in table.published
                    if table.has(other)
                    and other[scope_at] is not None
                    and other[:scope_at] + other[scope_at + 1 :]
                    == key[:scope_at] + key[scope_at + 1 :]
                ),
                key=lambda other: other[scope_at],
            )
            for column in columns:
                out.append(
                    Relation(
                        "all rows", (name, key, column), [(name, other, column) for other in others]
                    )
                )
    out += _monthly_relations(tables)
    out += _dashboard_relations(tables)
    out += _kpi_relations(tables)
    return out


def _monthly_relations(tables: Mapping[str, Table]) -> list[Relation]:
    out: list[Relation] = []
    monthly = tables.get("monthly_summary")
    if monthly is None:
        return out
    doctors = tables.get("doctor_performance")
    for key in sorted((k for k in monthly.published if monthly.has(k)), key=_order):
        start = key[0]
        last = date(start.year + start.month // 12, start.month % 12 + 1, 1) - timedelta(days=1)
        for column, (daily, daily_column) in MONTH_FROM_DAYS.items():
            table = tables.get(daily)
            if table is None:
                continue
            keys = _rows_of(table, SCOPE_COLUMN[daily], None, start, last)
            out.append(
                Relation(
                    f"month over the days of {daily}",
                    ("monthly_summary", key, column),
                    [(daily, k, daily_column) for k in keys],
                )
            )
        if doctors is not None:
            rows = sorted(
                (k for k in doctors.published if doctors.has(k) and k[1] == start), key=_order
            )
            for column in APPOINTMENT_COUNTS:
                out.append(
                    Relation(
                        "month over its doctors",
                        ("monthly_summary", key, column),
                        [("doctor_performance", k, column) for k in rows],
                    )
                )
    return out


def _dashboard_relations(tables: Mapping[str, Table]) -> list[Relation]:
    out: list[Relation] = []
    dashboard = tables.get("hospital_dashboard_metrics")
    if dashboard is None:
        return out
    keys = sorted((k for k in dashboard.published if dashboard.has(k)), key=_order)
    for key in keys:
        as_of, department, metric = key
        if department is None:
            parts = [k for k in keys if k[0] == as_of and k[2] == metric and k[1] is not None]
            if metric in DASHBOARD_PROTECTED and parts:
                for column in ("current_value", "previous_value"):
                    out.append(
                        Relation(
                            "all departments",
                            ("hospital_dashboard_metrics", key, column),
                            [("hospital_dashboard_metrics", p, column) for p in parts],
                        )
                    )
        if metric not in DASHBOARD_FROM_DAYS:
            continue
        daily, daily_column = DASHBOARD_FROM_DAYS[metric]
        table = tables.get(daily)
        if table is None:
            continue
        for column, ends in (("current_value", as_of), ("previous_value", as_of - timedelta(30))):
            first = ends - timedelta(days=PERIOD_DAYS - 1)
            days = _rows_of(table, SCOPE_COLUMN[daily], department, first, ends)
            out.append(
                Relation(
                    f"30 days over {daily}",
                    ("hospital_dashboard_metrics", key, column),
                    [(daily, k, daily_column) for k in days],
                )
            )
    return out


def _kpi_keys(tables: Mapping[str, Table]) -> list[tuple]:
    kpis = tables.get(KPIS)
    return sorted((k for k in kpis.published if kpis.has(k)), key=_kpi_order) if kpis else []


def _kpi_relations(tables: Mapping[str, Table]) -> list[Relation]:
    """The KPIs' relations, after every other (rows in `_kpi_order`): an
    all-departments row's count or sum = its department rows'; a week's or month's
    count or sum (not active_patients) = its days'. On `value` only: a
    previous_value is the previous period's value (`same_cells`)."""
    out: list[Relation] = []
    keys = _kpi_keys(tables)
    present = set(keys)
    departments: dict[tuple, list[tuple]] = {}
    for key in keys:
        if key[3] is not None:
            departments.setdefault(key[:3], []).append(key)
    for key in keys:
        metric, period_type, start, workspace = key
        parts = departments.get(key[:3], [])
        if workspace is None and metric in KPI_DEPARTMENTAL and parts:
            out.append(
                Relation(
                    "all departments (KPIs)",
                    (KPIS, key, "value"),
                    [(KPIS, p, "value") for p in sorted(parts, key=_kpi_order)],
                )
            )
        if period_type != "day" and metric in KPI_ADDITIVE:
            end = tables[KPIS].exact[key]["period_end"]
            days = [(metric, "day", start + timedelta(days=i), workspace)
                    for i in range((normalize(end) - start).days + 1)]  # fmt: skip
            out.append(
                Relation(
                    f"{period_type} over its days (KPIs)",
                    (KPIS, key, "value"),
                    [(KPIS, d, "value") for d in days if d in present],
                )
            )
    return out


def _previous_start(period_type: str, start: date) -> date:
    if period_type == "month":
        return (start - timedelta(days=1)).replace(day=1)
    return start - timedelta(days=1 if period_type == "day" else 7)


def _kpi_same_cells(tables: Mapping[str, Table]) -> list[tuple[Cell, Cell]]:
    """A KPI's previous_value and the previous period's value; a day's KPI and the
    daily table's cell; an all-departments month's KPI and monthly_summary's."""
    pairs: list[tuple[Cell, Cell]] = []
    keys = _kpi_keys(tables)
    present = set(keys)
    monthly = tables.get("monthly_summary")
    for key in keys:
        metric, period_type, start, workspace = key
        before = (metric, period_type, _previous_start(period_type, start), workspace)
        if before in present:
            pairs.append(((KPIS, key, "previous_value"), (KPIS, before, "value")))
        if period_type == "day" and metric in KPI_DAY_TWINS:
            daily, daily_column = KPI_DAY_TWINS[metric]
            table = tables.get(daily)
            scope = None if workspace is None else int(workspace)
            other = _daily_key(table, scope, start) if table else None
            if table and table.has(other):
                pairs.append(((KPIS, key, "value"), (daily, other, daily_column)))
        month = period_type == "month" and workspace is None and metric in KPI_MONTH_TWINS
        if month and monthly and monthly.has((start,)):
            pairs.append(
                ((KPIS, key, "value"), ("monthly_summary", (start,), KPI_MONTH_TWINS[metric]))
            )
    return pairs


def check_relations(tables: Mapping[str, Table], k: int, out: list[str]) -> None:
    """(d) every relation safe."""

    def state(cell: Cell) -> tuple[bool, float]:
        name, key, column = cell
        table = tables[name]
        return table.suppressed(key, column), table.weight(key, column)

    for relation in relations(tables):
        total = state(relation.total)
        parts = [state(p) for p in relation.parts]
        if relation_safe(total, parts, k):
            continue
        name, key, column = relation.total
        hidden = [
            f"{tables[p[0]].where(p[1])} {p[2]} (weight {w})"
            for p, (s, w) in zip(relation.parts, parts, strict=True)
            if s
        ]
        left = any(not s and w > 0 for s, w in parts)
        out.append(
            f"{name} [{tables[name].where(key)}] {column}: relation ({relation.label}) unsafe: "
            f"total {'suppressed' if total[0] else 'published'} (weight {total[1]}), "
            f"suppressed parts {hidden or 'none'}"
            + ("" if left else " (no part of nonzero weight left to suppress)")
        )


STOCK_TWINS = {  # dashboard metric: (daily table, its column): the same quantity at a day's end
    "active_patients": ("patient_analytics", "active_patients"),
    "drafts_open": ("medical_records_analytics", "drafts_open"),
    "pending_backlog": ("lab_tests_analytics", "pending_backlog"),
    "outstanding_receivables": ("revenue_analytics", "outstanding_receivables"),
}
MONTH_END_TWINS = {  # monthly_summary column: (daily table, its column) on the period's last day
    "active_patients_end": ("patient_analytics", "active_patients"),
    "outstanding_receivables_end": ("revenue_analytics", "outstanding_receivables"),
}


def _daily_key(table: Table, scope, day: date) -> tuple:
    return (day,) if SCOPE_COLUMN[table.name] is None else (scope, day)


def same_cells(tables: Mapping[str, Table]) -> list[tuple[Cell, Cell]]:
    """The quantities published twice (one cell: suppressed in one place,
    suppressed in both): a month's end-of-period stocks and the last day's, the
    dashboard's stocks and the daily tables' at the end of D and of D-30."""
    pairs: list[tuple[Cell, Cell]] = []
    monthly = tables.get("monthly_summary")
    for key in sorted(monthly.published if monthly else (), key=_order):
        if not monthly.has(key):
            continue
        days = normalize(monthly.exact[key]["days_in_period"])
        last = key[0] + timedelta(days=days - 1)
        for column, (daily, daily_column) in MONTH_END_TWINS.items():
            table = tables.get(daily)
            other = _daily_key(table, None, last) if table else None
            if table and table.has(other):
                pairs.append((("monthly_summary", key, column), (daily, other, daily_column)))
    dashboard = tables.get("hospital_dashboard_metrics")
    for key in sorted(dashboard.published if dashboard else (), key=_order):
        as_of, department, metric = key
        if not dashboard.has(key) or metric not in STOCK_TWINS:
            continue
        daily, daily_column = STOCK_TWINS[metric]
        table = tables.get(daily)
        for column, day in (("current_value", as_of), ("previous_value", as_of - timedelta(30))):
            other = _daily_key(table, department, day) if table else None
            if table and table.has(other):
                pairs.append(
                    (("hospital_dashboard_metrics", key, column), (daily, other, daily_column))
                )
    return pairs + _kpi_same_cells(tables)


def check_same_cells(tables: Mapping[str, Table], out: list[str]) -> None:
    for first, second in same_cells(tables):
        states = [tables[c[0]].suppressed(c[1], c[2]) for c in (first, second)]
        if states[0] != states[1]:
            shown = [f"{c[0]} [{tables[c[0]].where(c[1])}] {c[2]}" for c in (first, second)]
            hidden = shown[0] if states[0] else shown[1]
            out.append(
                f"{shown[0]}: same cell: {shown[1]} is the same quantity, but only {hidden} "
                "is suppressed"
            )


def violations(
    exact: Mapping[str, pd.DataFrame], published: Mapping[str, pd.DataFrame], k: int = K
) -> list[str]:
    """Every violation of the small-cell rule by the published tables (module
    docstring); the tables given in both mappings are checked."""
    names = [n for n in TABLE_ORDER if n in exact and n in published]
    tables = {n: Table(n, exact[n], published[n]) for n in names}
    out: list[str] = []
    for table in tables.values():
        (check_kpi_values if table.name == KPIS else check_markers_and_values)(table, k, out)
    for table in tables.values():
        check_derived(table, k, out)
    check_relations(tables, k, out)
    check_same_cells(tables, out)
    return out


# -- a reference suppression -----------------------------------------------------------------


def suppress(
    exact: Mapping[str, pd.DataFrame], k: int = K, columns: Mapping[str, list[str]] | None = None
) -> dict[str, pd.DataFrame]:
    """The published tables the docs' procedure makes of the exact figures: primary
    suppression, then passes over every relation (`relations` order) suppressing,
    in an unsafe relation, the published part of smallest nonzero weight (first
    in the relation's order on ties) until it is safe, else its total; a quantity
    published twice suppressed in both places; passes until one suppresses
    nothing; then the derived cells. `columns`: the published columns of each
    table (default: the exact frame's columns that are not weights, see
    hospital.EXTRA)."""
    from .hospital import EXTRA

    names = [n for n in TABLE_ORDER if n in exact]
    published = {
        n: exact[n][(columns or {}).get(n) or [c for c in exact[n] if c not in EXTRA[n]]]
        for n in names
    }
    tables = {n: Table(n, exact[n], published[n]) for n in names}
    hidden: dict[str, dict[tuple, set[str]]] = {n: {} for n in names}
    twins: dict[Cell, list[Cell]] = {}
    for first, second in same_cells(tables):
        twins.setdefault(first, []).append(second)
        twins.setdefault(second, []).append(first)

    def hide(cell: Cell) -> None:
        todo = [cell]
        while todo:
            name, key, column = todo.pop()
            if column not in hidden[name].setdefault(key, set()):
                hidden[name][key].add(column)
                tables[name].named[key] = sorted(hidden[name][key])
                todo += twins.get((name, key, column), [])

    for table in tables.values():
        for key in sorted(table.published, key=_order):
            for column in table.columns:
                if table.protected(key, column) and 1 <= table.weight(key, column) <= k - 1:
                    hide((table.name, key, column))

    def state(cell: Cell) -> tuple[bool, float]:
        return tables[cell[0]].suppressed(cell[1], cell[2]), tables[cell[0]].weight(
            cell[1], cell[2]
        )

    every = relations(tables)
    changed = True
    while changed:
        changed = False
        for relation in every:
            while not relation_safe(state(relation.total), map(state, relation.parts), k):
                candidates = [
                    (weight, i)
                    for i, (hidden_part, weight) in enumerate(map(state, relation.parts))
                    if not hidden_part and weight > 0
                ]
                if candidates:
                    hide(relation.parts[min(candidates)[1]])
                elif not state(relation.total)[0]:
                    hide(relation.total)
                else:
                    break  # nothing left to hide: only zero-weight parts published
                changed = True

    for table in tables.values():
        for key in sorted(table.published, key=_order):
            for column in table.columns:  # in column order: a change after its values
                if _derived_kind(table, key, column) and derived_required(table, key, column, k):
                    hide((table.name, key, column))

    out = {}
    for name, table in tables.items():
        frame = published[name].copy().astype(object)
        markers = []
        for i, row in enumerate(frame.to_dict("records")):
            key = tuple(normalize(row[c]) for c in table.grain)
            names_hidden = [c for c in table.columns if c in hidden[name].get(key, ())]
            for column in names_hidden:
                frame.iat[i, frame.columns.get_loc(column)] = None
            markers.append(names_hidden)
        if name != KPIS:  # analytics_metrics has no marker column: a null is the marker
            frame["suppressed_columns"] = markers
        out[name] = frame
    return out
