"""Reference computations of the HR platform pack's eight published tables
(docs/metrics.md, "HR platform pack"), as pure functions over the frames of
`raw_files.load_dataset(files, sources=SOURCES, versions=VERSIONED)`.

Written from the definitions only. Conventions (as in `activity`):
- `prepare(data, as_of)` drops deleted platform users' rows and every row whose
  event time is at or after the end of the as-of date; mutable sources are their
  newest version whatever its `updated_at`, except `hr_organizations`, whose every
  version is the subscription history.
- Days are `datetime.date`; a null number is NaN; a ratio with a zero denominator
  is null; JSON columns are dicts with sorted keys.
- All-organizations rows (`organization_id` None) come from the rows themselves
  (frames duplicated under a sentinel organization), never from per-organization
  results.
- Each table function returns the columns in the order docs/metrics.md lists them,
  grain columns first, sorted by the grain (all-organizations rows first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .activity import day_of, day_range, end_of, long_kpi_rows, percentile_cont, ratio

SOURCES = (
    "hr_organizations", "hr_departments", "hr_branches", "hr_employees", "hr_users",
    "hr_report_generations", "hr_report_access_logs", "hr_chat_sessions",
    "hr_notification_deliveries", "hr_dashboard_interactions", "hr_activity_logs",
    "hr_survey_responses",
)  # fmt: skip
VERSIONED = ("hr_organizations",)
ALL = "\x00all-organizations"  # sentinel of the all-organizations rows while computing
PAYING = "ACTIVE"
TRAILING = 30
CHURN_WEIGHTS = {"usage_decline": 0.50, "dissatisfaction": 0.25, "report_failure": 0.15,
                 "trial_ending": 0.10}  # fmt: skip


# -- small helpers -----------------------------------------------------------------------


def sorted_dict(counts: Mapping) -> dict:
    return {str(k): counts[k] for k in sorted(counts, key=str)}


def with_all(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows once per organization and once more under the all-organizations sentinel."""
    return pd.concat([frame, frame.assign(organization_id=ALL)], ignore_index=True)


def finish(frame: pd.DataFrame, columns: Sequence[str], grain: Sequence[str]) -> pd.DataFrame:
    """Sentinel -> None, exactly `columns`, sorted by `grain` (all-organizations first)."""
    frame = frame.copy() if len(frame) else pd.DataFrame(columns=list(columns))
    org = frame["organization_id"].astype(object)
    frame["organization_id"] = org.where(org != ALL, None)
    for column in frame.columns:
        if frame[column].dtype == object or isinstance(frame[column].dtype, pd.StringDtype):
            values = [None if _missing(v) else v for v in frame[column]]  # text: None for null
            frame[column] = pd.Series(values, index=frame.index, dtype=object)
    frame = frame.sort_values(list(grain), na_position="first", kind="stable")
    return frame[list(columns)].reset_index(drop=True)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def window(ts: pd.Series, day: date, days: int) -> pd.Series:
    """ts in the `days` days ending `day` (inclusive): day-days+1 00:00 <= ts < day+1."""
    start = end_of(day - timedelta(days=days))
    return (ts >= start) & (ts < end_of(day))


def before_end(ts: pd.Series, day: date) -> pd.Series:
    """ts set and before the end of `day` (null is never before)."""
    return ts.notna() & (ts < end_of(day))


def _mean(values: pd.Series) -> float:
    values = values.dropna()
    return float(values.mean()) if len(values) else float("nan")


