"""Report schedules: exact UTC instants across both DST changes in Europe/Berlin
and America/New_York, month ends, quarters, cron in a non-UTC zone (against a
minute-by-minute oracle), intervals on absolute time from their anchor, manual
schedules that are never due, and windows that never duplicate or drop a run."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics_pipeline.reports.definition import ReportSchedule
from analytics_pipeline.reports.schedule import (
    describe_schedule,
    due_times,
    latest_due,
    local_date,
    next_due,
    to_utc,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def daily(at: str, zone: str) -> ReportSchedule:
    return ReportSchedule(timezone=zone, frequency="daily", time=time.fromisoformat(at))


def monthly(day: int, zone: str = "UTC", frequency: str = "monthly") -> ReportSchedule:
    return ReportSchedule(timezone=zone, frequency=frequency, time=time(8, 0), day_of_month=day)


def cron(expression: str, zone: str) -> ReportSchedule:
    return ReportSchedule(timezone=zone, cron=expression)


def every(minutes: int, zone: str = "UTC", anchor: datetime | None = None) -> ReportSchedule:
    return ReportSchedule(
        timezone=zone, frequency="interval", interval_minutes=minutes, anchor=anchor
    )


MANUAL = ReportSchedule(timezone=BERLIN, frequency="manual")


# -- DST -------------------------------------------------------------------------


def test_berlin_spring_forward_gap_runs_when_the_clocks_jump() -> None:
    # 2026-03-29 02:00 CET -> 03:00 CEST (01:00 UTC): 02:30 does not exist.
    assert due_times(daily("02:30", BERLIN), utc(2026, 3, 27), utc(2026, 3, 31)) == [
        utc(2026, 3, 27, 1, 30),  # CET, +1
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 0),  # 03:00 CEST, the first valid instant after the gap
        utc(2026, 3, 30, 0, 30),  # CEST, +2
    ]


def test_berlin_fall_back_runs_once_at_the_first_occurrence() -> None:
    # 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 happens at 00:30 and 01:30 UTC.
    assert due_times(daily("02:30", BERLIN), utc(2026, 10, 23), utc(2026, 10, 27)) == [
        utc(2026, 10, 23, 0, 30),
        utc(2026, 10, 24, 0, 30),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
    ]


def test_new_york_spring_forward_and_fall_back() -> None:
    # 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC).
    assert due_times(daily("02:30", NEW_YORK), utc(2026, 3, 7), utc(2026, 3, 10)) == [
        utc(2026, 3, 7, 7, 30),
        utc(2026, 3, 8, 7, 0),
        utc(2026, 3, 9, 6, 30),
    ]
    # 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 happens at 05:30 and 06:30 UTC.
    assert due_times(daily("01:30", NEW_YORK), utc(2026, 10, 31), utc(2026, 11, 3)) == [
        utc(2026, 10, 31, 5, 30),
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 2, 6, 30),
    ]
    assert due_times(daily("09:00", NEW_YORK), utc(2026, 3, 6), utc(2026, 3, 10)) == [
        utc(2026, 3, 6, 14, 0),
        utc(2026, 3, 7, 14, 0),
        utc(2026, 3, 8, 13, 0),
        utc(2026, 3, 9, 13, 0),
    ]


def test_weekly_across_dst() -> None:
    sunday = ReportSchedule(
        timezone=BERLIN, frequency="weekly", time=time(2, 30), day_of_week="sunday"
    )
    assert due_times(sunday, utc(2026, 3, 20), utc(2026, 4, 6)) == [
        utc(2026, 3, 22, 1, 30),
        utc(2026, 3, 29, 1, 0),
        utc(2026, 4, 5, 0, 30),
    ]
    monday = ReportSchedule(
        timezone=NEW_YORK, frequency="weekly", time=time(9), day_of_week="monday"
    )
    assert due_times(monday, utc(2026, 2, 28), utc(2026, 3, 10)) == [
        utc(2026, 3, 2, 14, 0),
        utc(2026, 3, 9, 13, 0),
    ]


def test_half_hour_dst_shift() -> None:
    # Lord Howe Island: 2026-10-04 02:00 +10:30 -> 02:30 +11 (2026-10-03 15:30 UTC).
    assert due_times(daily("02:15", "Australia/Lord_Howe"), utc(2026, 10, 2), utc(2026, 10, 5)) == [
        utc(2026, 10, 2, 15, 45),
        utc(2026, 10, 3, 15, 30),
        utc(2026, 10, 4, 15, 15),
    ]


def test_to_utc_of_existing_missing_and_repeated_times() -> None:
    berlin = ZoneInfo(BERLIN)
    assert to_utc(datetime(2026, 7, 1, 12, 0), berlin) == utc(2026, 7, 1, 10, 0)
    assert to_utc(datetime(2026, 3, 29, 2, 0), berlin) == utc(2026, 3, 29, 1, 0)
    assert to_utc(datetime(2026, 3, 29, 2, 59), berlin) == utc(2026, 3, 29, 1, 0)
    assert to_utc(datetime(2026, 3, 29, 3, 0), berlin) == utc(2026, 3, 29, 1, 0)
    assert to_utc(datetime(2026, 10, 25, 2, 0), berlin) == utc(2026, 10, 25, 0, 0)
    assert to_utc(datetime(2026, 10, 25, 3, 0), berlin) == utc(2026, 10, 25, 2, 0)


# -- month ends and quarters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year", "february"),
    [
        (31, 2024, 29),
        (31, 2026, 28),
        (30, 2024, 29),
        (30, 2026, 28),
        (29, 2026, 28),
        (29, 2024, 29),
        (28, 2024, 28),
    ],
)
def test_day_of_month_past_the_end_of_february(day: int, year: int, february: int) -> None:
    runs = due_times(monthly(day), utc(year, 1, 15), utc(year, 3, 15))
    assert runs == [utc(year, 1, day, 8), utc(year, 2, february, 8)]


def test_day_31_every_month_of_a_year() -> None:
    runs = due_times(monthly(31), utc(2026, 1, 1), utc(2027, 1, 1))
    month_ends = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert runs == [utc(2026, m + 1, d, 8) for m, d in enumerate(month_ends)]


def test_monthly_in_berlin_keeps_local_time_across_dst() -> None:
    # 2024: DST starts on 2024-03-31 at 02:00, so 08:00 that day is already CEST.
    runs = due_times(monthly(31, BERLIN), utc(2024, 1, 1), utc(2024, 5, 1))
    assert runs == [
        utc(2024, 1, 31, 7),
        utc(2024, 2, 29, 7),
        utc(2024, 3, 31, 6),
        utc(2024, 4, 30, 6),
    ]


def test_quarterly() -> None:
    quarterly = ReportSchedule(
        timezone=NEW_YORK, frequency="quarterly", time=time(9), day_of_month=31
    )
    assert due_times(quarterly, utc(2026, 1, 1), utc(2027, 1, 1)) == [
        utc(2026, 1, 31, 14),  # EST
        utc(2026, 4, 30, 13),  # EDT
        utc(2026, 7, 31, 13),
        utc(2026, 10, 31, 13),  # still EDT (DST ends 2026-11-01)
    ]
    first = monthly(1, frequency="quarterly")
    assert due_times(first, utc(2025, 12, 31), utc(2026, 12, 31)) == [
        utc(2026, 1, 1, 8),
        utc(2026, 4, 1, 8),
        utc(2026, 7, 1, 8),
        utc(2026, 10, 1, 8),
    ]


# -- cron -----------------------------------------------------------------------------


def _minute_oracle(zone: str, start: datetime, end: datetime, matches) -> list[datetime]:
    """Every UTC minute in (start, end] whose first-occurrence local time matches."""
    tz = ZoneInfo(zone)
    found = []
    minute = start + timedelta(minutes=1)
    while minute <= end:
        local = minute.astimezone(tz)
        if local.fold == 0 and matches(local):
            found.append(minute)
        minute += timedelta(minutes=1)
    return found


def test_weekday_cron_in_new_york_across_dst() -> None:
    weekdays_9am = cron("0 9 * * 1-5", NEW_YORK)
    assert due_times(weekdays_9am, utc(2026, 3, 5), utc(2026, 3, 11, 13)) == [
        utc(2026, 3, 5, 14),
        utc(2026, 3, 6, 14),
        utc(2026, 3, 9, 13),
        utc(2026, 3, 10, 13),
        utc(2026, 3, 11, 13),
    ]

    def is_weekday_9am(local: datetime) -> bool:
        return local.weekday() < 5 and (local.hour, local.minute) == (9, 0)

    for start, end in [
        (utc(2026, 2, 25), utc(2026, 3, 20)),
        (utc(2026, 10, 20), utc(2026, 11, 10)),
    ]:
        assert due_times(weekdays_9am, start, end) == _minute_oracle(
            NEW_YORK, start, end, is_weekday_9am
        )


def test_cron_times_in_the_gap_collapse_into_one_run() -> None:
    assert due_times(cron("30 2 * * *", BERLIN), utc(2026, 3, 28), utc(2026, 3, 30)) == [
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 0),
    ]
    # 01:30 CET, then 02:00 / 02:30 (gap) and 03:00 CEST are all 01:00 UTC.
    assert due_times(
        cron("*/30 * * * *", BERLIN), utc(2026, 3, 29, 0), utc(2026, 3, 29, 1, 45)
    ) == [
        utc(2026, 3, 29, 0, 30),
        utc(2026, 3, 29, 1, 0),
        utc(2026, 3, 29, 1, 30),
    ]


def test_hourly_cron_runs_a_repeated_hour_once() -> None:
    hourly = cron("0 * * * *", BERLIN)
    # Local 02:00 CEST (00:00 UTC) runs; 02:00 CET (01:00 UTC) is the repeat.
    assert due_times(hourly, utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 3, 30)) == [
        utc(2026, 10, 25, 0),
        utc(2026, 10, 25, 2),
        utc(2026, 10, 25, 3),
    ]
    # A whole year: one run per local wall-clock hour, minus the hour skipped in March.
    assert len(due_times(hourly, utc(2025, 12, 31, 23), utc(2026, 12, 31, 23))) == 365 * 24 - 1
    for start, end in [(utc(2026, 3, 25), utc(2026, 4, 1)), (utc(2026, 10, 22), utc(2026, 10, 29))]:
        assert due_times(hourly, start, end) == _minute_oracle(
            BERLIN, start, end, lambda local: local.minute == 0
        )


def test_daily_schedule_runs_every_local_day_of_a_year() -> None:
    runs = due_times(daily("02:30", BERLIN), utc(2025, 12, 31, 12), utc(2026, 12, 31, 12))
    assert [local_date(daily("02:30", BERLIN), run) for run in runs] == [
        date(2026, 1, 1) + timedelta(days=i) for i in range(365)
    ]


# -- interval and manual ------------------------------------------------------------


def test_interval_without_anchor_counts_from_the_unix_epoch() -> None:
    # 2026-03-02 00:00 UTC is 20514 days after 1970-01-01: a multiple of 45 minutes
    # (20514 * 1440 / 45 = 656448), so runs fall on :00, :45, :30, :15 UTC from there.
    assert due_times(every(45), utc(2026, 3, 2), utc(2026, 3, 2, 3)) == [
        utc(2026, 3, 2, 0, 45),
        utc(2026, 3, 2, 1, 30),
        utc(2026, 3, 2, 2, 15),
        utc(2026, 3, 2, 3, 0),
    ]
    assert due_times(every(60 * 24), utc(2026, 3, 1, 12), utc(2026, 3, 4)) == [
        utc(2026, 3, 2),
        utc(2026, 3, 3),
        utc(2026, 3, 4),
    ]


def test_interval_windows_are_start_exclusive_end_inclusive() -> None:
    quarter = every(15)
    assert due_times(quarter, utc(2026, 5, 1, 8, 0), utc(2026, 5, 1, 8, 30)) == [
        utc(2026, 5, 1, 8, 15),
        utc(2026, 5, 1, 8, 30),
    ]
    # A window that starts on a run and ends a microsecond before the next sees nothing.
    assert (
        due_times(
            quarter, utc(2026, 5, 1, 8, 15), utc(2026, 5, 1, 8, 30) - timedelta(microseconds=1)
        )
        == []
    )
    assert due_times(quarter, utc(2026, 5, 1, 8, 30), utc(2026, 5, 1, 8, 30)) == []
    assert due_times(quarter, utc(2026, 5, 1, 9), utc(2026, 5, 1, 8)) == []
    assert latest_due(quarter, utc(2026, 5, 1, 8, 15)) == utc(2026, 5, 1, 8, 15)
    assert next_due(quarter, utc(2026, 5, 1, 8, 15)) == utc(2026, 5, 1, 8, 30)


def test_interval_runs_fall_on_the_anchor_before_and_after_it() -> None:
    # Anchor 08:07 Berlin (CET, +1) on 5 January: runs every 50 minutes at 07:07 UTC + k*50.
    anchor = datetime(2026, 1, 5, 8, 7, tzinfo=ZoneInfo(BERLIN))
    schedule = every(50, BERLIN, anchor)
    assert due_times(schedule, utc(2026, 1, 5, 4, 30), utc(2026, 1, 5, 9)) == [
        utc(2026, 1, 5, 4, 37),  # k = -3: the anchor does not start the schedule
        utc(2026, 1, 5, 5, 27),
        utc(2026, 1, 5, 6, 17),
        utc(2026, 1, 5, 7, 7),  # the anchor itself
        utc(2026, 1, 5, 7, 57),
        utc(2026, 1, 5, 8, 47),
    ]
    # Far from the anchor the stride still holds: 2026-02-01 07:07 UTC is 27 days
    # = 38880 minutes = 777.6 runs after it, so the runs around it are at k = 777, 778.
    assert due_times(schedule, utc(2026, 2, 1, 6, 30), utc(2026, 2, 1, 8)) == [
        utc(2026, 1, 5, 7, 7) + 777 * timedelta(minutes=50),
        utc(2026, 1, 5, 7, 7) + 778 * timedelta(minutes=50),
    ]
    assert utc(2026, 1, 5, 7, 7) + 777 * timedelta(minutes=50) == utc(2026, 2, 1, 6, 37)


def test_interval_ignores_daylight_saving_time() -> None:
    # Berlin springs forward at 01:00 UTC on 29 March and falls back at 01:00 UTC on
    # 25 October: an hourly interval keeps its UTC stride through both, no run
    # dropped or doubled, however the local clock reads.
    hourly = every(60, BERLIN)
    assert due_times(hourly, utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 3)) == [
        utc(2026, 3, 29, 0),
        utc(2026, 3, 29, 1),
        utc(2026, 3, 29, 2),
        utc(2026, 3, 29, 3),
    ]
    assert due_times(hourly, utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 2)) == [
        utc(2026, 10, 25, 0),
        utc(2026, 10, 25, 1),
        utc(2026, 10, 25, 2),
    ]
    # The same schedule in UTC or New York has the same runs; only the run's date differs.
    week = (utc(2026, 3, 1), utc(2026, 3, 15))
    assert due_times(hourly, *week) == due_times(every(60, NEW_YORK), *week)
    assert len(due_times(hourly, *week)) == 14 * 24
    assert local_date(every(60, NEW_YORK), utc(2026, 3, 9, 3)) == date(2026, 3, 8)


def test_manual_schedule_is_never_due() -> None:
    assert due_times(MANUAL, utc(2000, 1, 1), utc(2100, 1, 1)) == []
    assert latest_due(MANUAL, utc(2026, 3, 9, 12)) is None
    assert next_due(MANUAL, utc(2026, 3, 9, 12)) is None
    with pytest.raises(ValueError, match="aware"):
        due_times(MANUAL, datetime(2026, 1, 1), utc(2027, 1, 1))


def test_interval_built_in_code_without_minutes_is_refused() -> None:
    broken = ReportSchedule(timezone="UTC", frequency="interval")
    with pytest.raises(ValueError, match="interval_minutes >= 1"):
        due_times(broken, utc(2026, 1, 1), utc(2026, 1, 2))


# -- windows ---------------------------------------------------------------------------

SCHEDULES = [
    daily("02:30", BERLIN),
    daily("00:00", NEW_YORK),
    ReportSchedule(timezone=NEW_YORK, frequency="weekly", time=time(1, 30), day_of_week="sunday"),
    monthly(31, BERLIN),
    monthly(30, "Australia/Lord_Howe", frequency="quarterly"),
    cron("0 9 * * 1-5", NEW_YORK),
    cron("*/20 1-3 * * 0", BERLIN),
    every(311, BERLIN),
    every(1440, NEW_YORK, anchor=datetime(2026, 3, 8, 1, 30, tzinfo=ZoneInfo(NEW_YORK))),
]


def _schedule_id(schedule: ReportSchedule) -> str:
    if schedule.interval_minutes:
        return f"every_{schedule.interval_minutes}"
    return schedule.cron or schedule.frequency


@pytest.mark.parametrize("schedule", SCHEDULES, ids=_schedule_id)
def test_consecutive_windows_have_no_duplicates_or_gaps(schedule: ReportSchedule) -> None:
    start, end = utc(2026, 1, 1), utc(2027, 1, 1)
    whole = due_times(schedule, start, end)
    assert whole == sorted(set(whole))
    assert all(run.tzinfo is UTC for run in whole)
    # Window edges: an irregular stride, plus every occurrence itself as an edge.
    edges = {start, end, *whole}
    edge = start
    while edge < end:
        edges.add(edge)
        edge += timedelta(hours=7, minutes=13)
    ordered = sorted(edges)
    pieces = [due_times(schedule, a, b) for a, b in zip(ordered, ordered[1:], strict=False)]
    assert [run for piece in pieces for run in piece] == whole


@pytest.mark.parametrize("schedule", SCHEDULES, ids=_schedule_id)
def test_latest_and_next_due_agree_with_due_times(schedule: ReportSchedule) -> None:
    runs = due_times(schedule, utc(2025, 9, 1), utc(2027, 6, 1))
    probes = [utc(2026, 1, 1) + timedelta(hours=11 * i, minutes=7 * i) for i in range(780)]
    inner = runs[3:-3][:30]
    probes += inner  # exactly at a run: it counts as due
    probes += [run - timedelta(seconds=1) for run in inner]
    for now in probes:
        assert latest_due(schedule, now) == max(r for r in runs if r <= now), now
        assert next_due(schedule, now) == min(r for r in runs if r > now), now


def test_rare_cron_and_naive_datetimes() -> None:
    leap_day = cron("0 12 29 2 *", "UTC")
    assert latest_due(leap_day, utc(2026, 3, 1)) == utc(2024, 2, 29, 12)
    assert next_due(leap_day, utc(2026, 3, 1)) == utc(2028, 2, 29, 12)
    assert due_times(leap_day, utc(2026, 3, 1), utc(2027, 3, 1)) == []
    with pytest.raises(ValueError, match="aware"):
        due_times(leap_day, datetime(2026, 1, 1), utc(2027, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        latest_due(leap_day, datetime(2026, 1, 1))


def test_local_date_is_the_reference_date() -> None:
    schedule = daily("00:30", NEW_YORK)
    run = due_times(schedule, utc(2026, 3, 9), utc(2026, 3, 10))[0]
    assert run == utc(2026, 3, 9, 4, 30)
    assert local_date(schedule, run) == date(2026, 3, 9)


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (daily("07:00", BERLIN), "daily at 07:00 (Europe/Berlin)"),
        (
            ReportSchedule(timezone="UTC", frequency="weekly", time=time(8), day_of_week="monday"),
            "weekly on Monday at 08:00 (UTC)",
        ),
        (monthly(1), "monthly on day 1 at 08:00 (UTC)"),
        (monthly(31), "monthly on day 31 (or the month's last day) at 08:00 (UTC)"),
        (
            monthly(15, frequency="quarterly"),
            "quarterly on day 15 of Jan, Apr, Jul and Oct at 08:00 (UTC)",
        ),
        (cron("0 6 * * 1-5", NEW_YORK), "cron 0 6 * * 1-5 (America/New_York)"),
        (every(1), "every minute"),
        (every(90, BERLIN), "every 90 minutes"),
        (
            every(15, BERLIN, datetime(2026, 1, 5, 8, 7, tzinfo=ZoneInfo(BERLIN))),
            "every 15 minutes from 2026-01-05T07:07:00Z",
        ),
        (MANUAL, "manual (by hand only)"),
    ],
)
def test_schedule_in_words(schedule: ReportSchedule, text: str) -> None:
    assert describe_schedule(schedule) == text
