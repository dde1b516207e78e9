"""AI chat sessions, notification deliveries and NPS / CSAT answers.

A chat session is sent when it starts (first messages), when it ends (every
message) and when feedback arrives; a delivery is sent at every status change
(sent, retried, delivered, read, clicked or dismissed, failed). NPS answers
come from a share of the users once; CSAT answers follow finished reports."""

from __future__ import annotations

import numpy as np

from ..delivery import EventRows
from ..ids import uuids
from ..period import DAY_MS, HOUR_MS, MINUTE_MS, Period
from .clock import active_today, iso, pick_style, work_moment
from .reports import ReportSim
from .tenants import Tenants

QUERY_TYPES = (
    "promotion_readiness", "team_formation", "conflict_resolution", "performance_optimization",
    "training_guidance",
)  # fmt: skip
RATINGS = (0.05, 0.08, 0.17, 0.35, 0.35)  # satisfaction 1..5
CHANNEL_FAILURE = {"IN_APP": 0.005, "EMAIL": 0.05, "WEBSOCKET": 0.03, "SMS": 0.12}
CHANNEL_READ = {"IN_APP": 0.65, "EMAIL": 0.45, "WEBSOCKET": 0.5, "SMS": 0.7}
DELIVERY_ERRORS = ("Mailbox unavailable", "Carrier rejected message", "Socket closed")
NPS_WEIGHTS = np.array([2, 1, 1, 2, 2, 4, 6, 12, 15, 22, 23], dtype=float)
CSAT_WEIGHTS = (0.04, 0.06, 0.15, 0.4, 0.35)
COMMENTS = (
    "Reports are very helpful for hiring decisions.",
    "The AI chat answers were too generic.",
    "Dashboard loads slowly in the morning.",
    "Great insight into team compatibility!",
    "Please add more export formats.",
)


def simulate_chats(rng: np.random.Generator, tenants: Tenants, period: Period) -> EventRows:
    payloads: list[dict] = []
    times: list[int] = []
    for user in tenants.users:
        rate = 0.12 if user.role == "MANAGER" else 0.16
        for d in range(period.days):
            day_ms = int(period.day_ms(d))
            if day_ms < user.created_ms or day_ms >= user.gone_ms:
                continue
            if not active_today(rng, period, d, user.engagement):
                continue
            for _ in range(int(rng.poisson(rate * user.engagement))):
                start = work_moment(rng, day_ms)
                if start < user.gone_ms:
                    _session(rng, tenants, user, start, period, payloads, times)
    return EventRows.on_event_day(payloads, np.array(times, dtype=np.int64))


def _messages(rng: np.random.Generator, start: int, query_type: str) -> list[tuple[int, dict]]:
    turns = int(rng.geometric(0.4))
    senders = (["SYSTEM"] if rng.random() < 0.2 else []) + ["USER", "ASSISTANT"] * turns
    ids = uuids(rng, len(senders))
    at = start
    out = []
    for sender, message_id in zip(senders, ids, strict=True):
        at += int(rng.integers(5_000, 120_000))
        median = {"USER": 35, "ASSISTANT": 320, "SYSTEM": 80}[sender]
        if rng.random() < 0.15:
            query_type = str(rng.choice(QUERY_TYPES))  # the conversation moves on
        message = {
            "message_id": message_id,
            "sender": sender,
            "token_count": int(rng.lognormal(np.log(median), 0.5)),
            "query_type": query_type,
            "sent_at": iso(at),
        }
        out.append((at, message))
    return out


