"""Appointments and what happens at them: the medical record the doctor writes
and the lab tests ordered. Every moment follows from the appointment's
schedule; whatever would fall after the fill's end (`end`, its "now") has
not happened yet (a future appointment is scheduled, a late result pending)."""

from __future__ import annotations

import numpy as np

from .people import Hospital
from .tables import DAY, HOUR, MINUTE, Table, pick, where
from .vocabulary import (
    APPOINTMENT_NOTES,
    COMPLAINTS,
    DEPARTMENTS,
    LAB_TEST_WEIGHTS,
    LAB_TESTS,
    RECORD_NOTES,
    RECORD_TYPE_WEIGHTS,
    RECORD_TYPES,
)

VISITS_PER_PATIENT_DAY = 0.02  # on a weekday; weekends see a quarter of it
WEEKEND_FACTOR = 0.25
BOOKING_HORIZON_DAYS = 30
MINUTES = (15, 20, 30, 45, 60)
MINUTE_WEIGHTS = (0.2, 0.25, 0.35, 0.12, 0.08)
# Outcomes of a past appointment; the rest were never closed by the front desk.
COMPLETED, CANCELLED, NO_SHOW = 0.78, 0.10, 0.07
WITH_RECORD = 0.92
ABNORMAL = 0.15


def notes(rng: np.random.Generator, templates: tuple[str, ...], n: int, share: float) -> list:
    """Free text from `templates` for a `share` of `n` rows (None for the others)."""
    chosen = rng.integers(0, len(templates), n).tolist()
    complaint = pick(rng, COMPLAINTS, n).tolist()
    number = rng.integers(2, 15, n).tolist()
    has = (rng.random(n) < share).tolist()
    return [
        templates[t].format(c=c, n=k).capitalize() if h else None
        for t, c, k, h in zip(chosen, complaint, number, has, strict=True)
    ]


def schedule_slots(rng: np.random.Generator, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scheduled_start, scheduled_minutes) of one appointment on each day (a midnight)."""
    start = days + 8 * HOUR + rng.integers(0, 38, len(days)) * 15 * MINUTE
    minutes = np.asarray(MINUTES)[rng.choice(len(MINUTES), len(days), p=MINUTE_WEIGHTS)]
    return start, minutes


def booking_moments(rng: np.random.Generator, scheduled: np.ndarray) -> np.ndarray:
    """When appointments starting at `scheduled` were booked: 0-30 days ahead, mostly soon."""
    n = len(scheduled)
    lead = np.minimum(BOOKING_HORIZON_DAYS, np.floor(rng.exponential(7.0, n))).astype(np.int64)
    day = scheduled // DAY * DAY
    booked = np.where(
        lead == 0,
        scheduled - rng.integers(15 * MINUTE, 4 * HOUR, n),
        day - lead * DAY + rng.integers(7 * HOUR, 20 * HOUR, n),
    )
    return np.minimum(booked, scheduled - 15 * MINUTE)


def visit_times(
    rng: np.random.Generator, scheduled: np.ndarray, minutes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(checked_in_at, started_at, ended_at) of completed appointments: most patients
    come early, doctors often run late, consultations overrun more than they undershoot."""
    n = len(scheduled)
    checked_in = np.where(
        rng.random(n) < 0.12,
        scheduled + rng.integers(MINUTE, 15 * MINUTE, n),
        scheduled - rng.integers(0, 25 * MINUTE, n),
    )
    delay = np.where(
        rng.random(n) < 0.35,
        rng.gamma(2.0, 8 * MINUTE, n),
        rng.integers(-5 * MINUTE, 3 * MINUTE, n),
    ).astype(np.int64)
    started = np.maximum(checked_in + MINUTE, scheduled + delay)
    duration = np.maximum(5 * MINUTE, minutes * MINUTE * rng.lognormal(-0.05, 0.3, n))
    return checked_in, started, started + duration.astype(np.int64)


