"""The attributes of product activity events (pages, clients, metadata) and their rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .activity import (
    AGENT_RUN,
    API_CALL,
    ERROR,
    EVENT_TYPES,
    EXPORT,
    FEATURE_USE,
    LOGIN,
    LOGOUT,
    PAGE_VIEW,
    REPORT_VIEW,
    WORKSPACE_SWITCH,
    ActivitySim,
)
from .delivery import EventRows
from .ids import uuids
from .population import Population
from .timestamps import format_ts, pick_styles

PAGES = (
    "/dashboard", "/agents", "/reports", "/settings", "/study", "/analytics",
    "/team", "/billing", "/help", "/study/questions",
)  # fmt: skip
PAGE_P = np.array([0.26, 0.14, 0.14, 0.05, 0.12, 0.1, 0.05, 0.02, 0.03, 0.09])
FEATURES = (
    "search", "filters", "bulk_edit", "share", "comments", "templates", "ai_assist", "scheduling",
)  # fmt: skip
ERROR_TYPES = (
    "ValidationError", "TimeoutError", "NetworkError", "PermissionDenied", "NotFound",
    "InternalServerError",
)  # fmt: skip
API_ENDPOINTS = (
    "/api/v1/agents", "/api/v1/runs", "/api/v1/reports", "/api/v1/users", "/api/v1/metrics",
    "/api/v1/search",
)  # fmt: skip
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Mobile Safari/537.36",
    "analytics-sdk-python/2.3.1",
)
REFERRERS = (
    "https://www.google.com/",
    "https://mail.google.com/",
    "https://slack.com/",
    "https://www.linkedin.com/",
    "https://teams.microsoft.com/",
)
APP_URL = "https://app.example.com"
# Not IP addresses: valid rows (staging turns them into null).
NOT_IPS = ("unknown", "-", "999.12.0.1", "localhost")
PUBLIC_FIRST_OCTETS = np.array([23, 31, 45, 62, 81, 94, 103, 141, 176, 185, 203, 212])
EVENT_NAMES = (
    "page_viewed", "agent_run_started", "user_logged_in", "user_logged_out",
    "workspace_switched", "feature_used", "error_shown", "api_request", "report_exported",
    "report_viewed",
)  # fmt: skip
EXPORT_FORMATS = ("csv", "pdf", "xlsx")
LOGIN_METHODS = ("password", "sso", "magic_link")


def client_addresses(rng: np.random.Generator, n_users: int) -> tuple[list[str], list[str]]:
    """One IPv4 and one IPv6 address per user."""
    octets = rng.integers(0, 256, size=(n_users, 3))
    octets[:, 2] = np.clip(octets[:, 2], 1, 254)
    first = rng.choice(PUBLIC_FIRST_OCTETS, n_users)
    v4 = [f"{a}.{b}.{c}.{d}" for a, (b, c, d) in zip(first.tolist(), octets.tolist(), strict=True)]
    groups = rng.integers(0, 0x10000, size=(n_users, 3))
    v6 = [f"2001:db8:{a:x}:{b:x}::{c:x}" for a, b, c in groups.tolist()]
    return v4, v6


def api_durations(rng: np.random.Generator, n: int) -> list[float | int]:
    """Skewed latencies in ms: lognormal body and a slow tail; mostly integers."""
    ms = rng.lognormal(np.log(120.0), 0.8, n) * np.where(rng.random(n) < 0.02, 10.0, 1.0)
    as_int = rng.random(n) < 0.7
    return [
        int(round(v)) if i else round(v, 1)
        for v, i in zip(ms.tolist(), as_int.tolist(), strict=True)
    ]


def activity_payloads(
    rng: np.random.Generator,
    *,
    event_ids: Sequence[str],
    user_ids: Sequence[str],
    workspace_ids: Sequence[str],
    session_ids: Sequence[str | None],
    occurred_at: Sequence[str],
    event_type: np.ndarray,
    first_in_session: np.ndarray,
    user_idx: np.ndarray,
    n_users: int,
    session_idx: np.ndarray,
    n_sessions: int,
    run_refs: dict[int, tuple[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """One user_activity row per event; `run_refs` maps event position -> (agent_id, run_id)."""
    n = len(event_ids)
    run_refs = run_refs or {}
    v4, v6 = client_addresses(rng, n_users)
    primary_ua = rng.integers(0, len(USER_AGENTS), n_users).tolist()
    s_ip_kind = rng.choice(3, size=n_sessions, p=[0.86, 0.12, 0.02]).tolist()
    s_ua = np.where(
        rng.random(n_sessions) < 0.85, -1, rng.integers(0, len(USER_AGENTS), n_sessions)
    ).tolist()
    s_ref = np.where(
        rng.random(n_sessions) < 0.35, rng.integers(0, len(REFERRERS), n_sessions), -1
    ).tolist()

    page = rng.choice(len(PAGES), size=n, p=PAGE_P / PAGE_P.sum()).tolist()
    other_page = rng.integers(0, len(PAGES), n).tolist()
    internal_ref = (rng.random(n) < 0.4).tolist()
    feature = rng.integers(0, len(FEATURES), n).tolist()
    error = rng.integers(0, len(ERROR_TYPES), n).tolist()
    error_known = (rng.random(n) < 0.9).tolist()
    endpoint = rng.integers(0, len(API_ENDPOINTS), n).tolist()
    duration = api_durations(rng, n)
    ok = (rng.random(n) < 0.96).tolist()
    report = rng.integers(1, 80, n).tolist()
    fmt = rng.integers(0, len(EXPORT_FORMATS), n).tolist()
    method = rng.integers(0, len(LOGIN_METHODS), n).tolist()
    has_name = (rng.random(n) < 0.92).tolist()
    no_ip = (rng.random(n) < 0.03).tolist()
    meta_shape = rng.integers(0, 3, n).tolist()  # page views: absent, null or {}

    types = np.asarray(event_type).tolist()
    firsts = np.asarray(first_in_session).tolist()
    users = np.asarray(user_idx).tolist()
    sessions = np.asarray(session_idx).tolist()
    rows: list[dict[str, Any]] = []
    for i in range(n):
        t, u, s = types[i], users[i], sessions[i]
        path: str | None = PAGES[page[i]]
        meta: dict[str, Any] | None = None
        if t == PAGE_VIEW:
            meta = (None, None, {})[meta_shape[i]]
        elif t == FEATURE_USE:
            meta = {"feature": FEATURES[feature[i]]}
            if meta_shape[i] == 0:
                meta["success"] = ok[i]
        elif t == API_CALL:
            path = None
            meta = {
                "endpoint": API_ENDPOINTS[endpoint[i]],
                "duration_ms": duration[i],
                "status_code": 200 if ok[i] else 503,
                "success": ok[i],
            }
        elif t == ERROR:
            meta = {"error_type": ERROR_TYPES[error[i]]} if error_known[i] else {"message": "?"}
        elif t == REPORT_VIEW:
            path = f"/reports/rpt-{report[i]:04d}"
            meta = {"report_id": f"rpt-{report[i]:04d}"}
        elif t == EXPORT:
            path = f"/reports/rpt-{report[i]:04d}"
            meta = {
                "report_id": f"rpt-{report[i]:04d}",
                "format": EXPORT_FORMATS[fmt[i]],
                "success": ok[i],
            }
        elif t == AGENT_RUN:
            agent_id, run_id = run_refs.get(i, (None, None))
            path = f"/agents/{agent_id}" if agent_id else "/agents"
            meta = {"agent_id": agent_id, "run_id": run_id} if run_id else {}
        elif t == LOGIN:
            path = "/login"
            meta = {"method": LOGIN_METHODS[method[i]], "success": ok[i]}
        elif t == LOGOUT:
            path = None
        elif t == WORKSPACE_SWITCH:
            path = "/workspaces"

        kind = s_ip_kind[s]
        if no_ip[i]:
            ip = None
        elif kind == 0:
            ip = v4[u]
        elif kind == 1:
            ip = v6[u]
        else:
            ip = NOT_IPS[s % len(NOT_IPS)]
        ua = USER_AGENTS[primary_ua[u] if s_ua[s] < 0 else s_ua[s]]
        if firsts[i]:
            referrer = REFERRERS[s_ref[s]] if s_ref[s] >= 0 else None
        elif t == PAGE_VIEW and internal_ref[i]:
            referrer = APP_URL + PAGES[other_page[i]]
        else:
            referrer = None

        row = {
            "event_id": event_ids[i],
            "user_id": user_ids[i],
            "workspace_id": workspace_ids[i],
            "session_id": session_ids[i],
            "event_type": EVENT_TYPES[t],
            "event_name": EVENT_NAMES[t] if has_name[i] else None,
            "page_path": path,
            "ip_address": ip,
            "user_agent": ua,
            "referrer": referrer,
            "metadata": meta,
            "occurred_at": occurred_at[i],
        }
        if meta is None and meta_shape[i] == 0:
            del row["metadata"]
        rows.append(row)
    return rows


def simulated_activity_rows(
    rng: np.random.Generator,
    sim: ActivitySim,
    pop: Population,
    run_refs: dict[int, tuple[str, str]],
) -> EventRows:
    """user_activity rows of a simulation, due on the day they occurred."""
    n = len(sim.event_ms)
    session_uuid = uuids(rng, len(sim.session_user))
    session_ids = [
        None if sim.session_null[s] else session_uuid[s] for s in sim.event_session.tolist()
    ]
    ws = pop.user_ws[sim.event_user]
    payloads = activity_payloads(
        rng,
        event_ids=uuids(rng, n),
        user_ids=[pop.user_ids[u] for u in sim.event_user.tolist()],
        workspace_ids=[pop.workspace_ids[w] for w in ws.tolist()],
        session_ids=session_ids,
        occurred_at=format_ts(sim.event_ms, pick_styles(rng, n)),
        event_type=sim.event_type,
        first_in_session=sim.event_first,
        user_idx=sim.event_user,
        n_users=pop.n_users,
        session_idx=sim.event_session,
        n_sessions=len(sim.session_user),
        run_refs=run_refs,
    )
    return EventRows.on_event_day(payloads, sim.event_ms)
