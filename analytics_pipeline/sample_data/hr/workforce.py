"""Employees and candidates of each organization over time: a workforce hired
before the period (some through an application, some directly), candidates
applying on weekdays during it, of whom some are hired and some rejected
(each a new version), direct hires and terminations (turnover)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..delivery import RowBatch
from ..ids import uuids
from ..period import DAY_MS, HOUR_MS, Period
from .clock import is_weekend, iso, pick_style, work_moment
from .tenants import Tenants, version_label

JOB_ROLES = (
    "Account Executive", "Software Engineer", "HR Generalist", "Accountant",
    "Operations Analyst", "Marketing Manager", "Support Specialist", "Team Lead",
    "Data Analyst", "Warehouse Associate", "Product Designer", "Recruiter",
)  # fmt: skip
MONTHLY_TURNOVER = 0.015
HIRE_SHARE, REJECT_SHARE = 0.35, 0.45  # outcomes of an application; the rest stay open


@dataclass
class Person:
    """One employee or candidate: the moments of their status changes (None: never)."""

    id: str
    org: int
    department_id: str
    applied_ms: int | None
    hired_ms: int | None
    rejected_ms: int | None
    terminated_ms: int | None

    def employed_at(self, ms: int) -> bool:
        return (
            self.hired_ms is not None
            and self.hired_ms <= ms
            and (self.terminated_ms is None or ms < self.terminated_ms)
        )


@dataclass
class Workforce:
    people: list[Person]
    batch: RowBatch


def _plan_person(
    rng: np.random.Generator, start: int, applied: bool, end: int, alive: int
) -> tuple[int | None, int | None, int | None, int | None]:
    """(applied, hired, rejected, terminated) ms of a person whose story starts at `start`."""
    if not applied:
        hired = start
        applied_ms = None
    else:
        applied_ms = start
        decided = start + int(rng.integers(3, 26)) * DAY_MS + int(rng.integers(0, DAY_MS))
        r = rng.random()
        if decided >= min(end, alive) or r >= HIRE_SHARE + REJECT_SHARE:
            return applied_ms, None, None, None
        if r >= HIRE_SHARE:
            return applied_ms, None, decided, None
        hired = decided
    months = rng.exponential(1 / MONTHLY_TURNOVER)
    terminated = hired + int(months * 30 * DAY_MS)
    return applied_ms, hired, None, (terminated if terminated < min(end, alive) else None)


def build_workforce(rng: np.random.Generator, tenants: Tenants, period: Period) -> Workforce:
    people: list[Person] = []
    plans = []
    for o, org in enumerate(tenants.orgs):
        alive = org.churn_ms if org.churn_ms is not None else period.end_ms
        size = 5 * len(tenants.users_of(o)) + int(rng.integers(0, 10))
        history = max(DAY_MS, min(period.start_ms, alive) - org.created_ms)
        for _ in range(size):  # hired before the period (or soon after sign-up)
            start = org.created_ms + int(rng.integers(0, history))
            if start >= alive:
                continue
            via_application = rng.random() < 0.4
            if via_application:
                start -= int(rng.integers(5, 30)) * DAY_MS
                start = max(start, org.created_ms)
            plans.append((o, start, via_application))
        day = max(0, (max(org.created_ms, period.start_ms) - period.start_ms) // DAY_MS)
        rate = 0.08 * size / 10
        for d in range(int(day), period.days):
            day_ms = int(period.day_ms(d))
            if day_ms >= alive:
                break
            scale = 0.15 if is_weekend(period, d) else 1.0
            for _ in range(int(rng.poisson(rate * scale))):
                plans.append((o, work_moment(rng, day_ms), True))
            if rng.random() < 0.02 * scale * size / 10:
                plans.append((o, work_moment(rng, day_ms), False))  # a direct hire
    ids = uuids(rng, len(plans))
    batch = RowBatch()
    for (o, start, applied), person_id in zip(plans, ids, strict=True):
        org = tenants.orgs[o]
        alive = org.churn_ms if org.churn_ms is not None else period.end_ms
        applied_ms, hired, rejected, terminated = _plan_person(
            rng, start, applied, period.end_ms, alive
        )
        department = str(rng.choice(org.departments))
        person = Person(person_id, o, department, applied_ms, hired, rejected, terminated)
        people.append(person)
        _versions(rng, person, org.id, org.branches, period, batch)
    return Workforce(people, batch)


def _versions(
    rng: np.random.Generator,
    person: Person,
    org_id: str,
    branches: list[tuple[str, str, str]],
    period: Period,
    batch: RowBatch,
) -> None:
    """A row per status change: CANDIDATE, then ACTIVE or REJECTED, then TERMINATED."""
    style = pick_style(rng)
    created = person.applied_ms if person.applied_ms is not None else person.hired_ms
    base = {
        "employee_id": person.id,
        "organization_id": org_id,
        "department_id": person.department_id,
        "branch_id": branches[int(rng.integers(len(branches)))][0],
        "job_role": str(rng.choice(JOB_ROLES)),
        "applied_at": iso(person.applied_ms, style),
        "hired_at": None,
        "rejected_at": None,
        "terminated_at": None,
        "created_at": iso(created, style),
    }
    steps: list[tuple[int, str, dict]] = []
    if person.applied_ms is not None:
        steps.append((person.applied_ms, "CANDIDATE", {}))
    if person.rejected_ms is not None:
        steps.append(
            (person.rejected_ms, "REJECTED", {"rejected_at": iso(person.rejected_ms, style)})
        )
    if person.hired_ms is not None:
        steps.append((person.hired_ms, "ACTIVE", {"hired_at": iso(person.hired_ms, style)}))
    if person.terminated_ms is not None:
        steps.append(
            (
                person.terminated_ms,
                "TERMINATED",
                {"terminated_at": iso(person.terminated_ms, style)},
            )
        )
    row = base
    for at, status, changes in steps:
        row = {**row, **changes, "status": status, "updated_at": iso(at + HOUR_MS // 60, style)}
        batch.add(version_label(period, at), at, row)