def build_appointments(rng: np.random.Generator, hospital: Hospital, start: int, end: int) -> Table:
    """Appointments scheduled from `start` up to 30 days after `end`, booked before
    `end`, ids in order of booking."""
    n_days = (end - start) // DAY + BOOKING_HORIZON_DAYS
    days = start + np.arange(n_days, dtype=np.int64) * DAY
    weekend = (days // DAY + 3) % 7 >= 5  # 1970-01-01 was a Thursday
    n_patients = len(hospital.patients["id"])
    mean = VISITS_PER_PATIENT_DAY * n_patients * np.where(weekend, WEEKEND_FACTOR, 1.0)
    scheduled, minutes = schedule_slots(rng, np.repeat(days, rng.poisson(mean)))
    booked = booking_moments(rng, scheduled)
    order = np.argsort(booked, kind="stable")
    order = order[booked[order] < end]
    scheduled, minutes, booked = scheduled[order], minutes[order], booked[order]
    n = len(order)

    # A patient registered before the booking (some register when booking).
    registered = np.searchsorted(hospital.patients["created_at"], booked, side="right")
    patient = np.minimum(
        (rng.random(n) * np.maximum(registered, 1)).astype(np.int64), n_patients - 1
    )
    doctor = rng.integers(0, len(hospital.doctor_ids), n)

    past = scheduled < end
    r = rng.random(n)
    status = np.full(n, "scheduled", dtype=object)
    status[past & (r < COMPLETED)] = "completed"
    status[past & (r >= COMPLETED) & (r < COMPLETED + CANCELLED)] = "cancelled"
    status[past & (r >= COMPLETED + CANCELLED) & (r < COMPLETED + CANCELLED + NO_SHOW)] = "no_show"
    completed = status == "completed"
    checked_in, started, ended = visit_times(rng, scheduled, minutes)
    cancelled_at = booked + ((scheduled - booked) * rng.uniform(0.05, 0.95, n)).astype(np.int64)
    deleted = rng.random(n) < 0.003  # duplicates entered by mistake
    return {
        "id": np.arange(1, n + 1),
        "patient_id": hospital.patients["id"][patient],
        "doctor_id": hospital.doctor_ids[doctor],
        "department_id": hospital.doctor_departments[doctor],
        "booked_at": booked,
        "scheduled_start": scheduled,
        "scheduled_minutes": minutes,
        "checked_in_at": where(completed, checked_in),
        "started_at": where(completed, started),
        "ended_at": where(completed, ended),
        "status": status.tolist(),
        "cancelled_at": where(status == "cancelled", cancelled_at),
        "notes": notes(rng, APPOINTMENT_NOTES, n, share=0.65),
        "created_at": booked,
        "deleted_at": where(
            deleted, np.minimum(booked + rng.integers(5 * MINUTE, 2 * DAY, n), end - 1)
        ),
    }


def build_records(rng: np.random.Generator, visits: Table, end: int) -> Table:
    """The record of most completed appointments: a draft written after the visit,
    finalized hours to days later (some drafts stay open)."""
    n = len(visits["id"])
    created = visits["ended_at"] + rng.integers(MINUTE, 40 * MINUTE, n)
    finalized = created + rng.lognormal(np.log(6 * HOUR), 1.2, n).astype(np.int64)
    is_final = (rng.random(n) >= 0.04) & (finalized < end)
    dept = visits["department_id"] - 1
    diagnosis = np.empty(n, dtype=object)
    for d in np.unique(dept).tolist():
        rows = np.flatnonzero(dept == d)
        diagnosis[rows] = pick(rng, DEPARTMENTS[d].diagnoses, len(rows))
    diagnosis[rng.random(n) < 0.08] = None
    order = np.argsort(created, kind="stable")
    rows: Table = {
        "patient_id": visits["patient_id"],
        "doctor_id": visits["doctor_id"],
        "appointment_id": visits["id"],
        "record_type": pick(rng, RECORD_TYPES, n, RECORD_TYPE_WEIGHTS).tolist(),
        "status": np.where(is_final, "finalized", "draft").tolist(),
        "diagnosis_code": diagnosis.tolist(),
        "notes": notes(rng, RECORD_NOTES, n, share=0.85),
        "created_at": created,
        "finalized_at": where(is_final, finalized),
        "deleted_at": where(rng.random(n) < 0.002, np.minimum(created + DAY, end - 1)),
    }
    return _ordered(rows, order)


def lab_results(
    rng: np.random.Generator, test_types: np.ndarray
) -> tuple[np.ndarray, list[str], list[str]]:
    """(is_abnormal, result_value, result_text) of completed tests of these types."""
    n = len(test_types)
    abnormal = rng.random(n) < ABNORMAL
    above = rng.random(n) < 0.7
    low = np.array([LAB_TESTS[t].low for t in test_types.tolist()])
    high = np.array([LAB_TESTS[t].high for t in test_types.tolist()])
    normal = low + (high - low) * rng.uniform(0.05, 0.95, n)
    value = np.where(
        abnormal & (above | (low == 0)),
        high * (1.05 + rng.gamma(2.0, 0.15, n)),
        np.where(abnormal, low * rng.uniform(0.6, 0.95, n), normal),
    )
    texts, values = [], []
    for t, v, a, up in zip(test_types.tolist(), value.tolist(), abnormal, above, strict=True):
        lab = LAB_TESTS[t]
        values.append(f"{v:.{lab.decimals}f}")
        rng_text = f"{lab.low:g}-{lab.high:g} {lab.unit}"
        if not a:
            texts.append(f"Within reference range ({rng_text}).")
        elif up or lab.low == 0:
            texts.append(f"Above reference range ({rng_text}). Flagged for review.")
        else:
            texts.append(f"Below reference range ({rng_text}). Repeat suggested.")
    return abnormal, values, texts


def build_lab_tests(rng: np.random.Generator, visits: Table, end: int) -> Table:
    """Tests ordered during a third of completed appointments, collected within the
    hour or so, resulted hours (sometimes days) later; late ones still pending."""
    per_visit = np.where(
        rng.random(len(visits["id"])) < 0.35, 1 + rng.poisson(0.6, len(visits["id"])), 0
    )
    visit = np.repeat(np.arange(len(visits["id"])), per_visit)
    n = len(visit)
    started, ended = visits["started_at"][visit], visits["ended_at"][visit]
    ordered = started + ((ended - started) * rng.uniform(0.2, 1.0, n)).astype(np.int64)
    collected = ordered + 2 * MINUTE + rng.gamma(1.2, 25 * MINUTE, n).astype(np.int64)
    resulted = collected + rng.lognormal(np.log(4 * HOUR), 1.0, n).astype(np.int64)
    test_type = rng.choice(len(LAB_TESTS), n, p=np.array(LAB_TEST_WEIGHTS) / sum(LAB_TEST_WEIGHTS))
    status = np.where(
        resulted < end, "completed", np.where(collected < end, "collected", "ordered")
    )
    status = np.where(rng.random(n) < 0.03, "cancelled", status)
    done = status == "completed"
    abnormal, values, texts = lab_results(rng, test_type)
    rows: Table = {
        "patient_id": visits["patient_id"][visit],
        "ordered_by": visits["doctor_id"][visit],
        "appointment_id": visits["id"][visit],
        "test_type": [LAB_TESTS[t].code for t in test_type.tolist()],
        "status": status.tolist(),
        "ordered_at": ordered,
        "collected_at": where(done | (status == "collected"), collected),
        "resulted_at": where(done, resulted),
        "is_abnormal": [bool(a) if d else None for a, d in zip(abnormal, done, strict=True)],
        "result_value": [v if d else None for v, d in zip(values, done, strict=True)],
        "result_text": [t if d else None for t, d in zip(texts, done, strict=True)],
        "created_at": ordered,
        "deleted_at": where(rng.random(n) < 0.002, np.minimum(ordered + HOUR, end - 1)),
    }
    return _ordered(rows, np.argsort(ordered, kind="stable"))


def _ordered(rows: Table, order: np.ndarray) -> Table:
    """The rows in `order`, numbered from 1 in that order."""
    out: Table = {"id": np.arange(1, len(order) + 1)}
    for name, col in rows.items():
        out[name] = col[order] if isinstance(col, np.ndarray) else [col[i] for i in order.tolist()]
    return out
