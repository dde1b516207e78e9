"""The HR platform pack's sample (seed 002): organizations and their people,
reports, chats, notifications, dashboards, activity and surveys, simulated
together so that every reference (a report's employee, an access's report, a
notification's report) points at something that exists at that moment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..delivery import EventRows, RowBatch
from ..period import Period
from .engagement import simulate_chats, simulate_notifications, simulate_surveys
from .reports import simulate_reports
from .tenants import build_tenants
from .usage import simulate_usage
from .workforce import build_workforce

# Random streams of the pack, spawned after the core's (their streams stay unchanged).
STAGES = ("hr_tenants", "hr_workforce", "hr_reports", "hr_engagement", "hr_usage")
# Organizations per workspace argument, platform users per user argument: the
# sample scales with the generator's arguments, small samples stay small.
ORGS_PER_WORKSPACE = 4
USERS_SHARE = 1 / 3


@dataclass
class HrSample:
    """Versioned sources as dated batches; event-timed sources before delivery."""

    batches: dict[str, RowBatch]
    events: dict[str, EventRows]


def simulate_hr(
    rngs: dict[str, np.random.Generator], workspaces: int, users: int, period: Period
) -> HrSample:
    n_orgs = ORGS_PER_WORKSPACE * workspaces
    n_users = max(3 * n_orgs, int(users * USERS_SHARE))
    tenants = build_tenants(rngs["hr_tenants"], n_orgs, n_users, period)
    work = build_workforce(rngs["hr_workforce"], tenants, period)
    reports = simulate_reports(rngs["hr_reports"], tenants, work, period)
    engagement = rngs["hr_engagement"]
    usage = simulate_usage(rngs["hr_usage"], tenants, period)
    return HrSample(
        batches={**tenants.batches, "hr_employees": work.batch},
        events={
            "hr_report_generations": reports.generations,
            "hr_report_access_logs": reports.accesses,
            "hr_chat_sessions": simulate_chats(engagement, tenants, period),
            "hr_notification_deliveries": simulate_notifications(
                engagement, tenants, reports, period
            ),
            "hr_dashboard_interactions": usage.dashboards,
            "hr_activity_logs": usage.activity,
            "hr_survey_responses": simulate_surveys(engagement, tenants, reports, period),
        },
    )
