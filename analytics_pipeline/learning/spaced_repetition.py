"""Spaced-repetition schedulers for (user, topic) review histories, vectorized.

`fsrs_schedule` replays the `fsrs` package's default `Scheduler` (FSRS-6, learning
and relearning steps, no fuzzing) and `sm2_schedule` the SM-2 rules of METRICS.md.
Both take one row per review and return one row per (user_id, topic_id).

Vectorization: pairs are ordered by review count, longest first, and the k-th
reviews of all pairs are stored contiguously, so the pairs still reviewing at step
k are a prefix of the state arrays. The Python loop runs over k (at most the
longest history), never over pairs.

Time conventions (shared by both schedulers, and those of the `fsrs` package):
- "whole days" between two instants is floor((later - earlier) / 24 h), Python's
  `timedelta.days`; a review 20 minutes after one at 23:50 the previous day is
  0 whole days later.
- retrievability is evaluated at the end of the as-of date, D + 1 day 00:00 UTC,
  with t = whole days since the last review.
- due = last review instant + the interval (days or learning-step minutes).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .reviews import as_of_end

DAY_NS = 86_400 * 10**9
_US_NS = 1_000

# FSRS-6 published default weights w0..w20 (w20 is the forgetting-curve decay).
DEFAULT_FSRS_PARAMETERS: tuple[float, ...] = (
    0.212,
    1.2931,
    2.3065,
    8.2956,
    6.4133,
    0.8334,
    3.0194,
    0.001,
    1.8722,
    0.1666,
    0.796,
    1.4835,
    0.0614,
    0.2629,
    1.6483,
    0.6014,
    1.8729,
    0.5425,
    0.0912,
    0.0658,
    0.1542,
)
DEFAULT_LEARNING_STEPS: tuple[dt.timedelta, ...] = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=10),
)
DEFAULT_RELEARNING_STEPS: tuple[dt.timedelta, ...] = (dt.timedelta(minutes=10),)
DEFAULT_MAXIMUM_INTERVAL_DAYS = 36_500

STABILITY_MIN = 0.001
DIFFICULTY_MIN = 1.0
DIFFICULTY_MAX = 10.0

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
LEARNING, REVIEW, RELEARNING = 1, 2, 3
STATE_NAMES = {LEARNING: "learning", REVIEW: "review", RELEARNING: "relearning"}

SM2_INITIAL_EASE_HUNDREDTHS = 250
SM2_MIN_EASE_HUNDREDTHS = 130

FSRS_COLUMNS = (
    "user_id",
    "topic_id",
    "reviews",
    "last_review",
    "stability",
    "difficulty",
    "state",
    "step",
    "due",
    "retrievability",
)
SM2_COLUMNS = (
    "user_id",
    "topic_id",
    "reviews",
    "last_review",
    "ease",
    "interval_days",
    "repetitions",
    "due",
    "retrievability",
)


# ---------------------------------------------------------------------------
# Grades


def rating_from_accuracy(accuracy: np.ndarray) -> np.ndarray:
    """FSRS rating of a day's accuracy: >= 0.9 Easy (4), >= 0.7 Good (3),
    >= 0.5 Hard (2), else Again (1)."""
    a = np.asarray(accuracy, dtype=float)
    if np.isnan(a).any():
        raise ValueError("accuracy must not be NaN (a review has at least one attempt)")
    return np.select([a >= 0.9, a >= 0.7, a >= 0.5], [EASY, GOOD, HARD], AGAIN).astype(np.int64)


def sm2_quality_from_rating(rating: np.ndarray | int) -> np.ndarray | int:
    """SM-2 quality (2..5) of an FSRS rating (1..4)."""
    r = np.asarray(rating)
    if r.size and (r.min() < AGAIN or r.max() > EASY):
        raise ValueError("ratings must be in 1..4")
    return rating + 1


# ---------------------------------------------------------------------------
# Review histories laid out by review index


@dataclass(frozen=True)
class _ReviewBatches:
    """Reviews grouped by pair and laid out so the k-th reviews are contiguous.

    Pairs are in *processing order* (most reviews first); `output_order[i]` is the
    processing index of the i-th pair sorted by (user_id, topic_id).
    """

    keys: pd.DataFrame  # user_id, topic_id of each pair, sorted
    output_order: np.ndarray
    counts: np.ndarray  # reviews per pair, processing order
    times: np.ndarray  # int64 ns since epoch UTC, chunked by k
    grades: np.ndarray  # int64, chunked by k
    chunk_starts: np.ndarray  # chunk k is [chunk_starts[k], chunk_starts[k + 1])

    @property
    def pairs(self) -> int:
        return len(self.counts)

    def chunk(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Times and grades of every pair's k-th review (pairs 0..n_k - 1)."""
        lo, hi = self.chunk_starts[k], self.chunk_starts[k + 1]
        return self.times[lo:hi], self.grades[lo:hi]

    def in_output_order(self, values: np.ndarray) -> np.ndarray:
        return values[self.output_order]


