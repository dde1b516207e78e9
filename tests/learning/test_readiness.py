"""Exam readiness on a hand-worked example, every readiness_level boundary, and percent_rank."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics_pipeline.learning.config import ReadinessConfig
from analytics_pipeline.learning.readiness import (
    READINESS_COLUMNS,
    SUBJECT_PERCENTILE_COLUMNS,
    exam_readiness,
    percent_rank,
    readiness_level,
    subject_percentiles,
)

# Systems S1..S3 carry the exam weights (sum 1.0); S4 is not examined; S1-A is a subject.
TOPICS = pd.DataFrame(
    {
        "topic_id": ["S1", "S2", "S3", "S4", "S1-A", "S1-B", "S4-A"],
        "parent_topic_id": [None, None, None, None, "S1", "S1", "S4"],
        "level": ["system"] * 4 + ["subject"] * 3,
        "board_exam_weight": [0.5, 0.3, 0.2, None, None, None, None],
    }
)
WORKSPACE = {"u1": "w1", "u2": "w1", "u3": "w1", "u4": "w2", "u5": "w1"}


def _mastery(rows: list[tuple[str, str, int, float | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["user_id", "topic_id", "attempts", "mastery"])
    frame.insert(0, "workspace_id", frame["user_id"].map(WORKSPACE))
    return frame


def _users(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"user_id": list(ids), "workspace_id": [WORKSPACE[u] for u in ids]})


MASTERY = _mastery(
    [
        ("u1", "S1", 10, 0.9),
        ("u1", "S2", 5, 0.8),
        ("u1", "S3", 2, 0.6),
        ("u1", "S4", 3, 0.1),  # not examined: ignored
        ("u1", "S1-A", 10, 0.95),  # below the weighted level: ignored
        ("u2", "S1", 10, 0.9),
        ("u2", "S2", 4, 0.9),
        ("u2", "S3", 0, 0.5),  # only read about S3: counts in the score, not in coverage
        ("u3", "S4", 5, 0.9),  # nothing examined
        ("u4", "S1", 2, 0.6),
        ("u4", "S2", 1, 0.5),
        ("u5", "S1", 0, 0.4),  # interactions only: not among users with attempts
    ]
)


@pytest.fixture(scope="module")
def readiness() -> pd.DataFrame:
    got = exam_readiness(MASTERY, TOPICS, _users("u4", "u1", "u2", "u3"))
    return got.set_index("user_id")


def test_hand_worked_scores_and_coverage(readiness):
    assert list(readiness.reset_index()[READINESS_COLUMNS].columns) == READINESS_COLUMNS
    assert readiness.index.tolist() == ["u1", "u2", "u3", "u4"]  # by workspace, user
    # u1: 0.5 * 0.9 + 0.3 * 0.8 + 0.2 * 0.6 = 0.45 + 0.24 + 0.12 = 0.81 of weight 1.0.
    assert readiness.loc["u1", "predicted_score"] == pytest.approx(0.81)
    assert readiness.loc["u1", "coverage"] == pytest.approx(1.0)
    # u2: 0.45 + 0.27 + 0.2 * 0.5 = 0.82; S3 has no attempt: coverage 0.5 + 0.3 = 0.8.
    assert readiness.loc["u2", "predicted_score"] == pytest.approx(0.82)
    assert readiness.loc["u2", "coverage"] == pytest.approx(0.8)
    # u3: no examined topic: 0 and 0.
    assert readiness.loc["u3", ["predicted_score", "coverage"]].tolist() == [0.0, 0.0]
    # u4: 0.5 * 0.6 + 0.3 * 0.5 = 0.45; coverage 0.8.
    assert readiness.loc["u4", "predicted_score"] == pytest.approx(0.45)
    assert readiness.loc["u4", "coverage"] == pytest.approx(0.8)
    assert readiness["examined_topics"].tolist() == [3, 3, 3, 3]
    assert readiness["attempted_examined_topics"].to_dict() == {"u1": 3, "u2": 2, "u3": 0, "u4": 2}
    assert readiness["workspace_id"].to_dict() == {"u1": "w1", "u2": "w1", "u3": "w1", "u4": "w2"}


def test_hand_worked_levels_and_percentiles(readiness):
    # u2 is ready with coverage exactly 0.8; u4's 0.45 is exactly at_risk.
    assert readiness["readiness_level"].to_dict() == {
        "u1": "ready",
        "u2": "ready",
        "u3": "not_ready",
        "u4": "at_risk",
    }
    # w1 ascending: u3 (0) rank 1, u1 (0.81) rank 2, u2 (0.82) rank 3 of 3 rows.
    assert readiness["percentile_in_workspace"].to_dict() == {
        "u1": 0.5,
        "u2": 1.0,
        "u3": 0.0,
        "u4": 0.0,  # alone in w2
    }


def test_coverage_float_noise_does_not_cross_the_cut_off():
    topics = pd.DataFrame(
        {
            "topic_id": ["X", "Y", "Z"],
            "parent_topic_id": [None, None, None],
            "level": ["system"] * 3,
            "board_exam_weight": [0.1, 0.7, 0.2],
        }
    )
    mastery = _mastery([("u1", "X", 1, 1.0), ("u1", "Y", 1, 1.0)])
    got = exam_readiness(mastery, topics, _users("u1"))
    # 0.1 + 0.7 is 0.7999999999999999 in floats; the coverage is 0.8 and u1 is ready.
    assert got["coverage"].tolist() == [0.8]
    assert got["predicted_score"].tolist() == [0.8]
    assert got["readiness_level"].tolist() == ["ready"]


@pytest.mark.parametrize(
    ("score", "coverage", "level"),
    [
        (0.75, 0.80, "ready"),
        (1.00, 1.00, "ready"),
        (0.75, 0.7999, "on_track"),  # ready needs the coverage too
        (0.7499, 1.00, "on_track"),
        (0.60, 0.00, "on_track"),
        (0.5999, 1.00, "at_risk"),
        (0.45, 1.00, "at_risk"),
        (0.4499, 1.00, "not_ready"),
        (0.0, 0.0, "not_ready"),
    ],
)
def test_readiness_level_boundaries(score, coverage, level):
    got = readiness_level(pd.Series([score]), pd.Series([coverage]), ReadinessConfig())
    assert got.tolist() == [level]


def test_readiness_cut_offs_are_configuration():
    config = ReadinessConfig(ready_score=0.9, ready_coverage=0.5, on_track_score=0.8)
    got = readiness_level(pd.Series([0.9, 0.85]), pd.Series([0.5, 1.0]), config)
    assert got.tolist() == ["ready", "on_track"]
    assert ReadinessConfig().as_metadata() == {
        "ready_score": 0.75,
        "ready_coverage": 0.80,
        "on_track_score": 0.60,
        "at_risk_score": 0.45,
    }
    with pytest.raises(ValueError):
        ReadinessConfig(at_risk_score=0.7, on_track_score=0.6)


def test_without_examined_weight_scores_are_null():
    topics = TOPICS.assign(board_exam_weight=None)
    got = exam_readiness(MASTERY, topics, _users("u1"))
    assert got["predicted_score"].isna().all() and got["coverage"].isna().all()
    assert got["readiness_level"].isna().all()
    assert got["examined_topics"].tolist() == [0]


def test_percent_rank_ties_share_the_lowest_rank():
    values = pd.Series([0.5, 0.2, 0.5, 0.9, 0.5, 0.7])
    workspace = pd.Series(["a", "a", "a", "a", "a", "b"])
    # In a: 0.2 rank 1, three 0.5s rank 2, 0.9 rank 5 of 5 rows; b has one row.
    assert percent_rank(values, [workspace]).tolist() == [0.25, 0.0, 0.25, 1.0, 0.25, 0.0]


def test_percent_rank_nulls_sort_last_and_float_noise_ties():
    values = pd.Series([np.nan, 0.1 + 0.7, 0.8, 0.3])
    got = percent_rank(values, [pd.Series(["a"] * 4)])
    assert got.tolist() == [1.0, 1 / 3, 1 / 3, 0.0]


def test_tied_scores_in_readiness_share_a_percentile():
    mastery = _mastery([("u1", "S1", 3, 0.6), ("u2", "S1", 3, 0.6), ("u3", "S2", 3, 0.1)])
    got = exam_readiness(mastery, TOPICS, _users("u1", "u2", "u3")).set_index("user_id")
    # Scores: u1 = u2 = 0.3, u3 = 0.03: ranks 2, 2, 1 of 3.
    assert got["percentile_in_workspace"].to_dict() == {"u1": 0.5, "u2": 0.5, "u3": 0.0}


def test_subject_percentiles_rank_within_workspace_and_subject():
    mastery = _mastery(
        [
            ("u1", "S1-A", 5, 0.5),
            ("u2", "S1-A", 5, 0.5),
            ("u3", "S1-A", 5, 0.8),
            ("u4", "S1-A", 5, 0.1),  # alone in w2
            ("u1", "S1-B", 5, 0.3),
            ("u2", "S1-B", 0, None),  # null mastery: not in the population
            ("u3", "S1", 5, 0.9),  # a system, not a subject
        ]
    )
    got = subject_percentiles(mastery, TOPICS)
    assert list(got.columns) == SUBJECT_PERCENTILE_COLUMNS
    assert got[["workspace_id", "topic_id", "user_id", "learners"]].values.tolist() == [
        ["w1", "S1-A", "u1", 3],
        ["w1", "S1-A", "u2", 3],
        ["w1", "S1-A", "u3", 3],
        ["w1", "S1-B", "u1", 1],
        ["w2", "S1-A", "u4", 1],
    ]
    assert got["percentile_in_workspace"].tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
