"""Time in the quality management sample: working-hour moments on absolute days,
ISO 8601 text in the styles real exports show, calendar dates, and the file a
version of a snapshot-exported table is sent in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from ..accounts import weekly_label
from ..layout import INITIAL
from ..period import DAY_MS, HOUR_MS, Period, day_label
from ..timestamps import STYLES

# Hour-of-day (UTC) weights of work in a plant: early shifts, a lunch dip.
WORK_HOURS = np.array(
    [1, 1, 1, 1, 2, 4, 8, 14, 17, 17, 15, 12, 9, 13, 15, 13, 10, 6, 4, 3, 2, 2, 1, 1], dtype=float
)
WORK_HOURS /= WORK_HOURS.sum()
WEEKEND_SHARE = 0.18  # weekend activity relative to a weekday (skeleton shifts)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STYLE_WEIGHTS = np.array([0.7, 0.15, 0.05, 0.06, 0.02, 0.02])


def is_weekend(day: int) -> bool:
    """Whether the absolute day number (days since 1970-01-01) is a Saturday or Sunday."""
    return (int(day) + 3) % 7 >= 5


def day_scale(day: int) -> float:
    return WEEKEND_SHARE if is_weekend(day) else 1.0


def work_moment(rng: np.random.Generator, day: int) -> int:
    """A moment (ms) of the absolute day `day`, at a working hour."""
    hour = int(rng.choice(24, p=WORK_HOURS))
    return int(day) * DAY_MS + hour * HOUR_MS + int(rng.integers(0, HOUR_MS))


def after(rng: np.random.Generator, ms: int, median_days: float, sigma: float = 0.6) -> int:
    """A moment a lognormal number of days after `ms` (median `median_days`)."""
    return int(ms) + int(rng.lognormal(np.log(median_days), sigma) * DAY_MS)


def pick_style(rng: np.random.Generator) -> int:
    """A record's rendering style (its versions and timestamps look alike)."""
    return int(rng.choice(len(_STYLE_WEIGHTS), p=_STYLE_WEIGHTS / _STYLE_WEIGHTS.sum()))


def iso(ms: int | None, style: int = 0) -> str | None:
    """Epoch milliseconds as ISO 8601 text in one of the export styles."""
    if ms is None:
        return None
    offset, unit, suffix = STYLES[style]
    moment = (_EPOCH + timedelta(milliseconds=int(ms) + offset)).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds" if unit == "ms" else "seconds") + suffix


def date_of(ms: int) -> int:
    """The UTC day number of a moment."""
    return int(ms) // DAY_MS


def date_text(day: int | None) -> str | None:
    """A calendar date (day number) as YYYY-MM-DD."""
    return None if day is None else day_label(int(day))


def snapshot_label(period: Period, ms: int) -> str:
    """File of a version sent with the weekly table exports: the initial export
    for versions before the period, else the week's update file."""
    if ms < period.start_ms:
        return INITIAL
    return weekly_label(period, (int(ms) - period.start_ms) // DAY_MS)