def _utc_ns(values: pd.Series) -> np.ndarray:
    """Timestamps (naive = UTC, or tz-aware) as int64 nanoseconds since the epoch."""
    stamps = pd.to_datetime(values, utc=True).astype("datetime64[ns, UTC]")
    return stamps.dt.tz_localize(None).to_numpy().view(np.int64)


def as_of_end_ns(as_of: dt.date) -> int:
    """End of the as-of date (reviews.as_of_end) in ns since the epoch."""
    return as_of_end(as_of).value


def _batch_reviews(
    reviews: pd.DataFrame, grade_column: str, grade_range: tuple[int, int], end_ns: int
) -> _ReviewBatches:
    """Validate the reviews and lay them out by review index."""
    required = ["user_id", "topic_id", "review_time", grade_column]
    missing = [c for c in required if c not in reviews.columns]
    if missing:
        raise ValueError(f"reviews lack columns {missing}")
    if reviews[required].isna().any().any():
        raise ValueError(f"reviews have nulls in {required}")

    times = _utc_ns(reviews["review_time"])
    raw_grades = reviews[grade_column].to_numpy()
    grades = raw_grades.astype(np.int64)
    if not np.array_equal(grades, raw_grades):
        raise ValueError(f"{grade_column} must be whole numbers")
    if grades.size and (grades.min() < grade_range[0] or grades.max() > grade_range[1]):
        raise ValueError(f"{grade_column} must be in {grade_range[0]}..{grade_range[1]}")
    late = times >= end_ns
    if late.any():
        first = pd.Timestamp(times[late].min(), tz="UTC")
        raise ValueError(
            f"{int(late.sum())} reviews are after the end of the as-of date "
            f"({pd.Timestamp(end_ns, tz='UTC')}), first at {first}; filter them first"
        )

    groups = reviews.groupby(["user_id", "topic_id"], sort=True, observed=True)
    codes = groups.ngroup().to_numpy()
    keys = groups.size().index.to_frame(index=False)
    order = np.lexsort((times, codes))
    codes, times, grades = codes[order], times[order], grades[order]

    counts_by_code = np.bincount(codes, minlength=len(keys))
    group_start = np.concatenate(([0], np.cumsum(counts_by_code)[:-1]))
    position = np.arange(len(codes)) - group_start[codes]
    same_day = (position[1:] > 0) & (times[1:] // DAY_NS == times[:-1] // DAY_NS)
    if same_day.any():
        i = int(np.flatnonzero(same_day)[0]) + 1
        user, topic = keys.iloc[codes[i]]
        raise ValueError(
            f"more than one review per (user, topic, UTC day): {user!r}, {topic!r} "
            f"on {pd.Timestamp(times[i], tz='UTC').date()}"
        )

    processing = np.argsort(-counts_by_code, kind="stable")
    rank = np.empty_like(processing)
    rank[processing] = np.arange(len(processing))
    chunked = np.lexsort((rank[codes], position))
    per_k = np.bincount(position) if len(position) else np.zeros(0, dtype=np.int64)
    return _ReviewBatches(
        keys=keys,
        output_order=rank,
        counts=counts_by_code[processing],
        times=times[chunked],
        grades=grades[chunked],
        chunk_starts=np.concatenate(([0], np.cumsum(per_k))),
    )


def _whole_days(later_ns: np.ndarray | int, earlier_ns: np.ndarray) -> np.ndarray:
    """floor((later - earlier) / 1 day), as `timedelta.days` computes it."""
    return (later_ns - earlier_ns) // DAY_NS


def _timestamps(ns: np.ndarray) -> pd.Series:
    return pd.Series(ns.view("datetime64[ns]")).dt.tz_localize("UTC")


def _frame(batches: _ReviewBatches, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Output rows in (user_id, topic_id) order from processing-order arrays;
    int64 ns columns named in _TIMESTAMP_COLUMNS become UTC timestamps."""
    out = batches.keys.copy()
    for name, values in columns.items():
        values = batches.in_output_order(values)
        out[name] = _timestamps(values) if name in _TIMESTAMP_COLUMNS else values
    return out


_TIMESTAMP_COLUMNS = ("last_review", "due")


# ---------------------------------------------------------------------------
# FSRS-6


class _FsrsModel:
    """The package's formulas on arrays, in the package's operation order so the
    floats agree (rating-only terms are precomputed as Python floats)."""

    def __init__(
        self,
        parameters: Sequence[float],
        desired_retention: float,
        learning_steps: Sequence[dt.timedelta],
        relearning_steps: Sequence[dt.timedelta],
        maximum_interval: int,
    ) -> None:
        w = tuple(float(x) for x in parameters)
        if len(w) != 21:
            raise ValueError(f"FSRS-6 needs 21 parameters, got {len(w)}")
        if not 0 < desired_retention < 1:
            raise ValueError("desired_retention must be in (0, 1)")
        self.w = w
        self.decay = -w[20]
        self.factor = 0.9 ** (1 / self.decay) - 1
        self.interval_per_stability = (desired_retention ** (1 / self.decay)) - 1
        self.maximum_interval = int(maximum_interval)
        e = math.e
        ratings = range(AGAIN, EASY + 1)
        # Tables indexed by rating (index 0 unused).
        self.initial_stability = np.array([0.0] + [max(w[r - 1], STABILITY_MIN) for r in ratings])
        self.initial_difficulty = np.array(
            [0.0]
            + [
                min(max(w[4] - (e ** (w[5] * (r - 1))) + 1, DIFFICULTY_MIN), DIFFICULTY_MAX)
                for r in ratings
            ]
        )
        self.short_term_growth = np.array([0.0] + [e ** (w[17] * (r - 3 + w[18])) for r in ratings])
        self.difficulty_delta = np.array([0.0] + [-(w[6] * (r - 3)) for r in ratings])
        self.hard_penalty = np.array([0.0] + [w[15] if r == HARD else 1.0 for r in ratings])
        self.easy_bonus = np.array([0.0] + [w[16] if r == EASY else 1.0 for r in ratings])
        self.easy_difficulty = w[4] - (e ** (w[5] * (EASY - 1))) + 1
        self.recall_base = e ** w[8]
        self.forget_short_term_divisor = e ** (w[17] * w[18])
        self.learning = _Steps(learning_steps)
        self.relearning = _Steps(relearning_steps)

    def retrievability(self, elapsed_days: np.ndarray, stability: np.ndarray) -> np.ndarray:
        return (1 + self.factor * np.maximum(elapsed_days, 0) / stability) ** self.decay

    def next_interval_days(self, stability: np.ndarray) -> np.ndarray:
        days = np.rint((stability / self.factor) * self.interval_per_stability)
        return np.clip(days, 1, self.maximum_interval).astype(np.int64)

    def next_difficulty(self, difficulty: np.ndarray, rating: np.ndarray) -> np.ndarray:
        w7 = self.w[7]
        damped = difficulty + (10.0 - difficulty) * self.difficulty_delta[rating] / 9.0
        return np.clip(
            w7 * self.easy_difficulty + (1 - w7) * damped, DIFFICULTY_MIN, DIFFICULTY_MAX
        )

    def short_term_stability(self, stability: np.ndarray, rating: np.ndarray) -> np.ndarray:
        growth = self.short_term_growth[rating] * (stability ** -self.w[19])
        growth = np.where(rating >= HARD, np.maximum(growth, 1.0), growth)
        return np.maximum(stability * growth, STABILITY_MIN)

    def long_term_stability(
        self,
        difficulty: np.ndarray,
        stability: np.ndarray,
        retrievability: np.ndarray,
        rating: np.ndarray,
    ) -> np.ndarray:
        w = self.w
        forget_long = (
            w[11]
            * (difficulty ** -w[12])
            * (((stability + 1) ** w[13]) - 1)
            * (np.power(math.e, (1 - retrievability) * w[14]))
        )
        forget = np.minimum(forget_long, stability / self.forget_short_term_divisor)
        recall = stability * (
            1
            + self.recall_base
            * (11 - difficulty)
            * (stability ** -w[9])
            * (np.power(math.e, (1 - retrievability) * w[10]) - 1)
            * self.hard_penalty[rating]
            * self.easy_bonus[rating]
        )
        return np.maximum(np.where(rating == AGAIN, forget, recall), STABILITY_MIN)


class _Steps:
    """A learning or relearning step list in microseconds, as the package uses it."""

    def __init__(self, steps: Sequence[dt.timedelta]) -> None:
        steps = tuple(steps)
        one_us = dt.timedelta(microseconds=1)
        self.count = len(steps)
        self.us = np.array([s // one_us for s in steps] or [0], dtype=np.int64)
        # Hard on step 0 waits between the first two steps (timedelta arithmetic
        # rounds half to even in microseconds, like the package).
        if self.count == 1:
            self.hard_first_us = (steps[0] * 1.5) // one_us
        elif self.count >= 2:
            self.hard_first_us = ((steps[0] + steps[1]) / 2.0) // one_us
        else:
            self.hard_first_us = 0

    def transition(
        self, step: np.ndarray, rating: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(graduates to Review, next step or -1, step interval in us) for cards
        in this (re)learning phase."""
        if self.count == 0:
            return np.ones(len(step), bool), np.full(len(step), -1), np.zeros(len(step), np.int64)
        graduates = (
            ((step >= self.count) & (rating != AGAIN))
            | (rating == EASY)
            | ((rating == GOOD) & (step + 1 == self.count))
        )
        next_step = np.where(rating == AGAIN, 0, np.where(rating == GOOD, step + 1, step))
        next_step = np.where(graduates, -1, next_step)
        interval = self.us[np.clip(next_step, 0, self.count - 1)]
        interval = np.where((rating == HARD) & (step == 0), self.hard_first_us, interval)
        return graduates, next_step, interval


def fsrs_schedule(
    reviews: pd.DataFrame,
    as_of: dt.date,
    parameters: Sequence[float] = DEFAULT_FSRS_PARAMETERS,
    desired_retention: float = 0.9,
    *,
    learning_steps: Sequence[dt.timedelta] = DEFAULT_LEARNING_STEPS,
    relearning_steps: Sequence[dt.timedelta] = DEFAULT_RELEARNING_STEPS,
    maximum_interval: int = DEFAULT_MAXIMUM_INTERVAL_DAYS,
) -> pd.DataFrame:
    """FSRS-6 state of every (user_id, topic_id) after its reviews, as
    `fsrs.Scheduler(enable_fuzzing=False)` reviewing them in time order leaves it.

    `reviews`: user_id, topic_id, review_time (UTC; naive means UTC), rating 1..4;
    at most one review per (user, topic, UTC day), none after the as-of date.
    Returns FSRS_COLUMNS; `step` is nullable (null in the review state) and
    `retrievability` is evaluated at the end of the as-of date.
    """
    model = _FsrsModel(
        parameters, desired_retention, learning_steps, relearning_steps, maximum_interval
    )
    end_ns = as_of_end_ns(as_of)
    batches = _batch_reviews(reviews, "rating", (AGAIN, EASY), end_ns)
    n = batches.pairs
    stability = np.zeros(n)
    difficulty = np.zeros(n)
    state = np.full(n, LEARNING, dtype=np.int64)
    step = np.zeros(n, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)
    due = np.zeros(n, dtype=np.int64)

    for k in range(len(batches.chunk_starts) - 1):
        t, r = batches.chunk(k)
        m = len(t)
        s, d, st, sp = stability[:m], difficulty[:m], state[:m], step[:m]
        if k == 0:
            new_s = model.initial_stability[r]
            new_d = model.initial_difficulty[r]
        else:
            elapsed = _whole_days(t, last[:m])
            long_term = model.long_term_stability(d, s, model.retrievability(elapsed, s), r)
            new_s = np.where(elapsed < 1, model.short_term_stability(s, r), long_term)
            new_d = model.next_difficulty(d, r)

        learning, relearning = st == LEARNING, st == RELEARNING
        l_grad, l_step, l_us = model.learning.transition(sp, r)
        r_grad, r_step, r_us = model.relearning.transition(sp, r)
        lapse = (r == AGAIN) & (model.relearning.count > 0)  # a Review card forgotten
        to_review = np.where(learning, l_grad, np.where(relearning, r_grad, ~lapse))
        step_us = np.where(learning, l_us, np.where(relearning, r_us, model.relearning.us[0]))
        interval_ns = np.where(
            to_review, model.next_interval_days(new_s) * DAY_NS, step_us * _US_NS
        )

        step[:m] = np.where(learning, l_step, np.where(relearning, r_step, np.where(lapse, 0, -1)))
        state[:m] = np.where(to_review, REVIEW, np.where(learning, LEARNING, RELEARNING))
        stability[:m] = new_s
        difficulty[:m] = new_d
        due[:m] = t + interval_ns
        last[:m] = t

    retrievability = model.retrievability(_whole_days(end_ns, last), stability)
    out = _frame(
        batches,
        {
            "reviews": batches.counts,
            "last_review": last,
            "stability": stability,
            "difficulty": difficulty,
            "state": np.array([""] + list(STATE_NAMES.values()), dtype=object)[state],
            "step": step,
            "due": due,
            "retrievability": retrievability,
        },
    )
    out["step"] = out["step"].astype("Int64").mask(out["step"] < 0)
    return out


# ---------------------------------------------------------------------------
# SM-2


def sm2_schedule(
    reviews: pd.DataFrame,
    as_of: dt.date,
    *,
    maximum_interval: int = DEFAULT_MAXIMUM_INTERVAL_DAYS,
) -> pd.DataFrame:
    """SM-2 state of every (user_id, topic_id) after its reviews (METRICS.md).

    `reviews`: user_id, topic_id, review_time, quality 0..5 (our grades give 2..5),
    at most one review per (user, topic, UTC day), none after the as-of date. EF is kept in integer
    hundredths so "rounded to 2 decimals" and ceil(interval * EF) are exact.
    A quality below 3 sets repetitions to 0 and the interval to 1 day; the next
    successful reviews then count 1 (1 day), 2 (6 days), 3 (ceil(6 * EF)), ...
    Intervals are capped at `maximum_interval` days (METRICS is silent; without a
    cap a long run of Easy grades overflows any timestamp). due = last review
    instant + interval days. Returns SM2_COLUMNS.
    """
    end_ns = as_of_end_ns(as_of)
    batches = _batch_reviews(reviews, "quality", (0, 5), end_ns)
    n = batches.pairs
    ease = np.full(n, SM2_INITIAL_EASE_HUNDREDTHS, dtype=np.int64)
    interval = np.zeros(n, dtype=np.int64)
    repetitions = np.zeros(n, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)

    for k in range(len(batches.chunk_starts) - 1):
        t, q = batches.chunk(k)
        m = len(t)
        passed = q >= 3
        lapses = 5 - q
        # EF' - EF in hundredths: 100 * (0.1 - (5-q) * (0.08 + (5-q) * 0.02))
        updated = np.maximum(ease[:m] + 10 - lapses * (8 + lapses * 2), SM2_MIN_EASE_HUNDREDTHS)
        e = np.where(passed, updated, ease[:m])
        reps = np.where(passed, repetitions[:m] + 1, 0)
        grown = np.minimum(-((-interval[:m] * e) // 100), maximum_interval)  # ceil
        interval[:m] = np.where(reps <= 1, 1, np.where(reps == 2, 6, grown))
        ease[:m], repetitions[:m], last[:m] = e, reps, t

    elapsed = _whole_days(end_ns, last)
    retrievability = np.exp(-elapsed / interval * math.log(10 / 9))
    return _frame(
        batches,
        {
            "reviews": batches.counts,
            "last_review": last,
            "ease": ease / 100,
            "interval_days": interval,
            "repetitions": repetitions,
            "due": last + interval * DAY_NS,
            "retrievability": retrievability,
        },
    )