def _seconds(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds()


def _true(series: pd.Series) -> pd.Series:
    return series.astype("boolean").fillna(False).astype(bool)


def _false(series: pd.Series) -> pd.Series:
    return (~series.astype("boolean")).fillna(False).astype(bool)


def _bool_rate(series: pd.Series) -> float:
    """true / set; null when none set."""
    return ratio(int(_true(series).sum()), int(series.notna().sum()))


# -- inputs ------------------------------------------------------------------------------


@dataclass
class HrInputs:
    """The pack's frames as of a date (see module docstring); fact frames carry
    `metric_date`, the UTC day of their event time."""

    as_of: date
    organizations: pd.DataFrame  # newest version of each organization
    org_versions: pd.DataFrame  # every version, in (org, updated_at, ingest, line) order
    departments: pd.DataFrame
    branches: pd.DataFrame
    employees: pd.DataFrame
    deleted_users: frozenset[str]
    activity: pd.DataFrame
    accesses: pd.DataFrame
    generations: pd.DataFrame
    chats: pd.DataFrame
    deliveries: pd.DataFrame
    interactions: pd.DataFrame
    surveys: pd.DataFrame

    @property
    def end(self) -> pd.Timestamp:
        return end_of(self.as_of)


def prepare(data: Mapping[str, pd.DataFrame], as_of: date) -> HrInputs:
    """Inputs of every HR table as of `as_of`, from `load_dataset` frames."""
    end = end_of(as_of)
    users = data["hr_users"]
    deleted = frozenset(users.loc[users["deleted_at"].notna(), "user_id"])

    def facts(source: str, time: str, user: str | None = "user_id") -> pd.DataFrame:
        frame = data[source]
        keep = frame[time] < end
        if user is not None:
            keep &= ~frame[user].isin(deleted)
        frame = frame[keep].copy()
        frame["metric_date"] = day_of(frame[time])
        return frame.reset_index(drop=True)

    return HrInputs(
        as_of=as_of,
        organizations=data["hr_organizations"],
        org_versions=data["hr_organizations__versions"],
        departments=data["hr_departments"],
        branches=data["hr_branches"],
        employees=data["hr_employees"],
        deleted_users=deleted,
        activity=facts("hr_activity_logs", "occurred_at"),
        accesses=facts("hr_report_access_logs", "accessed_at"),
        generations=facts("hr_report_generations", "requested_at", "requested_by_user_id"),
        chats=facts("hr_chat_sessions", "started_at"),
        deliveries=facts("hr_notification_deliveries", "sent_at"),
        interactions=facts("hr_dashboard_interactions", "occurred_at"),
        surveys=facts("hr_survey_responses", "responded_at"),
    )


def in_effect(versions: pd.DataFrame, instant: pd.Timestamp) -> pd.DataFrame:
    """The subscription in effect at `instant` per organization (index): the version
    with the largest `updated_at` before it (exclusive), ties by the later ingest
    and line (the versions frame is in that order)."""
    earlier = versions[versions["updated_at"] < instant]
    return earlier.groupby("organization_id", sort=False).tail(1).set_index("organization_id")


def at_end_of(inp: HrInputs, day: date) -> pd.DataFrame:
    return in_effect(inp.org_versions, end_of(day))


def org_days(inp: HrInputs) -> list[tuple[str, date]]:
    """(organization, day) rows of the per-day tables: each organization from its
    creation day, the all-organizations row from the first creation day."""
    orgs = inp.organizations[inp.organizations["created_at"] < inp.end]
    rows: list[tuple[str, date]] = []
    if orgs.empty:
        return rows
    created = dict(zip(orgs["organization_id"], day_of(orgs["created_at"]), strict=True))
    rows += [(ALL, d) for d in day_range(min(created.values()), inp.as_of)]
    for org, first in created.items():
        rows += [(org, d) for d in day_range(first, inp.as_of)]
    return rows


def split(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """{organization: its rows} and {ALL: every row}."""
    parts = {org: part for org, part in frame.groupby("organization_id", sort=False)}
    parts[ALL] = frame
    return parts


class Scopes:
    """A frame's rows per scope (organization or ALL), and their columns as numpy
    arrays (timestamps as naive UTC datetime64[us]: NaT compares false)."""

    def __init__(self, frame: pd.DataFrame):
        self.empty = frame.iloc[0:0]
        self.parts = split(frame)
        self.arrays: dict[tuple[str, str], np.ndarray] = {}

    def __getitem__(self, org: str) -> pd.DataFrame:
        return self.parts.get(org, self.empty)

    def col(self, org: str, column: str) -> np.ndarray:
        key = (org, column)
        if key not in self.arrays:
            values = self[org][column]
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                array = values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
            elif isinstance(values.dtype, pd.BooleanDtype):
                array = values.astype(object).to_numpy()  # True, False or pd.NA
            else:
                array = values.to_numpy(dtype=object)
            self.arrays[key] = array
        return self.arrays[key]

    def true(self, org: str, column: str) -> np.ndarray:
        return np.array([v is True for v in self.col(org, column)], dtype=bool)

    def set(self, org: str, column: str) -> np.ndarray:
        return np.array([v is True or v is False for v in self.col(org, column)], dtype=bool)


def _midnight(day: date) -> np.datetime64:
    return np.datetime64(day, "D").astype("datetime64[us]")


def in_days(times: np.ndarray, day: date, days: int) -> np.ndarray:
    """times in the `days` days ending `day` (inclusive); NaT never."""
    start, end = _midnight(day - timedelta(days=days - 1)), _midnight(day + timedelta(days=1))
    return (times >= start) & (times < end)


def by_end(times: np.ndarray, day: date) -> np.ndarray:
    """times set and before the end of `day`."""
    return times < _midnight(day + timedelta(days=1))


# -- platform_adoption_metrics -----------------------------------------------------------

PLATFORM_ADOPTION = [
    "organization_id", "metric_date", "total_organizations", "new_organizations_today",
    "total_employees", "new_employees_today", "total_candidates", "new_candidates_today",
    "total_departments", "total_branches", "active_users_count", "reports_generated_today",
    "reports_generated_total", "ai_chat_sessions_today", "ai_chat_sessions_total",
    "subscription_status", "subscription_tier",
]  # fmt: skip


def headcount(employees: Scopes, org: str, day: date) -> int:
    """Employees hired before the end of `day` and not terminated before it."""
    hired = by_end(employees.col(org, "hired_at"), day)
    gone = by_end(employees.col(org, "terminated_at"), day)
    return int((hired & ~gone).sum())


def _standing(records: Scopes, org: str, day: date) -> int:
    """Records created before the end of `day` and not deleted before it."""
    created = by_end(records.col(org, "created_at"), day)
    return int((created & ~by_end(records.col(org, "deleted_at"), day)).sum())


class Effects:
    """The subscription in effect at the end of each day (cached)."""

    def __init__(self, inp: HrInputs):
        self.inp, self.days = inp, {}

    def __call__(self, day: date) -> pd.DataFrame:
        if day not in self.days:
            self.days[day] = at_end_of(self.inp, day)
        return self.days[day]

    def value(self, day: date, org: str, column: str):
        effect = self(day)
        if org not in effect.index:
            return None
        value = effect.at[org, column]
        return None if pd.isna(value) else value


def platform_adoption_metrics(inp: HrInputs) -> pd.DataFrame:
    """platform_adoption_metrics: each organization per day from its creation, and all."""
    orgs = Scopes(inp.organizations[inp.organizations["created_at"] < inp.end])
    employees, departments = Scopes(inp.employees), Scopes(inp.departments)
    branches, activity = Scopes(inp.branches), Scopes(inp.activity)
    generations, chats = Scopes(inp.generations), Scopes(inp.chats)
    effects = Effects(inp)
    rows = []
    for org, d in org_days(inp):
        applied = employees.col(org, "applied_at")
        candidates = (
            by_end(applied, d)
            & ~by_end(employees.col(org, "hired_at"), d)
            & ~by_end(employees.col(org, "rejected_at"), d)
        )
        success = generations.col(org, "status") == "SUCCESS"
        requested = generations.col(org, "requested_at")
        started = chats.col(org, "started_at")
        created = orgs.col(org, "created_at")
        today = in_days(activity.col(org, "occurred_at"), d, 1)
        is_org = org != ALL
        rows.append(
            {
                "organization_id": org,
                "metric_date": d,
                "total_organizations": int(by_end(created, d).sum()),
                "new_organizations_today": int(in_days(created, d, 1).sum()),
                "total_employees": headcount(employees, org, d),
                "new_employees_today": int(in_days(employees.col(org, "hired_at"), d, 1).sum()),
                "total_candidates": int(candidates.sum()),
                "new_candidates_today": int(in_days(applied, d, 1).sum()),
                "total_departments": _standing(departments, org, d),
                "total_branches": _standing(branches, org, d),
                "active_users_count": len(set(activity.col(org, "user_id")[today])),
                "reports_generated_today": int((success & in_days(requested, d, 1)).sum()),
                "reports_generated_total": int((success & by_end(requested, d)).sum()),
                "ai_chat_sessions_today": int(in_days(started, d, 1).sum()),
                "ai_chat_sessions_total": int(by_end(started, d).sum()),
                "subscription_status": effects.value(d, org, "subscription_status")
                if is_org
                else None,
                "subscription_tier": effects.value(d, org, "subscription_tier") if is_org else None,
            }
        )
    out = pd.DataFrame(rows, columns=PLATFORM_ADOPTION)
    return finish(out, PLATFORM_ADOPTION, ["organization_id", "metric_date"])


# -- hr_user_engagement_metrics ----------------------------------------------------------

USER_ENGAGEMENT = [
    "organization_id", "user_id", "metric_date", "login_count", "session_duration_minutes",
    "reports_viewed", "reports_downloaded", "ai_chat_sessions", "ai_chat_messages_sent",
    "employees_added", "employees_updated", "dashboard_visits", "feature_interactions",
    "last_activity_at",
]  # fmt: skip
USER_KEYS = ["organization_id", "user_id", "metric_date"]


def _messages(messages, sender: str | None = None) -> int:
    if not isinstance(messages, list):
        return 0
    return sum(1 for m in messages if sender is None or m.get("sender") == sender)


def _tokens(messages) -> float:
    if not isinstance(messages, list):
        return 0.0
    return float(sum(m["token_count"] for m in messages if m.get("token_count") is not None))


def activity_sessions(events: pd.DataFrame) -> pd.DataFrame:
    """One row per (organization, user, session_id) of events with a session id:
    first and last event, the first event's day, duration in seconds."""
    keyed = events[events["session_id"].notna()]
    grouped = keyed.groupby(["organization_id", "user_id", "session_id"])["occurred_at"]
    out = grouped.agg(["min", "max"]).reset_index()
    out["metric_date"] = day_of(out["min"]) if len(out) else pd.Series(dtype=object)
    out["seconds"] = _seconds(out["max"] - out["min"]) if len(out) else pd.Series(dtype=float)
    return out


def hr_user_engagement_metrics(inp: HrInputs) -> pd.DataFrame:
    """hr_user_engagement_metrics: (organization, user, day) with an activity event,
    report access or chat session started that day."""
    events = inp.activity
    accesses = inp.accesses[inp.accesses["user_id"].notna()]
    chats = inp.chats[inp.chats["user_id"].notna()]
    keys = pd.concat([events[USER_KEYS], accesses[USER_KEYS], chats[USER_KEYS]])
    out = keys.drop_duplicates().reset_index(drop=True)

    def count(frame: pd.DataFrame, name: str) -> None:
        nonlocal out
        counts = frame.groupby(USER_KEYS).size().rename(name).reset_index()
        out = out.merge(counts, on=USER_KEYS, how="left")
        out[name] = out[name].fillna(0).astype("int64")

    for name, event_type in (
        ("login_count", "LOGIN"),
        ("employees_added", "EMPLOYEE_ADDED"),
        ("employees_updated", "EMPLOYEE_UPDATED"),
        ("dashboard_visits", "DASHBOARD_LOAD"),
    ):
        count(events[events["event_type"] == event_type], name)
    count(accesses[accesses["access_type"] == "VIEW"], "reports_viewed")
    count(accesses[accesses["access_type"] == "DOWNLOAD"], "reports_downloaded")
    count(chats, "ai_chat_sessions")

    sent = chats.assign(sent=chats["messages"].map(lambda m: _messages(m, "USER")))
    sent = sent.groupby(USER_KEYS)["sent"].sum().rename("ai_chat_messages_sent").reset_index()
    out = out.merge(sent, on=USER_KEYS, how="left")
    out["ai_chat_messages_sent"] = out["ai_chat_messages_sent"].fillna(0).astype("int64")

    sessions = activity_sessions(events)
    minutes = (sessions.groupby(USER_KEYS)["seconds"].sum() / 60.0).rename("minutes")
    out = out.merge(minutes.reset_index(), on=USER_KEYS, how="left")
    out["session_duration_minutes"] = out["minutes"].fillna(0.0).astype(float)

    used = events[events["feature"].notna()]
    features = {
        key: sorted_dict(group["feature"].str.lower().value_counts().to_dict())
        for key, group in used.groupby(USER_KEYS)
    }
    out["feature_interactions"] = [
        features.get(tuple(k), {}) for k in out[USER_KEYS].itertuples(index=False)
    ]

    times = pd.concat(
        [
            events[USER_KEYS].assign(at=events["occurred_at"]),
            accesses[USER_KEYS].assign(at=accesses["accessed_at"]),
            chats[USER_KEYS].assign(at=chats["started_at"]),
        ]
    )
    last = times.groupby(USER_KEYS)["at"].max().rename("last_activity_at").reset_index()
    out = out.merge(last, on=USER_KEYS, how="left")
    return finish(out, USER_ENGAGEMENT, USER_KEYS)


# -- report_generation_stats -------------------------------------------------------------

REPORT_STATS = [
    "organization_id", "report_type", "metric_date", "reports_requested", "successful",
    "failed", "pending", "processing", "success_rate", "processing_time_p50_seconds",
    "processing_time_p95_seconds", "auto_generated", "manual", "quarterly_updates",
    "quarterly_updates_completed", "quarterly_update_completion_rate", "ai_tokens_used",
    "average_report_size_kb", "views", "downloads",
]  # fmt: skip
REPORT_KEYS = ["organization_id", "report_type", "metric_date"]


def report_generation_stats(inp: HrInputs) -> pd.DataFrame:
    """report_generation_stats: (organization, report type, day of requested_at)."""
    accesses = inp.accesses[inp.accesses["report_id"].notna()]
    views = accesses[accesses["access_type"] == "VIEW"]["report_id"].value_counts()
    downloads = accesses[accesses["access_type"] == "DOWNLOAD"]["report_id"].value_counts()
    rows = []
    for (org, kind, d), group in inp.generations.groupby(REPORT_KEYS):
        status = group["status"]
        ok = group[status == "SUCCESS"]
        succeeded, failed = int((status == "SUCCESS").sum()), int((status == "FAILED").sum())
        quarterly = group[_true(group["is_quarterly_update"])]
        completed = int((quarterly["status"] == "SUCCESS").sum())
        auto = int(_true(group["is_auto_generated"]).sum())
        ids = group["report_id"]
        rows.append(
            {
                "organization_id": org,
                "report_type": kind,
                "metric_date": d,
                "reports_requested": len(group),
                "successful": succeeded,
                "failed": failed,
                "pending": int((status == "PENDING").sum()),
                "processing": int((status == "PROCESSING").sum()),
                "success_rate": ratio(succeeded, succeeded + failed),
                "processing_time_p50_seconds": percentile_cont(ok["processing_time_seconds"], 0.5),
                "processing_time_p95_seconds": percentile_cont(ok["processing_time_seconds"], 0.95),
                "auto_generated": auto,
                "manual": len(group) - auto,
                "quarterly_updates": len(quarterly),
                "quarterly_updates_completed": completed,
                "quarterly_update_completion_rate": ratio(completed, len(quarterly)),
                "ai_tokens_used": int(group["ai_tokens_used"].fillna(0).sum()),
                "average_report_size_kb": _mean(ok["report_size_kb"]),
                "views": int(sum(views.get(i, 0) for i in ids)),
                "downloads": int(sum(downloads.get(i, 0) for i in ids)),
            }
        )
    out = pd.DataFrame(rows, columns=REPORT_STATS)
    return finish(out, REPORT_STATS, REPORT_KEYS)


# -- feature_utilization_metrics ---------------------------------------------------------

FEATURE_UTILIZATION = [
    "organization_id", "feature", "user_role", "metric_date", "total_uses", "unique_users",
    "average_duration_seconds", "success_rate", "error_count", "usage_distribution",
]  # fmt: skip
FEATURE_KEYS = ["organization_id", "feature", "user_role", "metric_date"]


def department_names(inp: HrInputs) -> dict[str, str]:
    named = inp.departments[inp.departments["name"].notna()]
    return dict(zip(named["department_id"], named["name"], strict=True))


def feature_utilization_metrics(inp: HrInputs) -> pd.DataFrame:
    """feature_utilization_metrics: (organization, feature, user_role, day) with uses."""
    events = inp.activity[inp.activity["feature"].notna()]
    events = events.assign(user_role=events["user_role"].fillna("UNKNOWN"))
    names = department_names(inp)
    rows = []
    for (org, feature, role, d), group in events.groupby(FEATURE_KEYS):
        hours = group["occurred_at"].dt.tz_convert("UTC").dt.hour.astype(str).value_counts()
        departments = group["department_id"].map(
            lambda i: names.get(i, "unassigned") if isinstance(i, str) else "unassigned"
        )
        rows.append(
            {
                "organization_id": org,
                "feature": feature,
                "user_role": role,
                "metric_date": d,
                "total_uses": len(group),
                "unique_users": int(group["user_id"].nunique()),
                "average_duration_seconds": _mean(group["duration_ms"]) / 1000.0,
                "success_rate": _bool_rate(group["success"]),
                "error_count": int(_false(group["success"]).sum()),
                "usage_distribution": {
                    "by_department": sorted_dict(
                        {k: int(v) for k, v in departments.value_counts().items()}
                    ),
                    "hourly": sorted_dict({k: int(v) for k, v in hours.items()}),
                },
            }
        )
    out = pd.DataFrame(rows, columns=FEATURE_UTILIZATION)
    return finish(out, FEATURE_UTILIZATION, FEATURE_KEYS)


# -- notification_delivery_metrics -------------------------------------------------------

NOTIFICATIONS = [
    "organization_id", "channel", "metric_date", "sent", "delivered", "read", "clicked",
    "dismissed", "failed", "retries", "delivery_rate", "read_rate", "click_rate",
    "failure_rate", "median_time_to_read_seconds",
]  # fmt: skip
NOTIFICATION_KEYS = ["organization_id", "channel", "metric_date"]


def notification_delivery_metrics(inp: HrInputs) -> pd.DataFrame:
    """notification_delivery_metrics: (organization, channel, day of sent_at), and all."""
    rows = []
    for (org, channel, d), group in with_all(inp.deliveries).groupby(NOTIFICATION_KEYS):
        sent = len(group)
        delivered = int(group["delivered_at"].notna().sum())
        read = int(group["read_at"].notna().sum())
        clicked = int(group["clicked_at"].notna().sum())
        failed = int((group["status"] == "FAILED").sum())
        both = group[group["read_at"].notna() & group["delivered_at"].notna()]
        rows.append(
            {
                "organization_id": org,
                "channel": channel,
                "metric_date": d,
                "sent": sent,
                "delivered": delivered,
                "read": read,
                "clicked": clicked,
                "dismissed": int(group["dismissed_at"].notna().sum()),
                "failed": failed,
                "retries": int(group["retry_count"].fillna(0).sum()),
                "delivery_rate": ratio(delivered, sent),
                "read_rate": ratio(read, delivered),
                "click_rate": ratio(clicked, delivered),
                "failure_rate": ratio(failed, sent),
                "median_time_to_read_seconds": percentile_cont(
                    _seconds(both["read_at"] - both["delivered_at"]), 0.5
                ),
            }
        )
    out = pd.DataFrame(rows, columns=NOTIFICATIONS)
    return finish(out, NOTIFICATIONS, NOTIFICATION_KEYS)


# -- ai_chat_analytics -------------------------------------------------------------------

CHAT_ANALYTICS = [
    "organization_id", "metric_date", "sessions", "unique_users", "messages", "user_messages",
    "tokens_used", "average_session_duration_seconds", "rated_sessions",
    "average_satisfaction", "helpful_rate", "query_type_distribution",
]  # fmt: skip
CHAT_KEYS = ["organization_id", "metric_date"]


def ai_chat_analytics(inp: HrInputs) -> pd.DataFrame:
    """ai_chat_analytics: (organization, day of started_at) with sessions."""
    rows = []
    for (org, d), group in inp.chats.groupby(CHAT_KEYS):
        ended = group[group["ended_at"].notna()]
        rated = group["satisfaction_rating"].dropna()
        query_types = group["query_type"].map(lambda q: q if isinstance(q, str) else "unknown")
        rows.append(
            {
                "organization_id": org,
                "metric_date": d,
                "sessions": len(group),
                "unique_users": int(group["user_id"].nunique()),
                "messages": int(group["messages"].map(_messages).sum()),
                "user_messages": int(group["messages"].map(lambda m: _messages(m, "USER")).sum()),
                "tokens_used": float(group["messages"].map(_tokens).sum()),
                "average_session_duration_seconds": _mean(
                    _seconds(ended["ended_at"] - ended["started_at"])
                ),
                "rated_sessions": len(rated),
                "average_satisfaction": _mean(rated.astype(float)),
                "helpful_rate": _bool_rate(group["was_helpful"]),
                "query_type_distribution": sorted_dict(
                    {k: int(v) for k, v in query_types.value_counts().items()}
                ),
            }
        )
    out = pd.DataFrame(rows, columns=CHAT_ANALYTICS)
    return finish(out, CHAT_ANALYTICS, CHAT_KEYS)


# -- dashboard_performance ---------------------------------------------------------------

DASHBOARD_PERFORMANCE = [
    "organization_id", "metric_date", "dashboard_type", "widget_type", "interactions",
    "widget_loads", "load_time_p50_ms", "load_time_p95_ms", "render_time_p50_ms",
    "data_fetch_time_p50_ms", "total_time_p95_ms", "error_rate",
]  # fmt: skip
DASHBOARD_KEYS = ["organization_id", "metric_date", "dashboard_type", "widget_type"]


def dashboard_performance(inp: HrInputs) -> pd.DataFrame:
    """dashboard_performance: (organization, day, dashboard type, widget type), and all."""
    frame = inp.interactions.assign(widget_type=inp.interactions["widget_type"].fillna("UNKNOWN"))
    rows = []
    for key, group in with_all(frame).groupby(DASHBOARD_KEYS):
        loads = group[group["interaction_type"] == "WIDGET_LOAD"]
        rows.append(
            {
                **dict(zip(DASHBOARD_KEYS, key, strict=True)),
                "interactions": len(group),
                "widget_loads": len(loads),
                "load_time_p50_ms": percentile_cont(loads["load_time_ms"], 0.5),
                "load_time_p95_ms": percentile_cont(loads["load_time_ms"], 0.95),
                "render_time_p50_ms": percentile_cont(loads["render_time_ms"], 0.5),
                "data_fetch_time_p50_ms": percentile_cont(loads["data_fetch_time_ms"], 0.5),
                "total_time_p95_ms": percentile_cont(loads["total_time_ms"], 0.95),
                "error_rate": _bool_rate(group["error_occurred"]),
            }
        )
    out = pd.DataFrame(rows, columns=DASHBOARD_PERFORMANCE)
    return finish(out, DASHBOARD_PERFORMANCE, DASHBOARD_KEYS)


# -- business_impact_metrics -------------------------------------------------------------

BUSINESS_IMPACT = [
    "organization_id", "metric_date", "mrr", "arr", "customer_retention_rate",
    "subscription_renewal_rate", "average_user_satisfaction_score", "nps_score",
    "employee_turnover_rate", "hiring_success_rate", "time_to_hire_days",
    "ai_consultation_satisfaction_rate", "quarterly_report_completion_rate",
    "churn_risk_score",
]  # fmt: skip


def _paying(effects: Effects, day: date, org: str) -> bool:
    return effects.value(day, org, "subscription_status") == PAYING


def _mrr(effects: Effects, day: date, org: str) -> float:
    if not _paying(effects, day, org):
        return 0.0
    price = effects.value(day, org, "monthly_price")
    return 0.0 if price is None else float(price)


def renewals(versions: Scopes, org: str, effects: Effects, day: date) -> tuple[int, int]:
    """(due, renewed) of the versions of `org` (or of all) at the end of `day`."""
    period_ends = versions.col(org, "current_period_end")
    known = by_end(versions.col(org, "updated_at"), day) & in_days(period_ends, day, TRAILING)
    due = set(zip(versions.col(org, "organization_id")[known], period_ends[known], strict=True))
    renewed = 0
    for owner, period_end in due:
        current = effects.value(day, owner, "current_period_end")
        later = current is not None and current > pd.Timestamp(period_end).tz_localize("UTC")
        renewed += int(_paying(effects, day, owner) and later)
    return len(due), renewed


def nps(scores: np.ndarray) -> float:
    """100 * (promoters 9-10 - detractors 0-6) / responses; null without responses."""
    if len(scores) == 0:
        return float("nan")
    promoters, detractors = int((scores >= 9).sum()), int((scores <= 6).sum())
    return 100.0 * (promoters - detractors) / len(scores)


def _np_mean(values: np.ndarray) -> float:
    return float(np.mean(values.astype(float))) if len(values) else float("nan")


def _distinct_users(activity: Scopes, org: str, day: date, days: int) -> int:
    mask = in_days(activity.col(org, "occurred_at"), day, days)
    return len(set(activity.col(org, "user_id")[mask]))


def usage_decline(activity: Scopes, org: str, day: date) -> float:
    """max(0, 1 - recent / prior) of distinct active users in d-13..d vs d-27..d-14."""
    recent = _distinct_users(activity, org, day, 14)
    prior = _distinct_users(activity, org, day - timedelta(days=14), 14)
    if prior == 0:
        return 0.0 if recent > 0 else 1.0
    return max(0.0, 1.0 - recent / prior)


def _finished(generations: Scopes, org: str, day: date) -> tuple[int, int]:
    """(failed, successful) generations requested in the trailing 30 days."""
    recent = in_days(generations.col(org, "requested_at"), day, TRAILING)
    status = generations.col(org, "status")[recent]
    return int((status == "FAILED").sum()), int((status == "SUCCESS").sum())


def churn_risk(
    effects: Effects, org: str, day: date, activity: Scopes, surveys: Scopes, generations: Scopes
) -> float:
    """churn_risk_score of an organization at the end of `day`."""
    status = effects.value(day, org, "subscription_status")
    if status in ("CANCELLED", "EXPIRED"):
        return 1.0
    csat = (surveys.col(org, "survey_type") == "CSAT") & in_days(
        surveys.col(org, "responded_at"), day, 90
    )
    scores = surveys.col(org, "score")[csat]
    dissatisfaction = (5.0 - _np_mean(scores)) / 4.0 if len(scores) else 0.5
    failed, succeeded = _finished(generations, org, day)
    report_failure = failed / (failed + succeeded) if failed + succeeded else 0.0
    trial_ending = 0.0
    if status == "TRIAL":
        ends = effects.value(day, org, "trial_ends_at")
        trial_ending = float(ends is not None and ends < end_of(day + timedelta(days=7)))
    terms = {
        "usage_decline": usage_decline(activity, org, day),
        "dissatisfaction": dissatisfaction,
        "report_failure": report_failure,
        "trial_ending": trial_ending,
    }
    return float(sum(CHURN_WEIGHTS[k] * v for k, v in terms.items()))


def business_impact_metrics(inp: HrInputs) -> pd.DataFrame:
    """business_impact_metrics: rows as platform_adoption_metrics."""
    employees, surveys = Scopes(inp.employees), Scopes(inp.surveys)
    chats, generations = Scopes(inp.chats), Scopes(inp.generations)
    activity, versions = Scopes(inp.activity), Scopes(inp.org_versions)
    orgs = Scopes(inp.organizations[inp.organizations["created_at"] < inp.end])
    every_org = list(inp.org_versions["organization_id"].unique())
    effects = Effects(inp)
    rows = []
    for org, d in org_days(inp):
        month_ago = d - timedelta(days=TRAILING)
        if org == ALL:
            live = orgs.col(ALL, "organization_id")[by_end(orgs.col(ALL, "created_at"), d)]
            mrr = sum(_mrr(effects, d, o) for o in live)
            pool = every_org
        else:
            mrr, pool = _mrr(effects, d, org), [org]
        was = [o for o in pool if _paying(effects, month_ago, o)]
        kept = sum(_paying(effects, d, o) for o in was)
        due, renewed = renewals(versions, org, effects, d)

        terminations = int(in_days(employees.col(org, "terminated_at"), d, TRAILING).sum())
        average = (headcount(employees, org, month_ago) + headcount(employees, org, d)) / 2.0
        applied = employees.col(org, "applied_at")
        hired_at = employees.col(org, "hired_at")
        candidate = ~np.isnat(applied)
        hired = candidate & in_days(hired_at, d, TRAILING)
        decided = hired | (candidate & in_days(employees.col(org, "rejected_at"), d, TRAILING))
        days_to_hire = (hired_at[hired] - applied[hired]) / np.timedelta64(1, "s") / 86400.0

        answered = in_days(surveys.col(org, "responded_at"), d, TRAILING)
        kinds, scores = surveys.col(org, "survey_type"), surveys.col(org, "score")
        recent_chats = in_days(chats.col(org, "started_at"), d, TRAILING)
        helpful = (chats.true(org, "was_helpful") & recent_chats).sum()
        rated = (chats.set(org, "was_helpful") & recent_chats).sum()
        quarterly = generations.true(org, "is_quarterly_update") & in_days(
            generations.col(org, "requested_at"), d, TRAILING
        )
        completed = (quarterly & (generations.col(org, "status") == "SUCCESS")).sum()
        rows.append(
            {
                "organization_id": org,
                "metric_date": d,
                "mrr": float(mrr),
                "arr": 12.0 * mrr,
                "customer_retention_rate": ratio(kept, len(was)),
                "subscription_renewal_rate": ratio(renewed, due),
                "average_user_satisfaction_score": _np_mean(scores[answered & (kinds == "CSAT")]),
                "nps_score": nps(scores[answered & (kinds == "NPS")].astype(float)),
                "employee_turnover_rate": ratio(terminations, average),
                "hiring_success_rate": ratio(int(hired.sum()), int(decided.sum())),
                "time_to_hire_days": _np_mean(days_to_hire),
                "ai_consultation_satisfaction_rate": ratio(int(helpful), int(rated)),
                "quarterly_report_completion_rate": ratio(int(completed), int(quarterly.sum())),
                "churn_risk_score": float("nan")
                if org == ALL
                else churn_risk(effects, org, d, activity, surveys, generations),
            }
        )
    out = pd.DataFrame(rows, columns=BUSINESS_IMPACT)
    return finish(out, BUSINESS_IMPACT, ["organization_id", "metric_date"])


# -- the HR rows of analytics_metrics (int_hr_kpis) ---------------------------------------

KPI_COLUMNS = [
    "metric_name", "metric_type", "category", "period_type", "period_start", "period_end",
    "workspace_id", "value", "previous_value", "change_percentage",
]  # fmt: skip
KPI_KEYS = ["metric_name", "period_type", "period_start", "workspace_id"]
HR_KPIS = {  # metric_name: (metric_type, category)
    "hr_active_users": ("count", "user_management"),
    "reports_generated": ("count", "report_generation"),
    "report_success_rate": ("ratio", "report_generation"),
    "employees_hired": ("count", "employee_management"),
    "chat_sessions": ("count", "ai_consultation"),
    "chat_helpful_rate": ("ratio", "ai_consultation"),
    "notification_read_rate": ("ratio", "notification_interaction"),
    "dashboard_load_p95_ms": ("percentile", "analytics_viewing"),
}


def _period_kpis(inp: HrInputs, hires: pd.DataFrame, org: str, first: date, last: date) -> dict:
    """The HR KPIs of scope `org` over the days first..last."""

    def of(frame: pd.DataFrame) -> pd.DataFrame:
        part = frame if org == ALL else frame[frame["organization_id"] == org]
        return part[(part["metric_date"] >= first) & (part["metric_date"] <= last)]

    generations, chats = of(inp.generations), of(inp.chats)
    deliveries, loads = of(inp.deliveries), of(inp.interactions)
    loads = loads[loads["interaction_type"] == "WIDGET_LOAD"]
    successful = int((generations["status"] == "SUCCESS").sum())
    failed = int((generations["status"] == "FAILED").sum())
    return {
        "hr_active_users": float(of(inp.activity)["user_id"].nunique()),
        "reports_generated": float(successful),
        "report_success_rate": ratio(successful, successful + failed),
        "employees_hired": float(len(of(hires))),
        "chat_sessions": float(len(chats)),
        "chat_helpful_rate": _bool_rate(chats["was_helpful"]),
        "notification_read_rate": ratio(
            int(deliveries["read_at"].notna().sum()), int(deliveries["delivered_at"].notna().sum())
        ),
        "dashboard_load_p95_ms": percentile_cont(loads["load_time_ms"], 0.95),
    }


def hr_kpis(inp: HrInputs) -> pd.DataFrame:
    """int_hr_kpis (the HR rows of analytics_metrics): each KPI per day, ISO week and
    month, per organization from its creation day and for all organizations, with
    the previous period's value."""
    hired = inp.employees[before_end(inp.employees["hired_at"], inp.as_of)]
    hires = hired.assign(metric_date=day_of(hired["hired_at"]))
    created: dict[str, date] = {}
    for org, day in org_days(inp):
        created[org] = min(created.get(org, day), day)

    def values(org: str, _period_type: str, start: date, end: date) -> dict[str, float]:
        return _period_kpis(inp, hires, org, start, min(end, inp.as_of))

    rows = long_kpi_rows(created, inp.as_of, HR_KPIS, values)
    for row in rows:
        row["workspace_id"] = None if row["workspace_id"] == ALL else row["workspace_id"]
    out = pd.DataFrame(rows, columns=KPI_COLUMNS)
    if out.empty:
        return out
    return out.sort_values(KPI_KEYS, na_position="first", kind="stable").reset_index(drop=True)


# -- registry ----------------------------------------------------------------------------

TABLES: dict[str, Callable[[HrInputs], pd.DataFrame]] = {
    "platform_adoption_metrics": platform_adoption_metrics,
    "hr_user_engagement_metrics": hr_user_engagement_metrics,
    "report_generation_stats": report_generation_stats,
    "feature_utilization_metrics": feature_utilization_metrics,
    "notification_delivery_metrics": notification_delivery_metrics,
    "ai_chat_analytics": ai_chat_analytics,
    "dashboard_performance": dashboard_performance,
    "business_impact_metrics": business_impact_metrics,
}
GRAINS: dict[str, list[str]] = {
    "platform_adoption_metrics": ["organization_id", "metric_date"],
    "hr_user_engagement_metrics": USER_KEYS,
    "report_generation_stats": REPORT_KEYS,
    "feature_utilization_metrics": FEATURE_KEYS,
    "notification_delivery_metrics": NOTIFICATION_KEYS,
    "ai_chat_analytics": CHAT_KEYS,
    "dashboard_performance": DASHBOARD_KEYS,
    "business_impact_metrics": ["organization_id", "metric_date"],
    "int_hr_kpis": KPI_KEYS,
}
INTERMEDIATE: dict[str, Callable[[HrInputs], pd.DataFrame]] = {"int_hr_kpis": hr_kpis}


def all_tables(inp: HrInputs) -> dict[str, pd.DataFrame]:
    return {name: fn(inp) for name, fn in TABLES.items()}
