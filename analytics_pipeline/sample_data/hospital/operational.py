"""The hospital's operational database, generated: its schema
(operational_schema.sql) created in a database of its own and filled with a
deterministic hospital, then changed between two extracts (`apply_changes`).

A fill's rows follow from its arguments and seed alone, but for `updated_at`,
which the schema's trigger sets to the clock. All of them obey the rules of
the source contract but `BROKEN_PER_RULE` rows per rule the schema does not
enforce, for quarantine to catch:

* appointments: a completed one whose `ended_at` is before its `started_at`;
* medical_records: a finalized one whose `finalized_at` is before its `created_at`;
* lab_tests: a completed one whose `resulted_at` is before its `ordered_at`;
* payments: one whose `paid_at` is before its invoice's `issued_at`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np
import psycopg2
import psycopg2.extensions
from sqlalchemy.engine import URL, make_url

from analytics_pipeline.warehouse import libpq_params

from .billing import build_billing
from .changes import apply_changes as _apply_changes
from .people import build_hospital
from .tables import DAY, HOUR, NAT, Table, copy_rows, epoch, take
from .visits import build_appointments, build_lab_tests, build_records

SCHEMA_SQL = Path(__file__).with_name("operational_schema.sql")
# In order of their references.
TABLES = (
    "departments", "staff", "patients", "appointments", "medical_records", "lab_tests",
    "invoices", "payments",
)  # fmt: skip
BROKEN_PER_RULE = 2


@contextmanager
def connect(url: URL | str) -> Iterator[psycopg2.extensions.connection]:
    """A connection to the hospital database (moments in UTC); commits on success."""
    conn = psycopg2.connect(**libpq_params(make_url(url)), options="-c timezone=UTC")
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


def create_schema(url: URL | str) -> None:
    """Create the hospital schema, its tables and triggers (again: no change)."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(SCHEMA_SQL.read_text())


def is_empty(url: URL | str) -> bool:
    """Whether the hospital database has no rows yet (its schema created if missing)."""
    create_schema(url)
    with connect(url) as conn, conn.cursor() as cur:
        empty = " and ".join(f"not exists (select from hospital.{table})" for table in TABLES)
        cur.execute(f"select {empty}")
        return cur.fetchone()[0]


def fill(
    url: URL | str,
    *,
    departments: int = 6,
    doctors: int = 24,
    patients: int = 2000,
    days: int = 60,
    end_date: date = date(2026, 9, 30),
    seed: int = 7,
) -> dict[str, int]:
    """Create the schema and fill its empty tables with a hospital's `days` up to
    `end_date` (and the bookings of the 30 days after it); the rows per table.

    Around 0.02 appointments per patient and weekday (a quarter of it on weekends):
    2,000 patients over 60 days make some 2,000 appointments."""
    rng = np.random.default_rng(seed)
    end = epoch(end_date) + DAY
    start = end - days * DAY
    hospital = build_hospital(rng, departments, doctors, patients, start, end)
    appointments = build_appointments(rng, hospital, start, end)
    status = np.array(appointments["status"], dtype=object)
    visits = take(appointments, (status == "completed") & (appointments["deleted_at"] == NAT))
    records = build_records(rng, visits, end)
    lab_tests = build_lab_tests(rng, visits, end)
    position = np.searchsorted(visits["id"], lab_tests["appointment_id"])
    tests_per_visit = np.bincount(position, minlength=len(visits["id"]))
    invoices, payments = build_billing(rng, visits, tests_per_visit, hospital.visit_prices, end)
    tables: dict[str, Table] = {
        "departments": hospital.departments,
        "staff": hospital.staff,
        "patients": hospital.patients,
        "appointments": appointments,
        "medical_records": records,
        "lab_tests": lab_tests,
        "invoices": invoices,
        "payments": payments,
    }
    _break_contracts(rng, tables)

    create_schema(url)
    counts = {}
    with connect(url) as conn, conn.cursor() as cur:
        for table in TABLES:
            cur.execute(f"select exists (select from hospital.{table})")
            if cur.fetchone()[0]:
                raise ValueError(f"hospital.{table} has rows already: fill an empty database")
        for table in TABLES:
            counts[table] = copy_rows(cur, table, tables[table])
            # Statistics now: the planner's guesses for freshly loaded tables are poor.
            cur.execute(f"analyze hospital.{table}")
    return counts


def _break_contracts(rng: np.random.Generator, tables: dict[str, Table]) -> None:
    """Plant the rows breaking the ordering rules (module docstring)."""

    def some(mask: np.ndarray) -> np.ndarray:
        rows = np.flatnonzero(mask)
        return rng.choice(rows, min(BROKEN_PER_RULE, len(rows)), replace=False)

    appointments = tables["appointments"]
    rows = some(np.array(appointments["status"], dtype=object) == "completed")
    started = appointments["started_at"][rows]
    appointments["started_at"][rows] = appointments["ended_at"][rows]
    appointments["ended_at"][rows] = started

    records = tables["medical_records"]
    rows = some(np.array(records["status"], dtype=object) == "finalized")
    records["finalized_at"][rows] = records["created_at"][rows] - rng.integers(HOUR, DAY, len(rows))

    tests = tables["lab_tests"]
    rows = some(np.array(tests["status"], dtype=object) == "completed")
    tests["resulted_at"][rows] = tests["ordered_at"][rows] - rng.integers(HOUR, 2 * DAY, len(rows))

    payments, invoices = tables["payments"], tables["invoices"]
    rows = some(payments["deleted_at"] == NAT)
    issued = invoices["issued_at"][payments["invoice_id"][rows] - 1]
    payments["paid_at"][rows] = issued - rng.integers(DAY, 5 * DAY, len(rows))


def apply_changes(
    url: URL | str, *, seed: int, fraction: float = 0.01, now_date: date | None = None
) -> dict[str, int]:
    """What happens in the hospital between two extracts, on `now_date` (by default
    the day after the latest booking): see the `changes` module. The number of rows
    per kind of change."""
    with connect(url) as conn, conn.cursor() as cur:
        return _apply_changes(cur, seed=seed, fraction=fraction, now_date=now_date)
