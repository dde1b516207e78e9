"""Topic tree helpers, attempts rolled up the tree, and daily reviews."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics_pipeline.learning.curriculum import (
    expand_to_ancestors,
    prerequisites,
    subtree_materials,
    topic_lineage,
    topic_systems,
)
from analytics_pipeline.learning.reviews import (
    as_of_end,
    attempts_by_topic_level,
    before,
    daily_reviews,
    group_codes,
    user_workspaces,
)

# S (system, weight 0.4) > A (subject) > A1, A2 (subtopics); S > B (subject); T (system, no weight).
TOPICS = pd.DataFrame(
    {
        "topic_id": ["S", "S-A", "S-A-1", "S-A-2", "S-B", "T"],
        "parent_topic_id": [None, "S", "S-A", "S-A", "S", None],
        "name": ["S", "A", "A1", "A2", "B", "T"],
        "level": ["system", "subject", "subtopic", "subtopic", "subject", "system"],
        "board_exam_weight": [0.4, None, None, None, None, None],
    }
)


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_lineage_pairs_each_topic_with_itself_and_every_ancestor():
    lineage = topic_lineage(TOPICS)
    got = set(lineage[["topic_id", "ancestor_id", "distance"]].itertuples(index=False, name=None))
    assert got == {
        ("S", "S", 0),
        ("S-A", "S-A", 0),
        ("S-A", "S", 1),
        ("S-A-1", "S-A-1", 0),
        ("S-A-1", "S-A", 1),
        ("S-A-1", "S", 2),
        ("S-A-2", "S-A-2", 0),
        ("S-A-2", "S-A", 1),
        ("S-A-2", "S", 2),
        ("S-B", "S-B", 0),
        ("S-B", "S", 1),
        ("T", "T", 0),
    }
    levels = lineage.set_index(["topic_id", "ancestor_id"])["ancestor_level"]
    assert levels[("S-A-1", "S")] == "system"
    assert levels[("S-A-1", "S-A")] == "subject"


def test_lineage_survives_a_parent_cycle_and_a_missing_parent():
    topics = pd.DataFrame(
        {
            "topic_id": ["x", "y", "z"],
            "parent_topic_id": ["y", "x", "gone"],
            "level": ["subject", "subject", "subtopic"],
        }
    )
    lineage = topic_lineage(topics)
    got = set(lineage[["topic_id", "ancestor_id", "distance"]].itertuples(index=False, name=None))
    assert got == {("x", "x", 0), ("x", "y", 1), ("y", "y", 0), ("y", "x", 1), ("z", "z", 0)}


def test_topic_systems_gives_level_root_and_root_weight():
    systems = topic_systems(TOPICS).set_index("topic_id")
    assert systems.loc["S-A-2", "system_id"] == "S"
    assert systems.loc["S-A-2", "topic_level"] == "subtopic"
    assert systems.loc["S-A-2", "system_exam_weight"] == pytest.approx(0.4)
    assert systems.loc["T", "system_id"] == "T"
    assert np.isnan(systems.loc["T", "system_exam_weight"])


def test_prerequisites_follow_the_contract_direction_and_ignore_related():
    relationships = pd.DataFrame(
        {
            "topic_id": ["S-A-2", "S-A-2", "S-B", "S-B"],
            "related_topic_id": ["S-A-1", "S-A-1", "S-A", "S-B"],
            "relationship_type": ["prerequisite", "related", "prerequisite", "prerequisite"],
        }
    )
    edges = prerequisites(relationships)
    # related_topic_id must be learned before topic_id; the self-loop is dropped.
    assert sorted(edges.itertuples(index=False, name=None)) == [
        ("S-A-2", "S-A-1"),
        ("S-B", "S-A"),
    ]


def test_subtree_materials_count_for_their_topic_and_every_ancestor():
    materials = pd.DataFrame({"material_id": ["m1", "m2", "m3"], "topic_id": ["S-A-1", "S-A", "?"]})
    got = subtree_materials(TOPICS, materials)
    rows = set(got[["topic_id", "material_id", "distance"]].itertuples(index=False, name=None))
    assert rows == {
        ("S-A-1", "m1", 0),
        ("S-A", "m1", 1),
        ("S", "m1", 2),
        ("S-A", "m2", 0),
        ("S", "m2", 1),
        ("?", "m3", 0),  # a topic missing from the curriculum keeps its own materials only
    }


def test_expand_to_ancestors_keeps_unknown_topics_once():
    frame = pd.DataFrame({"topic_id": ["S-B", "nowhere"], "v": [1, 2]})
    got = expand_to_ancestors(frame, topic_lineage(TOPICS), carry={"distance": "d"})
    assert got[["topic_id", "origin_topic_id", "v", "d"]].values.tolist() == [
        ["S-B", "S-B", 1, 0],
        ["S", "S-B", 1, 1],
        ["nowhere", "nowhere", 2, 0],
    ]


def test_attempts_by_topic_level_repeats_each_attempt_per_ancestor():
    attempts = pd.DataFrame(
        {
            "attempt_id": ["a1", "a2", "a3"],
            "user_id": ["u1", "u1", "u2"],
            "workspace_id": ["w1", "w1", "w2"],
            "question_id": ["q1", "q2", "q3"],
            "topic_id": ["S-A-1", "S-A", "lost"],
            "is_correct": [True, False, True],
            "answered_at": [_ts("2026-03-01 10:00")] * 3,
        }
    )
    got = attempts_by_topic_level(attempts, TOPICS)
    assert got[["attempt_id", "topic_id", "origin_topic_id"]].values.tolist() == [
        ["a1", "S-A-1", "S-A-1"],
        ["a1", "S-A", "S-A-1"],
        ["a1", "S", "S-A-1"],
        ["a2", "S-A", "S-A"],
        ["a2", "S", "S-A"],
        ["a3", "lost", "lost"],  # not in the curriculum: its own topic only
    ]
    assert got["topic_level"].tolist()[:5] == ["subtopic", "subject", "system", "subject", "system"]
    assert pd.isna(got["topic_level"].iloc[5])
    assert got["is_correct"].tolist() == [True, True, True, False, False, True]
    assert set(attempts.columns) <= set(got.columns)


def test_daily_reviews_one_row_per_user_topic_utc_day():
    attempts = pd.DataFrame(
        {
            "attempt_id": ["a1", "a2", "a3", "a4", "a5", "a6"],
            "user_id": ["u1"] * 5 + ["u2"],
            "workspace_id": ["w1"] * 5 + ["w2"],
            "question_id": ["q1", "q2", "q1", "q3", "q9", "q1"],
            "topic_id": ["S-A-1", "S-A-1", "S-A-1", "S-A-1", "S-A-2", "S-A-1"],
            "is_correct": [True, False, True, False, True, True],
            # Unordered on purpose; 23:59:59 and 00:00:00 fall on different UTC days.
            "answered_at": [
                _ts("2026-03-01 10:00"),
                _ts("2026-03-01 09:00"),
                _ts("2026-03-01 23:59:59"),
                _ts("2026-03-02 00:00:00"),
                _ts("2026-03-01 08:00"),
                # 01:30 in UTC-05:00 is 06:30 UTC the same day.
                pd.Timestamp("2026-03-01 01:30", tz="America/New_York"),
            ],
        }
    )
    got = daily_reviews(attempts_by_topic_level(attempts, TOPICS))
    key = ["user_id", "topic_id", "review_day"]
    assert got[key].values.tolist() == [
        ["u1", "S", _ts("2026-03-01")],
        ["u1", "S", _ts("2026-03-02")],
        ["u1", "S-A", _ts("2026-03-01")],
        ["u1", "S-A", _ts("2026-03-02")],
        ["u1", "S-A-1", _ts("2026-03-01")],
        ["u1", "S-A-1", _ts("2026-03-02")],
        ["u1", "S-A-2", _ts("2026-03-01")],
        ["u2", "S", _ts("2026-03-01")],
        ["u2", "S-A", _ts("2026-03-01")],
        ["u2", "S-A-1", _ts("2026-03-01")],
    ]
    by = got.set_index(["user_id", "topic_id", got["review_day"].dt.strftime("%m-%d")])
    # S-A-1 on 03-01: a2 09:00 (wrong), a1 10:00 (right), a3 23:59:59 (right).
    assert by.loc[("u1", "S-A-1", "03-01"), "review_time"] == _ts("2026-03-01 09:00")
    assert by.loc[("u1", "S-A-1", "03-01"), ["attempts", "correct"]].tolist() == [3, 2]
    assert by.loc[("u1", "S-A-1", "03-01"), "accuracy"] == pytest.approx(2 / 3)
    # The subject also gets a5 on S-A-2 at 08:00.
    assert by.loc[("u1", "S-A", "03-01"), "review_time"] == _ts("2026-03-01 08:00")
    assert by.loc[("u1", "S-A", "03-01"), ["attempts", "correct"]].tolist() == [4, 3]
    assert by.loc[("u1", "S", "03-02"), ["attempts", "correct", "accuracy"]].tolist() == [1, 0, 0]
    assert by.loc[("u2", "S", "03-01"), "review_time"] == _ts("2026-03-01 06:30")
    assert got.groupby("user_id")["workspace_id"].unique().map(list).to_dict() == {
        "u1": ["w1"],
        "u2": ["w2"],
    }


def test_daily_reviews_of_nothing_is_empty():
    attempts = pd.DataFrame(
        {
            "attempt_id": pd.Series([], dtype=str),
            "user_id": pd.Series([], dtype=str),
            "workspace_id": pd.Series([], dtype=str),
            "question_id": pd.Series([], dtype=str),
            "topic_id": pd.Series([], dtype=str),
            "is_correct": pd.Series([], dtype=bool),
            "answered_at": pd.Series([], dtype="datetime64[us, UTC]"),
        }
    )
    got = daily_reviews(attempts_by_topic_level(attempts, TOPICS))
    assert got.empty
    assert list(got.columns) == [
        "workspace_id",
        "user_id",
        "topic_id",
        "review_day",
        "review_time",
        "attempts",
        "correct",
        "accuracy",
    ]


def test_user_workspace_is_the_latest_events_workspace():
    attempts = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u2"],
            "workspace_id": ["w-old", "w-new", "w2"],
            "answered_at": [_ts("2026-01-01"), _ts("2026-01-03"), _ts("2026-01-01")],
        }
    )
    interactions = pd.DataFrame(
        {"user_id": ["u2"], "workspace_id": ["w3"], "occurred_at": [_ts("2026-01-02")]}
    )
    got = user_workspaces((attempts, "answered_at"), (interactions, "occurred_at"))
    assert got.to_dict() == {"u1": "w-new", "u2": "w3"}


@pytest.mark.parametrize(
    ("as_of", "end"),
    [
        (dt.date(2026, 3, 15), "2026-03-16"),
        ("2026-03-15", "2026-03-16"),
        (pd.Timestamp("2026-03-15 17:45"), "2026-03-16"),
        # 23:30 at UTC-05:00 is already 03-16 in UTC.
        (pd.Timestamp("2026-03-15 23:30", tz="America/New_York"), "2026-03-17"),
    ],
)
def test_as_of_end_is_next_utc_midnight(as_of, end):
    assert as_of_end(as_of) == _ts(end)


def test_before_keeps_only_events_before_the_end():
    frame = pd.DataFrame(
        {"n": [1, 2, 3], "at": ["2026-03-15 23:59:59.999999", "2026-03-16 00:00", "2026-03-01"]}
    )
    got = before(frame, "at", as_of_end("2026-03-15"))
    assert got["n"].tolist() == [1, 3]
    assert str(got["at"].dt.tz) == "UTC"


def test_group_codes_number_groups_in_key_order():
    frame = pd.DataFrame({"a": ["y", "x", "y", None], "b": [2, 1, 2, 1]})
    groups, keys = group_codes(frame, ["a", "b"])
    assert keys.values.tolist()[:2] == [["x", 1], ["y", 2]]
    assert pd.isna(keys["a"].iloc[2])
    assert groups.tolist() == [1, 0, 1, 2]
