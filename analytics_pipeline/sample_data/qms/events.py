"""Quality events over the QMS's history: deviations, complaints, audit findings and
change controls opened on working days (weekends quiet), CAPAs raised for the
serious ones (`related_event_id`, a due date). Each moves OPEN -> INVESTIGATION
-> PENDING_APPROVAL -> CLOSED over time, CRITICAL ones fastest; some are
cancelled (CANCELLED with `closed_at`), some are still open at the end, some
CAPAs close late or are overdue. The root cause is known from the investigation
on; each department has its own frequent causes, so deviations repeat.

Planted so that the smallest sample has them: a deviation repeating a cause
within 90 days, one repeating it only after more than 90 days, two deviations
of one cause opened at the same instant, and a CAPA overdue at the end."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..ids import prefixed_ids
from ..period import DAY_MS, HOUR_MS, MINUTE_MS, Period
from .clock import after, date_of, date_text, day_scale, iso, pick_style, work_moment
from .organization import Organization
from .versions import Versions

TYPE_MIX = {"DEVIATION": 0.44, "COMPLAINT": 0.16, "AUDIT_FINDING": 0.14, "CHANGE_CONTROL": 0.26}
SEVERITIES = ("CRITICAL", "MAJOR", "MINOR")
SEVERITY_P = (0.08, 0.32, 0.60)
MODULE_MIX = {
    "DEVIATION": {"organization": 0.35, "lims": 0.3, "edms": 0.15, "tms": 0.1, "qrm": 0.1},
    "COMPLAINT": {"organization": 0.6, "lims": 0.25, "qrm": 0.15},
    "AUDIT_FINDING": {"edms": 0.35, "tms": 0.25, "organization": 0.2, "qrm": 0.2},
    "CHANGE_CONTROL": {"edms": 0.4, "organization": 0.3, "lims": 0.15, "qrm": 0.15},
}
CLOSE_MEDIAN_DAYS = {"CRITICAL": 5.0, "MAJOR": 16.0, "MINOR": 24.0}
DUE_DAYS = {"CRITICAL": 15, "MAJOR": 30, "MINOR": 45}
CAPA_DUE_DAYS = {"CRITICAL": 30, "MAJOR": 45, "MINOR": 60}
CAPA_SHARE = {"CRITICAL": 0.9, "MAJOR": 0.55, "MINOR": 0.12}
CANCEL_SHARE = 0.07
EVENTS_PER_DEPARTMENT_DAY = 0.55
ROOT_CAUSES = (
    "HUMAN_ERROR", "EQUIPMENT_FAILURE", "PROCEDURE_GAP", "MATERIAL_DEFECT", "TRAINING_GAP",
    "ENVIRONMENTAL", "SUPPLIER_ISSUE", "CALIBRATION_DRIFT", "DOCUMENTATION_ERROR", "IT_SYSTEM",
)  # fmt: skip
ROOT_P = np.array([0.3, 0.18, 0.14, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02])
QA_ROLES = ("QA_SPECIALIST", "QA_MANAGER", "DOCUMENT_OWNER")


@dataclass
class EventPlan:
    event_type: str
    severity: str
    module: str
    department: int
    root_cause: str | None
    opened_ms: int
    parent: int | None = None  # index of the event a CAPA was raised for
    close_ms: int | None = None  # forced closure (planted cases)
    cancel: bool | None = None  # forced (planted cases: never)
    planted: bool = False  # neither reclassified nor handed over
    steps: list[tuple[int, str]] = field(default_factory=list)  # (ms, status)


def _lifecycle(rng: np.random.Generator, plan: EventPlan) -> None:
    """The status changes of an event, planned whether or not they happen in the sample."""
    opened = plan.opened_ms
    investigation = opened + int(rng.integers(2 * HOUR_MS, 2 * DAY_MS))
    cancel = rng.random() < CANCEL_SHARE if plan.cancel is None else plan.cancel
    if cancel:
        cancelled = opened + HOUR_MS + int(rng.exponential(4 * DAY_MS))
        plan.steps = [(opened, "OPEN")]
        if investigation < cancelled:
            plan.steps.append((investigation, "INVESTIGATION"))
        plan.steps.append((cancelled, "CANCELLED"))
        return
    median = CLOSE_MEDIAN_DAYS[plan.severity]
    if plan.event_type == "CAPA":
        median = 0.8 * CAPA_DUE_DAYS[plan.severity]  # a third or so closes late
    close = plan.close_ms if plan.close_ms is not None else after(rng, opened, median, 0.55)
    close = max(close, investigation + 4 * HOUR_MS)
    pending = investigation + int(0.7 * (close - investigation))
    plan.steps = [
        (opened, "OPEN"),
        (investigation, "INVESTIGATION"),
        (pending, "PENDING_APPROVAL"),
        (close, "CLOSED"),
    ]


def _plan_day(
    rng: np.random.Generator, org: Organization, day: int, causes: list[np.ndarray]
) -> list[EventPlan]:
    plans = []
    weights = org.weights(day * DAY_MS + 12 * HOUR_MS)
    rate = EVENTS_PER_DEPARTMENT_DAY * len(org.departments) * day_scale(day)
    types = list(TYPE_MIX)
    for _ in range(int(rng.poisson(rate))):
        department = int(rng.choice(len(weights), p=weights))
        event_type = str(rng.choice(types, p=list(TYPE_MIX.values())))
        modules = MODULE_MIX[event_type]
        cause = None
        if event_type != "CHANGE_CONTROL":
            cause = ROOT_CAUSES[int(rng.choice(len(ROOT_CAUSES), p=causes[department]))]
        plans.append(
            EventPlan(
                event_type,
                str(rng.choice(SEVERITIES, p=SEVERITY_P)),
                str(rng.choice(list(modules), p=list(modules.values()))),
                department,
                cause,
                work_moment(rng, day),
            )
        )
    return plans


def _planted(rng: np.random.Generator, org: Organization, period: Period) -> list[EventPlan]:
    """Cases the definitions name, in department 0 (QA, never dissolved)."""
    first, last = period.start_day, period.end_day
    go_live = date_of(org.go_live_ms)

    def deviation(day: int, cause: str, ms: int | None = None) -> EventPlan:
        at = work_moment(rng, min(day, last)) if ms is None else ms
        return EventPlan(
            "DEVIATION", "MINOR", "organization", 0, cause, at, cancel=False, planted=True
        )

    # Whole seconds: an export style without milliseconds keeps the instant.
    same_instant = work_moment(rng, first + period.days // 2) // 1000 * 1000
    plans = [
        deviation(go_live + 1, "WATER_SYSTEM"),  # and again 100 days later: not a repeat
        deviation(go_live + 101, "WATER_SYSTEM"),
        deviation(first, "LINE_CLEARANCE"),  # and again within 90 days: a repeat
        deviation(first + max(1, period.days // 3), "LINE_CLEARANCE"),
        deviation(0, "CLEANING_VALIDATION", same_instant),  # one of the two is a repeat
        deviation(0, "CLEANING_VALIDATION", same_instant),
    ]
    # A major deviation whose CAPA is overdue at the end (due 45 days after, still open).
    opened = work_moment(rng, last - 55)
    parent = EventPlan(
        "DEVIATION", "MAJOR", "lims", 0, "EQUIPMENT_FAILURE", opened, cancel=False, planted=True
    )
    capa = EventPlan(
        "CAPA", "MAJOR", "lims", 0, "EQUIPMENT_FAILURE", opened + 3 * DAY_MS, cancel=False,
        close_ms=period.end_ms + 20 * DAY_MS, planted=True,
    )  # fmt: skip
    return plans + [parent, capa]


def _capas(rng: np.random.Generator, plans: list[EventPlan]) -> list[EventPlan]:
    """CAPAs raised during the investigation of serious deviations, findings, complaints."""
    capas = []
    for i, plan in enumerate(plans):
        if plan.event_type not in ("DEVIATION", "AUDIT_FINDING", "COMPLAINT"):
            continue
        if plan.steps[1][1] != "INVESTIGATION" or rng.random() >= CAPA_SHARE[plan.severity]:
            continue
        opened = plan.steps[1][0] + int(rng.integers(DAY_MS, 5 * DAY_MS))
        capa = EventPlan(
            "CAPA", plan.severity, plan.module, plan.department, plan.root_cause, opened, parent=i
        )
        _lifecycle(rng, capa)
        capas.append(capa)
    return capas


def simulate_events(rng: np.random.Generator, org: Organization, period: Period) -> Versions:
    n_dep = len(org.departments)
    # Each department's own frequent causes: the taxonomy's shares, shuffled per department.
    causes = [ROOT_P[rng.permutation(len(ROOT_P))] for _ in range(n_dep)]
    plans: list[EventPlan] = []
    for day in range(date_of(org.go_live_ms), period.end_day + 1):
        plans.extend(_plan_day(rng, org, day, causes))
    planted = _planted(rng, org, period)
    planted[-1].parent = len(plans) + len(planted) - 2
    plans.extend(planted)
    for plan in plans:
        if not plan.steps:
            _lifecycle(rng, plan)
    plans.extend(_capas(rng, plans))
    ids = prefixed_ids(rng, "qe_", len(plans))
    rows = Versions(period.end_ms)
    for i, plan in enumerate(plans):
        _versions(rng, org, plan, ids[i], None if plan.parent is None else ids[plan.parent], rows)
    return rows


def _versions(
    rng: np.random.Generator,
    org: Organization,
    plan: EventPlan,
    event_id: str,
    related: str | None,
    rows: Versions,
) -> None:
    style = pick_style(rng)
    opened_day = date_of(plan.opened_ms)
    due_days = CAPA_DUE_DAYS if plan.event_type == "CAPA" else DUE_DAYS
    due = opened_day + due_days[plan.severity]
    r = rng.random()
    if plan.event_type == "CHANGE_CONTROL" and r < 0.5:
        due = None  # change controls run to their implementation plan
    elif plan.event_type == "CAPA" and r < 0.05 and not plan.planted:
        due = None  # raised without a due date: no on-time figure for it
    owner = org.pick_user(rng, plan.department, plan.opened_ms, QA_ROLES)
    row = {
        "event_id": event_id,
        "event_type": plan.event_type,
        "severity": plan.severity,
        "module": plan.module,
        "department_id": org.departments[plan.department].id,
        "root_cause": plan.root_cause if plan.event_type == "CAPA" else None,
        "related_event_id": related,
        "owner_user_id": None if rng.random() < 0.06 else owner,
        "status": "OPEN",
        "opened_at": iso(plan.opened_ms, style),
        "due_date": date_text(due),
        "closed_at": None,
    }
    for at, status in plan.steps:
        at = at if status == "OPEN" else at + int(rng.integers(0, MINUTE_MS))
        row = {**row, "status": status}
        if status == "INVESTIGATION":
            row["root_cause"] = plan.root_cause
            row["owner_user_id"] = row["owner_user_id"] or owner
            if rng.random() < 0.06 and not plan.planted:  # reclassified once investigated
                row["severity"] = SEVERITIES[max(0, SEVERITIES.index(plan.severity) - 1)]
            if rng.random() < 0.03 and not plan.planted:  # handed to another department
                alive = [k for k, d in enumerate(org.departments) if d.alive(at)]
                row["department_id"] = org.departments[int(rng.choice(alive))].id
        extend = rng.random() < 0.1 and not plan.planted
        if status == "PENDING_APPROVAL" and due is not None and extend:
            due += 15  # an extension granted
            row["due_date"] = date_text(due)
        if status in ("CLOSED", "CANCELLED"):
            row["closed_at"] = iso(at, style)
        row["updated_at"] = iso(at, style)
        if not rows.add(at, row):
            break
