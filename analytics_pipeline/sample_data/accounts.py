"""Rows of the mutable account sources (workspaces, users): an initial snapshot plus
later versions (sign-ups, subscription and role changes, deletions)."""

from __future__ import annotations

import numpy as np

from .delivery import RowBatch
from .layout import INITIAL, updates_label
from .period import DAY_MS, HOUR_MS, Period, day_label
from .population import ROLES, Population
from .timestamps import format_ts, pick_styles

TIERS = ("free", "pro", "enterprise")


def weekly_label(period: Period, day_index: int) -> str:
    """Label of the weekly update file covering `day_index` (files are sent every 7th day
    and on the last day of the period)."""
    if day_index < 0:
        return INITIAL
    end = min((day_index // 7) * 7 + 6, period.days - 1)
    return updates_label(day_label(period.start_day + end))


def workspace_versions(rng: np.random.Generator, pop: Population, period: Period) -> RowBatch:
    """Initial workspace rows plus a couple of later subscription changes."""
    w = len(pop.workspace_ids)
    tier: list[str | None] = [str(t) for t in rng.choice(TIERS, size=w, p=[0.3, 0.45, 0.25])]
    status = ["ACTIVE"] * w
    if w >= 4:
        tier[2] = None
    changes: list[tuple[int, int, str | None, str]] = []  # (workspace, ms, tier, status)
    trial = w - 1
    tier[trial], status[trial] = "free", "TRIAL"
    changes.append((trial, int(period.day_ms(period.days // 3)) + 10 * HOUR_MS, "pro", "ACTIVE"))
    if w >= 2:
        leaving = w - 2
        at = int(period.day_ms(period.days - 1)) + 20 * HOUR_MS
        changes.append((leaving, at, tier[leaving], "CANCELLED"))

    initial_updated = np.minimum(
        pop.workspace_created_ms + rng.integers(0, 200, w) * DAY_MS, period.start_ms - HOUR_MS
    )
    rows_ms = [
        (i, int(pop.workspace_created_ms[i]), int(initial_updated[i]), tier[i], status[i])
        for i in range(w)
    ] + [(i, int(pop.workspace_created_ms[i]), at, t, s) for i, at, t, s in changes]
    styles = pick_styles(rng, len(rows_ms))
    created = format_ts(np.array([r[1] for r in rows_ms]), styles)
    updated = format_ts(np.array([r[2] for r in rows_ms]), styles)

    batch = RowBatch()
    for k, (i, _, at, t, s) in enumerate(rows_ms):
        label = INITIAL if at < period.start_ms else updates_label(day_label(at // DAY_MS))
        row = {
            "workspace_id": pop.workspace_ids[i],
            "name": pop.workspace_names[i],
            "subscription_tier": t,
            "subscription_status": s,
            "created_at": created[k],
            "updated_at": updated[k],
        }
        batch.add(label, at, row)
    return batch


def user_versions(rng: np.random.Generator, pop: Population, period: Period) -> RowBatch:
    """Each user's sign-up version, later role changes and deletion requests."""
    n = pop.n_users
    snapshot_cap = period.start_ms - HOUR_MS
    first_updated = np.where(
        pop.created_ms < period.start_ms,
        np.minimum(
            pop.created_ms + np.where(rng.random(n) < 0.6, 0, rng.integers(0, 60, n) * DAY_MS),
            snapshot_cap,
        ),
        pop.created_ms,
    )
    # (user, updated ms, role, deleted)
    versions: list[tuple[int, int, int, bool]] = [
        (u, int(first_updated[u]), int(pop.role[u]), False) for u in range(n)
    ]
    versions += [(u, at, new_role, False) for u, at, new_role in pop.role_changes]
    versions += [
        (u, int(pop.deleted_ms[u]), int(pop.role[u]), True)
        for u in np.flatnonzero(pop.deleted_ms >= 0).tolist()
    ]
    styles = pick_styles(rng, len(versions))
    users = np.array([v[0] for v in versions])
    updated_ms = np.array([v[1] for v in versions], dtype=np.int64)
    created = format_ts(pop.created_ms[users], styles)
    updated = format_ts(updated_ms, styles)
    omit_deleted = rng.random(len(versions)) < 0.3

    batch = RowBatch()
    for k, (u, at, role, deleted) in enumerate(versions):
        row = {
            "user_id": pop.user_ids[u],
            "workspace_id": pop.workspace_ids[pop.user_ws[u]],
            "role": ROLES[role],
            "created_at": created[k],
            "updated_at": updated[k],
            "deleted_at": updated[k] if deleted else None,
        }
        if row["deleted_at"] is None and omit_deleted[k]:
            del row["deleted_at"]
        label = (
            INITIAL
            if at < period.start_ms
            else weekly_label(period, (at - period.start_ms) // DAY_MS)
        )
        batch.add(label, at, row)
    return batch
