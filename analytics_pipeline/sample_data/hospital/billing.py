"""Invoices of completed appointments and their payments: issued within days
of the visit, due 30 days later, paid in full, in two parts (insurance, then
the patient), partly, late or not at all; an invoice's status follows from
the payments made by the fill's end."""

from __future__ import annotations

import numpy as np

from .tables import DAY, HOUR, MINUTE, NAT, Table, pick

DUE_DAYS = 30
VOID = 0.02
# Shares of invoices paid in one payment, in two, partly (one payment); the rest unpaid.
FULL, SPLIT, PARTIAL = 0.55, 0.15, 0.12
LATE = 0.15  # first payments made after the due date
METHODS = ("card", "insurance", "cash", "transfer")
METHOD_WEIGHTS = (0.45, 0.3, 0.1, 0.15)
LAB_TEST_PRICE = 38.0


def invoice_status(
    amount_cents: np.ndarray, paid_cents: np.ndarray, void: np.ndarray
) -> np.ndarray:
    status = np.where(
        paid_cents >= amount_cents, "paid", np.where(paid_cents > 0, "partially_paid", "open")
    )
    return np.where(void, "void", status)


def first_payment_delay(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds from issue to a first payment: mostly within weeks, some after the due date."""
    on_time = rng.gamma(1.3, 5 * DAY, n)
    late = (DUE_DAYS + rng.gamma(1.5, 8, n)) * DAY
    return np.where(rng.random(n) < LATE, late, np.minimum(on_time, (DUE_DAYS - 1) * DAY)).astype(
        np.int64
    ) + rng.integers(HOUR, 10 * HOUR, n)


def build_billing(
    rng: np.random.Generator,
    visits: Table,
    tests_per_visit: np.ndarray,
    visit_prices: np.ndarray,
    end: int,
) -> tuple[Table, Table]:
    """(invoices, payments) of the completed appointments `visits` (with the number
    of lab tests ordered at each), ids in order of issue and of payment."""
    issued = visits["ended_at"] + rng.integers(HOUR, 3 * DAY, len(visits["id"]))
    billed = np.flatnonzero(issued < end)
    issued = issued[billed]
    n = len(billed)
    dept = visits["department_id"][billed]
    minutes = visits["scheduled_minutes"][billed]
    price = visit_prices[dept - 1] * (minutes / 30.0) ** 0.7 * rng.uniform(0.9, 1.15, n)
    amount_cents = np.round((price + LAB_TEST_PRICE * tests_per_visit[billed]) * 100).astype(
        np.int64
    )
    void = rng.random(n) < VOID

    r = rng.random(n)
    kind = np.where(
        r < FULL, 1, np.where(r < FULL + SPLIT, 2, np.where(r < FULL + SPLIT + PARTIAL, 3, 0))
    )
    kind[void] = 0
    first_at = issued + first_payment_delay(rng, n)
    second_at = first_at + rng.gamma(2.0, 7 * DAY, n).astype(np.int64) + HOUR
    insurance_share = rng.uniform(0.6, 0.85, n)
    partial_share = rng.uniform(0.2, 0.7, n)
    first_cents = np.where(
        kind == 2,
        np.round(amount_cents * insurance_share),
        np.where(kind == 3, np.round(amount_cents * partial_share), amount_cents),
    ).astype(np.int64)
    first_method = np.where(
        kind == 2, "insurance", pick(rng, METHODS, n, METHOD_WEIGHTS).astype(str)
    )

    first = np.flatnonzero((kind > 0) & (first_at < end))
    second = np.flatnonzero((kind == 2) & (second_at < end))
    invoice = np.concatenate([first, second])
    paid_at = np.concatenate([first_at[first], second_at[second]])
    cents = np.concatenate([first_cents[first], amount_cents[second] - first_cents[second]])
    method = np.concatenate(
        [
            first_method[first],
            pick(rng, ("card", "cash", "transfer"), len(second), (6, 2, 2)).astype(str),
        ]
    )
    paid_cents = np.bincount(invoice, weights=cents, minlength=n).astype(np.int64)

    # Payments entered twice, the copy deleted soon after.
    twice = np.flatnonzero(rng.random(len(invoice)) < 0.003)
    created = np.minimum(paid_at + rng.integers(0, HOUR, len(invoice)), end - 1)
    deleted = np.concatenate(
        [
            np.full(len(invoice), NAT),
            np.minimum(created[twice] + rng.integers(10 * MINUTE, DAY, len(twice)), end - 1),
        ]
    )
    invoice = np.concatenate([invoice, invoice[twice]])
    paid_at = np.concatenate([paid_at, paid_at[twice]])
    cents = np.concatenate([cents, cents[twice]])
    method = np.concatenate([method, method[twice]])
    created = np.concatenate([created, created[twice] + MINUTE])
    order = np.lexsort((np.arange(len(created)), created))

    invoices: Table = {
        "id": np.arange(1, n + 1),
        "patient_id": visits["patient_id"][billed],
        "appointment_id": visits["id"][billed],
        "department_id": dept,
        "issued_at": issued,
        "due_at": issued + DUE_DAYS * DAY,
        "amount": amount_cents / 100.0,
        "currency": ["USD"] * n,
        "status": invoice_status(amount_cents, paid_cents, void).tolist(),
        "created_at": issued,
        "deleted_at": np.full(n, NAT),
    }
    payments: Table = {
        "id": np.arange(1, len(order) + 1),
        "invoice_id": invoice[order] + 1,
        "paid_at": paid_at[order],
        "amount": cents[order] / 100.0,
        "method": method[order].tolist(),
        "created_at": created[order],
        "deleted_at": deleted[order],
    }
    return invoices, payments
