"""Spaced-repetition schedulers: FSRS-6 against the `fsrs` package as oracle on
thousands of random histories, hand-worked values, SM-2 against METRICS.md's worked
sequences and an exact-fraction reference, and input validation."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from fsrs import Card, Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from analytics_pipeline.learning.spaced_repetition import (
    DEFAULT_FSRS_PARAMETERS,
    DEFAULT_LEARNING_STEPS,
    DEFAULT_MAXIMUM_INTERVAL_DAYS,
    DEFAULT_RELEARNING_STEPS,
    FSRS_COLUMNS,
    SM2_COLUMNS,
    fsrs_schedule,
    rating_from_accuracy,
    sm2_quality_from_rating,
    sm2_schedule,
)

UTC = dt.UTC
STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}


# ---------------------------------------------------------------------------
# Random histories


@dataclass
class History:
    pair: int
    times: list[dt.datetime]
    ratings: list[int]


def random_history(rng: np.random.Generator, pair: int, as_of: dt.date) -> History:
    """1..40 reviews, one per UTC day, with gaps from minutes over midnight to 200
    days; the last review falls on the as-of date or up to 400 days before it."""
    length = int(rng.integers(1, 41)) if rng.random() < 0.8 else int(rng.integers(1, 6))
    microseconds = rng.random() < 0.2
    day, times = 0, []
    tod = _time_of_day(rng, microseconds)
    for i in range(length):
        if i:
            kind = rng.random()
            if kind < 0.25:  # next UTC day, earlier time of day: under 24 h later
                day += 1
                tod = int(rng.integers(0, max(tod, 1)))
                if not microseconds:
                    tod -= tod % 1_000_000
            elif kind < 0.45:  # next UTC day, later time: 1..2 whole days
                day += 1
                tod = int(rng.integers(tod, 86_400 * 1_000_000))
                if not microseconds:
                    tod -= tod % 1_000_000
            else:
                day += int(rng.integers(1, 201)) if kind < 0.85 else int(rng.integers(2, 8))
                tod = _time_of_day(rng, microseconds)
        times.append((day, tod))
    end_day = as_of - dt.timedelta(days=0 if rng.random() < 0.4 else int(rng.integers(1, 401)))
    start = dt.datetime.combine(end_day, dt.time(), UTC) - dt.timedelta(days=times[-1][0])
    stamps = [start + dt.timedelta(days=d, microseconds=t) for d, t in times]
    weights = rng.dirichlet(np.ones(4))  # some histories lapse a lot, some rarely
    ratings = [int(r) for r in rng.choice([1, 2, 3, 4], size=length, p=weights)]
    return History(pair, stamps, ratings)


def _time_of_day(rng: np.random.Generator, microseconds: bool) -> int:
    if rng.random() < 0.3:  # late evening, so next-day reviews are often under 24 h later
        seconds = int(rng.integers(22 * 3600, 86_400))
    else:
        seconds = int(rng.integers(0, 86_400))
    return seconds * 1_000_000 + (int(rng.integers(0, 1_000_000)) if microseconds else 0)


def reviews_frame(histories: list[History]) -> pd.DataFrame:
    rows = [
        {
            "user_id": f"u{h.pair % 97}",
            "topic_id": f"t{h.pair}",
            "review_time": t,
            "rating": r,
        }
        for h in histories
        for t, r in zip(h.times, h.ratings, strict=True)
    ]
    frame = pd.DataFrame(rows, columns=["user_id", "topic_id", "review_time", "rating"])
    frame["quality"] = frame["rating"] + 1
    return frame


def package_cards(histories: list[History], scheduler: Scheduler, as_of: dt.date) -> pd.DataFrame:
    """The oracle: each history reviewed in order by the package."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), UTC)
    rows = []
    for h in histories:
        card = Card(card_id=h.pair + 1)  # an explicit id avoids Card()'s 1 ms sleep
        for t, r in zip(h.times, h.ratings, strict=True):
            card, _ = scheduler.review_card(card, Rating(r), t)
        rows.append(
            {
                "topic_id": f"t{h.pair}",
                "stability": card.stability,
                "difficulty": card.difficulty,
                "state": STATE_NAMES[int(card.state)],
                "step": card.step,
                "due": pd.Timestamp(card.due),
                "last_review": pd.Timestamp(card.last_review),
                "retrievability": scheduler.get_card_retrievability(card, end),
            }
        )
    return pd.DataFrame(rows)