def _session(rng, tenants: Tenants, user, start: int, period: Period, payloads, times) -> None:
    org = tenants.orgs[user.org]
    query_type = str(rng.choice(QUERY_TYPES, p=[0.2, 0.25, 0.15, 0.25, 0.15]))
    messages = _messages(rng, start, query_type)
    ended = messages[-1][0] + int(rng.integers(5_000, 60_000))
    style = pick_style(rng)
    base = {
        "session_id": uuids(rng, 1)[0],
        "organization_id": org.id,
        "user_id": user.id,
        "user_role": user.role,
        "query_type": query_type,
        "department_id": user.department_id or str(rng.choice(org.departments)),
        "started_at": iso(start, style),
    }
    versions: list[tuple[int, dict]] = []
    if rng.random() < 0.5:
        first = [m for at, m in messages[:2]]
        versions.append((messages[0][0] + 1_000, {"messages": first}))
    final = {"messages": [m for at, m in messages], "ended_at": iso(ended, style)}
    versions.append((ended, final))
    if rng.random() < 0.35:
        rating = int(rng.choice(5, p=RATINGS)) + 1
        submitted = ended + int(rng.integers(10_000, 10 * MINUTE_MS))
        feedback = {
            **final,
            "was_helpful": (rating >= 4) != (rng.random() < 0.1),
            "feedback_submitted_at": iso(submitted, style),
        }
        if rng.random() < 0.9:
            feedback["satisfaction_rating"] = rating
        versions.append((submitted, feedback))
    for at, changes in versions:
        if at >= period.end_ms:
            if not payloads or payloads[-1]["session_id"] != base["session_id"]:
                cut = [m for t, m in messages if t < period.end_ms]  # still chatting at the end
                payloads.append(
                    {**base, "messages": cut, "updated_at": iso(period.end_ms - 1, style)}
                )
                times.append(period.end_ms - 1)
            break
        payloads.append({**base, **changes, "updated_at": iso(at, style)})
        times.append(at)


def simulate_notifications(
    rng: np.random.Generator, tenants: Tenants, sim: ReportSim, period: Period
) -> EventRows:
    sends: list[tuple[int, str, int]] = []  # (ms, type, user)
    for report in sim.reports:
        if report.completed_ms is None:
            continue
        if report.requester is not None:
            sends.append((report.completed_ms + 2_000, "REPORT_READY", report.requester))
        elif report.quarterly:
            for u in tenants.users_of(report.org, ("LEADER",))[:2]:
                sends.append((report.completed_ms + 5_000, "QUARTERLY_UPDATE", u))
    for o in range(len(tenants.orgs)):
        for d in range(int(rng.integers(0, 30)), period.days, 30):
            at = work_moment(rng, int(period.day_ms(d)))
            for u in tenants.users_of(o):
                sends.append((at, "SYSTEM_ALERT", u))
    for u, user in enumerate(tenants.users):
        for d in np.flatnonzero(rng.random(period.days) < 0.02 * user.engagement).tolist():
            sends.append((work_moment(rng, int(period.day_ms(d))), "USER_MENTION", u))
    sends.sort()
    payloads: list[dict] = []
    times: list[int] = []
    notification_ids = uuids(rng, len(sends))
    for (at, kind, u), notification_id in zip(sends, notification_ids, strict=True):
        user = tenants.users[u]
        if not user.created_ms <= at < min(user.gone_ms, period.end_ms):
            continue
        channels = ["IN_APP"]
        channels += ["EMAIL"] if rng.random() < 0.5 else []
        channels += ["WEBSOCKET"] if rng.random() < 0.3 else []
        channels += ["SMS"] if rng.random() < (0.2 if kind == "SYSTEM_ALERT" else 0.04) else []
        for channel in channels:
            base = {
                "delivery_id": uuids(rng, 1)[0],
                "notification_id": notification_id,
                "organization_id": tenants.orgs[user.org].id,
                "user_id": user.id,
                "notification_type": kind,
                "channel": channel,
            }
            for step_ms, row in _delivery_versions(rng, base, channel, at):
                if step_ms >= period.end_ms:
                    break
                payloads.append(row)
                times.append(step_ms)
    return EventRows.on_event_day(payloads, np.array(times, dtype=np.int64))


