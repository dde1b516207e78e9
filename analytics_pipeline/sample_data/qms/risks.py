"""The risk register (QRM): risks migrated at go-live and new ones assessed since,
FMEA scores 1..10 (risk priority numbers from a few to several hundred).
Mitigation moves OPEN -> IN_PROGRESS -> MITIGATED (re-assessed with lower
probability and detectability) or a low risk is ACCEPTED; periodic
re-assessments change scores without a change of status. Each change is a new
version: the register's history.

Planted: a risk re-assessed to an RPN of exactly 100 (high priority: >= 100) and
a risk moved to another module on re-assessment."""

from __future__ import annotations

import numpy as np

from ..ids import prefixed_ids
from ..period import DAY_MS, MINUTE_MS, Period
from .clock import date_of, iso, pick_style, work_moment
from .organization import Organization
from .versions import Versions

MODULES = ("edms", "lims", "tms", "qrm", "organization")
MODULE_P = (0.2, 0.3, 0.15, 0.15, 0.2)
RISKS_PER_DEPARTMENT = 5
ORGANIZATION_WIDE = 3  # risks without a department
MIGRATED_SHARE = 0.7
ACCEPTABLE_RPN = 40
REVIEW_DAYS = 45  # mean days between changes of a risk


def _rpn(scores: tuple[int, int, int]) -> int:
    return scores[0] * scores[1] * scores[2]


def simulate_risks(rng: np.random.Generator, org: Organization, period: Period) -> Versions:
    rows = Versions(period.end_ms)
    n_dep = len(org.departments)
    weights = np.array([d.weight for d in org.departments])
    owners: list[int | None] = list(range(n_dep)) + [None] * ORGANIZATION_WIDE
    owners += rng.choice(
        n_dep, size=RISKS_PER_DEPARTMENT * n_dep - n_dep, p=weights / weights.sum()
    ).tolist()
    ids = prefixed_ids(rng, "risk_", len(owners), width=8)
    go_live_day = date_of(org.go_live_ms)
    for i, department in enumerate(owners):
        dep = None if department is None else org.departments[department]
        migrated = rng.random() < MIGRATED_SHARE or i < 2
        if migrated and (dep is None or dep.alive(org.go_live_ms)):
            assessed = org.go_live_ms + i * MINUTE_MS
        else:  # assessed since, while its department exists
            first, last = go_live_day + 1, period.end_day + 1
            if dep is not None:
                first = max(first, date_of(dep.created_ms) + 1)
                if dep.dissolved_ms is not None:
                    last = min(last, date_of(dep.dissolved_ms))
            assessed = work_moment(rng, int(rng.integers(first, max(first + 1, last))))
        scores = (int(rng.integers(2, 11)), int(rng.integers(1, 9)), int(rng.integers(1, 9)))
        module = str(rng.choice(MODULES, p=MODULE_P))
        style = pick_style(rng)
        row = {
            "risk_id": ids[i],
            "module": module,
            "department_id": None if dep is None else dep.id,
            "severity": scores[0],
            "probability": scores[1],
            "detectability": scores[2],
            "mitigation_status": "OPEN",
            "assessed_at": iso(assessed, style),
            "updated_at": iso(assessed, style),
        }
        rows.add(assessed, row)
        status, t = "OPEN", assessed
        if i == 0:  # planted: re-assessed to 5 x 5 x 4 = 100 during the period
            t = work_moment(rng, period.start_day + period.days // 4)
            row = {
                **row,
                "severity": 5,
                "probability": 5,
                "detectability": 4,
                "updated_at": iso(t, style),
            }
            rows.add(t, row)
            continue
        if i == 1:  # planted: moved to the QRM module on re-assessment
            t = work_moment(rng, period.start_day + period.days // 3)
            target = "qrm" if module != "qrm" else "lims"
            row = {**row, "module": target, "updated_at": iso(t, style)}
            rows.add(t, row)
        while True:
            t += int(rng.exponential(REVIEW_DAYS * DAY_MS)) + DAY_MS
            if t >= period.end_ms:
                break
            changes: dict = {}
            if status == "OPEN":
                status = (
                    "ACCEPTED"
                    if _rpn(scores) <= ACCEPTABLE_RPN and rng.random() < 0.5
                    else "IN_PROGRESS"
                )
            elif status == "IN_PROGRESS" and rng.random() < 0.4:
                status = "MITIGATED"
                scores = (
                    scores[0],
                    max(1, scores[1] - int(rng.integers(1, 4))),
                    max(1, scores[2] - int(rng.integers(0, 3))),
                )
            elif rng.random() < 0.5:  # a periodic re-assessment: the scores move a little
                scores = (
                    scores[0],
                    int(np.clip(scores[1] + rng.integers(-1, 2), 1, 10)),
                    int(np.clip(scores[2] + rng.integers(-1, 2), 1, 10)),
                )
            else:
                continue
            changes = {"severity": scores[0], "probability": scores[1], "detectability": scores[2]}
            row = {**row, **changes, "mitigation_status": status, "updated_at": iso(t, style)}
            rows.add(t, row)
    return rows
