"""Report generations and the accesses to the reports.

Users ask for reports on the days they work; the platform generates two
reports for every new candidate and a quarterly update for every employee
every 90 days after the hire. Each report is sent as PENDING, PROCESSING and
SUCCESS or FAILED versions (processing time skewed by report type); a report
still processing at the period's end has no final version. Successful reports
are viewed, downloaded, shared and printed over the following hours and days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..delivery import EventRows
from ..ids import uuids
from ..period import DAY_MS, HOUR_MS, MINUTE_MS, Period
from .clock import active_today, iso, pick_style, work_moment
from .tenants import Tenants
from .workforce import Workforce

REPORT_TYPES = (
    "PERSONALITY_ROLE", "BEHAVIOR_COMPANY", "COMPATIBILITY_JOB", "COMPATIBILITY_DEPARTMENT",
    "COMPATIBILITY_COMPANY", "COMPATIBILITY_INDUSTRY", "QA_QUESTIONNAIRE", "TRAINING_DEVELOPMENT",
)  # fmt: skip
MANUAL_WEIGHTS = (0.16, 0.14, 0.18, 0.12, 0.1, 0.06, 0.12, 0.12)
# Median processing seconds by report type: industry comparisons take longest.
MEDIAN_SECONDS = (35, 40, 45, 50, 55, 120, 20, 60)
FAILURE_SHARE = 0.06
ERRORS = (
    "AI provider timeout",
    "Questionnaire incomplete",
    "Token limit exceeded",
    "Employee profile missing",
)
ACCESS_TYPES = ("VIEW", "DOWNLOAD", "SHARE", "PRINT")
ACCESS_METHODS = ("DIRECT_LINK", "DASHBOARD", "SEARCH", "NOTIFICATION")


@dataclass
class Report:
    id: str
    org: int
    type_index: int
    employee: int  # index into Workforce.people
    requester: int | None  # index into Tenants.users; None when auto-generated
    completed_ms: int | None  # successful completion, if any
    auto: bool
    quarterly: bool


@dataclass
class ReportSim:
    reports: list[Report]
    generations: EventRows
    accesses: EventRows


def object_id(rng: np.random.Generator, ms: int) -> str:
    """A MongoDB ObjectId (creation seconds, then 8 random bytes) as 24 hex digits."""
    return f"{int(ms) // 1000:08x}" + bytes(rng.integers(0, 256, 8, dtype=np.uint8)).hex()


def _requests(rng: np.random.Generator, tenants: Tenants, work: Workforce, period: Period):
    """(ms, org, type, employee, requester, auto, quarterly) of every report asked for."""
    by_org: dict[int, list[int]] = {}
    for p, person in enumerate(work.people):
        by_org.setdefault(person.org, []).append(p)
    out = []
    for u, user in enumerate(tenants.users):
        staff = by_org.get(user.org, [])
        rate = 0.3 if user.role == "MANAGER" else 0.2
        for d in range(period.days):
            day_ms = int(period.day_ms(d))
            if day_ms < user.created_ms or day_ms >= user.gone_ms:
                continue
            if not active_today(rng, period, d, user.engagement):
                continue
            for _ in range(int(rng.poisson(rate * user.engagement))):
                at = work_moment(rng, day_ms)
                if not staff or at >= user.gone_ms:
                    continue
                p = staff[int(rng.integers(len(staff)))]
                kind = int(rng.choice(len(REPORT_TYPES), p=MANUAL_WEIGHTS))
                out.append((at, user.org, kind, p, u, False, False))
    for p, person in enumerate(work.people):
        if person.applied_ms is not None and person.applied_ms >= period.start_ms:
            for kind in (0, 2):  # PERSONALITY_ROLE, COMPATIBILITY_JOB for a new candidate
                at = person.applied_ms + int(rng.integers(2, 60)) * MINUTE_MS
                out.append((at, person.org, kind, p, None, True, False))
        if person.hired_ms is not None:
            at = person.hired_ms + 90 * DAY_MS
            while at < period.end_ms:
                if at >= period.start_ms and person.employed_at(at):
                    kind = (
                        1 if rng.random() < 0.3 else 7
                    )  # BEHAVIOR_COMPANY or TRAINING_DEVELOPMENT
                    out.append((at, person.org, kind, p, None, True, True))
                at += 90 * DAY_MS
    out.sort(key=lambda r: (r[0], r[3], r[2]))
    return [r for r in out if r[0] < period.end_ms]


def simulate_reports(
    rng: np.random.Generator, tenants: Tenants, work: Workforce, period: Period
) -> ReportSim:
    requests = _requests(rng, tenants, work, period)
    ids = uuids(rng, len(requests))
    reports: list[Report] = []
    payloads: list[dict] = []
    times: list[int] = []
    for (at, org, kind, p, requester, auto, quarterly), report_id in zip(
        requests, ids, strict=True
    ):
        style = pick_style(rng)
        queued = at + int(rng.lognormal(np.log(60_000 if auto else 5_000), 0.8))
        seconds = round(float(rng.lognormal(np.log(MEDIAN_SECONDS[kind]), 0.9)), 2)
        done = queued + int(seconds * 1000)
        failed = rng.random() < FAILURE_SHARE
        base = {
            "report_id": report_id,
            "organization_id": tenants.orgs[org].id,
            "report_type": REPORT_TYPES[kind],
            "employee_id": work.people[p].id,
            "requested_by_user_id": None if requester is None else tenants.users[requester].id,
            "requested_at": iso(at, style),
            "is_auto_generated": auto,
            "is_quarterly_update": quarterly,
        }
        steps = [] if rng.random() < 0.15 else [(at, {"status": "PENDING"})]
        steps.append((queued, {"status": "PROCESSING"}))
        tokens = int(rng.lognormal(np.log(2500 + 400 * kind), 0.5))
        final = {
            "status": "FAILED" if failed else "SUCCESS",
            "completed_at": iso(done, style),
            "processing_time_seconds": seconds,
            "ai_tokens_used": tokens // (3 if failed else 1),
        }
        if failed:
            final["error_message"] = str(rng.choice(ERRORS))
        else:
            final["report_size_kb"] = round(float(rng.lognormal(np.log(220), 0.6)), 1)
        steps.append((done, final))
        for step_ms, changes in steps:
            if step_ms >= period.end_ms:
                break
            payloads.append({**base, **changes, "updated_at": iso(step_ms, style)})
            times.append(step_ms)
        completed = done if not failed and done < period.end_ms else None
        reports.append(Report(report_id, org, kind, p, requester, completed, auto, quarterly))
    generations = EventRows.on_event_day(payloads, np.array(times, dtype=np.int64))
    return ReportSim(reports, generations, _accesses(rng, tenants, work, reports, period))


def _accesses(
    rng: np.random.Generator,
    tenants: Tenants,
    work: Workforce,
    reports: list[Report],
    period: Period,
) -> EventRows:
    payloads: list[dict] = []
    times: list[int] = []
    for report in reports:
        if report.completed_ms is None:
            continue
        mean = 0.8 if report.auto else 1.8
        readers = tenants.users_of(report.org, ("OWNER", "LEADER"))
        for _ in range(int(rng.poisson(mean)) + (0 if report.auto else 1)):
            at = report.completed_ms + int(rng.lognormal(np.log(2 * HOUR_MS), 1.5))
            if report.requester is not None and rng.random() < 0.6:
                u = report.requester
            elif readers:
                u = readers[int(rng.integers(len(readers)))]
            else:
                continue
            user = tenants.users[u]
            if at >= min(period.end_ms, user.gone_ms):
                continue
            access = str(rng.choice(ACCESS_TYPES, p=[0.7, 0.18, 0.07, 0.05]))
            viewing = access == "VIEW"
            person = work.people[report.employee]
            payloads.append(
                {
                    "access_id": object_id(rng, at),
                    "report_id": report.id,
                    "report_type": REPORT_TYPES[report.type_index],
                    "employee_id": person.id,
                    "organization_id": tenants.orgs[report.org].id,
                    "department_id": person.department_id,
                    "user_id": user.id,
                    "user_role": user.role,
                    "access_type": access,
                    "access_method": str(rng.choice(ACCESS_METHODS, p=[0.2, 0.45, 0.15, 0.2])),
                    "access_duration_seconds": round(
                        float(rng.lognormal(np.log(90 if viewing else 6), 0.9)), 1
                    ),
                    "page_views": 1 + int(rng.poisson(3)) if viewing else 1,
                    "device_type": user.device,
                    "country": user.country,
                    "city": user.city,
                    "ip_address": user.ip,
                    "accessed_at": iso(at),
                }
            )
            times.append(at)
    return EventRows.on_event_day(payloads, np.array(times, dtype=np.int64))
