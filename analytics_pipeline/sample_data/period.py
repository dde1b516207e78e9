"""The generated period: calendar days as integers (days since 1970-01-01) and milliseconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
EPOCH = date(1970, 1, 1)


def day_label(day: int) -> str:
    """ISO date (YYYY-MM-DD) of a day number."""
    return (EPOCH + timedelta(days=int(day))).isoformat()


@dataclass(frozen=True)
class Period:
    """`days` consecutive UTC days ending with `end_day` (inclusive)."""

    start_day: int
    days: int

    @classmethod
    def ending(cls, end_date: date, days: int) -> Period:
        return cls((end_date - EPOCH).days - days + 1, days)

    @property
    def end_day(self) -> int:
        return self.start_day + self.days - 1

    @property
    def start_ms(self) -> int:
        return self.start_day * DAY_MS

    @property
    def end_ms(self) -> int:
        """Exclusive end: midnight after the last day."""
        return (self.end_day + 1) * DAY_MS

    def day_ms(self, day_index: np.ndarray | int) -> np.ndarray | int:
        """Midnight of the day `day_index` days after the start (may be negative)."""
        return self.start_ms + np.asarray(day_index, dtype=np.int64) * DAY_MS

    def day_index(self, ms: np.ndarray) -> np.ndarray:
        """Day index (relative to the start) of millisecond timestamps."""
        return (np.asarray(ms, dtype=np.int64) - self.start_ms) // DAY_MS

    def weekday(self, day_index: np.ndarray) -> np.ndarray:
        """Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday)."""
        return (self.start_day + np.asarray(day_index) + 3) % 7
