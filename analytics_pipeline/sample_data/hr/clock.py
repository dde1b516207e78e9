"""Time in the HR sample: working-hour moments with weekday seasonality, and
ISO 8601 text in the mix of styles real exports show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from ..period import DAY_MS, HOUR_MS, Period

# Hour-of-day (UTC) weights of work on the platform: office hours, a lunch dip.
WORK_HOURS = np.array(
    [1, 1, 1, 1, 1, 2, 4, 9, 16, 18, 17, 14, 11, 15, 16, 14, 11, 7, 4, 3, 2, 2, 1, 1], dtype=float
)
WORK_HOURS /= WORK_HOURS.sum()
# Chance that a platform user works on the platform on a weekday / a weekend day.
WEEKDAY_ACTIVE, WEEKEND_ACTIVE = 0.62, 0.12
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# (offset hours, suffix) of the rendering styles, and their weights.
_STYLES = ((0, "Z"), (0, "+00:00"), (2, "+02:00"), (-5, "-05:00"))
_STYLE_WEIGHTS = (0.8, 0.12, 0.05, 0.03)


def work_moment(rng: np.random.Generator, day_ms: int) -> int:
    """A moment of the day starting at `day_ms`, at a working hour."""
    hour = int(rng.choice(24, p=WORK_HOURS))
    return day_ms + hour * HOUR_MS + int(rng.integers(0, HOUR_MS))


def is_weekend(period: Period, day_index: int) -> bool:
    return int(period.weekday(day_index)) >= 5


def active_today(rng: np.random.Generator, period: Period, day_index: int, scale=1.0) -> bool:
    """Whether a user works on the platform that day (weekends much less)."""
    base = WEEKEND_ACTIVE if is_weekend(period, day_index) else WEEKDAY_ACTIVE
    return bool(rng.random() < base * scale)


def iso(ms: int | None, style: int = 0) -> str | None:
    """Epoch milliseconds as ISO 8601 text in one of the export styles."""
    if ms is None:
        return None
    offset, suffix = _STYLES[style]
    moment = _EPOCH + timedelta(milliseconds=int(ms) + offset * HOUR_MS)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + suffix


def pick_style(rng: np.random.Generator) -> int:
    """A row's rendering style (one per row: its timestamps look alike)."""
    return int(rng.choice(len(_STYLES), p=_STYLE_WEIGHTS))


def day_start(ms: int) -> int:
    return int(ms) // DAY_MS * DAY_MS
