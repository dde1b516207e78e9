"""Resolve a report's date range to inclusive calendar dates.

The reference date is the report's "today": the run's date in the schedule's
time zone (or the date given to a run by hand). The conventions follow the
common web-analytics ones (Google Analytics, for example):

- `today`: the reference date; `yesterday`: the day before.
- `last_7_days`, `last_30_days`, `last_90_days`: the N complete days that end
  yesterday; today, still in progress, is left out. On 2026-03-10,
  last_7_days is 2026-03-03 .. 2026-03-09.
- `week_to_date`, `month_to_date`, `quarter_to_date`, `year_to_date`: from the
  first day of the current week (Monday), month, quarter (Jan/Apr/Jul/Oct 1) or
  year through today, inclusive; on the first day of the period that is today
  alone (week_to_date on a Monday is that Monday).
- `previous_week`: Monday to Sunday of the week before; `previous_month`: the
  whole calendar month before (in January: December of the year before).
- Absolute ranges are used as given (`start` .. `end`, inclusive).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from analytics_pipeline.reports.definition import DateRange

DateSpan = tuple[date, date]

_DAY = timedelta(days=1)


def _last_days(count: int) -> Callable[[date], DateSpan]:
    return lambda today: (today - count * _DAY, today - _DAY)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _previous_week(today: date) -> DateSpan:
    start = _week_start(today) - 7 * _DAY
    return start, start + 6 * _DAY


def _previous_month(today: date) -> DateSpan:
    end = today.replace(day=1) - _DAY
    return end.replace(day=1), end


RELATIVE_RESOLVERS: dict[str, Callable[[date], DateSpan]] = {
    "today": lambda today: (today, today),
    "yesterday": lambda today: (today - _DAY, today - _DAY),
    "last_7_days": _last_days(7),
    "last_30_days": _last_days(30),
    "last_90_days": _last_days(90),
    "week_to_date": lambda today: (_week_start(today), today),
    "month_to_date": lambda today: (today.replace(day=1), today),
    "quarter_to_date": lambda today: (_quarter_start(today), today),
    "year_to_date": lambda today: (date(today.year, 1, 1), today),
    "previous_week": _previous_week,
    "previous_month": _previous_month,
}


def resolve_date_range(date_range: DateRange, reference_date: date) -> DateSpan:
    """Inclusive (start, end) of `date_range` for a report whose "today" is `reference_date`."""
    if date_range.relative is not None:
        return RELATIVE_RESOLVERS[date_range.relative](reference_date)
    if date_range.start is None or date_range.end is None:
        raise ValueError("an absolute date range needs start and end")
    return date_range.start, date_range.end
