"""Training assignments (TMS): the users of a document's department (and QA) are
assigned its course when a version takes effect (`document_version_id`); new
users get an induction; everyone gets periodic GMP courses. Most complete on
time, some late, some never; some are cancelled (many when the trainee
leaves). Progress and completion arrive as new versions; scores 0..100, some
completions without one.

Planted: a completion in the last minute of its due date (on time) and one a
minute after it (late), and an assignment of a user who is not in qms_users
(the TMS knows people the QMS export does not: department 'unassigned')."""

from __future__ import annotations

import numpy as np

from ..ids import prefixed_ids
from ..period import DAY_MS, HOUR_MS, MINUTE_MS, Period
from .clock import date_of, date_text, day_scale, iso, pick_style, work_moment
from .documents import Library
from .organization import Organization
from .versions import Versions

PERIODIC_COURSES = (
    "GMP-REFRESHER", "DATA-INTEGRITY", "GDP-BASICS", "DEVIATION-HANDLING",
    "CAPA-PRINCIPLES", "CLEANROOM-BEHAVIOUR", "SAFETY-ANNUAL",
)  # fmt: skip
PERIODIC_PER_USER_DAY = 1 / 25
DUE_DAYS = {"document": 14, "periodic": 30, "induction": 7}
ON_TIME, LATE, NEVER = 0.74, 0.14, 0.07  # the rest is cancelled
SCORED_SHARE = 0.8
CANCEL_WHEN_LEAVING = 0.6


def _plans(
    rng: np.random.Generator, org: Organization, library: Library, period: Period
) -> list[tuple[int, str, str, str | None, str]]:
    """(assigned ms, user id, course, document version, kind) of every assignment."""
    plans = []
    for effective, version_id, d, number in library.took_effect:
        if effective >= period.end_ms:
            continue
        doc = library.documents[d]
        at = effective + int(rng.integers(5 * MINUTE_MS, 4 * HOUR_MS))
        course = f"CRS-{doc.number}-V{number}"
        trainees = set(org.people(doc.department, at)) | set(org.people(0, at))
        for u in sorted(trainees):
            plans.append((at + u * 1000, org.users[u].id, course, version_id, "document"))
    for user in org.users:
        if user.created_ms >= org.go_live_ms:
            at = user.created_ms + int(rng.integers(HOUR_MS, DAY_MS))
            plans.append((at, user.id, "QMS-INDUCTION", None, "induction"))
        for day in range(date_of(org.go_live_ms), period.end_day + 1):
            ms = day * DAY_MS + 12 * HOUR_MS
            if user.alive(ms) and rng.random() < PERIODIC_PER_USER_DAY * day_scale(day):
                course = str(rng.choice(PERIODIC_COURSES))
                plans.append((work_moment(rng, day), user.id, course, None, "periodic"))
    return plans


def simulate_training(
    rng: np.random.Generator, org: Organization, library: Library, period: Period
) -> Versions:
    plans = _plans(rng, org, library, period)
    # Planted: a user the QMS export does not know, and the due-date boundaries.
    stranger = prefixed_ids(rng, "usr_", 1, width=8)[0] + "x"
    plans.append(
        (work_moment(rng, period.start_day + 1), stranger, "GMP-REFRESHER", None, "periodic")
    )
    boundary_day = period.end_day - 40  # due 30 days later, ten days before the end
    on_edge = len(plans)
    for k in range(2):
        user = org.users[k % len(org.users)]
        plans.append(
            (boundary_day * DAY_MS + 9 * HOUR_MS + k, user.id, "GDP-BASICS", None, "periodic")
        )
    ids = prefixed_ids(rng, "asg_", len(plans))
    leaving = {u.id: u.deleted_ms for u in org.users if u.deleted_ms is not None}
    rows = Versions(period.end_ms)
    for i, (assigned, user_id, course, version_id, kind) in enumerate(plans):
        due = date_of(assigned) + DUE_DAYS[kind]
        completed = cancelled = None
        r = rng.random()
        if i - on_edge in (0, 1):  # 23:59:30 on the due date, then 00:00:30 the day after
            completed = (due + 1) * DAY_MS - 30_000 + (i - on_edge) * MINUTE_MS
        elif r < ON_TIME:
            completed = assigned + int(
                rng.uniform(0.05, 1.0) * (due + 1 - date_of(assigned)) * DAY_MS
            )
            completed = min(completed, (due + 1) * DAY_MS - MINUTE_MS)
        elif r < ON_TIME + LATE:
            completed = (due + 1) * DAY_MS + int(rng.exponential(6 * DAY_MS))
        elif r >= ON_TIME + LATE + NEVER:
            cancelled = assigned + int(rng.integers(DAY_MS, 20 * DAY_MS))
        gone = leaving.get(user_id)
        if gone is not None and (completed is None or completed > gone) and gone > assigned:
            completed = None
            if rng.random() < CANCEL_WHEN_LEAVING:
                cancelled = gone + int(rng.integers(MINUTE_MS, 3 * DAY_MS))
        style = pick_style(rng)
        row = {
            "assignment_id": ids[i],
            "user_id": user_id,
            "course_id": course,
            "document_version_id": version_id,
            "status": "ASSIGNED",
            "assigned_at": iso(assigned, style),
            "due_date": date_text(due),
            "completed_at": None,
            "score": None,
            "updated_at": iso(assigned, style),
        }
        rows.add(assigned, row)
        if completed is not None:
            if rng.random() < 0.5:
                started = assigned + int(rng.uniform(0.1, 0.9) * (completed - assigned))
                row = {**row, "status": "IN_PROGRESS", "updated_at": iso(started, style)}
                rows.add(started, row)
            score = None
            if rng.random() < SCORED_SHARE:
                score = (
                    100.0
                    if rng.random() < 0.08
                    else round(float(np.clip(rng.normal(84, 10), 0, 100)), 1)
                )
            row = {
                **row,
                "status": "COMPLETED",
                "completed_at": iso(completed, style),
                "score": score,
                "updated_at": iso(completed, style),
            }
            rows.add(completed, row)
        elif cancelled is not None:
            rows.add(cancelled, {**row, "status": "CANCELLED", "updated_at": iso(cancelled, style)})
    return rows
