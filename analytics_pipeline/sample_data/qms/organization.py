"""The organization behind the QMS: departments of skewed sizes (one dissolved
during the period, its people moved or gone, one renamed) and the QMS users,
hired before or during the history, some leaving (`deleted_at`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ids import prefixed_ids
from ..period import DAY_MS, HOUR_MS, Period
from .clock import date_of, iso, pick_style, work_moment
from .versions import Versions

# (department_id, name); readable ids, as QMS tenants are named (metrics.md's 'QA').
DEPARTMENTS = (
    ("QA", "Quality Assurance"), ("QC", "Quality Control Laboratory"), ("PROD", "Production"),
    ("ENG", "Engineering"), ("WH", "Warehouse and Logistics"), ("RA", "Regulatory Affairs"),
    ("RD", "Research and Development"), ("PKG", "Packaging"), ("MNT", "Maintenance"),
    ("HSE", "Health, Safety and Environment"),
)  # fmt: skip
DEPARTMENTS_PER_WORKSPACE = 2
USERS_SHARE = 1 / 4
LEAVER_SHARE = 0.08


@dataclass
class Department:
    id: str
    name: str
    created_ms: int
    dissolved_ms: int | None
    weight: float  # share of the organization's quality work

    def alive(self, ms: int) -> bool:
        return self.created_ms <= ms and (self.dissolved_ms is None or ms < self.dissolved_ms)


@dataclass
class QmsUser:
    id: str
    department: int  # index, the department before any move
    role: str
    created_ms: int
    deleted_ms: int | None
    moved: tuple[int, int] | None = None  # (ms, new department index)

    def department_at(self, ms: int) -> int:
        if self.moved is not None and ms >= self.moved[0]:
            return self.moved[1]
        return self.department

    def alive(self, ms: int) -> bool:
        return self.created_ms <= ms and (self.deleted_ms is None or ms < self.deleted_ms)


@dataclass
class Organization:
    go_live_ms: int  # the QMS went live (documents and risks migrated) that moment
    departments: list[Department]
    users: list[QmsUser]
    department_rows: Versions
    user_rows: Versions

    def weights(self, ms: int) -> np.ndarray:
        """Departments' shares of the work at `ms` (0 before creation, after dissolution)."""
        w = np.array([d.weight if d.alive(ms) else 0.0 for d in self.departments])
        return w / w.sum()

    def people(self, department: int, ms: int, roles: tuple[str, ...] | None = None) -> list[int]:
        """Users of the department at `ms` (with one of `roles`)."""
        return [
            i
            for i, u in enumerate(self.users)
            if u.alive(ms)
            and u.department_at(ms) == department
            and (roles is None or u.role in roles)
        ]

    def pick_user(
        self,
        rng: np.random.Generator,
        department: int,
        ms: int,
        roles: tuple[str, ...] | None = None,
    ) -> str | None:
        """A user of the department (with a role, else any of it, else any QA) at `ms`."""
        for candidates in (
            self.people(department, ms, roles),
            self.people(department, ms),
            self.people(0, ms),
        ):
            if candidates:
                return self.users[candidates[int(rng.integers(len(candidates)))]].id
        return None


def _role(rng: np.random.Generator, department_id: str, first: bool) -> str:
    if department_id == "QA":
        return (
            "QA_MANAGER"
            if first
            else str(rng.choice(["QA_SPECIALIST", "QA_MANAGER"], p=[0.85, 0.15]))
        )
    if department_id == "QC":
        return (
            "DOCUMENT_OWNER"
            if first
            else str(rng.choice(["LAB_ANALYST", "QA_SPECIALIST"], p=[0.85, 0.15]))
        )
    if first:
        return "DOCUMENT_OWNER"
    return str(rng.choice(["OPERATOR", "DOCUMENT_OWNER", "QA_SPECIALIST"], p=[0.72, 0.2, 0.08]))


