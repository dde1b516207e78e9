"""Product activity: who is active on which day, their sessions, and event times and types."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .period import HOUR_MS, MINUTE_MS, Period
from .population import Population

EVENT_TYPES = (
    "page_view", "agent_run", "login", "logout", "workspace_switch",
    "feature_use", "error", "api_call", "export", "report_view",
)  # fmt: skip
(
    PAGE_VIEW,
    AGENT_RUN,
    LOGIN,
    LOGOUT,
    WORKSPACE_SWITCH,
    FEATURE_USE,
    ERROR,
    API_CALL,
    EXPORT,
    REPORT_VIEW,
) = range(10)
# Mix of events inside a session (not its first or last event).
MIDDLE_MIX = np.array([0.42, 0.08, 0.0, 0.0, 0.02, 0.16, 0.04, 0.13, 0.03, 0.08])
# Hour-of-day (UTC) weights of session starts: working hours on weekdays, flatter weekends.
WEEKDAY_HOURS = np.array(
    [0.6, 0.4, 0.3, 0.3, 0.4, 0.7, 1.2, 2.2, 4.0, 6.5, 7.5, 7.8,
     6.2, 6.8, 7.6, 7.2, 6.0, 4.2, 3.0, 2.4, 2.0, 1.6, 1.2, 0.8]
)  # fmt: skip
WEEKEND_HOURS = np.array(
    [1.0, 0.8, 0.6, 0.5, 0.5, 0.6, 0.8, 1.2, 1.8, 2.4, 2.8, 3.0,
     3.0, 3.0, 2.8, 2.6, 2.4, 2.2, 2.2, 2.2, 2.0, 1.8, 1.4, 1.2]
)  # fmt: skip
WEEKEND_FACTOR = {5: 0.2, 6: 0.14}  # Saturday, Sunday activity relative to weekdays
NULL_SESSION_SHARE = 0.2  # sessions whose client sends no session_id


@dataclass
class ActivitySim:
    """Simulated activity: day matrix, sessions, and events (time-ordered within a session)."""

    active: np.ndarray  # (users, days) bool
    session_user: np.ndarray
    session_null: np.ndarray  # session sends no session_id
    event_user: np.ndarray
    event_session: np.ndarray
    event_ms: np.ndarray
    event_type: np.ndarray
    event_first: np.ndarray  # first event of its session


def active_days(rng: np.random.Generator, pop: Population, period: Period) -> np.ndarray:
    """(users, days) matrix of days each user is active: engagement fades with account age,
    weekends are quiet, nobody is active before sign-up or after leaving."""
    day = np.arange(period.days)[None, :]
    age = day - pop.signup_idx[:, None]
    alive = (age >= 0) & (day <= pop.last_idx[:, None])
    weekday = period.weekday(np.arange(period.days))
    week = np.array([WEEKEND_FACTOR.get(int(w), 1.0) for w in weekday])[None, :]
    fade = 0.55 + 0.45 * np.exp(-np.maximum(age, 0) / 14.0)
    p = pop.engagement[:, None] * fade * week
    return alive & ((rng.random(alive.shape) < p) | (age == 0))


def _session_starts(
    rng: np.random.Generator, period: Period, day: np.ndarray, weekend: np.ndarray
) -> np.ndarray:
    hours = np.where(
        weekend,
        rng.choice(24, size=len(day), p=WEEKEND_HOURS / WEEKEND_HOURS.sum()),
        rng.choice(24, size=len(day), p=WEEKDAY_HOURS / WEEKDAY_HOURS.sum()),
    )
    return period.day_ms(day) + hours * HOUR_MS + rng.integers(0, HOUR_MS, len(day))


def _gaps(rng: np.random.Generator, n: int, null_session: np.ndarray) -> np.ndarray:
    """Milliseconds between consecutive events of a session. Sessions without an id get
    some gaps just under and just over the 30-minute sessionization cutoff."""
    gap = (rng.exponential(45_000, n) + 1_000).astype(np.int64)
    long_gap = rng.random(n) < np.where(null_session, 0.06, 0.015)
    under = rng.random(n) < 0.5
    minutes = np.where(under, rng.uniform(24.0, 29.5, n), rng.uniform(30.5, 38.0, n))
    return np.where(long_gap, (minutes * MINUTE_MS).astype(np.int64), gap)


def simulate_activity(rng: np.random.Generator, pop: Population, period: Period) -> ActivitySim:
    """Sessions on active days and the events inside them."""
    active = active_days(rng, pop, period)
    au, ad = np.nonzero(active)
    per_day = 1 + np.minimum(rng.poisson(0.3 + 0.8 * pop.engagement[au]), 3)
    s_user = np.repeat(au, per_day)
    s_day = np.repeat(ad, per_day)
    weekend = period.weekday(s_day) >= 5
    start = _session_starts(rng, period, s_day, weekend)
    # Nobody acts before signing up: sign-up day sessions start after the sign-up.
    start = np.maximum(start, pop.created_ms[s_user] + rng.integers(5_000, 600_000, len(s_user)))
    s_null = rng.random(len(s_user)) < NULL_SESSION_SHARE

    n_events = np.minimum(rng.geometric(1 / 8.5, len(s_user)), 60)
    e_session = np.repeat(np.arange(len(s_user)), n_events)
    first_pos = np.repeat(np.cumsum(n_events) - n_events, n_events)
    pos = np.arange(len(e_session)) - first_pos
    gap = _gaps(rng, len(e_session), s_null[e_session])
    gap[pos == 0] = 0
    csum = np.cumsum(gap)
    offset = csum - csum[first_pos]
    e_ms = start[e_session] + offset

    size = n_events[e_session]
    e_type = rng.choice(len(EVENT_TYPES), size=len(e_session), p=MIDDLE_MIX / MIDDLE_MIX.sum())
    first = pos == 0
    e_type[first] = np.where(rng.random(int(first.sum())) < 0.55, LOGIN, PAGE_VIEW)
    last = (pos == size - 1) & (size >= 3) & (rng.random(len(e_session)) < 0.3)
    e_type[last] = LOGOUT

    # Events after the period (sessions running past midnight of the last day) are not sent;
    # neither are events after a user's deletion request.
    deleted = pop.deleted_ms[s_user[e_session]]
    keep = (e_ms < period.end_ms) & ((deleted < 0) | (e_ms < deleted))
    return ActivitySim(
        active=active,
        session_user=s_user,
        session_null=s_null,
        event_user=s_user[e_session][keep],
        event_session=e_session[keep],
        event_ms=e_ms[keep],
        event_type=e_type[keep],
        event_first=first[keep],
    )
