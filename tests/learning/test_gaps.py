"""Knowledge gaps: one test per METRICS rule and boundary, and the recommendations."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics_pipeline.learning.config import GapConfig
from analytics_pipeline.learning.gaps import GAP_COLUMNS, knowledge_gaps, practice_count

# S (system, exam weight 0.3) > subjects S-A..S-D; S-A > subtopics S-A-1..S-A-3.
# N (system, not examined) > N-A.
TOPICS = pd.DataFrame(
    {
        "topic_id": ["S", "S-A", "S-B", "S-C", "S-D", "S-A-1", "S-A-2", "S-A-3", "N", "N-A"],
        "parent_topic_id": ["", "S", "S", "S", "S", "S-A", "S-A", "S-A", "", "N"],
        "level": ["system"] + ["subject"] * 4 + ["subtopic"] * 3 + ["system", "subject"],
        "board_exam_weight": [0.3] + [None] * 7 + [None, None],
    }
).replace({"parent_topic_id": {"": None}})
# related_topic_id must be learned before topic_id.
EDGES = [
    ("S-A-2", "S-A-1", "prerequisite"),
    ("S-A-3", "S-A-1", "prerequisite"),
    ("S-B", "S-A", "prerequisite"),
    ("S-C", "S-D", "related"),
]
WORKSPACE = {"u1": "w1", "u2": "w2"}
AS_OF = "2026-03-30"  # end 2026-03-31 00:00 UTC; the 30-day window starts 2026-03-01 00:00


def _mastery(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["user_id", "topic_id", "attempts", "mastery"])
    frame.insert(0, "workspace_id", frame["user_id"].map(WORKSPACE))
    return frame


def _attempts(rows: list[tuple[str, str, bool, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["user_id", "topic_id", "is_correct", "answered_at"])
    frame["attempt_id"] = [f"a{k}" for k in range(len(frame))]
    frame["workspace_id"] = frame["user_id"].map(WORKSPACE)
    frame["question_id"] = "q"
    frame["is_correct"] = frame["is_correct"].astype(bool)
    frame["answered_at"] = pd.to_datetime(frame["answered_at"], utc=True, format="ISO8601")
    return frame


def _interactions(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["user_id", "material_id", "interaction_type", "occurred_at"]
    )
    frame["workspace_id"] = frame["user_id"].map(WORKSPACE)
    frame["topic_id"] = "S-A"
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601")
    return frame


NO_MATERIALS = pd.DataFrame({"material_id": [], "topic_id": [], "title": []}, dtype=str)


def _gaps(
    rows: list[tuple[str, str, int, float]],
    edges: list[tuple[str, str, str]] = EDGES,
    *,
    attempts: pd.DataFrame | None = None,
    interactions: pd.DataFrame | None = None,
    materials: pd.DataFrame = NO_MATERIALS,
    due: pd.DataFrame | None = None,
    config: GapConfig | None = None,
) -> pd.DataFrame:
    relationships = pd.DataFrame(
        edges, columns=["topic_id", "related_topic_id", "relationship_type"]
    )
    return knowledge_gaps(
        _mastery(rows),
        TOPICS,
        relationships,
        interactions if interactions is not None else _interactions([]),
        materials,
        attempts if attempts is not None else _attempts([]),
        due,
        AS_OF,
        config,
    )


def _by_topic(gaps: pd.DataFrame) -> pd.DataFrame:
    return gaps.set_index(["user_id", "topic_id"])


# --- which (user, topic) is a gap --------------------------------------------------


def test_exactly_three_attempts_is_enough_two_is_not():
    gaps = _gaps([("u1", "S-C", 3, 0.79), ("u1", "S-D", 2, 0.10)])
    assert gaps[["user_id", "topic_id", "gap_type"]].values.tolist() == [
        ["u1", "S-C", "low_mastery"]
    ]
    assert list(gaps.columns) == GAP_COLUMNS


def test_mastery_exactly_080_is_not_a_gap():
    gaps = _gaps([("u1", "S-C", 10, 0.80), ("u1", "S-D", 10, 0.7999)])
    assert gaps["topic_id"].tolist() == ["S-D"]


def test_float_noise_does_not_decide_a_boundary():
    # 0.7999999999999999 is 0.8 (no gap); 0.5499999999999999 is 0.55 (medium).
    gaps = _gaps([("u1", "S-C", 5, 0.7999999999999999), ("u1", "S-D", 5, 0.15 + 0.3 + 0.1)])
    assert gaps[["topic_id", "severity"]].values.tolist() == [["S-D", "medium"]]


def test_prerequisite_boundary_060():
    # S-B (attempted, fine) needs S-A: at 0.60 S-A is no gap, just below it is.
    gaps = _gaps(
        [
            ("u1", "S-B", 1, 0.90),
            ("u1", "S-A", 1, 0.60),
            ("u2", "S-B", 1, 0.90),
            ("u2", "S-A", 1, 0.5999),
        ]
    )
    assert gaps[["user_id", "topic_id", "gap_type", "attempts"]].values.tolist() == [
        ["u2", "S-A", "prerequisite", 1]
    ]
    assert gaps["workspace_id"].tolist() == ["w2"]


def test_unattempted_prerequisite_is_a_gap_with_mastery_zero():
    gaps = _gaps([("u1", "S-B", 2, 0.90)])
    row = _by_topic(gaps).loc[("u1", "S-A")]
    assert (row["gap_type"], row["mastery"], row["attempts"]) == ("prerequisite", 0.0, 0)
    assert (row["workspace_id"], row["severity"]) == ("w1", "critical")
    assert len(gaps) == 1


def test_prerequisite_of_a_topic_not_attempted_is_no_gap():
    # The user only read about S-B (a mastery row without attempts).
    assert _gaps([("u1", "S-B", 0, 0.20)]).empty


def test_related_edges_are_not_prerequisites():
    assert _gaps([("u1", "S-C", 5, 0.95)]).empty  # S-C related to S-D: no gap for S-D


def test_low_mastery_and_weak_prerequisite_at_once_is_one_low_mastery_row():
    gaps = _gaps([("u1", "S-A-1", 5, 0.50), ("u1", "S-A-2", 1, 0.90)])
    assert gaps[["topic_id", "gap_type"]].values.tolist() == [["S-A-1", "low_mastery"]]


def test_prerequisite_reached_through_rolled_up_attempts():
    # A subject counts as attempted through its subtree (its mastery row's attempts).
    gaps = _gaps([("u1", "S-B", 4, 0.95), ("u1", "S-A", 0, 0.40)])
    assert gaps[["topic_id", "gap_type", "mastery"]].values.tolist() == [
        ["S-A", "prerequisite", 0.40]
    ]


# --- severity, escalation, priority ---------------------------------------------------


@pytest.mark.parametrize(
    ("mastery", "severity"),
    [
        (0.0, "critical"),
        (0.3999, "critical"),
        (0.40, "high"),
        (0.5499, "high"),
        (0.55, "medium"),
        (0.6999, "medium"),
        (0.70, "low"),
        (0.7999, "low"),
    ],
)
def test_severity_cut_offs(mastery, severity):
    gaps = _gaps([("u1", "S-C", 5, mastery)])
    assert gaps[["severity", "escalated", "dependent_gap_topics"]].values.tolist() == [
        [severity, False, 0]
    ]


def test_one_dependent_gap_does_not_escalate():
    # S-A-1 (medium) is a prerequisite of S-A-2 (a gap) and S-A-3 (attempted, no gap).
    gaps = _by_topic(
        _gaps([("u1", "S-A-1", 5, 0.65), ("u1", "S-A-2", 5, 0.50), ("u1", "S-A-3", 5, 0.90)])
    )
    assert gaps.index.tolist() == [("u1", "S-A-1"), ("u1", "S-A-2")]
    prerequisite = gaps.loc[("u1", "S-A-1")]
    assert prerequisite["dependent_gap_topics"] == 1
    assert (prerequisite["severity"], prerequisite["escalated"]) == ("medium", False)


def test_two_dependent_gaps_raise_severity_one_level():
    gaps = _by_topic(
        _gaps([("u1", "S-A-1", 5, 0.65), ("u1", "S-A-2", 5, 0.50), ("u1", "S-A-3", 5, 0.75)])
    )
    prerequisite = gaps.loc[("u1", "S-A-1")]
    assert prerequisite["dependent_gap_topics"] == 2
    assert (prerequisite["severity"], prerequisite["escalated"]) == ("high", True)
    # The dependents themselves are not prerequisites of anything.
    assert gaps.loc[("u1", "S-A-3"), ["severity", "escalated"]].tolist() == ["low", False]


def test_low_severity_escalates_to_medium():
    gaps = _by_topic(
        _gaps([("u1", "S-A-1", 5, 0.75), ("u1", "S-A-2", 5, 0.50), ("u1", "S-A-3", 5, 0.50)])
    )
    assert gaps.loc[("u1", "S-A-1"), ["severity", "escalated"]].tolist() == ["medium", True]


def test_critical_is_not_escalated_past_critical():
    gaps = _by_topic(
        _gaps([("u1", "S-A-1", 5, 0.20), ("u1", "S-A-2", 5, 0.50), ("u1", "S-A-3", 5, 0.50)])
    )
    row = gaps.loc[("u1", "S-A-1")]
    assert (row["severity"], row["escalated"], row["dependent_gap_topics"]) == (
        "critical",
        False,
        2,
    )


def test_dependents_of_another_user_do_not_count():
    gaps = _by_topic(
        _gaps([("u1", "S-A-1", 5, 0.65), ("u1", "S-A-2", 5, 0.50), ("u2", "S-A-3", 5, 0.50)])
    )
    assert gaps.loc[("u1", "S-A-1"), "dependent_gap_topics"] == 1


def test_priority_with_system_weight_and_dependents():
    gaps = _by_topic(
        _gaps([("u1", "S-A-1", 5, 0.65), ("u1", "S-A-2", 5, 0.50), ("u1", "S-A-3", 5, 0.75)])
    )
    # (1 - 0.65) * 0.3 (system S) * (1 + 2)
    assert gaps.loc[("u1", "S-A-1"), "priority"] == pytest.approx(0.315)
    # (1 - 0.50) * 0.3 * (1 + 0)
    assert gaps.loc[("u1", "S-A-2"), "priority"] == pytest.approx(0.15)
    # Sorted by priority, highest first.
    assert gaps.index.get_level_values("topic_id").tolist() == ["S-A-1", "S-A-2", "S-A-3"]


def test_priority_without_system_weight_uses_the_default():
    gaps = _gaps([("u1", "N-A", 4, 0.60)])
    assert gaps["priority"].tolist() == pytest.approx([(1 - 0.60) * 0.05])
    gaps = _gaps([("u1", "N-A", 4, 0.60)], config=GapConfig(default_exam_weight=0.10))
    assert gaps["priority"].tolist() == pytest.approx([(1 - 0.60) * 0.10])


def test_thresholds_are_configuration():
    config = GapConfig(min_attempts=5, mastery_below=0.5)
    gaps = _gaps(
        [("u1", "S-C", 4, 0.1), ("u1", "S-D", 5, 0.49), ("u1", "N-A", 9, 0.5)], config=config
    )
    assert gaps["topic_id"].tolist() == ["S-D"]
    assert config.as_metadata()["min_attempts"] == 5
    assert GapConfig().as_metadata() == {
        "min_attempts": 3,
        "mastery_below": 0.80,
        "prerequisite_mastery_below": 0.60,
        "critical_below": 0.40,
        "high_below": 0.55,
        "medium_below": 0.70,
        "escalate_at_dependent_gaps": 2,
        "default_exam_weight": 0.05,
        "practice_min_questions": 5,
        "practice_questions_per_wrong": 3,
        "practice_max_questions": 30,
        "practice_window_days": 30,
        "max_materials": 3,
    }


# --- recommendations ------------------------------------------------------------------


def _actions(recommendations: list[dict], action: str) -> list[dict]:
    return [r for r in recommendations if r["action"] == action]


def test_review_prerequisite_lists_weak_prerequisites_weakest_first():
    edges = [*EDGES, ("S-A-2", "S-C", "prerequisite")]
    gaps = _by_topic(
        _gaps(
            [("u1", "S-A-2", 5, 0.50), ("u1", "S-A-1", 1, 0.30), ("u1", "S-C", 0, 0.10)],
            edges,
        )
    )
    recs = gaps.loc[("u1", "S-A-2"), "recommendations"]
    assert [(r["topic_id"], r["mastery"]) for r in _actions(recs, "review_prerequisite")] == [
        ("S-C", 0.10),
        ("S-A-1", 0.30),
    ]
    assert all(r["reason"] for r in recs)
    # A prerequisite gap without weak prerequisites of its own gets none.
    assert _actions(gaps.loc[("u1", "S-A-1"), "recommendations"], "review_prerequisite") == []


def test_review_material_offers_at_most_three_uncompleted_nearest_first():
    materials = pd.DataFrame(
        {
            "material_id": ["m-9", "m-1", "m-2", "m-3", "m-4"],
            "topic_id": ["S-A", "S-A-1", "S-A-1", "S-A-1", "S-A-2"],
            "title": ["A notes", "A1 one", "A1 two", "A1 three", "A2 one"],
        }
    )
    interactions = _interactions(
        [
            ("u1", "m-1", "complete", "2026-03-02 10:00"),  # done: not offered
            ("u1", "m-2", "complete", "2026-03-31 00:00"),  # after the as-of end: still open
            ("u1", "m-9", "read", "2026-03-02 10:00"),  # read, not completed
        ]
    )
    gaps = _by_topic(
        _gaps(
            [("u1", "S-A", 5, 0.50), ("u1", "S-A-2", 3, 0.50)],
            materials=materials,
            interactions=interactions,
        )
    )
    offered = _actions(gaps.loc[("u1", "S-A"), "recommendations"], "review_material")
    # The subject's own material first, then its subtopics' by material_id; m-4 is 4th.
    assert [(r["material_id"], r["topic_id"], r["title"]) for r in offered] == [
        ("m-9", "S-A", "A notes"),
        ("m-2", "S-A-1", "A1 two"),
        ("m-3", "S-A-1", "A1 three"),
    ]
    offered = _actions(gaps.loc[("u1", "S-A-2"), "recommendations"], "review_material")
    assert [r["material_id"] for r in offered] == ["m-4"]


def test_review_material_absent_when_everything_is_completed():
    materials = pd.DataFrame({"material_id": ["m-1"], "topic_id": ["S-C"], "title": ["C"]})
    interactions = _interactions([("u1", "m-1", "complete", "2026-03-02 10:00")])
    gaps = _gaps([("u1", "S-C", 5, 0.5)], materials=materials, interactions=interactions)
    assert _actions(gaps["recommendations"].iloc[0], "review_material") == []


@pytest.mark.parametrize(
    ("wrong", "count"), [(0, 5), (1, 5), (2, 6), (9, 27), (10, 30), (11, 30), (40, 30)]
)
def test_practice_count_floor_and_cap(wrong, count):
    assert practice_count(pd.Series([wrong]).to_numpy(), GapConfig()).tolist() == [count]


def test_practice_questions_count_wrong_attempts_of_the_subtree_in_the_last_30_days():
    attempts = _attempts(
        [
            ("u1", "S-A-1", False, "2026-02-28 23:59:59"),  # before the window
            ("u1", "S-A-1", False, "2026-03-01 00:00:00"),  # first instant of the window
            ("u1", "S-A-2", False, "2026-03-15 12:00"),  # a subtopic counts for S-A
            ("u1", "S-A", False, "2026-03-30 23:59:59"),  # last instant of the window
            ("u1", "S-A", True, "2026-03-20 12:00"),  # right answers do not count
            ("u1", "S-A", False, "2026-03-31 00:00"),  # after the as-of date
            ("u2", "S-A", False, "2026-03-20 12:00"),  # another user
        ]
    )
    gaps = _by_topic(_gaps([("u1", "S-A", 5, 0.5), ("u1", "S-A-1", 3, 0.5)], attempts=attempts))
    practice = _actions(gaps.loc[("u1", "S-A"), "recommendations"], "practice_questions")
    assert [(r["topic_id"], r["wrong_attempts"], r["count"]) for r in practice] == [("S-A", 3, 9)]
    practice = _actions(gaps.loc[("u1", "S-A-1"), "recommendations"], "practice_questions")
    assert [(r["wrong_attempts"], r["count"]) for r in practice] == [(1, 5)]


def test_schedule_review_at_the_due_date_only_when_there_is_one():
    due = pd.DataFrame(
        {
            "user_id": ["u1", "u1"],
            "topic_id": ["S-C", "S-D"],
            "due": pd.to_datetime(["2026-04-02 10:00", "2026-03-20 08:30"], utc=True),
        }
    )
    gaps = _by_topic(
        _gaps([("u1", "S-C", 5, 0.5), ("u1", "S-D", 5, 0.5), ("u1", "N-A", 5, 0.5)], due=due)
    )
    assert _actions(gaps.loc[("u1", "S-C"), "recommendations"], "schedule_review") == [
        {
            "action": "schedule_review",
            "topic_id": "S-C",
            "due": "2026-04-02T10:00:00+00:00",
            "reason": "spaced-repetition review due",
        }
    ]
    overdue = _actions(gaps.loc[("u1", "S-D"), "recommendations"], "schedule_review")
    assert [(r["due"], r["reason"]) for r in overdue] == [
        ("2026-03-20T08:30:00+00:00", "spaced-repetition review overdue")
    ]
    assert _actions(gaps.loc[("u1", "N-A"), "recommendations"], "schedule_review") == []


def test_recommendation_order_and_json():
    materials = pd.DataFrame({"material_id": ["m-1"], "topic_id": ["S-A-2"], "title": ["A2"]})
    due = pd.DataFrame(
        {"user_id": ["u1"], "topic_id": ["S-A-2"], "due": [pd.Timestamp("2026-04-01", tz="UTC")]}
    )
    attempts = _attempts([("u1", "S-A-2", False, "2026-03-10 10:00")])
    gaps = _by_topic(
        _gaps(
            [("u1", "S-A-2", 5, 0.50), ("u1", "S-A-1", 1, 0.30)],
            attempts=attempts,
            materials=materials,
            due=due,
        )
    )
    recs = gaps.loc[("u1", "S-A-2"), "recommendations"]
    assert [r["action"] for r in recs] == [
        "review_prerequisite",
        "review_material",
        "practice_questions",
        "schedule_review",
    ]
    assert recs[0]["topic_id"] == "S-A-1"
    assert recs[2]["count"] == 5
    assert json.loads(json.dumps(recs)) == recs


def test_no_gaps_gives_an_empty_frame_with_the_columns():
    gaps = _gaps([("u1", "S-C", 5, 0.95)])
    assert gaps.empty
    assert list(gaps.columns) == GAP_COLUMNS
