"""SQL that computes one period's KPIs per workspace (and for all workspaces,
workspace_id null) from the published aggregates. Pure strings and dates: no
Dagster here.

Hourly snapshots copy the hour's row of hourly_metrics; daily ones the day's
row of daily_metrics. Weekly and monthly ones add up the days' counts and sums,
recompute ratios from the summed numerators and denominators, and count
distinct active users over the whole period from int_user_activity_days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

TABLE = "analytics.data_snapshots"
SNAPSHOT_TYPES = ("hourly", "daily", "weekly", "monthly")

COLUMNS = """
    snapshot_type  text not null check (snapshot_type in ('hourly', 'daily', 'weekly', 'monthly')),
    snapshot_date  timestamptz not null,
    period_end     timestamptz not null,
    workspace_id   text,
    data           jsonb not null
"""
# The grain (a unique index: workspace_id null is the row for all workspaces).
GRAIN = ("snapshot_type", "snapshot_date", "workspace_id")
DDL = f"""
create schema if not exists analytics;
create table if not exists {TABLE} ({COLUMNS});
create unique index if not exists data_snapshots_grain
    on {TABLE} (snapshot_type, snapshot_date, coalesce(workspace_id, ''));
comment on table {TABLE} is
    'One row per period (snapshot_type, snapshot_date = period start, UTC) and workspace '
    '(null = all workspaces): the KPIs of that period as jsonb. Rebuilt per partition.';
"""

_HOURLY = """
select metric_hour as snapshot_date, metric_hour + interval '1 hour' as period_end,
    workspace_id, jsonb_build_object(
    'active_users', active_users, 'events', events, 'page_views', page_views,
    'sessions_started', sessions_started, 'total_runs', total_runs,
    'successful_runs', successful_runs, 'failed_runs', failed_runs,
    'cancelled_runs', cancelled_runs, 'credits_consumed', credits_consumed,
    'error_events', error_events, 'api_calls', api_calls,
    'api_latency_p95_ms', api_latency_p95_ms) as data
from analytics.hourly_metrics
where metric_hour >= %(start)s and metric_hour < %(end)s
"""

_DAILY = """
select metric_date::timestamptz as snapshot_date,
    (metric_date + 1)::timestamptz as period_end, workspace_id, jsonb_build_object(
    'active_users', dau, 'new_users', new_users, 'returning_users', returning_users,
    'total_users', total_users, 'events', events, 'sessions', sessions,
    'avg_session_duration_seconds', avg_session_duration_seconds, 'bounce_rate', bounce_rate,
    'total_runs', total_runs, 'success_rate', success_rate,
    'credits_consumed', credits_consumed, 'error_rate', error_rate,
    'api_calls', api_calls, 'api_latency_p95_ms', api_latency_p95_ms) as data
from analytics.daily_metrics
where metric_date >= %(start_day)s and metric_date < %(end_day)s
"""

# Weeks and months: sums over the days of each period, ratios from the sums,
# distinct users over the period, total_users as of the period's last day.
_PERIOD = """
with days as (
    select date_trunc(%(unit)s, metric_date)::date as period, *
    from analytics.daily_metrics
    where metric_date >= %(start_day)s and metric_date < %(end_day)s
),
sums as (
    select period, workspace_id,
        sum(new_users) as new_users, sum(events) as events, sum(sessions) as sessions,
        sum(total_runs) as total_runs, sum(successful_runs) as successful_runs,
        sum(failed_runs) as failed_runs, sum(cancelled_runs) as cancelled_runs,
        sum(credits_consumed) as credits_consumed, sum(error_events) as error_events,
        sum(api_calls) as api_calls,
        (array_agg(total_users order by metric_date desc))[1] as total_users
    from days group by period, workspace_id
),
active as (
    select date_trunc(%(unit)s, activity_date)::date as period, workspace_id,
        count(distinct user_id) as active_users
    from intermediate.int_user_activity_days
    where activity_date >= %(start_day)s and activity_date < %(end_day)s
    group by grouping sets ((1, workspace_id), (1))
)
select sums.period::timestamptz as snapshot_date,
    (sums.period + %(step)s::interval)::timestamptz as period_end,
    sums.workspace_id, jsonb_build_object(
    'active_users', coalesce(active.active_users, 0), 'new_users', sums.new_users,
    'total_users', sums.total_users, 'events', sums.events, 'sessions', sums.sessions,
    'total_runs', sums.total_runs,
    'success_rate', sums.successful_runs::numeric
        / nullif(sums.successful_runs + sums.failed_runs + sums.cancelled_runs, 0),
    'credits_consumed', sums.credits_consumed,
    'error_rate', (sums.failed_runs + sums.error_events)::numeric
        / nullif(sums.total_runs + sums.events, 0),
    'api_calls', sums.api_calls) as data
from sums
left join active
    on active.period = sums.period and active.workspace_id is not distinct from sums.workspace_id
"""

_QUERIES = {"hourly": _HOURLY, "daily": _DAILY, "weekly": _PERIOD, "monthly": _PERIOD}


@dataclass(frozen=True)
class PeriodQuery:
    delete: str
    insert: str
    params: dict


_UNITS = {
    "hourly": ("hour", "1 hour"),
    "daily": ("day", "1 day"),
    "weekly": ("week", "1 week"),
    "monthly": ("month", "1 month"),
}


def period_query(snapshot_type: str, start: dt.datetime, end: dt.datetime) -> PeriodQuery:
    """Statements that replace the snapshot rows of the periods in [start, end)
    (one partition, or a range of them in one run)."""
    if snapshot_type not in _QUERIES:
        raise ValueError(f"unknown snapshot type {snapshot_type!r}")
    unit, step = _UNITS[snapshot_type]
    params = {
        "type": snapshot_type,
        "unit": unit,
        "step": step,
        "start": start,
        "end": end,
        "start_day": start.date(),
        # Days touched by [start, end): an hour's window still names its day.
        "end_day": end.date() if end.time() == dt.time(0) else end.date() + dt.timedelta(days=1),
    }
    delete = (
        f"delete from {TABLE} where snapshot_type = %(type)s "
        "and snapshot_date >= %(start)s and snapshot_date < %(end)s"
    )
    insert = (
        f"insert into {TABLE} (snapshot_type, snapshot_date, period_end, workspace_id, data)\n"
        f"select %(type)s, snapshot_date, period_end, workspace_id, data from (\n"
        f"{_QUERIES[snapshot_type]}\n) period\n"
        "where snapshot_date >= %(start)s and snapshot_date < %(end)s"
    )
    return PeriodQuery(delete, insert, params)
