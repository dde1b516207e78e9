"""Activity logs and dashboard widget interactions of the platform users.

A user works on the platform on most weekdays and few weekend days, in office
hours: a session of a LOGIN, events whose mix depends on the role (owners look
at dashboards, managers manage employees), and usually a LOGOUT. Every
DASHBOARD_LOAD loads the role's dashboard widgets (same session), with load
times skewed (a long tail, slower on mobile and on the owner's dashboard)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..delivery import EventRows
from ..ids import uuids
from ..period import Period
from .clock import active_today, iso, work_moment
from .reports import object_id
from .tenants import PlatformUser, Tenants

EVENTS = (
    # (event type, category, feature or None for "the page's", base weight)
    ("PAGE_VIEW", "NAVIGATION", None, 0.28),
    ("BUTTON_CLICK", "INTERACTION", None, 0.17),
    ("REPORT_VIEW", "DATA_ACCESS", "REPORT_GENERATION", 0.1),
    ("REPORT_DOWNLOAD", "DATA_ACCESS", "REPORT_GENERATION", 0.03),
    ("SEARCH_PERFORMED", "INTERACTION", "EMPLOYEE_MANAGEMENT", 0.07),
    ("FILTER_APPLIED", "INTERACTION", "ANALYTICS_VIEWING", 0.06),
    ("AI_CHAT_MESSAGE", "FEATURE_USE", "AI_CONSULTATION", 0.06),
    ("EMPLOYEE_ADDED", "FEATURE_USE", "EMPLOYEE_MANAGEMENT", 0.03),
    ("EMPLOYEE_UPDATED", "FEATURE_USE", "EMPLOYEE_MANAGEMENT", 0.04),
    ("DASHBOARD_LOAD", "NAVIGATION", "ANALYTICS_VIEWING", 0.1),
    ("NOTIFICATION_CLICKED", "INTERACTION", "NOTIFICATION_INTERACTION", 0.06),
)
# Role emphasis: owners watch dashboards, managers manage employees and reports.
ROLE_BOOST = {
    "OWNER": {"DASHBOARD_LOAD": 2.0, "FILTER_APPLIED": 1.5},
    "LEADER": {"REPORT_VIEW": 1.5, "AI_CHAT_MESSAGE": 1.5},
    "MANAGER": {"EMPLOYEE_ADDED": 2.0, "EMPLOYEE_UPDATED": 2.0, "SEARCH_PERFORMED": 1.3},
}
PAGES = {
    "EMPLOYEE_MANAGEMENT": "/employees",
    "REPORT_GENERATION": "/reports",
    "AI_CONSULTATION": "/ai-chat",
    "DEPARTMENT_SETUP": "/settings/departments",
    "USER_MANAGEMENT": "/settings/users",
    "ANALYTICS_VIEWING": "/dashboard",
    "NOTIFICATION_INTERACTION": "/notifications",
}
FEATURES = tuple(PAGES)
PAGE_FEATURE_WEIGHTS = (0.3, 0.2, 0.1, 0.08, 0.07, 0.2, 0.05)
ERRORS = ("Request timed out", "Permission denied", "Validation failed")
WIDGETS = ("METRICS_CARD", "CHART", "TABLE", "AI_CHAT", "NOTIFICATIONS")
# Median widget load time (ms) per dashboard: the owner's aggregates the most.
LOAD_MEDIAN = {"OWNER": 450.0, "LEADER": 350.0, "MANAGER": 280.0}


@dataclass
class UsageSim:
    activity: EventRows
    dashboards: EventRows


def _event_weights(role: str) -> np.ndarray:
    weights = np.array([w * ROLE_BOOST[role].get(e[0], 1.0) for *e, w in EVENTS])
    return weights / weights.sum()


def simulate_usage(rng: np.random.Generator, tenants: Tenants, period: Period) -> UsageSim:
    events: list[dict] = []
    event_ms: list[int] = []
    widgets: list[dict] = []
    widget_ms: list[int] = []
    weights = {role: _event_weights(role) for role in ROLE_BOOST}
    for user in tenants.users:
        org_id = tenants.orgs[user.org].id
        for d in range(period.days):
            day_ms = int(period.day_ms(d))
            if day_ms < user.created_ms or day_ms >= user.gone_ms:
                continue
            if not active_today(rng, period, d, user.engagement):
                continue
            at = work_moment(rng, day_ms)
            session = uuids(rng, 1)[0]
            kinds = ["LOGIN"] + [
                EVENTS[k][0]
                for k in rng.choice(len(EVENTS), 2 + int(rng.poisson(4 * user.engagement)),
                                    p=weights[user.role]).tolist()
            ]  # fmt: skip
            if rng.random() < 0.6:
                kinds.append("LOGOUT")
            for kind in kinds:
                at += int(rng.lognormal(np.log(50_000), 0.9))
                if at >= min(user.gone_ms, period.end_ms):
                    break
                events.append(_event(rng, user, org_id, session, kind, at))
                event_ms.append(at)
                if kind == "DASHBOARD_LOAD":
                    for row in _dashboard(rng, user, org_id, session, at):
                        widgets.append(row)
                        widget_ms.append(at)
    return UsageSim(
        EventRows.on_event_day(events, np.array(event_ms, dtype=np.int64)),
        EventRows.on_event_day(widgets, np.array(widget_ms, dtype=np.int64)),
    )


def _event(rng, user: PlatformUser, org_id: str, session: str, kind: str, at: int) -> dict:
    spec = next((e for e in EVENTS if e[0] == kind), (kind, "NAVIGATION", None, 0))
    feature = spec[2]
    if feature is None and kind not in ("LOGIN", "LOGOUT"):
        feature = str(rng.choice(FEATURES, p=PAGE_FEATURE_WEIGHTS))
    success = kind in ("LOGIN", "LOGOUT", "PAGE_VIEW") or rng.random() > 0.04
    row = {
        "event_id": object_id(rng, at),
        "user_id": user.id,
        "organization_id": org_id,
        "session_id": session,
        "event_type": kind,
        "event_category": spec[1],
        "feature": feature,
        "page": PAGES[feature] if feature else "/login",
        "duration_ms": int(rng.lognormal(np.log(1_200 if feature else 300), 1.0)),
        "success": success,
        "user_role": user.role,
        "department_id": user.department_id,
        "device_type": user.device,
        "os": user.os,
        "browser": user.browser,
        "country": user.country,
        "city": user.city,
        "ip_address": user.ip,
        "occurred_at": iso(at),
    }
    if not success:
        row["error_message"] = str(rng.choice(ERRORS))
    return row


def _dashboard(rng, user: PlatformUser, org_id: str, session: str, at: int) -> list[dict]:
    """The widgets of one dashboard load, and some refreshes, resizes and reorders."""
    shown = rng.permutation(len(WIDGETS))[: int(rng.integers(3, 6))].tolist()
    slow = 1.6 if user.device != "desktop" else 1.0
    rows = []
    for k in shown:
        widget = WIDGETS[k]
        actions = ["WIDGET_LOAD"]
        actions += ["WIDGET_REFRESH"] if rng.random() < 0.3 else []
        actions += ["WIDGET_RESIZE"] if rng.random() < 0.05 else []
        actions += ["WIDGET_REORDER"] if rng.random() < 0.03 else []
        for action in actions:
            error = rng.random() < 0.025
            row = {
                "interaction_id": object_id(rng, at),
                "user_id": user.id,
                "organization_id": org_id,
                "session_id": session,
                "dashboard_type": f"{user.role}_DASHBOARD",
                "interaction_type": action,
                "widget_id": f"{widget.lower()}-{k + 1}",
                "widget_type": widget,
                "duration_ms": int(rng.lognormal(np.log(800), 0.8)),
                "error_occurred": error,
                "occurred_at": iso(at),
            }
            if action in ("WIDGET_LOAD", "WIDGET_REFRESH"):
                load = float(rng.lognormal(np.log(LOAD_MEDIAN[user.role] * slow), 0.7))
                fetch = round(load * float(rng.uniform(0.4, 0.7)), 1)
                render = round(load * float(rng.uniform(0.15, 0.35)), 1)
                row.update(
                    data_loaded=not error,
                    load_time_ms=round(load, 1),
                    data_fetch_time_ms=fetch,
                    render_time_ms=render,
                    total_time_ms=round(load + render, 1),
                )
            rows.append(row)
    return rows