def assert_matches_package(ours: pd.DataFrame, oracle: pd.DataFrame) -> None:
    merged = ours.merge(oracle, on="topic_id", suffixes=("", "_pkg"), validate="1:1")
    assert len(merged) == len(oracle) == len(ours)
    np.testing.assert_allclose(merged["stability"], merged["stability_pkg"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(merged["difficulty"], merged["difficulty_pkg"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        merged["retrievability"], merged["retrievability_pkg"], rtol=0, atol=1e-6
    )
    assert (merged["state"] == merged["state_pkg"]).all()
    ours_step = [None if pd.isna(s) else int(s) for s in merged["step"]]
    package_step = [None if pd.isna(s) else int(s) for s in merged["step_pkg"]]
    assert ours_step == package_step
    assert (merged["due"] == merged["due_pkg"]).all()
    assert (merged["last_review"] == merged["last_review_pkg"]).all()


AS_OF_DATES = (
    dt.date(2024, 3, 31),
    dt.date(2025, 1, 1),
    dt.date(2025, 6, 15),
    dt.date(2026, 2, 28),
)


def test_fsrs_matches_package_on_random_histories() -> None:
    rng = np.random.default_rng(20240601)
    scheduler = Scheduler(enable_fuzzing=False)
    total_pairs = total_reviews = 0
    states = set()
    for cohort, as_of in enumerate(AS_OF_DATES):
        histories = [random_history(rng, 1000 * cohort + i, as_of) for i in range(800)]
        frame = reviews_frame(histories).sample(frac=1.0, random_state=cohort)  # any order
        ours = fsrs_schedule(frame, as_of)
        oracle = package_cards(histories, scheduler, as_of)
        assert_matches_package(ours, oracle)
        assert ours["reviews"].tolist() == [
            len(h.times) for h in sorted(histories, key=lambda h: (f"u{h.pair % 97}", f"t{h.pair}"))
        ]
        total_pairs += len(ours)
        total_reviews += len(frame)
        states |= set(ours["state"])
    assert total_pairs == 3200 and total_reviews > 40_000
    assert states == {"learning", "review", "relearning"}


@pytest.mark.parametrize(
    ("learning_steps", "relearning_steps", "maximum_interval", "desired_retention"),
    [
        ((dt.timedelta(minutes=1),), (dt.timedelta(minutes=10), dt.timedelta(hours=1)), 40, 0.85),
        ((), (), 365, 0.95),
        (
            (dt.timedelta(minutes=1), dt.timedelta(minutes=10), dt.timedelta(hours=5)),
            (dt.timedelta(minutes=7),),
            36_500,
            0.9,
        ),
    ],
)
def test_fsrs_matches_package_with_other_settings(
    learning_steps: tuple[dt.timedelta, ...],
    relearning_steps: tuple[dt.timedelta, ...],
    maximum_interval: int,
    desired_retention: float,
) -> None:
    rng = np.random.default_rng(len(learning_steps) * 10 + len(relearning_steps))
    as_of = dt.date(2025, 5, 5)
    histories = [random_history(rng, i, as_of) for i in range(300)]
    parameters = list(DEFAULT_PARAMETERS)
    parameters[20] = 0.3  # a different decay changes the curve's factor too
    scheduler = Scheduler(
        parameters=parameters,
        desired_retention=desired_retention,
        learning_steps=learning_steps,
        relearning_steps=relearning_steps,
        maximum_interval=maximum_interval,
        enable_fuzzing=False,
    )
    ours = fsrs_schedule(
        reviews_frame(histories),
        as_of,
        parameters,
        desired_retention,
        learning_steps=learning_steps,
        relearning_steps=relearning_steps,
        maximum_interval=maximum_interval,
    )
    assert_matches_package(ours, package_cards(histories, scheduler, as_of))


def test_defaults_are_the_package_defaults() -> None:
    scheduler = Scheduler()
    assert DEFAULT_FSRS_PARAMETERS == tuple(DEFAULT_PARAMETERS) == scheduler.parameters
    assert scheduler.learning_steps == DEFAULT_LEARNING_STEPS
    assert scheduler.relearning_steps == DEFAULT_RELEARNING_STEPS
    assert scheduler.maximum_interval == DEFAULT_MAXIMUM_INTERVAL_DAYS
    assert scheduler.desired_retention == 0.9


def test_retrievability_is_the_metrics_formula_with_whole_days() -> None:
    """METRICS.md: R = (1 + F t / S)^(-w20), F = 0.9^(-1/w20) - 1, t whole days
    since the last review at the end of the as-of date."""
    rng = np.random.default_rng(7)
    as_of = dt.date(2025, 1, 1)
    histories = [random_history(rng, i, as_of) for i in range(400)]
    ours = fsrs_schedule(reviews_frame(histories), as_of)
    end = pd.Timestamp("2025-01-02", tz="UTC")
    t = ((end - ours["last_review"]) // pd.Timedelta(days=1)).to_numpy(dtype=float)
    w20 = DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (-1 / w20) - 1
    expected = (1 + factor * t / ours["stability"].to_numpy()) ** (-w20)
    np.testing.assert_allclose(ours["retrievability"], expected, rtol=0, atol=1e-12)
    assert (t == 0).any() and (t > 100).any()


def one_review(time: str, rating: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ["u"],
            "topic_id": ["t"],
            "review_time": [pd.Timestamp(time)],
            "rating": [rating],
        }
    )


@pytest.mark.parametrize(
    ("rating", "stability", "state", "step", "due"),
    [
        # Again and Hard stay on learning step 0 (1 min; Hard waits between 1 and 10 min),
        # Good moves to step 1 (10 min), Easy graduates with round(S) days at R = 0.9.
        (1, 0.212, "learning", 0, "2024-01-01 22:01"),
        (2, 1.2931, "learning", 0, "2024-01-01 22:05:30"),
        (3, 2.3065, "learning", 1, "2024-01-01 22:10"),
        (4, 8.2956, "review", None, "2024-01-09 22:00"),
    ],
)
def test_first_review_hand_values(
    rating: int, stability: float, state: str, step: int | None, due: str
) -> None:
    row = fsrs_schedule(one_review("2024-01-01 22:00", rating), dt.date(2024, 1, 2)).iloc[0]
    w4, w5 = 6.4133, 0.8334
    assert row["stability"] == stability
    assert row["difficulty"] == pytest.approx(max(w4 - math.exp(w5 * (rating - 1)) + 1, 1.0))
    assert row["state"] == state
    assert (pd.isna(row["step"]) and step is None) or row["step"] == step
    assert row["due"] == pd.Timestamp(due, tz="UTC")
    # 26 hours after the review is 1 whole day
    decay = 0.1542
    factor = 0.9 ** (-1 / decay) - 1
    assert row["retrievability"] == pytest.approx((1 + factor / stability) ** -decay, abs=1e-12)


def test_retrievability_is_one_on_the_review_day() -> None:
    row = fsrs_schedule(one_review("2024-01-01 00:00:01", 3), dt.date(2024, 1, 1)).iloc[0]
    assert row["retrievability"] == 1.0  # 23:59:59 later is 0 whole days


def test_naive_and_other_zones_mean_utc_instants() -> None:
    base = pd.DataFrame(
        {
            "user_id": ["a", "a", "b"],
            "topic_id": ["x", "x", "y"],
            "review_time": pd.to_datetime(
                ["2024-05-01 23:30", "2024-05-02 00:15", "2024-05-03 00:00"]
            ),
            "rating": [3, 3, 1],
        }
    )
    naive = fsrs_schedule(base, dt.date(2024, 6, 1))
    zoned = base.assign(
        review_time=base["review_time"].dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo")
    )
    pd.testing.assert_frame_equal(naive, fsrs_schedule(zoned, dt.date(2024, 6, 1)))
    assert str(naive["due"].dtype) == "datetime64[ns, UTC]"
    assert list(naive.columns) == list(FSRS_COLUMNS)


def test_empty_reviews_give_empty_frames() -> None:
    empty = pd.DataFrame(
        {
            "user_id": pd.Series(dtype=object),
            "topic_id": pd.Series(dtype=object),
            "review_time": pd.Series(dtype="datetime64[ns, UTC]"),
            "rating": pd.Series(dtype="int64"),
            "quality": pd.Series(dtype="int64"),
        }
    )
    assert list(fsrs_schedule(empty, dt.date(2024, 1, 1)).columns) == list(FSRS_COLUMNS)
    assert list(sm2_schedule(empty, dt.date(2024, 1, 1)).columns) == list(SM2_COLUMNS)
    assert len(fsrs_schedule(empty, dt.date(2024, 1, 1))) == 0


def test_review_after_the_as_of_date_is_rejected() -> None:
    frame = one_review("2024-01-02 00:00", 3).assign(quality=4)
    with pytest.raises(ValueError, match="after the end of the as-of date"):
        fsrs_schedule(frame, dt.date(2024, 1, 1))
    with pytest.raises(ValueError, match="after the end of the as-of date"):
        sm2_schedule(frame, dt.date(2024, 1, 1))
    last_instant = one_review("2024-01-01 23:59:59.999999", 3)
    assert len(fsrs_schedule(last_instant, dt.date(2024, 1, 1))) == 1


def test_two_reviews_on_one_utc_day_are_rejected() -> None:
    frame = pd.concat([one_review("2024-01-01 00:10", 3), one_review("2024-01-01 23:50", 4)])
    with pytest.raises(ValueError, match="more than one review per"):
        fsrs_schedule(frame, dt.date(2024, 2, 1))


@pytest.mark.parametrize(
    ("value", "message"), [(5, "must be in 1..4"), (0, "must be in 1..4"), (2.5, "whole numbers")]
)
def test_bad_ratings_are_rejected(value: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fsrs_schedule(one_review("2024-01-01", 3).assign(rating=value), dt.date(2024, 2, 1))


def test_missing_columns_are_rejected() -> None:
    with pytest.raises(ValueError, match="lack columns"):
        sm2_schedule(one_review("2024-01-01", 3), dt.date(2024, 2, 1))


# ---------------------------------------------------------------------------
# SM-2


def sm2_prefixes(qualities: list[int], start: str = "2024-01-01 08:00") -> pd.DataFrame:
    """Pair p<k> has the first k reviews of `qualities`, one every 3 days."""
    first = pd.Timestamp(start, tz="UTC")
    rows = [
        {
            "user_id": "u",
            "topic_id": f"p{k:02d}",
            "review_time": first + pd.Timedelta(days=3 * i),
            "quality": q,
        }
        for k in range(1, len(qualities) + 1)
        for i, q in enumerate(qualities[:k])
    ]
    return pd.DataFrame(rows)


def sm2_after_each(qualities: list[int]) -> pd.DataFrame:
    return sm2_schedule(sm2_prefixes(qualities), dt.date(2025, 1, 1))


def test_sm2_worked_interval_sequences() -> None:
    good = sm2_after_each([4] * 6)
    assert good["interval_days"].tolist() == [1, 6, 15, 38, 95, 238]
    assert good["ease"].tolist() == [2.5] * 6
    assert good["repetitions"].tolist() == [1, 2, 3, 4, 5, 6]
    hard = sm2_after_each([3] * 6)
    assert hard["interval_days"].tolist() == [1, 6, 13, 26, 47, 79]
    assert hard["ease"].tolist() == [2.36, 2.22, 2.08, 1.94, 1.8, 1.66]


def test_sm2_failure_restarts_repetitions_and_keeps_ease() -> None:
    result = sm2_after_each([5, 4, 3, 2, 4, 4, 5])
    assert result["ease"].tolist() == [2.6, 2.6, 2.46, 2.46, 2.46, 2.46, 2.56]
    assert result["repetitions"].tolist() == [1, 2, 3, 0, 1, 2, 3]
    # ceil(6 * 2.46) = ceil(14.76) = 15; after the failure 1, 1, 6, ceil(6 * 2.56) = 16
    assert result["interval_days"].tolist() == [1, 6, 15, 1, 1, 6, 16]


def test_sm2_ease_floor() -> None:
    result = sm2_after_each([3] * 12)
    # 2.5 - 0.14 k reaches 1.38 after 8 reviews, then the 1.3 floor
    assert result["ease"].tolist() == [
        2.36, 2.22, 2.08, 1.94, 1.8, 1.66, 1.52, 1.38, 1.3, 1.3, 1.3, 1.3
    ]  # fmt: skip
    # 1, 6, 13, 26, 47, 79, ceil(79 * 1.52) = 121, ceil(121 * 1.38) = 167, then x 1.3;
    # 370 * 1.3 is exactly 481, which ceil must keep
    assert result["interval_days"].tolist() == [1, 6, 13, 26, 47, 79, 121, 167, 218, 284, 370, 481]


def test_sm2_due_and_retrievability() -> None:
    two = sm2_prefixes([4, 4])
    two = two[two["topic_id"] == "p02"]  # interval 6 after 2024-01-04 08:00
    on_due = sm2_schedule(two, dt.date(2024, 1, 9)).iloc[0]  # end 01-10 00:00: 5 whole days
    assert on_due["due"] == pd.Timestamp("2024-01-10 08:00", tz="UTC")
    assert on_due["retrievability"] == pytest.approx(math.exp(-5 / 6 * math.log(10 / 9)))
    at_interval = sm2_schedule(two, dt.date(2024, 1, 10)).iloc[0]  # 6 whole days
    assert at_interval["retrievability"] == pytest.approx(0.9, abs=1e-12)
    same_day = sm2_schedule(two, dt.date(2024, 1, 4)).iloc[0]
    assert same_day["retrievability"] == 1.0


def sm2_reference(qualities: list[int], cap: int) -> tuple[Fraction, int, int]:
    """SM-2 as METRICS.md states it, in exact fractions."""
    ease, interval, reps = Fraction(5, 2), 0, 0
    for q in qualities:
        if q < 3:
            reps, interval = 0, 1
            continue
        ease = ease + (Fraction(1, 10) - (5 - q) * (Fraction(8, 100) + (5 - q) * Fraction(2, 100)))
        ease = max(round(ease, 2), Fraction(13, 10))
        reps += 1
        interval = 1 if reps == 1 else 6 if reps == 2 else min(math.ceil(interval * ease), cap)
    return ease, interval, reps


def test_sm2_matches_exact_reference_on_random_histories() -> None:
    rng = np.random.default_rng(11)
    as_of = dt.date(2025, 3, 1)
    histories = [random_history(rng, i, as_of) for i in range(600)]
    frame = reviews_frame(histories)
    frame["quality"] = rng.integers(2, 6, size=len(frame))  # every SM-2 grade, any mix
    ours = sm2_schedule(frame.sample(frac=1.0, random_state=3), as_of).set_index("topic_id")
    end = pd.Timestamp(as_of + dt.timedelta(days=1), tz="UTC")
    capped = 0
    for h in histories:
        qualities = frame.loc[frame["topic_id"] == f"t{h.pair}", "quality"].tolist()
        ease, interval, reps = sm2_reference(qualities, DEFAULT_MAXIMUM_INTERVAL_DAYS)
        row = ours.loc[f"t{h.pair}"]
        assert (row["ease"], row["interval_days"], row["repetitions"]) == (
            float(ease),
            interval,
            reps,
        )
        last = pd.Timestamp(h.times[-1])
        assert row["last_review"] == last
        assert row["due"] == last + pd.Timedelta(days=interval)
        t = (end - last).days
        assert row["retrievability"] == pytest.approx(math.exp(-t / interval * math.log(10 / 9)))
        capped += interval == DEFAULT_MAXIMUM_INTERVAL_DAYS
    assert capped > 0  # long Easy runs reach the cap


# ---------------------------------------------------------------------------
# Grades


def test_rating_from_accuracy_boundaries() -> None:
    accuracy = np.array([0.0, 0.4999, 0.5, 0.6999, 0.7, 0.8999, 0.9, 1.0, 9 / 10, 7 / 10, 1 / 2])
    assert rating_from_accuracy(accuracy).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 4, 3, 2]
    with pytest.raises(ValueError, match="NaN"):
        rating_from_accuracy(np.array([0.5, np.nan]))


def test_sm2_quality_from_rating() -> None:
    assert sm2_quality_from_rating(np.array([1, 2, 3, 4])).tolist() == [2, 3, 4, 5]
    assert sm2_quality_from_rating(3) == 4
    with pytest.raises(ValueError):
        sm2_quality_from_rating(np.array([0, 3]))