def _delivery_versions(rng, base: dict, channel: str, sent: int) -> list[tuple[int, dict]]:
    """Versions of one delivery, each with every timestamp so far."""
    style = pick_style(rng)
    row = {**base, "status": "SENT", "sent_at": iso(sent, style), "retry_count": 0}
    out = [(sent, {**row, "updated_at": iso(sent, style)})]
    at = sent
    if rng.random() < CHANNEL_FAILURE[channel]:
        for retry in range(1, int(rng.integers(1, 4)) + 1):
            at += int(rng.integers(1, 15)) * MINUTE_MS
            row = {**row, "retry_count": retry}
            out.append((at, {**row, "updated_at": iso(at, style)}))
        if rng.random() < 0.5:
            at += MINUTE_MS
            failed = {
                **row,
                "status": "FAILED",
                "failed_at": iso(at, style),
                "error_message": str(rng.choice(DELIVERY_ERRORS)),
            }
            out.append((at, {**failed, "updated_at": iso(at, style)}))
            return out
    at += int(rng.lognormal(np.log(20_000 if channel == "EMAIL" else 1_500), 0.7))
    row = {**row, "status": "DELIVERED", "delivered_at": iso(at, style)}
    out.append((at, {**row, "updated_at": iso(at, style)}))
    if rng.random() < CHANNEL_READ[channel]:
        at += int(rng.lognormal(np.log(40 * MINUTE_MS), 1.5))
        row = {**row, "status": "READ", "read_at": iso(at, style)}
        out.append((at, {**row, "updated_at": iso(at, style)}))
        if rng.random() < 0.35:
            at += int(rng.integers(2_000, 120_000))
            row = {**row, "status": "CLICKED", "clicked_at": iso(at, style)}
            out.append((at, {**row, "updated_at": iso(at, style)}))
    elif rng.random() < 0.25:
        at += int(rng.lognormal(np.log(2 * HOUR_MS), 1.0))
        row = {**row, "status": "DISMISSED", "dismissed_at": iso(at, style)}
        out.append((at, {**row, "updated_at": iso(at, style)}))
    return out


def simulate_surveys(
    rng: np.random.Generator, tenants: Tenants, sim: ReportSim, period: Period
) -> EventRows:
    answers: list[tuple[int, str, int, int]] = []  # (ms, survey, score, user)
    for u, user in enumerate(tenants.users):
        start = max(user.created_ms, period.start_ms)
        stop = min(user.gone_ms, period.end_ms)
        if stop - start > DAY_MS and rng.random() < 0.35:
            day = start + int(rng.integers(0, stop - start - DAY_MS))
            at = work_moment(rng, day // DAY_MS * DAY_MS)
            score = int(rng.choice(11, p=NPS_WEIGHTS / NPS_WEIGHTS.sum()))
            if start <= at < stop:
                answers.append((at, "NPS", score, u))
    for report in sim.reports:
        if report.requester is None or report.completed_ms is None or rng.random() >= 0.08:
            continue
        at = report.completed_ms + int(rng.integers(MINUTE_MS, DAY_MS))
        user = tenants.users[report.requester]
        if at < min(user.gone_ms, period.end_ms):
            answers.append((at, "CSAT", int(rng.choice(5, p=CSAT_WEIGHTS)) + 1, report.requester))
    answers.sort()
    ids = uuids(rng, len(answers))
    payloads = []
    for (at, survey, score, u), response_id in zip(answers, ids, strict=True):
        user = tenants.users[u]
        payloads.append(
            {
                "response_id": response_id,
                "organization_id": tenants.orgs[user.org].id,
                "user_id": user.id,
                "survey_type": survey,
                "score": score,
                "comment": str(rng.choice(COMMENTS)) if rng.random() < 0.25 else None,
                "responded_at": iso(at, pick_style(rng)),
            }
        )
    return EventRows.on_event_day(payloads, np.array([a[0] for a in answers], dtype=np.int64))
