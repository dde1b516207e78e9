"""ISO 8601 rendering of millisecond timestamps in the mix of styles real exports show."""

from __future__ import annotations

import numpy as np

from .period import HOUR_MS

# (offset from UTC in ms, precision, suffix). A value without an offset means UTC.
STYLES: tuple[tuple[int, str, str], ...] = (
    (0, "ms", "Z"),
    (0, "ms", "+00:00"),
    (0, "s", "Z"),
    (0, "ms", ""),
    (2 * HOUR_MS, "ms", "+02:00"),
    (-5 * HOUR_MS, "ms", "-05:00"),
)
MIXED_WEIGHTS = (0.55, 0.25, 0.07, 0.09, 0.02, 0.02)


def pick_styles(
    rng: np.random.Generator, n: int, weights: tuple[float, ...] = MIXED_WEIGHTS
) -> np.ndarray:
    """One style code per row (rows keep one style for all their timestamps)."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int8)


def format_ts(ms: np.ndarray, styles: np.ndarray | None = None) -> list[str]:
    """Render epoch milliseconds; `styles` None means all `...Z` with milliseconds."""
    ms = np.asarray(ms, dtype=np.int64)
    if styles is None:
        styles = np.zeros(len(ms), dtype=np.int8)
    out: list[str] = [""] * len(ms)
    for code in np.unique(styles).tolist():
        offset, unit, suffix = STYLES[code]
        idx = np.flatnonzero(styles == code)
        local = (ms[idx] + offset).astype("datetime64[ms]").astype(f"datetime64[{unit}]")
        text = np.datetime_as_string(local, unit=unit).tolist()
        for i, s in zip(idx.tolist(), text, strict=True):
            out[i] = s + suffix
    return out


def format_nullable(ms: np.ndarray, styles: np.ndarray, present: np.ndarray) -> list[str | None]:
    """Like format_ts, with None where `present` is false."""
    present = np.asarray(present, dtype=bool)
    out: list[str | None] = [None] * len(present)
    idx = np.flatnonzero(present)
    for i, s in zip(idx.tolist(), format_ts(np.asarray(ms)[idx], styles[idx]), strict=True):
        out[i] = s
    return out
