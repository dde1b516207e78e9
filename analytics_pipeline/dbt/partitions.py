"""Time partitions of the daily aggregates and marts, and how a partition
window becomes dbt vars."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from analytics_pipeline.settings import get_settings

# end_offset=1: today's (still filling) partition exists, so the hourly schedule
# can refresh it; the daily schedule materializes yesterday's.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=get_settings().partition_start, timezone="UTC", end_offset=1
)


def window_vars(start: dt.datetime, end: dt.datetime) -> dict[str, str | int]:
    """dbt vars of a partition window [start, end): inclusive first and last day."""
    last_day = (end - dt.timedelta(days=1)).date()
    return {
        "min_date": start.date().isoformat(),
        "max_date": last_day.isoformat(),
        "lookback_days": get_settings().lookback_days,
    }
