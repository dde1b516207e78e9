"""When a scheduled report is due: calendar and cron schedules on the wall clock
of their time zone, interval schedules on absolute time, manual ones never.

Rules (all in the schedule's IANA time zone):

- daily: every day at `time`; weekly: on `day_of_week` at `time`.
- monthly: on `day_of_month` at `time`; when the month is shorter (31 in
  April, 29-31 in February) on the month's last day instead, so every month
  has exactly one run. quarterly: the same in January, April, July and October.
- cron: the 5-field expression (croniter semantics: day-of-month and
  day-of-week restricted together match either) evaluated on local wall-clock
  time.
- interval: every `interval_minutes` on absolute time, at anchor + k * N
  minutes for every whole k (before the anchor too); the anchor defaults to
  1970-01-01T00:00:00Z. The time zone plays no part (DST shifts no run); it
  only gives a run's date.
- manual: never due; such a report runs by hand (`report run`).
- Daylight saving time: a local time that does not exist (in the spring-forward
  gap, e.g. 02:30 on the last Sunday of March in Europe/Berlin) runs at the
  first valid instant after the gap (03:00 local, the moment the clocks jump);
  several times in one gap (cron) collapse into that one run. A time that
  occurs twice (fall-back) runs once, at its first occurrence (fold=0).

All results are aware UTC datetimes. Windows are half-open, (start, end], so
consecutive windows (a, b], (b, c] see every occurrence exactly once.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter

from analytics_pipeline.reports.definition import (
    DEFAULT_INTERVAL_ANCHOR,
    WEEKDAYS,
    ReportSchedule,
)

_QUARTER_MONTHS = (1, 4, 7, 10)
# Local dates are searched with this margin around a UTC window: no UTC
# offset reaches a whole day, so an occurrence never lies further away.
_MARGIN = timedelta(days=1)
# Longest gap between two runs of a frequency schedule (quarterly) with room.
_LONGEST_PERIOD = timedelta(days=100)


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of naive wall-clock time `local` in `zone` (DST rules above)."""
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall_clock(first, zone) == local:
        return first  # exists (fold=0 is the first of two occurrences)
    # In a gap. fold=1 reads the time with the offset after the jump and lands
    # before the jump, fold=0 after it: search the jump between them to the
    # second (offsets change on whole seconds).
    low = int(local.replace(tzinfo=zone, fold=1).timestamp())
    high = int(first.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall_clock(datetime.fromtimestamp(middle, UTC), zone) < local:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def local_date(schedule: ReportSchedule, instant: datetime) -> date:
    """The calendar date of `instant` in the schedule's time zone (a run's reference date)."""
    _require_aware(instant)
    return instant.astimezone(ZoneInfo(schedule.timezone)).date()


def due_times(schedule: ReportSchedule, start: datetime, end: datetime) -> list[datetime]:
    """Occurrences in (start, end], ascending, as aware UTC datetimes."""
    _require_aware(start)
    _require_aware(end)
    if end <= start or schedule.frequency == "manual":
        return []
    if schedule.frequency == "interval":
        anchor, step = _interval(schedule)
        first = (start - anchor) // step + 1  # the first k with anchor + k * step > start
        last = (end - anchor) // step  # the last k with anchor + k * step <= end
        return [anchor + k * step for k in range(first, last + 1)]
    zone = ZoneInfo(schedule.timezone)
    result: list[datetime] = []
    for instant in _forward(schedule, zone, start):
        if instant > end:
            break
        if instant > start and (not result or instant > result[-1]):
            result.append(instant)
    return result


def next_due(schedule: ReportSchedule, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after`, or None when there is none."""
    _require_aware(after)
    if schedule.frequency == "manual":
        return None
    if schedule.frequency == "interval":
        anchor, step = _interval(schedule)
        return anchor + ((after - anchor) // step + 1) * step
    zone = ZoneInfo(schedule.timezone)
    return next((instant for instant in _forward(schedule, zone, after) if instant > after), None)


def latest_due(schedule: ReportSchedule, now: datetime) -> datetime | None:
    """The last occurrence at or before `now`, or None when there is none.

    A cron expression that matches only rarely (a leap day) may be years back;
    croniter gives up after 50 years and then there is none.
    """
    _require_aware(now)
    if schedule.frequency == "manual":
        return None
    if schedule.frequency == "interval":
        anchor, step = _interval(schedule)
        return anchor + ((now - anchor) // step) * step
    zone = ZoneInfo(schedule.timezone)
    for instant in _backward(schedule, zone, now):
        if instant <= now:
            return instant
    return None


def _interval(schedule: ReportSchedule) -> tuple[datetime, timedelta]:
    """(anchor as aware UTC, step) of an interval schedule."""
    if schedule.interval_minutes is None or schedule.interval_minutes < 1:
        raise ValueError(f"interval schedule needs interval_minutes >= 1, got {schedule!r}")
    anchor = schedule.anchor or DEFAULT_INTERVAL_ANCHOR
    _require_aware(anchor)
    return anchor.astimezone(UTC), timedelta(minutes=schedule.interval_minutes)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {moment.isoformat()}")


def _wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _forward(schedule: ReportSchedule, zone: ZoneInfo, start: datetime) -> Iterator[datetime]:
    """Occurrences (UTC, non-decreasing) from a little before `start`, without end."""
    origin = _wall_clock(start, zone) - _MARGIN
    if schedule.cron is not None:
        matches = croniter(schedule.cron, origin)
        while True:
            try:
                local = matches.get_next(datetime)
            except CroniterBadDateError:  # no further match within croniter's horizon
                return
            yield to_utc(local, zone)
    day = origin.date()
    while True:
        if _runs_on(schedule, day):
            yield to_utc(datetime.combine(day, schedule.time), zone)
        day += timedelta(days=1)


def _backward(schedule: ReportSchedule, zone: ZoneInfo, now: datetime) -> Iterator[datetime]:
    """Occurrences (UTC, non-increasing) from a little after `now`, going back."""
    origin = _wall_clock(now, zone) + _MARGIN
    if schedule.cron is not None:
        matches = croniter(schedule.cron, origin)
        while True:
            try:
                local = matches.get_prev(datetime)
            except CroniterBadDateError:
                return
            yield to_utc(local, zone)
    day = origin.date()
    oldest = day - _LONGEST_PERIOD - _MARGIN
    while day >= oldest:
        if _runs_on(schedule, day):
            yield to_utc(datetime.combine(day, schedule.time), zone)
        day -= timedelta(days=1)


def _runs_on(schedule: ReportSchedule, day: date) -> bool:
    """Whether a frequency schedule has its run on local calendar date `day`."""
    if schedule.frequency == "daily":
        return True
    if schedule.frequency == "weekly":
        return WEEKDAYS[day.weekday()] == schedule.day_of_week
    if schedule.frequency == "quarterly" and day.month not in _QUARTER_MONTHS:
        return False
    if schedule.frequency in ("monthly", "quarterly"):
        last_day = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(schedule.day_of_month, last_day)
    raise ValueError(f"unknown frequency {schedule.frequency!r}")


def describe_schedule(schedule: ReportSchedule) -> str:
    """The schedule in words: `weekly on Monday at 08:00 (Europe/Berlin)`."""
    if schedule.cron is not None:
        when = f"cron {schedule.cron}"
    elif schedule.frequency == "manual":
        return "manual (by hand only)"
    elif schedule.frequency == "interval":
        return _describe_interval(schedule)
    else:
        at = f"at {schedule.time.strftime('%H:%M')}"
        if schedule.frequency == "weekly":
            when = f"weekly on {schedule.day_of_week.capitalize()} {at}"
        elif schedule.frequency == "daily":
            when = f"daily {at}"
        else:
            day = f"day {schedule.day_of_month}"
            if schedule.day_of_month > 28:
                day += " (or the month's last day)"
            months = " of Jan, Apr, Jul and Oct" if schedule.frequency == "quarterly" else ""
            when = f"{schedule.frequency} on {day}{months} {at}"
    return f"{when} ({schedule.timezone})"


def _describe_interval(schedule: ReportSchedule) -> str:
    """`every 15 minutes from 2026-01-05T07:00:00Z` (the anchor left out when default)."""
    minutes = schedule.interval_minutes
    when = "every minute" if minutes == 1 else f"every {minutes} minutes"
    if schedule.anchor is not None and schedule.anchor != DEFAULT_INTERVAL_ANCHOR:
        when += f" from {schedule.anchor.astimezone(UTC).isoformat().replace('+00:00', 'Z')}"
    return when
