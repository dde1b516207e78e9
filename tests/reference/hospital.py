"""Reference computations of the hospital operations pack (docs/metrics.md,
"Hospital operations pack"): the exact (unsuppressed) figures of its eight
published tables and of its KPIs, from the hospital's own operational database.

Written from the definitions only; it imports nothing of the project.

Inputs:
- The operational tables, read DIRECTLY from the hospital's database
  (`read_operational`, schema `hospital`): every table holds the current row of
  each id, which is its newest version; a hard-deleted row is absent, and
  `hospital.deleted_rows` says when it went.
- The one input taken from the warehouse: which rows ingest quarantined
  (`read_quarantined`, from `raw._quarantine`). A row whose current version was
  quarantined is in no staging table, so it counts nowhere here either.

`prepare(tables, quarantined, as_of)` applies the pack's rules (deletions,
cascades to facts, the as-of cut, money eligibility) and every table function
takes its `HospitalInputs`. Conventions:
- Days are `datetime.date`, months their first day; a null number is NaN; a
  ratio with a zero denominator is null.
- Money is exact: integer cents while computing, `Decimal` with two places in
  the frames (sums of numeric(12,2) amounts).
- All-departments (all-test-types) rows are computed from the rows under a
  sentinel scope, never from the department rows' results.
- Each table has the published columns in docs order without
  `suppressed_columns`, then the extra columns the small-cell rule weighs
  (`EXTRA`), sorted by its grain (all-departments rows first).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

import numpy as np
import pandas as pd

from .activity import (
    change_percentage,
    day_range,
    long_kpi_rows,
    month_start,
    next_month,
    percentile_cont,
    ratio,
)
from .compare import frame_differences
from .hr import KPI_COLUMNS, KPI_KEYS  # analytics_metrics' columns and grain

OPERATIONAL_TABLES = (
    "departments", "staff", "patients", "appointments", "medical_records", "lab_tests",
    "invoices", "payments",
)  # fmt: skip
PATIENT_FACTS = ("appointments", "medical_records", "lab_tests", "invoices")
CURRENCY = "USD"  # ANALYTICS_HOSPITAL_CURRENCY's default
ALL = "\x00all"  # sentinel of the all-departments / all-test-types rows while computing
ACTIVE_DAYS = 90
PERIOD_DAYS = 30  # the dashboard's current and previous periods
SEXES = ("male", "female", "other")
AGE_BANDS = (("0_17", 0, 17), ("18_34", 18, 34), ("35_49", 35, 49), ("50_64", 50, 64),
             ("65_79", 65, 79), ("80_plus", 80, None))  # fmt: skip
NS_PER_SECOND = 1_000_000_000


# -- reading the operational database and the quarantine -------------------------------


def read_operational(conn) -> dict[str, pd.DataFrame]:
    """The current rows of every table of schema `hospital` (and `deleted_rows`),
    through a DB-API connection to the hospital's own database."""
    frames = {}
    with conn.cursor() as cur:
        for table in (*OPERATIONAL_TABLES, "deleted_rows"):
            cur.execute(f"select * from hospital.{table} order by id")
            columns = [d[0] for d in cur.description]
            frames[table] = pd.DataFrame(cur.fetchall(), columns=columns)
    return frames


def read_quarantined(conn) -> dict[str, dict[int, pd.Timestamp | None]]:
    """{operational table: {id: the quarantined version's updated_at}} of the
    hospital rows in the warehouse's `raw._quarantine` (a DB-API connection to the
    warehouse): the one input of this reference taken from the warehouse."""
    with conn.cursor() as cur:
        cur.execute(
            "select source, payload from raw._quarantine where source like 'hospital\\_%'"
            " order by quarantined_at"
        )
        rows = cur.fetchall()
    return quarantine_ids(rows)


def quarantine_ids(rows: Iterable[tuple[str, str]]) -> dict[str, dict[int, pd.Timestamp | None]]:
    """(source, payload JSON) -> {table: {id: updated_at of the quarantined version}}
    (the latest one when an id was quarantined more than once; None when unreadable)."""
    out: dict[str, dict[int, pd.Timestamp | None]] = {}
    for source, payload in rows:
        table = source.removeprefix("hospital_")
        try:
            record = json.loads(payload)
            row_id = int(record["id"])
        except (ValueError, TypeError, KeyError):
            continue  # a row without a readable id matches no operational row
        try:
            updated = pd.Timestamp(record.get("updated_at"))
            updated = updated.tz_localize("UTC") if updated.tzinfo is None else updated
        except (ValueError, TypeError):
            updated = None
        seen = out.setdefault(table, {})
        if row_id in seen and (seen[row_id] is None or updated is None):
            seen[row_id] = None  # unreadable: the id goes whatever its version
        else:
            seen[row_id] = max(seen.get(row_id, updated), updated)
    return out


# -- small helpers -----------------------------------------------------------------------


def end_of(day: date) -> pd.Timestamp:
    """Exclusive end of a day: day + 1, 00:00 UTC."""
    return pd.Timestamp(day + timedelta(days=1)).tz_localize("UTC")


def utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True)


def day_of(ts: pd.Series) -> pd.Series:
    """UTC day of each timestamp (None for null)."""
    days = ts.dt.tz_convert("UTC").dt.date.astype(object)
    return days.where(ts.notna(), None)


def month_end(start: date) -> date:
    return next_month(start) - timedelta(days=1)


def age_years(born: date, day: date) -> int:
    """extract(year from age(day, born)): whole years, a 29 February birthday
    turning a year older on 1 March in non-leap years."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(born, day: date) -> str:
    """The pack's age band at `day` ('unknown' without a date of birth or after `day`)."""
    if born is None or (isinstance(born, float) and born != born) or born is pd.NaT:
        return "unknown"
    born = pd.Timestamp(born).date() if not isinstance(born, date) else born
    if born > day:
        return "unknown"
    years = age_years(born, day)
    for name, low, high in AGE_BANDS:
        if years >= low and (high is None or years <= high):
            return name.replace("_", "-").replace("-plus", "+")
    raise AssertionError(years)


def sex_of(value) -> str:
    return value if value in SEXES else "unknown"


def cents(values: pd.Series) -> pd.Series:
    """numeric(12,2) amounts as integer cents."""
    return values.map(lambda v: int((Decimal(str(v)) * 100).to_integral_value())).astype("int64")


def money(total_cents: int) -> Decimal:
    return Decimal(int(total_cents)).scaleb(-2)


