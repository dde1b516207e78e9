"""The time partitions of every partitioned asset: daily (aggregates, marts,
learning, mastery history) and the data snapshots' hourly, daily, weekly and
monthly periods, all starting at the configured partition start (UTC)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from analytics_pipeline.settings import get_settings

# end_offset=1: today's (still filling) partition exists, so the hourly schedule
# can refresh it; the daily schedule materializes yesterday's.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=get_settings().partition_start, timezone="UTC", end_offset=1
)


# The data snapshots' period types.
SNAPSHOT_PERIODS = ("hourly", "daily", "weekly", "monthly")


def period_partitions(period: str) -> dg.TimeWindowPartitionsDefinition:
    """The partitions of one data-snapshot period type (hourly, daily, weekly, monthly)."""
    start = get_settings().partition_start
    if period == "hourly":
        return dg.HourlyPartitionsDefinition(start_date=f"{start}-00:00", timezone="UTC")
    if period == "daily":
        return dg.DailyPartitionsDefinition(start_date=start, timezone="UTC")
    if period == "weekly":  # ISO weeks: from the Monday of the first day's week
        first = dt.date.fromisoformat(start)
        monday = first - dt.timedelta(days=first.weekday())
        return dg.WeeklyPartitionsDefinition(
            start_date=monday.isoformat(), day_offset=1, timezone="UTC"
        )
    if period == "monthly":
        return dg.MonthlyPartitionsDefinition(start_date=start[:8] + "01", timezone="UTC")
    raise ValueError(f"unknown period {period!r}")


def whole_period_key_range(
    partitions: dg.TimeWindowPartitionsDefinition, first_day: dt.date, last_day: dt.date
) -> tuple[str, str] | None:
    """First and last partition keys of the periods that overlap
    first_day..last_day and have ended by then (None when none has)."""
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    # Widen by the longest period so a period that began before first_day counts.
    search = dg.TimeWindow(start - dt.timedelta(days=31), end)
    keys = [
        key
        for key in partitions.get_partition_keys_in_time_window(search)
        if start < partitions.time_window_for_partition_key(key).end <= end
    ]
    return (keys[0], keys[-1]) if keys else None
