"""Workspaces and users: who exists, when they signed up, how engaged they are, when they leave."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ids import prefixed_ids
from .period import DAY_MS, HOUR_MS, MINUTE_MS, Period

ROLES = ("OWNER", "LEADER", "MANAGER", "MEMBER", "STUDENT")
OWNER, LEADER, MANAGER, MEMBER, STUDENT = range(5)
EDUCATION, TEAM = 0, 1

WORKSPACE_NAMES = (
    "Northfield Medical School",
    "Acme Logistics",
    "St. Mary's Teaching Hospital",
    "Brightline People Ops",
    "Lakeside Nursing Academy",
    "Quantum Quality Labs",
    'Riverside "Pre-Med" Cohort',
    "Harbor & Finch Consulting",
)
# Role mix of users other than the owner, by workspace kind.
ROLE_MIX = {
    EDUCATION: (0.0, 0.02, 0.04, 0.10, 0.84),
    TEAM: (0.0, 0.04, 0.08, 0.84, 0.04),
}
# Role a promoted/moved user gets.
ROLE_CHANGE = {LEADER: MANAGER, MANAGER: LEADER, MEMBER: MANAGER, STUDENT: MEMBER}
# Sign-up hour of day (UTC) weights.
SIGNUP_HOURS = np.array(
    [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 2, 1], dtype=float
)
NEVER = 1_000_000  # a last-active day index far beyond any period


@dataclass
class Population:
    """Everything about workspaces and users the event simulations need."""

    workspace_ids: list[str]
    workspace_names: list[str]
    workspace_kind: np.ndarray
    workspace_created_ms: np.ndarray
    user_ids: list[str]
    user_ws: np.ndarray
    role: np.ndarray  # role at sign-up (ROLES index)
    created_ms: np.ndarray
    signup_idx: np.ndarray  # day index of sign-up relative to the period start (< 0: before)
    last_idx: np.ndarray  # last day index the user may be active (churn or deletion)
    engagement: np.ndarray  # weekday probability of being active while fresh
    learner: np.ndarray
    deleted_ms: np.ndarray  # -1 when not deleted
    role_changes: list[tuple[int, int, int]]  # (user, ms, new role)

    @property
    def n_users(self) -> int:
        return len(self.user_ids)


def _signup_days(rng: np.random.Generator, period: Period, n: int) -> np.ndarray:
    """Sign-up day indexes in the period, fewer on weekends."""
    idx = np.arange(period.days)
    weights = np.where(period.weekday(idx) >= 5, 0.35, 1.0)
    return rng.choice(period.days, size=n, p=weights / weights.sum())


def build_population(
    rng: np.random.Generator, n_workspaces: int, n_users: int, period: Period
) -> Population:
    """Workspaces, an initial user base, sign-ups spread over the period and their churn."""
    w, d = n_workspaces, period.days
    ws_ids = prefixed_ids(rng, "ws_", w, width=8)
    names = [
        WORKSPACE_NAMES[i % len(WORKSPACE_NAMES)]
        + ("" if i < len(WORKSPACE_NAMES) else f" {i // len(WORKSPACE_NAMES) + 1}")
        for i in range(w)
    ]
    kind = np.array([EDUCATION if i % 2 == 0 else TEAM for i in range(w)])
    ws_created_idx = -rng.integers(400, 900, w)
    ws_created_ms = period.day_ms(ws_created_idx) + rng.integers(8 * HOUR_MS, 18 * HOUR_MS, w)

    counts = 2 + rng.multinomial(n_users - 2 * w, rng.dirichlet(np.full(w, 4.0)))
    user_ws = np.repeat(np.arange(w), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    owner = np.zeros(n_users, dtype=bool)
    owner[first] = True

    initial = (rng.random(n_users) < 0.45) | owner
    lo = ws_created_idx[user_ws] + 1
    initial_day = lo + np.floor(rng.random(n_users) * (-1 - lo)).astype(np.int64)
    signup_idx = np.where(initial, initial_day, _signup_days(rng, period, n_users))
    hours = rng.choice(24, size=n_users, p=SIGNUP_HOURS / SIGNUP_HOURS.sum())
    created_ms = period.day_ms(signup_idx) + hours * HOUR_MS + rng.integers(0, HOUR_MS, n_users)
    created_ms[first] = ws_created_ms + rng.integers(MINUTE_MS, HOUR_MS, w)
    signup_idx = period.day_index(created_ms)

    mix = np.array([ROLE_MIX[k] for k in (EDUCATION, TEAM)])
    cum = np.cumsum(mix[kind[user_ws]], axis=1)
    role = (rng.random(n_users)[:, None] > cum).sum(axis=1).clip(0, len(ROLES) - 1)
    role[owner] = OWNER

    engagement = rng.beta(2.5, 2.0, n_users) * 0.95
    engagement[owner] = np.maximum(engagement[owner], 0.7)

    # Lifetimes: many new users leave within days, some within weeks, the rest stay.
    u = rng.random(n_users)
    life = np.where(
        u < 0.30,
        rng.exponential(6.0, n_users),
        np.where(u < 0.70, rng.exponential(35.0, n_users), NEVER),
    )
    last_new = signup_idx + np.ceil(life).astype(np.int64)
    last_initial = np.where(rng.random(n_users) < 0.25, rng.integers(0, d, n_users), NEVER)
    last_idx = np.where(initial, last_initial, last_new)
    last_idx[owner] = NEVER

    learner = (role == STUDENT) | (
        (role == MEMBER) & (kind[user_ws] == EDUCATION) & (rng.random(n_users) < 0.3)
    )

    # A few churned users later ask for deletion.
    deleted_ms = np.full(n_users, -1, dtype=np.int64)
    candidates = np.flatnonzero(~owner & (last_idx <= d - 5) & (last_idx >= 0))
    if len(candidates):
        n_del = min(len(candidates), max(1, round(0.01 * n_users)))
        chosen = np.sort(rng.choice(candidates, n_del, replace=False))
        day = last_idx[chosen] + rng.integers(1, 4, n_del)
        deleted_ms[chosen] = period.day_ms(day) + rng.integers(0, DAY_MS, n_del)

    # A few role changes, re-sent later as new versions.
    role_changes: list[tuple[int, int, int]] = []
    candidates = np.flatnonzero(~owner & (deleted_ms < 0) & (signup_idx < d - 5))
    if len(candidates):
        n_chg = min(len(candidates), max(1, round(0.03 * n_users)))
        chosen = np.sort(rng.choice(candidates, n_chg, replace=False))
        lo_day = np.maximum(signup_idx[chosen] + 1, 0)
        day = lo_day + np.floor(rng.random(n_chg) * (d - lo_day)).astype(np.int64)
        ms = period.day_ms(day) + rng.integers(8 * HOUR_MS, 18 * HOUR_MS, n_chg)
        for user, at in zip(chosen.tolist(), ms.tolist(), strict=True):
            role_changes.append((user, at, ROLE_CHANGE[int(role[user])]))

    return Population(
        workspace_ids=ws_ids,
        workspace_names=names,
        workspace_kind=kind,
        workspace_created_ms=ws_created_ms,
        user_ids=prefixed_ids(rng, "usr_", n_users),
        user_ws=user_ws,
        role=role,
        created_ms=created_ms,
        signup_idx=signup_idx,
        last_idx=last_idx,
        engagement=engagement,
        learner=learner,
        deleted_ms=deleted_ms,
        role_changes=role_changes,
    )
