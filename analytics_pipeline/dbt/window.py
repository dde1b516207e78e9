"""How a partition window reaches dbt."""

from __future__ import annotations

import datetime as dt

from analytics_pipeline.settings import get_settings


def window_environment(start: dt.datetime, end: dt.datetime) -> dict[str, str]:
    """The environment variables by which a dbt run gets the partition window
    [start, end): inclusive first and last day and the lookback for the daily
    models (dbt_project/macros/analytics_window.sql), the exact start and end
    (UTC, ISO 8601) for the data snapshots, whose hourly periods need the hour
    (macros/data_snapshots.sql). Not --vars, which would make dbt parse the
    whole project again."""
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    last_day = (end - dt.timedelta(microseconds=1)).date()  # the day of the last instant
    return {
        "ANALYTICS_WINDOW_MIN_DATE": start.date().isoformat(),
        "ANALYTICS_WINDOW_MAX_DATE": last_day.isoformat(),
        "ANALYTICS_WINDOW_START": start.isoformat(),
        "ANALYTICS_WINDOW_END": end.isoformat(),
        "ANALYTICS_LOOKBACK_DAYS": str(get_settings().lookback_days),
    }