def _seconds(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds()


def _clip0(values: pd.Series) -> pd.Series:
    return values.where(values.isna() | (values >= 0), 0.0)


def _mean(values: Iterable[float]) -> float:
    array = np.asarray([v for v in values if not pd.isna(v)], dtype=float)
    return float(array.mean()) if array.size else float("nan")


def _ordinals(days: pd.Series) -> pd.Series:
    """Day numbers (date.toordinal) of dates, NaN for None: fast range tests."""
    return pd.Series(
        [np.nan if d is None else float(d.toordinal()) for d in days], index=days.index
    )


def _between(frame: pd.DataFrame, column: str, first: date, last: date) -> pd.Series:
    """The rows of `frame` whose day `column` (dates or None) is within first..last
    (through its ordinals, column + "_n")."""
    ordinals = frame[f"{column}_n"]
    return (ordinals >= first.toordinal()) & (ordinals <= last.toordinal())


def _with_ordinals(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    return frame.assign(**{f"{c}_n": _ordinals(frame[c]) for c in columns})


def _finish(rows: list[dict], columns: list[str], grain: list[str]) -> pd.DataFrame:
    """Sentinel -> None, exactly `columns`, sorted by `grain` (nulls first)."""
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    for column in grain:
        values = frame[column].astype(object)
        frame[column] = values.where(values != ALL, None)
    keys = [frame[c].map(lambda v: (v is not None, v)) for c in grain]
    order = sorted(range(len(frame)), key=lambda i: tuple(k.iat[i] for k in keys))
    return frame.iloc[order].reset_index(drop=True)


# -- inputs ------------------------------------------------------------------------------


@dataclass
class HospitalInputs:
    """The pack's rows as of a date (see module docstring). Every frame is live
    (not deleted, not quarantined, not hanging on a deleted patient or invoice)
    and cut at the end of the as-of date on its bucketing time, with the UTC days
    of its times; `bookings` are the appointments booked by then (scheduled any
    day), `appointments` those scheduled by then."""

    as_of: date
    currency: str
    patients: pd.DataFrame  # + reg_day
    staff: pd.DataFrame  # newest version of each staff member present (deleted or not)
    bookings: pd.DataFrame  # + booked_day
    appointments: pd.DataFrame  # + day, lead_days, waiting_minutes, duration_minutes
    records: pd.DataFrame  # + day, finalized_day (status finalized), finalize_hours
    tests: pd.DataFrame  # + day, resulted_day (status completed), turnaround_hours
    invoices: pd.DataFrame  # all live invoices issued by then + day, cents, eligible
    payments: pd.DataFrame  # live payments paid by then on live invoices + day, cents, ...
    cache: dict = field(default_factory=dict, repr=False)

    @property
    def end(self) -> pd.Timestamp:
        return end_of(self.as_of)

    @cached_property
    def money_invoices(self) -> pd.DataFrame:
        """Non-void invoices in the hospital's currency (the money columns' invoices)."""
        return self.invoices[self.invoices["eligible"]]

    @cached_property
    def money_payments(self) -> pd.DataFrame:
        return self.payments[self.payments["eligible"]]


TIMESTAMPS = {
    "departments": ("created_at", "updated_at", "deleted_at"),
    "staff": ("hired_at", "created_at", "updated_at", "deleted_at"),
    "patients": ("created_at", "updated_at", "deleted_at"),
    "appointments": ("booked_at", "scheduled_start", "checked_in_at", "started_at", "ended_at",
                     "cancelled_at", "created_at", "updated_at", "deleted_at"),
    "medical_records": ("created_at", "finalized_at", "updated_at", "deleted_at"),
    "lab_tests": ("ordered_at", "collected_at", "resulted_at", "created_at", "updated_at",
                  "deleted_at"),
    "invoices": ("issued_at", "due_at", "created_at", "updated_at", "deleted_at"),
    "payments": ("paid_at", "created_at", "updated_at", "deleted_at"),
    "deleted_rows": ("deleted_at", "updated_at"),
}  # fmt: skip


def _typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in TIMESTAMPS.get(name, ()):
        if column in frame:
            frame[column] = utc(frame[column])
        else:
            frame[column] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    return frame


def live_rows(
    name: str,
    frame: pd.DataFrame,
    deleted_rows: pd.DataFrame,
    quarantined: Mapping[str, Mapping[int, pd.Timestamp | None]],
    keep_deleted: bool = False,
) -> pd.DataFrame:
    """The rows of operational table `name` that count: not quarantined (their
    current version), not soft-deleted, not hard-deleted after their newest
    `updated_at` (a row re-inserted after its delete is alive). `keep_deleted`:
    only the quarantine filter (reference rows described whether deleted or not)."""
    frame = _typed(name, frame)
    keep = frame["deleted_at"].isna() | keep_deleted
    gone = deleted_rows[deleted_rows["table_name"] == name]
    if len(gone) and not keep_deleted:
        last_delete = gone.groupby("row_id")["deleted_at"].max()
        deleted_at = frame["id"].map(last_delete)
        keep &= ~(deleted_at.notna() & (deleted_at >= frame["updated_at"]))
    bad = quarantined.get(name, {})
    if bad:

        def current_quarantined(row_id, updated) -> bool:
            if row_id not in bad:
                return False
            stamp = bad[row_id]
            return stamp is None or stamp >= updated

        keep &= ~pd.Series(
            [
                current_quarantined(i, u)
                for i, u in zip(frame["id"], frame["updated_at"], strict=True)
            ],
            index=frame.index,
            dtype=bool,
        )
    return frame[keep].reset_index(drop=True)


def deleted_patient_ids(patients: pd.DataFrame, deleted_rows: pd.DataFrame, live: set) -> set:
    """Patients deleted (soft, or hard and not re-inserted): the ones whose facts go."""
    soft = set(patients.loc[patients["deleted_at"].notna(), "id"])
    hard = set(deleted_rows.loc[deleted_rows["table_name"] == "patients", "row_id"])
    return (soft | hard) - live


def prepare(
    tables: Mapping[str, pd.DataFrame],
    quarantined: Mapping[str, Mapping[int, pd.Timestamp | None]],
    as_of: date,
    currency: str = CURRENCY,
) -> HospitalInputs:
    """The inputs of every table as of `as_of`, from the operational tables (as
    `read_operational` returns them) and the quarantined rows (`read_quarantined`)."""
    deleted_rows = _typed("deleted_rows", tables["deleted_rows"])
    live = {
        name: live_rows(name, tables[name], deleted_rows, quarantined)
        for name in OPERATIONAL_TABLES
    }
    patients_typed = _typed("patients", tables["patients"])
    gone = deleted_patient_ids(patients_typed, deleted_rows, set(live["patients"]["id"]))
    for name in PATIENT_FACTS:  # facts hang on their patient
        live[name] = live[name][~live[name]["patient_id"].isin(gone)].reset_index(drop=True)
    end = end_of(as_of)

    patients = live["patients"]
    patients = patients[patients["created_at"] < end].copy()
    patients["reg_day"] = day_of(patients["created_at"])

    appointments = live["appointments"].copy()
    appointments["booked_day"] = day_of(appointments["booked_at"])
    bookings = appointments[appointments["booked_at"] < end].reset_index(drop=True)
    appointments = appointments[appointments["scheduled_start"] < end].copy()
    appointments["day"] = day_of(appointments["scheduled_start"])
    lead = _seconds(appointments["scheduled_start"] - appointments["booked_at"]) / 86400
    appointments["lead_days"] = _clip0(lead)
    completed = appointments["status"] == "completed"
    since = appointments[["scheduled_start", "checked_in_at"]].max(axis=1)
    waiting = _clip0(_seconds(appointments["started_at"] - since) / 60)
    appointments["waiting_minutes"] = waiting.where(completed & appointments["started_at"].notna())
    duration = _seconds(appointments["ended_at"] - appointments["started_at"]) / 60
    appointments["duration_minutes"] = duration.where(completed)

    records = live["medical_records"]
    records = records[records["created_at"] < end].copy()
    records["day"] = day_of(records["created_at"])
    finalized = (records["status"] == "finalized") & records["finalized_at"].notna()
    records["finalized_day"] = day_of(records["finalized_at"]).where(finalized, None)
    hours = _seconds(records["finalized_at"] - records["created_at"]) / 3600
    records["finalize_hours"] = hours.where(finalized)

    tests = live["lab_tests"]
    tests = tests[tests["ordered_at"] < end].copy()
    tests["day"] = day_of(tests["ordered_at"])
    resulted = (tests["status"] == "completed") & tests["resulted_at"].notna()
    tests["resulted_day"] = day_of(tests["resulted_at"]).where(resulted, None)
    tests["turnaround_hours"] = (_seconds(tests["resulted_at"] - tests["ordered_at"]) / 3600).where(
        resulted
    )

    all_invoices = live["invoices"].copy()
    all_invoices["cents"] = cents(all_invoices["amount"]) if len(all_invoices) else 0
    all_invoices["eligible"] = (all_invoices["status"] != "void") & (
        all_invoices["currency"].fillna(currency) == currency
    )
    invoices = all_invoices[all_invoices["issued_at"] < end].copy()
    invoices["day"] = day_of(invoices["issued_at"])

    # A payment counts on its paid_at day whatever day its invoice was issued; it
    # needs its (live) invoice for the department, the currency and the status.
    payments = live["payments"]
    payments = payments[payments["paid_at"] < end]
    info = all_invoices.set_index("id")[["department_id", "eligible", "issued_at", "cents"]]
    payments = payments[payments["invoice_id"].isin(info.index)].copy()
    payments["cents"] = cents(payments["amount"]) if len(payments) else 0
    payments["day"] = day_of(payments["paid_at"])
    for column in ("department_id", "eligible"):
        payments[column] = payments["invoice_id"].map(info[column])
    payments["eligible"] = payments["eligible"].astype(bool)

    keep = {
        "patients": ["id", "date_of_birth", "sex", "created_at", "reg_day"],
        "appointments": [
            "id", "patient_id", "doctor_id", "department_id", "booked_at", "scheduled_start",
            "checked_in_at", "started_at", "ended_at", "status", "booked_day", "day",
            "lead_days", "waiting_minutes", "duration_minutes",
        ],
        "records": ["id", "patient_id", "doctor_id", "status", "created_at", "finalized_at",
                    "day", "finalized_day", "finalize_hours"],
        "tests": ["id", "patient_id", "test_type", "status", "ordered_at", "resulted_at",
                  "is_abnormal", "day", "resulted_day", "turnaround_hours"],
        "invoices": ["id", "patient_id", "department_id", "issued_at", "due_at", "cents",
                     "currency", "status", "eligible", "day"],
        "payments": ["id", "invoice_id", "paid_at", "cents", "department_id", "eligible", "day"],
    }  # fmt: skip
    days = {"patients": ["reg_day"], "appointments": ["day"], "records": ["day", "finalized_day"],
            "tests": ["day", "resulted_day"], "invoices": ["day"], "payments": ["day"]}  # fmt: skip

    def slim(name: str, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[keep[name]].reset_index(drop=True)
        return _with_ordinals(frame, days[name])

    return HospitalInputs(
        as_of=as_of,
        currency=currency,
        patients=slim("patients", patients),
        staff=live_rows("staff", tables["staff"], deleted_rows, quarantined, keep_deleted=True),
        bookings=bookings[keep["appointments"][:-4]].reset_index(drop=True),
        appointments=slim("appointments", appointments),
        records=slim("records", records),
        tests=slim("tests", tests),
        invoices=slim("invoices", invoices),
        payments=slim("payments", payments),
    )


# -- shared measures ---------------------------------------------------------------------


def appointment_measures(rows: pd.DataFrame) -> dict:
    """The appointment figures of appointment_analytics over `rows` (the
    appointments scheduled in a cell: a day, a month, a doctor's month...)."""
    status = rows["status"]
    total = len(rows)
    completed = int((status == "completed").sum())
    cancelled = int((status == "cancelled").sum())
    no_show = int((status == "no_show").sum())
    waiting = rows["waiting_minutes"].dropna()
    duration = rows["duration_minutes"].dropna()
    seen = rows[status == "completed"]
    return {
        "total_appointments": total,
        "completed_appointments": completed,
        "cancelled_appointments": cancelled,
        "no_show_appointments": no_show,
        "unresolved_appointments": int((status == "scheduled").sum()),
        "completion_rate": ratio(completed, total),
        "cancellation_rate": ratio(cancelled, total),
        "no_show_rate": ratio(no_show, completed + no_show),
        "lead_time_p50_days": percentile_cont(rows["lead_days"], 0.5),
        "lead_time_p90_days": percentile_cont(rows["lead_days"], 0.9),
        "waiting_time_p50_minutes": percentile_cont(waiting, 0.5),
        "waiting_time_p90_minutes": percentile_cont(waiting, 0.9),
        "avg_duration_minutes": _mean(duration),
        "unique_patients": int(seen["patient_id"].nunique()),
        "active_doctors": int(seen["doctor_id"].nunique()),
        "waiting_time_rows": len(waiting),
        "duration_rows": len(duration),
    }


def encounters(inp: HospitalInputs) -> pd.DataFrame:
    """(patient_id, day) of every encounter: a completed appointment (its scheduled
    day), a record created, a lab test ordered that is not cancelled."""
    appointments = inp.appointments[inp.appointments["status"] == "completed"]
    tests = inp.tests[inp.tests["status"] != "cancelled"]
    parts = [frame[["patient_id", "day"]] for frame in (appointments, inp.records, tests)]
    return pd.concat(parts, ignore_index=True)


def distinct_patients(inp: HospitalInputs, first: date, last: date) -> int:
    """Distinct patients with an encounter in first..last."""
    key = ("encounters",)
    if key not in inp.cache:
        frame = encounters(inp)
        inp.cache[key] = (
            frame["patient_id"].to_numpy(),
            np.array([d.toordinal() for d in frame["day"]], dtype=np.int64),
        )
    ids, days = inp.cache[key]
    mask = (days >= first.toordinal()) & (days <= last.toordinal())
    return len(np.unique(ids[mask]))


def active_patients(inp: HospitalInputs, day: date) -> int:
    """Distinct active patients on `day` (an encounter in the trailing 90 days)."""
    return distinct_patients(inp, day - timedelta(days=ACTIVE_DAYS - 1), day)


def drafts_open(inp: HospitalInputs, day: date) -> int:
    """Records created before the end of `day` not finalized by then."""
    r, end = inp.records, end_of(day)
    created = r["created_at"] < end
    still_draft = (r["status"] == "draft") | (
        (r["status"] == "finalized") & r["finalized_at"].notna() & (r["finalized_at"] >= end)
    )
    return int((created & still_draft).sum())


def pending_backlog(tests: pd.DataFrame, day: date) -> int:
    """Tests ordered before the end of `day`, not cancelled, without a result by then."""
    end = end_of(day)
    waiting = tests["resulted_at"].isna() | (tests["resulted_at"] >= end)
    return int(((tests["ordered_at"] < end) & (tests["status"] != "cancelled") & waiting).sum())


def balances(inp: HospitalInputs, day: date) -> pd.DataFrame:
    """The money invoices issued before the end of `day` with their balance at the
    end of `day`: balance_cents = greatest(0, amount - payments paid by then);
    open (balance > 0), overdue (open and due before the end of `day`)."""
    key = ("balances", day)
    if key not in inp.cache:
        end = end_of(day)
        invoices = inp.money_invoices
        invoices = invoices[invoices["issued_at"] < end]
        payments = inp.money_payments
        paid = payments[payments["paid_at"] < end].groupby("invoice_id")["cents"].sum()
        paid_cents = invoices["id"].map(paid).fillna(0).astype("int64")
        balance = (invoices["cents"] - paid_cents).clip(lower=0)
        frame = pd.DataFrame(
            {
                "department_id": invoices["department_id"].to_numpy(),
                "balance_cents": balance.to_numpy(),
                "open": (balance > 0).to_numpy(),
                "overdue": ((balance > 0) & (invoices["due_at"] < end)).to_numpy(),
            }
        )
        inp.cache[key] = frame
    return inp.cache[key]


def receivables(inp: HospitalInputs, day: date, department=ALL) -> dict:
    frame = balances(inp, day)
    if department != ALL:
        frame = frame[frame["department_id"] == department]
    open_, overdue = frame[frame["open"]], frame[frame["overdue"]]
    return {
        "outstanding_receivables": money(open_["balance_cents"].sum()),
        "open_invoices": len(open_),
        "overdue_receivables": money(overdue["balance_cents"].sum()),
        "overdue_invoices": len(overdue),
    }


def paid_in_full(inp: HospitalInputs) -> pd.DataFrame:
    """Money invoices (amount > 0) paid in full by the as-of date: invoice id,
    department_id, day and days_to_payment (from issue, negative as 0). Paid in
    full at the payment bringing the running sum (paid_at, then id order) to the
    amount or more."""
    key = ("paid_in_full",)
    if key in inp.cache:
        return inp.cache[key]
    invoices = inp.money_invoices
    invoices = invoices[invoices["cents"] > 0].set_index("id")
    payments = inp.money_payments.sort_values(["paid_at", "id"], kind="stable")
    rows = []
    for invoice_id, group in payments.groupby("invoice_id", sort=False):
        if invoice_id not in invoices.index:
            continue  # issued after the as-of date (or amount 0)
        invoice = invoices.loc[invoice_id]
        reached = group["cents"].cumsum() >= invoice["cents"]
        if not reached.any():
            continue
        at = group.loc[reached.idxmax(), "paid_at"]
        days = max(0.0, (at - invoice["issued_at"]).total_seconds() / 86400)
        rows.append(
            {
                "invoice_id": invoice_id,
                "department_id": invoice["department_id"],
                "day": at.tz_convert("UTC").date(),
                "days_to_payment": days,
            }
        )
    frame = pd.DataFrame(rows, columns=["invoice_id", "department_id", "day", "days_to_payment"])
    inp.cache[key] = frame
    return frame


def first_days(inp: HospitalInputs) -> dict[str, date | None]:
    """The first day each daily table has a row (None: no row)."""

    def first(values: Iterable) -> date | None:
        days = [d for d in values if d is not None]
        return min(days) if days else None

    bookings = inp.bookings["booked_day"]
    return {
        "patient_analytics": first(inp.patients["reg_day"]),
        "appointment_analytics": first([*inp.appointments["day"], *bookings]),
        "medical_records_analytics": first(inp.records["day"]),
        "lab_tests_analytics": first(inp.tests["day"]),
        "revenue_analytics": first(inp.invoices["day"]),
    }


def first_fact_day(inp: HospitalInputs) -> date | None:
    days = [d for d in first_days(inp).values() if d is not None]
    return min(days) if days else None


def department_first_days(inp: HospitalInputs) -> dict[int, date]:
    """Each department's first appointment (scheduled_start) or invoice (issued_at) day."""
    firsts: dict[int, date] = {}
    for frame in (inp.appointments, inp.invoices):
        for department, day in frame.groupby("department_id")["day"].min().items():
            firsts[department] = min(firsts.get(department, day), day)
    return firsts


# -- patient_analytics -------------------------------------------------------------------

AGE_COLUMNS = [f"new_patients_age_{name}" for name, _, _ in AGE_BANDS] + [
    "new_patients_age_unknown"
]
SEX_COLUMNS = [f"new_patients_{s}" for s in SEXES] + ["new_patients_sex_unknown"]
PATIENT_ANALYTICS = ["metric_date", "new_patients", *SEX_COLUMNS, *AGE_COLUMNS,
                     "active_patients"]  # fmt: skip


def patient_analytics(inp: HospitalInputs) -> pd.DataFrame:
    """patient_analytics: every day from the first registration to the as-of date."""
    p = inp.patients
    if p.empty:
        return _finish([], PATIENT_ANALYTICS, ["metric_date"])
    sex = p["sex"].map(sex_of)
    band = [age_band(b, d) for b, d in zip(p["date_of_birth"], p["reg_day"], strict=True)]
    band_column = {
        name.replace("_", "-").replace("-plus", "+"): f"new_patients_age_{name}"
        for name, _, _ in AGE_BANDS
    }
    band_column["unknown"] = "new_patients_age_unknown"
    frame = pd.DataFrame(
        {
            "day": p["reg_day"],
            "sex": [f"new_patients_{s}" if s in SEXES else "new_patients_sex_unknown" for s in sex],
            "band": [band_column[b] for b in band],
        }
    )
    by_sex = frame.groupby(["day", "sex"]).size()
    by_band = frame.groupby(["day", "band"]).size()
    new = frame.groupby("day").size()
    rows = []
    for d in day_range(min(p["reg_day"]), inp.as_of):
        row = {"metric_date": d, "new_patients": int(new.get(d, 0))}
        row.update({c: int(by_sex.get((d, c), 0)) for c in SEX_COLUMNS})
        row.update({c: int(by_band.get((d, c), 0)) for c in AGE_COLUMNS})
        row["active_patients"] = active_patients(inp, d)
        rows.append(row)
    return _finish(rows, PATIENT_ANALYTICS, ["metric_date"])


# -- appointment_analytics ---------------------------------------------------------------

APPOINTMENT_ANALYTICS = [
    "department_id", "metric_date", "bookings_made", "total_appointments",
    "completed_appointments", "cancelled_appointments", "no_show_appointments",
    "unresolved_appointments", "completion_rate", "cancellation_rate", "no_show_rate",
    "lead_time_p50_days", "lead_time_p90_days", "waiting_time_p50_minutes",
    "waiting_time_p90_minutes", "avg_duration_minutes", "unique_patients", "active_doctors",
    "waiting_time_rows", "duration_rows",
]  # fmt: skip


def _scoped(frame: pd.DataFrame, column: str = "department_id") -> pd.DataFrame:
    """The rows once per department and once more under the ALL sentinel."""
    return pd.concat(
        [frame.assign(scope=frame[column].astype(object)), frame.assign(scope=ALL)],
        ignore_index=True,
    )


def appointment_analytics(inp: HospitalInputs) -> pd.DataFrame:
    """appointment_analytics: (department, day) with an appointment scheduled or
    booked that day, and the all-departments row of each such day."""
    scheduled = _scoped(inp.appointments)
    booked = _scoped(inp.bookings)
    booked = booked[booked["booked_day"] <= inp.as_of]
    bookings = booked.groupby(["scope", "booked_day"], sort=False).size()
    by_cell = {key: g for key, g in scheduled.groupby(["scope", "day"], sort=False)}
    cells = set(by_cell) | set(bookings.index)
    empty = scheduled.iloc[0:0]
    rows = []
    for scope, d in cells:
        measures = appointment_measures(by_cell.get((scope, d), empty))
        rows.append(
            {
                "department_id": scope,
                "metric_date": d,
                "bookings_made": int(bookings.get((scope, d), 0)),
                **measures,
            }
        )
    return _finish(rows, APPOINTMENT_ANALYTICS, ["department_id", "metric_date"])


# -- doctor_performance ------------------------------------------------------------------

DOCTOR_PERFORMANCE = [
    "doctor_id", "month_start", "department_id", "specialty", "total_appointments",
    "completed_appointments", "cancelled_appointments", "no_show_appointments",
    "unresolved_appointments", "completion_rate", "no_show_rate", "avg_duration_minutes",
    "unique_patients", "records_created", "records_finalized", "finalize_time_p50_hours",
    "finalize_time_p90_hours", "duration_rows",
]  # fmt: skip


def _month(days: pd.Series) -> pd.Series:
    return days.map(lambda d: None if d is None else month_start(d))


def doctor_performance(inp: HospitalInputs) -> pd.DataFrame:
    """doctor_performance: (doctor, month) with an appointment of the doctor
    scheduled, or a record of the doctor created or finalized, in the month."""
    appointments = inp.appointments.assign(month=_month(inp.appointments["day"]))
    records = inp.records.assign(month=_month(inp.records["day"]))
    finalized = inp.records[
        inp.records["finalized_day"].map(lambda d: d is not None and d <= inp.as_of).astype(bool)
    ]
    finalized = finalized.assign(month=_month(finalized["finalized_day"]))
    by_appointments = {k: g for k, g in appointments.groupby(["doctor_id", "month"])}
    created = records.groupby(["doctor_id", "month"]).size()
    by_finalized = {k: g for k, g in finalized.groupby(["doctor_id", "month"])}
    staff = inp.staff.set_index("id")
    cells = set(by_appointments) | set(created.index) | set(by_finalized)
    rows = []
    for doctor, month in cells:
        measures = appointment_measures(
            by_appointments.get((doctor, month), appointments.iloc[0:0])
        )
        done = by_finalized.get((doctor, month), finalized.iloc[0:0])
        known = doctor in staff.index
        rows.append(
            {
                "doctor_id": doctor,
                "month_start": month,
                "department_id": _id(staff.at[doctor, "department_id"]) if known else None,
                "specialty": _value(staff.at[doctor, "specialty"]) if known else None,
                **measures,
                "records_created": int(created.get((doctor, month), 0)),
                "records_finalized": len(done),
                "finalize_time_p50_hours": percentile_cont(done["finalize_hours"], 0.5),
                "finalize_time_p90_hours": percentile_cont(done["finalize_hours"], 0.9),
            }
        )
    return _finish(rows, DOCTOR_PERFORMANCE, ["doctor_id", "month_start"])


def _id(value) -> int | None:
    value = _value(value)
    return None if value is None else int(value)


def _value(value):
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return int(value) if isinstance(value, np.integer) else value


# -- medical_records_analytics -----------------------------------------------------------

MEDICAL_RECORDS_ANALYTICS = [
    "metric_date", "records_created", "records_finalized", "drafts_open",
    "finalize_time_p50_hours", "finalize_time_p90_hours",
]  # fmt: skip


def medical_records_analytics(inp: HospitalInputs) -> pd.DataFrame:
    """medical_records_analytics: every day from the first record's creation."""
    r = inp.records
    if r.empty:
        return _finish([], MEDICAL_RECORDS_ANALYTICS, ["metric_date"])
    created = r.groupby("day").size()
    rows = []
    for d in day_range(min(r["day"]), inp.as_of):
        done = r[r["finalized_day"] == d]
        rows.append(
            {
                "metric_date": d,
                "records_created": int(created.get(d, 0)),
                "records_finalized": len(done),
                "drafts_open": drafts_open(inp, d),
                "finalize_time_p50_hours": percentile_cont(done["finalize_hours"], 0.5),
                "finalize_time_p90_hours": percentile_cont(done["finalize_hours"], 0.9),
            }
        )
    return _finish(rows, MEDICAL_RECORDS_ANALYTICS, ["metric_date"])


# -- lab_tests_analytics -----------------------------------------------------------------

LAB_TESTS_ANALYTICS = [
    "test_type", "metric_date", "tests_ordered", "tests_cancelled", "tests_completed",
    "pending_backlog", "turnaround_p50_hours", "turnaround_p90_hours", "abnormal_rate",
    "abnormal_tests", "flagged_tests",
]  # fmt: skip


def lab_tests_analytics(inp: HospitalInputs) -> pd.DataFrame:
    """lab_tests_analytics: each test type every day from its first order, and the
    all-test-types row every day from the first order."""
    tests = _scoped(inp.tests, "test_type")
    rows = []
    for scope, group in tests.groupby("scope", sort=False):
        ordered = group.groupby("day").size()
        cancelled = group[group["status"] == "cancelled"].groupby("day").size()
        for d in day_range(min(group["day"]), inp.as_of):
            done = group[group["resulted_day"] == d]
            flagged = done["is_abnormal"].dropna().astype(bool)
            rows.append(
                {
                    "test_type": scope,
                    "metric_date": d,
                    "tests_ordered": int(ordered.get(d, 0)),
                    "tests_cancelled": int(cancelled.get(d, 0)),
                    "tests_completed": len(done),
                    "pending_backlog": pending_backlog(group, d),
                    "turnaround_p50_hours": percentile_cont(done["turnaround_hours"], 0.5),
                    "turnaround_p90_hours": percentile_cont(done["turnaround_hours"], 0.9),
                    "abnormal_rate": ratio(int(flagged.sum()), len(flagged)),
                    "abnormal_tests": int(flagged.sum()),
                    "flagged_tests": len(flagged),
                }
            )
    return _finish(rows, LAB_TESTS_ANALYTICS, ["test_type", "metric_date"])


# -- revenue_analytics -------------------------------------------------------------------

REVENUE_ANALYTICS = [
    "department_id", "metric_date", "invoices_issued", "billed_amount",
    "invoices_other_currency", "payments_received", "collected_amount",
    "outstanding_receivables", "open_invoices", "overdue_receivables", "overdue_invoices",
    "invoices_paid_in_full", "time_to_payment_p50_days", "avg_time_to_payment_days",
]  # fmt: skip


def revenue_analytics(inp: HospitalInputs) -> pd.DataFrame:
    """revenue_analytics: each department every day from its first invoice (or an
    earlier payment in the hospital's currency, paid before its invoice was
    issued), and the all-departments row every day from the first such day."""
    invoices = inp.invoices
    if invoices.empty:
        return _finish([], REVENUE_ANALYTICS, ["department_id", "metric_date"])
    facts = pd.concat(
        [invoices[["department_id", "day"]], inp.money_payments[["department_id", "day"]]]
    )
    firsts = {ALL: min(facts["day"])}
    firsts.update(facts.groupby("department_id")["day"].min().to_dict())
    issued = _scoped(invoices)
    money_issued = issued[issued["eligible"]]
    other = issued[(issued["status"] != "void") & ~issued["eligible"]]
    paid = _scoped(inp.money_payments)
    full = _scoped(paid_in_full(inp))
    billed = money_issued.groupby(["scope", "day"], sort=False)["cents"].agg(["size", "sum"])
    collected = paid.groupby(["scope", "day"], sort=False)["cents"].agg(["size", "sum"])
    others = other.groupby(["scope", "day"], sort=False).size()
    by_full = {k: g["days_to_payment"] for k, g in full.groupby(["scope", "day"], sort=False)}
    rows = []
    for scope, first in firsts.items():
        for d in day_range(first, inp.as_of):
            key = (scope, d)
            n_billed, s_billed = billed.loc[key] if key in billed.index else (0, 0)
            n_paid, s_paid = collected.loc[key] if key in collected.index else (0, 0)
            days = by_full.get(key, pd.Series(dtype=float))
            rows.append(
                {
                    "department_id": scope,
                    "metric_date": d,
                    "invoices_issued": int(n_billed),
                    "billed_amount": money(s_billed),
                    "invoices_other_currency": int(others.get(key, 0)),
                    "payments_received": int(n_paid),
                    "collected_amount": money(s_paid),
                    **receivables(inp, d, scope),
                    "invoices_paid_in_full": len(days),
                    "time_to_payment_p50_days": percentile_cont(days, 0.5),
                    "avg_time_to_payment_days": _mean(days),
                }
            )
    return _finish(rows, REVENUE_ANALYTICS, ["department_id", "metric_date"])


# -- monthly_summary ---------------------------------------------------------------------

MONTHLY_SUMMARY = [
    "month_start", "days_in_period", "new_patients", "avg_daily_new_patients",
    "active_patients_end", "total_appointments", "completed_appointments",
    "cancelled_appointments", "no_show_appointments", "unresolved_appointments",
    "avg_daily_appointments", "completion_rate", "no_show_rate", "unique_patients_seen",
    "records_created", "records_finalized", "lab_tests_ordered", "lab_tests_completed",
    "billed_amount", "collected_amount", "outstanding_receivables_end",
    "invoices_issued", "payments_received", "open_invoices_end",
]  # fmt: skip


def period_facts(inp: HospitalInputs, first: date, last: date, department=ALL) -> dict:
    """The counts and sums of the facts of days first..last (hospital-wide figures
    only for ALL)."""

    def within(frame: pd.DataFrame, column: str = "day") -> pd.DataFrame:
        if department != ALL:
            frame = frame[frame["department_id"] == department]
        return frame[_between(frame, column, first, last)]

    appointments = within(inp.appointments)
    invoices = within(inp.money_invoices)
    payments = within(inp.money_payments)
    out = {
        **appointment_measures(appointments),
        "billed_amount": money(invoices["cents"].sum()),
        "invoices_issued": len(invoices),
        "collected_amount": money(payments["cents"].sum()),
        "payments_received": len(payments),
    }
    if department == ALL:
        finalized = inp.records[_between(inp.records, "finalized_day", first, last)]
        completed = inp.tests[_between(inp.tests, "resulted_day", first, last)]
        out.update(
            {
                "new_patients": int(_between(inp.patients, "reg_day", first, last).sum()),
                "records_created": int(_between(inp.records, "day", first, last).sum()),
                "records_finalized": len(finalized),
                "finalize_hours": finalized["finalize_hours"],
                "lab_tests_ordered": int(_between(inp.tests, "day", first, last).sum()),
                "lab_tests_completed": len(completed),
                "turnaround_hours": completed["turnaround_hours"],
            }
        )
    return out


def monthly_summary(inp: HospitalInputs) -> pd.DataFrame:
    """monthly_summary: every month from the first day any daily table has a row."""
    first = first_fact_day(inp)
    if first is None:
        return _finish([], MONTHLY_SUMMARY, ["month_start"])
    rows = []
    start = month_start(first)
    while start <= inp.as_of:
        last = min(month_end(start), inp.as_of)
        days = (last - start).days + 1
        facts = period_facts(inp, start, last)
        stock = receivables(inp, last)
        rows.append(
            {
                "month_start": start,
                "days_in_period": days,
                "new_patients": facts["new_patients"],
                "avg_daily_new_patients": facts["new_patients"] / days,
                "active_patients_end": active_patients(inp, last),
                **{
                    c: facts[c]
                    for c in (
                        "total_appointments",
                        "completed_appointments",
                        "cancelled_appointments",
                        "no_show_appointments",
                        "unresolved_appointments",
                        "completion_rate",
                        "no_show_rate",
                        "records_created",
                        "records_finalized",
                        "lab_tests_ordered",
                        "lab_tests_completed",
                        "billed_amount",
                        "collected_amount",
                        "invoices_issued",
                        "payments_received",
                    )
                },  # fmt: skip
                "avg_daily_appointments": facts["total_appointments"] / days,
                "unique_patients_seen": facts["unique_patients"],
                "outstanding_receivables_end": stock["outstanding_receivables"],
                "open_invoices_end": stock["open_invoices"],
            }
        )
        start = next_month(start)
    return _finish(rows, MONTHLY_SUMMARY, ["month_start"])


# -- hospital_dashboard_metrics ----------------------------------------------------------

DASHBOARD = [
    "as_of_date", "department_id", "metric_name", "category", "current_value",
    "previous_value", "change_percentage", "current_rows", "previous_rows",
    "current_numerator", "previous_numerator",
]  # fmt: skip
DASHBOARD_METRICS = {  # metric_name: (category, has department rows)
    "new_patients": ("patients", False),
    "active_patients": ("patients", False),
    "total_appointments": ("appointments", True),
    "completed_appointments": ("appointments", True),
    "no_show_rate": ("appointments", True),
    "waiting_time_p50_minutes": ("appointments", True),
    "records_created": ("medical_records", False),
    "drafts_open": ("medical_records", False),
    "finalize_time_p50_hours": ("medical_records", False),
    "lab_tests_ordered": ("lab_tests", False),
    "pending_backlog": ("lab_tests", False),
    "turnaround_p50_hours": ("lab_tests", False),
    "billed_amount": ("revenue", True),
    "collected_amount": ("revenue", True),
    "outstanding_receivables": ("revenue", True),
}


def dashboard_values(inp: HospitalInputs, last: date, department=ALL) -> dict:
    """{metric: (value, rows, numerator)} of the dashboard over the 30 days ending
    `last` (stocks at its end)."""
    first = last - timedelta(days=PERIOD_DAYS - 1)
    facts = period_facts(inp, first, last, department)
    stock = receivables(inp, last, department)
    completed, no_show = facts["completed_appointments"], facts["no_show_appointments"]
    out = {
        "total_appointments": (facts["total_appointments"], facts["total_appointments"], None),
        "completed_appointments": (completed, completed, None),
        "no_show_rate": (facts["no_show_rate"], completed + no_show, no_show),
        "waiting_time_p50_minutes": (
            facts["waiting_time_p50_minutes"],
            facts["waiting_time_rows"],
            None,
        ),
        "billed_amount": (facts["billed_amount"], facts["invoices_issued"], None),
        "collected_amount": (facts["collected_amount"], facts["payments_received"], None),
        "outstanding_receivables": (stock["outstanding_receivables"], stock["open_invoices"], None),
    }
    if department == ALL:
        active, drafts = active_patients(inp, last), drafts_open(inp, last)
        backlog = pending_backlog(inp.tests, last)
        finalize, turnaround = facts["finalize_hours"], facts["turnaround_hours"]
        out.update(
            {
                "new_patients": (facts["new_patients"], facts["new_patients"], None),
                "active_patients": (active, active, None),
                "records_created": (facts["records_created"], facts["records_created"], None),
                "drafts_open": (drafts, drafts, None),
                "finalize_time_p50_hours": (percentile_cont(finalize, 0.5), len(finalize), None),
                "lab_tests_ordered": (facts["lab_tests_ordered"], facts["lab_tests_ordered"], None),
                "pending_backlog": (backlog, backlog, None),
                "turnaround_p50_hours": (percentile_cont(turnaround, 0.5), len(turnaround), None),
            }
        )
    return out


def hospital_dashboard_metrics(inp: HospitalInputs) -> pd.DataFrame:
    """hospital_dashboard_metrics of the as-of date: the trailing 30 days against the
    30 before; department rows from the as-of date of a department's first
    appointment or invoice, all-departments rows from the first fact."""
    first = first_fact_day(inp)
    if first is None:
        return _finish([], DASHBOARD, ["as_of_date", "department_id", "metric_name"])
    D = inp.as_of
    scopes = [ALL] + sorted(department_first_days(inp))
    rows = []
    for scope in scopes:
        current = dashboard_values(inp, D, scope)
        previous = dashboard_values(inp, D - timedelta(days=PERIOD_DAYS), scope)
        for name, (category, per_department) in DASHBOARD_METRICS.items():
            if scope != ALL and not per_department:
                continue
            value, weight, numerator = current[name]
            before, before_weight, before_numerator = previous[name]
            rows.append(
                {
                    "as_of_date": D,
                    "department_id": scope,
                    "metric_name": name,
                    "category": category,
                    "current_value": value,
                    "previous_value": before,
                    "change_percentage": change_percentage(value, before),
                    "current_rows": weight,
                    "previous_rows": before_weight,
                    "current_numerator": numerator,
                    "previous_numerator": before_numerator,
                }
            )
    return _finish(rows, DASHBOARD, ["as_of_date", "department_id", "metric_name"])


# -- the hospital rows of analytics_metrics ----------------------------------------------

HOSPITAL_KPIS = {  # metric_name: (metric_type, category)
    "new_patients": ("count", "patients"),
    "active_patients": ("count", "patients"),
    "total_appointments": ("count", "appointments"),
    "completed_appointments": ("count", "appointments"),
    "no_show_appointments": ("count", "appointments"),
    "appointment_completion_rate": ("ratio", "appointments"),
    "no_show_rate": ("ratio", "appointments"),
    "records_created": ("count", "medical_records"),
    "records_finalized": ("count", "medical_records"),
    "finalize_time_p50_hours": ("percentile", "medical_records"),
    "lab_tests_ordered": ("count", "lab_tests"),
    "lab_tests_completed": ("count", "lab_tests"),
    "lab_turnaround_p90_hours": ("percentile", "lab_tests"),
    "billed_amount": ("sum", "revenue"),
    "collected_amount": ("sum", "revenue"),
}
DEPARTMENT_CATEGORIES = ("appointments", "revenue")


class KpiFacts:
    """The facts the KPIs read, as numpy arrays (day ordinals, departments, values):
    the KPIs are many small periods, which DataFrame filtering makes slow."""

    def __init__(self, inp: HospitalInputs):
        def arrays(frame: pd.DataFrame, **columns: str) -> dict[str, np.ndarray]:
            return {name: frame[column].to_numpy() for name, column in columns.items()}

        self.appointments = arrays(inp.appointments, day="day_n", dept="department_id",
                                   status="status")  # fmt: skip
        self.patients = arrays(inp.patients, day="reg_day_n")
        self.records = arrays(inp.records, day="day_n", finalized="finalized_day_n",
                              hours="finalize_hours")  # fmt: skip
        self.tests = arrays(inp.tests, day="day_n", resulted="resulted_day_n",
                            hours="turnaround_hours")  # fmt: skip
        self.invoices = arrays(inp.money_invoices, day="day_n", dept="department_id",
                               cents="cents")  # fmt: skip
        self.payments = arrays(inp.money_payments, day="day_n", dept="department_id",
                               cents="cents")  # fmt: skip


def _in(days: np.ndarray, first: date, last: date) -> np.ndarray:
    return (days >= first.toordinal()) & (days <= last.toordinal())


def kpi_values(
    inp: HospitalInputs,
    facts: KpiFacts,
    scope,
    first: date,
    last: date,
    weights: dict[str, tuple[float, float]] | None = None,
) -> dict[str, float]:
    """The KPIs of a scope (a department or ALL) over first..last; `weights`, when
    given, receives each KPI's (rows, numerator) for the small-cell rule (`KPI_EXTRA`)."""

    def rows(table: dict[str, np.ndarray], column: str = "day") -> np.ndarray:
        mask = _in(table[column], first, last)
        return mask if scope == ALL else mask & (table["dept"] == scope)

    status = facts.appointments["status"][rows(facts.appointments)]
    total = len(status)
    completed, no_show = int((status == "completed").sum()), int((status == "no_show").sum())
    invoices, payments = rows(facts.invoices), rows(facts.payments)
    out = {
        "total_appointments": total,
        "completed_appointments": completed,
        "no_show_appointments": no_show,
        "appointment_completion_rate": ratio(completed, total),
        "no_show_rate": ratio(no_show, completed + no_show),
        "billed_amount": money(facts.invoices["cents"][invoices].sum()),
        "collected_amount": money(facts.payments["cents"][payments].sum()),
    }
    counted = {  # the rows of the sums, ratios and percentiles (counts: the value)
        "billed_amount": int(invoices.sum()),
        "collected_amount": int(payments.sum()),
        "appointment_completion_rate": total,
        "no_show_rate": completed + no_show,
    }
    numerators = {"appointment_completion_rate": completed, "no_show_rate": no_show}
    if scope == ALL:
        finalized = rows(facts.records, "finalized")
        resulted = rows(facts.tests, "resulted")
        counted["finalize_time_p50_hours"] = int(finalized.sum())
        counted["lab_turnaround_p90_hours"] = int(resulted.sum())
        out.update(
            {
                "new_patients": int(rows(facts.patients).sum()),
                "active_patients": distinct_patients(inp, first, last),
                "records_created": int(rows(facts.records).sum()),
                "records_finalized": int(finalized.sum()),
                "finalize_time_p50_hours": percentile_cont(facts.records["hours"][finalized], 0.5),
                "lab_tests_ordered": int(rows(facts.tests).sum()),
                "lab_tests_completed": int(resulted.sum()),
                "lab_turnaround_p90_hours": percentile_cont(facts.tests["hours"][resulted], 0.9),
            }
        )
    if weights is not None:
        for name, value in out.items():
            weights[name] = (
                float(counted.get(name, value)),
                float(numerators.get(name, float("nan"))),
            )
    return {name: float(value) for name, value in out.items()}


KPI_EXTRA = ["value_rows", "previous_rows", "value_numerator", "previous_numerator"]


def hospital_kpis(inp: HospitalInputs) -> pd.DataFrame:
    """The hospital rows of analytics_metrics with the weights of their cells
    (int_hospital_exact_kpis): each KPI per day, ISO week and month with the previous
    period's value; departments (text ids) for the appointment and revenue KPIs from
    their first appointment or invoice, all departments (null) for every KPI from
    the first day any daily table has a row. Then `KPI_EXTRA`: value_rows and
    previous_rows, the weight of value and of previous_value (count KPIs: the count;
    billed_amount: invoices, collected_amount: payments summed; the completion rate:
    total_appointments, the no-show rate: completed + no-show; the percentiles:
    records finalized, lab tests completed), value_numerator and previous_numerator
    (completed, no-show appointments of the rates; null otherwise); the previous
    ones null where previous_value is (the first period)."""
    columns = [*KPI_COLUMNS, *KPI_EXTRA]
    first = first_fact_day(inp)
    if first is None:
        return pd.DataFrame(columns=columns)

    facts = KpiFacts(inp)
    weights: dict[tuple, dict[str, tuple[float, float]]] = {}

    def values(scope, period_type: str, start: date, end: date) -> dict[str, float]:
        found = weights.setdefault((scope, period_type, start), {})
        return kpi_values(inp, facts, scope, start, min(end, inp.as_of), found)

    rows = long_kpi_rows({ALL: first}, inp.as_of, HOSPITAL_KPIS, values)
    departmental = {
        name: kind for name, kind in HOSPITAL_KPIS.items() if kind[1] in DEPARTMENT_CATEGORIES
    }
    rows += long_kpi_rows(department_first_days(inp), inp.as_of, departmental, values)
    for row in rows:
        scope = row["workspace_id"]
        row["value_rows"], row["value_numerator"] = weights[
            (scope, row["period_type"], row["period_start"])
        ][row["metric_name"]]
        row["workspace_id"] = None if scope == ALL else str(scope)
    out = pd.DataFrame(rows, columns=columns)
    out = out.sort_values(KPI_KEYS, na_position="first", kind="stable").reset_index(drop=True)
    workspace = out["workspace_id"].astype(object)
    out["workspace_id"] = workspace.where(workspace.notna(), None)
    # previous_value is the previous period's value (long_kpi_rows), so are its weights
    series = out.groupby(["metric_name", "period_type", "workspace_id"], dropna=False, sort=False)
    for column in ("rows", "numerator"):
        out[f"previous_{column}"] = series[f"value_{column}"].shift(1)
    return out[columns]


# -- registry and comparison with the warehouse ------------------------------------------

TABLES: dict[str, Callable[[HospitalInputs], pd.DataFrame]] = {
    "patient_analytics": patient_analytics,
    "appointment_analytics": appointment_analytics,
    "doctor_performance": doctor_performance,
    "medical_records_analytics": medical_records_analytics,
    "lab_tests_analytics": lab_tests_analytics,
    "revenue_analytics": revenue_analytics,
    "monthly_summary": monthly_summary,
    "hospital_dashboard_metrics": hospital_dashboard_metrics,
}
GRAINS: dict[str, list[str]] = {
    "patient_analytics": ["metric_date"],
    "appointment_analytics": ["department_id", "metric_date"],
    "doctor_performance": ["doctor_id", "month_start"],
    "medical_records_analytics": ["metric_date"],
    "lab_tests_analytics": ["test_type", "metric_date"],
    "revenue_analytics": ["department_id", "metric_date"],
    "monthly_summary": ["month_start"],
    "hospital_dashboard_metrics": ["as_of_date", "department_id", "metric_name"],
    "hospital_kpis": KPI_KEYS,
}
EXTRA: dict[str, list[str]] = {  # the columns besides the published ones (weights)
    "patient_analytics": [],
    "appointment_analytics": ["waiting_time_rows", "duration_rows"],
    "doctor_performance": ["duration_rows"],
    "medical_records_analytics": [],
    "lab_tests_analytics": ["abnormal_tests", "flagged_tests"],
    "revenue_analytics": [],
    "monthly_summary": ["invoices_issued", "payments_received", "open_invoices_end"],
    "hospital_dashboard_metrics": ["current_rows", "previous_rows", "current_numerator",
                                   "previous_numerator"],
    "hospital_kpis": KPI_EXTRA,
}  # fmt: skip


def all_tables(inp: HospitalInputs) -> dict[str, pd.DataFrame]:
    """The exact figures of the eight tables (int_hospital_exact_<table>)."""
    return {name: fn(inp) for name, fn in TABLES.items()}


def compute(
    hospital_conn, warehouse_conn, as_of: date, currency: str = CURRENCY
) -> dict[str, pd.DataFrame]:
    """Everything of the reference as of `as_of`: the eight exact tables and
    `hospital_kpis`, from a connection to the hospital's database and one to the
    warehouse (for the quarantine only)."""
    inp = prepare(read_operational(hospital_conn), read_quarantined(warehouse_conn), as_of,
                  currency)  # fmt: skip
    return {**all_tables(inp), "hospital_kpis": hospital_kpis(inp)}


def published_columns(table: str, frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in EXTRA[table]]


def read_table(conn, relation: str) -> pd.DataFrame:
    with conn.cursor() as cur:
        cur.execute(f"select * from {relation}")
        columns = [d[0] for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns)


def warehouse_differences(
    conn, expected: Mapping[str, pd.DataFrame], schema: str = "intermediate"
) -> dict[str, list[str]]:
    """{table: differences} between the warehouse's exact models
    (`<schema>.int_hospital_exact_<table>`, `hospital_kpis` as
    `<schema>.int_hospital_exact_kpis` with its weights) and the reference frames,
    through a DB-API connection to the warehouse. The dashboard is compared on the
    reference's as-of dates only (the table keeps every date a run built)."""
    out = {}
    for table, frame in expected.items():
        name = f"int_hospital_exact_{'kpis' if table == 'hospital_kpis' else table}"
        actual = read_table(conn, f"{schema}.{name}")
        if table == "hospital_dashboard_metrics" and len(frame):
            dates = set(frame["as_of_date"])
            actual = actual[actual["as_of_date"].isin(dates)]
        out[table] = frame_differences(actual, frame, GRAINS[table])
    return out
