"""Relative and absolute report date ranges: hand-worked values for every option
and edge (Monday, January, quarter starts, leap years), and a brute-force
calendar oracle over two whole years."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from analytics_pipeline.reports.date_ranges import RELATIVE_RESOLVERS, resolve_date_range
from analytics_pipeline.reports.definition import RELATIVE_RANGES, DateRange


def span(name: str, today: date) -> tuple[date, date]:
    return resolve_date_range(DateRange(relative=name), today)


def test_every_relative_option_has_a_resolver() -> None:
    assert set(RELATIVE_RESOLVERS) == set(RELATIVE_RANGES)


# 2026-03-11 is a Wednesday.
@pytest.mark.parametrize(
    ("name", "today", "expected"),
    [
        ("today", date(2026, 3, 11), (date(2026, 3, 11), date(2026, 3, 11))),
        ("yesterday", date(2026, 3, 11), (date(2026, 3, 10), date(2026, 3, 10))),
        ("yesterday", date(2026, 1, 1), (date(2025, 12, 31), date(2025, 12, 31))),
        ("last_7_days", date(2026, 3, 11), (date(2026, 3, 4), date(2026, 3, 10))),
        ("last_7_days", date(2026, 3, 3), (date(2026, 2, 24), date(2026, 3, 2))),
        ("last_30_days", date(2026, 3, 11), (date(2026, 2, 9), date(2026, 3, 10))),
        # leap year: 29 days of February in the window
        ("last_30_days", date(2024, 3, 11), (date(2024, 2, 10), date(2024, 3, 10))),
        ("last_90_days", date(2026, 3, 11), (date(2025, 12, 11), date(2026, 3, 10))),
        ("week_to_date", date(2026, 3, 11), (date(2026, 3, 9), date(2026, 3, 11))),
        ("week_to_date", date(2026, 3, 9), (date(2026, 3, 9), date(2026, 3, 9))),  # Monday
        ("week_to_date", date(2026, 3, 15), (date(2026, 3, 9), date(2026, 3, 15))),  # Sunday
        ("week_to_date", date(2026, 1, 2), (date(2025, 12, 29), date(2026, 1, 2))),
        ("month_to_date", date(2026, 3, 11), (date(2026, 3, 1), date(2026, 3, 11))),
        ("month_to_date", date(2026, 3, 1), (date(2026, 3, 1), date(2026, 3, 1))),
        ("previous_week", date(2026, 3, 11), (date(2026, 3, 2), date(2026, 3, 8))),
        ("previous_week", date(2026, 3, 9), (date(2026, 3, 2), date(2026, 3, 8))),  # Monday
        ("previous_week", date(2026, 1, 1), (date(2025, 12, 22), date(2025, 12, 28))),
        ("previous_month", date(2026, 3, 11), (date(2026, 2, 1), date(2026, 2, 28))),
        ("previous_month", date(2024, 3, 31), (date(2024, 2, 1), date(2024, 2, 29))),  # leap
        ("previous_month", date(2026, 1, 15), (date(2025, 12, 1), date(2025, 12, 31))),
        ("previous_month", date(2026, 5, 31), (date(2026, 4, 1), date(2026, 4, 30))),
        ("quarter_to_date", date(2026, 3, 11), (date(2026, 1, 1), date(2026, 3, 11))),
        ("quarter_to_date", date(2026, 4, 1), (date(2026, 4, 1), date(2026, 4, 1))),
        ("quarter_to_date", date(2026, 6, 30), (date(2026, 4, 1), date(2026, 6, 30))),
        ("quarter_to_date", date(2026, 8, 15), (date(2026, 7, 1), date(2026, 8, 15))),
        ("quarter_to_date", date(2026, 12, 31), (date(2026, 10, 1), date(2026, 12, 31))),
        ("year_to_date", date(2026, 3, 11), (date(2026, 1, 1), date(2026, 3, 11))),
        ("year_to_date", date(2026, 1, 1), (date(2026, 1, 1), date(2026, 1, 1))),
        ("year_to_date", date(2024, 12, 31), (date(2024, 1, 1), date(2024, 12, 31))),
    ],
)
def test_relative_ranges(name: str, today: date, expected: tuple[date, date]) -> None:
    assert span(name, today) == expected


def test_absolute_range_is_used_as_given() -> None:
    absolute = DateRange(start=date(2024, 2, 28), end=date(2024, 3, 1))
    assert resolve_date_range(absolute, date(2030, 1, 1)) == (date(2024, 2, 28), date(2024, 3, 1))


def test_every_option_against_a_calendar_oracle() -> None:
    """Each range is the min..max of the days that satisfy its definition,
    found by scanning the calendar (2023-2024, a leap year included)."""
    calendar_days = [date(2022, 1, 1) + timedelta(days=i) for i in range(365 * 3 + 1)]

    def bounds(days: list[date]) -> tuple[date, date]:
        assert days == list(range_days(days[0], days[-1]))  # contiguous
        return days[0], days[-1]

    def range_days(first: date, last: date):
        return (first + timedelta(days=i) for i in range((last - first).days + 1))

    def quarter(day: date) -> tuple[int, int]:
        return day.year, (day.month - 1) // 3

    for index in range(400, len(calendar_days)):  # today: 2023-02-05 .. 2025-01-01
        today = calendar_days[index]
        window = calendar_days[index - 370 : index + 1]  # every range lies in here
        month_index = today.year * 12 + today.month - 1
        before = window[:-1]
        oracle = {
            "today": (today, today),
            "yesterday": (before[-1], before[-1]),
            "last_7_days": bounds(before[-7:]),
            "last_30_days": bounds(before[-30:]),
            "last_90_days": bounds(before[-90:]),
            "week_to_date": bounds(
                [d for d in window if d <= today and d.isocalendar()[:2] == today.isocalendar()[:2]]
            ),
            "month_to_date": bounds(
                [d for d in window if d <= today and (d.year, d.month) == (today.year, today.month)]
            ),
            "quarter_to_date": bounds(
                [d for d in window if d <= today and quarter(d) == quarter(today)]
            ),
            "year_to_date": bounds([d for d in window if d <= today and d.year == today.year]),
            "previous_week": bounds(
                [
                    d
                    for d in window
                    if d.isocalendar()[:2] == (today - timedelta(days=7)).isocalendar()[:2]
                ]
            ),
            "previous_month": bounds(
                [d for d in window if d.year * 12 + d.month - 1 == month_index - 1]
            ),
        }
        for name in RELATIVE_RANGES:
            assert span(name, today) == oracle[name], (name, today)
