"""How a partition window reaches dbt."""

from __future__ import annotations

import datetime as dt

from analytics_pipeline.settings import get_settings


def window_environment(start: dt.datetime, end: dt.datetime) -> dict[str, str]:
    """The environment variables by which a dbt run gets the partition window
    [start, end): inclusive first and last day, and the lookback
    (dbt_project/macros/analytics_window.sql; not --vars, which would make dbt
    parse the whole project again)."""
    last_day = (end - dt.timedelta(days=1)).date()
    return {
        "ANALYTICS_WINDOW_MIN_DATE": start.date().isoformat(),
        "ANALYTICS_WINDOW_MAX_DATE": last_day.isoformat(),
        "ANALYTICS_LOOKBACK_DAYS": str(get_settings().lookback_days),
    }
