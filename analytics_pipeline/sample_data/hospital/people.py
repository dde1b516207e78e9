"""Departments, staff and patients: the hospital's reference rows. Staff were
hired years before the period; patients registered before it (the existing
base) and during it (new patients, one more every few hours)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tables import DAY, HOUR, MINUTE, NAT, Table, pick, where
from .vocabulary import (
    CITIES,
    DEPARTMENTS,
    EMAIL_DOMAINS,
    FEMALE_NAMES,
    LAST_NAMES,
    MALE_NAMES,
    STREET_KINDS,
    STREETS,
)

# Staff per doctor (nurses) or per department, by role: (role, count(doctors, departments)).
SUPPORT_STAFF = (
    ("nurse", lambda doctors, departments: doctors),
    ("lab_technician", lambda doctors, departments: max(2, doctors // 6)),
    ("receptionist", lambda doctors, departments: max(2, departments // 2)),
    ("billing", lambda doctors, departments: max(1, departments // 3)),
    ("admin", lambda doctors, departments: 2),
)
EXISTING_PATIENTS = 0.6  # share registered before the period
SEXES = ("female", "male", "other", "unknown")
SEX_WEIGHTS = (0.505, 0.475, 0.01, 0.01)


@dataclass
class Hospital:
    """The reference rows, and what the visits are drawn from."""

    departments: Table
    staff: Table
    patients: Table
    doctor_ids: np.ndarray
    doctor_departments: np.ndarray
    visit_prices: np.ndarray  # per department position


def _names(rng: np.random.Generator, sexes: np.ndarray) -> tuple[list[str], list[str]]:
    n = len(sexes)
    female = pick(rng, FEMALE_NAMES, n)
    male = pick(rng, MALE_NAMES, n)
    either = np.where(rng.random(n) < 0.5, female, male)
    first = np.where(sexes == "female", female, np.where(sexes == "male", male, either))
    return first.tolist(), pick(rng, LAST_NAMES, n).tolist()


def _emails(rng, first: list[str], last: list[str], ids: np.ndarray, share: float) -> list:
    domains = pick(rng, EMAIL_DOMAINS, len(ids)).tolist()
    has = (rng.random(len(ids)) < share).tolist()
    return [
        f"{f.lower()}.{s.lower()}{i}@{d}" if h else None
        for f, s, i, d, h in zip(first, last, ids.tolist(), domains, has, strict=True)
    ]


def build_hospital(
    rng: np.random.Generator, departments: int, doctors: int, patients: int, start: int, end: int
) -> Hospital:
    """The reference rows of a hospital whose period runs from `start` to `end` (seconds)."""
    if not 1 <= departments <= len(DEPARTMENTS):
        raise ValueError(f"departments must be between 1 and {len(DEPARTMENTS)}")
    if doctors < departments:
        raise ValueError("every department needs a doctor: doctors >= departments")
    chosen = DEPARTMENTS[:departments]
    dept_ids = np.arange(1, departments + 1)
    founded = start - 8 * 365 * DAY
    dept_rows: Table = {
        "id": dept_ids,
        "code": [d.code for d in chosen],
        "name": [d.name for d in chosen],
        "created_at": founded + np.arange(departments) * 7 * DAY,
        "deleted_at": np.full(departments, NAT),
    }

    roles = ["doctor"] * doctors
    for role, count in SUPPORT_STAFF:
        roles += [role] * count(doctors, departments)
    n_staff = len(roles)
    roles_arr = np.array(roles)
    staff_ids = np.arange(1, n_staff + 1)
    # Doctors round-robin over departments (every one has some); others anywhere or none.
    dept_of = rng.integers(0, departments, n_staff)
    dept_of[:doctors] = np.arange(doctors) % departments
    sexes = pick(rng, ("female", "male"), n_staff)
    first, last = _names(rng, sexes)
    hired = (
        start - rng.integers(30 * DAY, 7 * 365 * DAY, n_staff) + rng.integers(8, 17, n_staff) * HOUR
    )
    department_id = [
        None if r in ("admin", "billing") else int(dept_ids[d])
        for r, d in zip(roles, dept_of.tolist(), strict=True)
    ]
    specialty = [
        chosen[d].name if r == "doctor" else None for r, d in zip(roles, dept_of, strict=True)
    ]
    full_name = [
        ("Dr. " if r == "doctor" else "") + f"{f} {s}"
        for r, f, s in zip(roles, first, last, strict=True)
    ]
    staff_deleted = np.full(n_staff, NAT)
    staff_deleted[np.flatnonzero(roles_arr == "nurse")[-1:]] = start - 3 * DAY  # a nurse who left
    staff_rows: Table = {
        "id": staff_ids,
        "department_id": department_id,
        "full_name": full_name,
        "email": [
            f"{f.lower()}.{s.lower()}.{i}@hospital.example"
            for f, s, i in zip(first, last, staff_ids.tolist(), strict=True)
        ],
        "role": roles,
        "specialty": specialty,
        "hired_at": hired,
        "created_at": hired - rng.integers(1, 10, n_staff) * DAY,
        "deleted_at": staff_deleted,
    }

    return Hospital(
        departments=dept_rows,
        staff=staff_rows,
        patients=build_patients(rng, patients, start, end),
        doctor_ids=staff_ids[:doctors],
        doctor_departments=dept_of[:doctors] + 1,
        visit_prices=np.array([d.visit_price for d in chosen]),
    )


def build_patients(
    rng: np.random.Generator,
    n: int,
    start: int,
    end: int,
    first_id: int = 1,
    existing_share: float = EXISTING_PATIENTS,
) -> Table:
    """`n` patients, ids from `first_id` in order of registration: the existing base
    (`existing_share`) registered over three years before `start`, the others
    between `start` and `end`."""
    existing = rng.random(n) < existing_share
    if first_id == 1 and n:
        existing[0] = True  # the first appointments need a patient
    created = np.where(
        existing,
        start - rng.integers(31 * DAY, 3 * 365 * DAY, n),
        start + rng.integers(0, max(1, end - start - HOUR), n),
    )
    created = np.sort(created)
    ids = np.arange(first_id, first_id + n)
    sexes = pick(rng, SEXES, n, SEX_WEIGHTS)
    first, last = _names(rng, sexes)
    ages = np.floor(96 * rng.beta(1.3, 1.25, n)).astype(np.int64)
    # Ages 0-95 at the end; newborns were born before they were registered.
    birth_days = (end // DAY) - ages * 365 - rng.integers(1, 365, n)
    birth_days = np.minimum(birth_days, created // DAY - rng.integers(0, 3, n))
    birth = birth_days.astype("datetime64[D]")
    birth[rng.random(n) < 0.02] = np.datetime64("NaT")
    city = rng.integers(0, len(CITIES), n).tolist()
    numbers = rng.integers(1, 9900, n).tolist()
    streets = pick(rng, STREETS, n).tolist()
    kinds = pick(rng, STREET_KINDS, n).tolist()
    zips = rng.integers(0, 100, n).tolist()
    has_address = (rng.random(n) < 0.93).tolist()
    address = [
        f"{num} {st} {k}, {CITIES[c][0]}, {CITIES[c][1]} {CITIES[c][2]}{z:02d}" if h else None
        for num, st, k, c, z, h in zip(
            numbers, streets, kinds, city, zips, has_address, strict=True
        )
    ]
    deleted = where(
        rng.random(n) < 0.004, np.maximum(created, start) + rng.integers(HOUR, 20 * DAY, n)
    )
    deleted[deleted >= end] = NAT
    return {
        "id": ids,
        "mrn": [f"MRN{7_000_000 + i * 13:09d}" for i in ids.tolist()],
        "first_name": first,
        "last_name": last,
        "date_of_birth": birth,
        "sex": sexes.tolist(),
        "phone": phones(rng, n, share=0.9),
        "email": _emails(rng, first, last, ids, share=0.7),
        "address": address,
        "created_at": created + rng.integers(0, MINUTE, n),
        "deleted_at": deleted,
    }


def phones(rng: np.random.Generator, n: int, share: float = 1.0) -> list:
    """Phone numbers in the 555 range reserved for fiction (some missing)."""
    exchange = rng.integers(200, 999, n).tolist()
    line = rng.integers(0, 10_000, n).tolist()
    has = (rng.random(n) < share).tolist()
    return [
        f"+1 555-{e:03d}-{s:04d}" if h else None
        for e, s, h in zip(exchange, line, has, strict=True)
    ]