def build_organization(
    rng: np.random.Generator, workspaces: int, users: int, period: Period, history_days: int
) -> Organization:
    n_dep = max(3, DEPARTMENTS_PER_WORKSPACE * workspaces)
    go_live = period.start_ms - history_days * DAY_MS
    end = period.end_ms
    # Skewed sizes: QA and production do most of the quality work.
    weights = 1.0 / (1.0 + np.arange(n_dep)) ** 0.9
    weights[1:] = weights[1:][rng.permutation(n_dep - 1)]
    dissolved_index = n_dep - 1
    dissolved_at = work_moment(rng, period.start_day + max(1, (2 * period.days) // 3))
    departments = []
    department_rows = Versions(end)
    for k in range(n_dep):
        code, name = DEPARTMENTS[k % len(DEPARTMENTS)]
        if k >= len(DEPARTMENTS):
            code, name = f"{code}{k // len(DEPARTMENTS) + 1}", f"{name} {k // len(DEPARTMENTS) + 1}"
        created = go_live - int(rng.integers(200, 3000)) * DAY_MS - int(rng.integers(0, DAY_MS))
        if k == n_dep - 2 and n_dep >= 4:  # a department set up during the history
            created = go_live + int(rng.integers(10, history_days)) * DAY_MS
        dep = Department(
            code, name, created, dissolved_at if k == dissolved_index else None, float(weights[k])
        )
        departments.append(dep)
        style = pick_style(rng)
        row = {
            "department_id": code,
            "name": name,
            "created_at": iso(created, style),
            "deleted_at": None,
            "updated_at": iso(created, style),
        }
        department_rows.add(created, row)
        if k == 1:  # renamed during the period: a new version, same key
            at = work_moment(rng, period.start_day + period.days // 4)
            row = {**row, "name": f"{name} ({code})", "updated_at": iso(at, style)}
            department_rows.add(at, row)
        if dep.dissolved_ms is not None:
            at = dep.dissolved_ms
            department_rows.add(
                at, {**row, "deleted_at": iso(at, style), "updated_at": iso(at, style)}
            )

    n_users = max(3 * n_dep, int(users * USERS_SHARE))
    ids = prefixed_ids(rng, "usr_", n_users, width=8)
    # Two people per department first (an owner and one more), the rest by size.
    home = [k for k in range(n_dep) for _ in range(2)]
    p = weights / weights.sum()
    home += rng.choice(n_dep, size=n_users - len(home), p=p).tolist()
    qms_users: list[QmsUser] = []
    seen: set[int] = set()
    for i, (user_id, k) in enumerate(zip(ids, home, strict=True)):
        dep = departments[k]
        if rng.random() < 0.85 or i < 2 * n_dep:
            created = max(dep.created_ms, go_live - int(rng.integers(30, 2500)) * DAY_MS)
        else:  # joined during the history or the period
            created = work_moment(
                rng, date_of(go_live) + int(rng.integers(1, history_days + period.days))
            )
            created = max(created, dep.created_ms + HOUR_MS)
        deleted = None
        if i >= 2 * n_dep and rng.random() < LEAVER_SHARE:
            deleted = max(
                created + 20 * DAY_MS,
                work_moment(rng, period.start_day + int(rng.integers(-history_days, period.days))),
            )
        qms_users.append(QmsUser(user_id, k, _role(rng, dep.id, k not in seen), created, deleted))
        seen.add(k)
    # At least one leaver during the period: the newest non-first user of the largest department.
    if not any(u.deleted_ms is not None and u.deleted_ms >= period.start_ms for u in qms_users):
        leaver = n_users - 1
        at = work_moment(rng, period.start_day + period.days // 2)
        qms_users[leaver].deleted_ms = max(at, qms_users[leaver].created_ms + HOUR_MS)
    # The dissolved department's people: half move to QA, the rest leave with it.
    for n, u in enumerate(u for u in qms_users if u.department == dissolved_index):
        if u.deleted_ms is not None and u.deleted_ms <= dissolved_at:
            continue
        if u.created_ms >= dissolved_at:
            u.department = 0
        elif n % 2 == 0:
            u.moved = (dissolved_at + 5 * 60_000, 0)
            u.deleted_ms = None
        else:
            u.deleted_ms = dissolved_at + 10 * 60_000

    user_rows = Versions(end)
    for u in qms_users:
        style = pick_style(rng)
        row = {
            "user_id": u.id,
            "department_id": departments[u.department].id,
            "role": u.role,
            "created_at": iso(u.created_ms, style),
            "deleted_at": None,
            "updated_at": iso(u.created_ms, style),
        }
        user_rows.add(u.created_ms, row)
        if u.role == "QA_SPECIALIST" and rng.random() < 0.15:  # a promotion
            at = u.created_ms + int(rng.integers(30, 400)) * DAY_MS
            if u.alive(at):
                u.role = "QA_MANAGER"
                row = {**row, "role": u.role, "updated_at": iso(at, style)}
                user_rows.add(at, row)
        if u.moved is not None:
            at, k = u.moved
            row = {**row, "department_id": departments[k].id, "updated_at": iso(at, style)}
            user_rows.add(at, row)
        if u.deleted_ms is not None:
            at = u.deleted_ms
            user_rows.add(at, {**row, "deleted_at": iso(at, style), "updated_at": iso(at, style)})
    return Organization(go_live, departments, qms_users, department_rows, user_rows)
