"""Topic mastery: a hand-worked example, the weighting rule, and a naive oracle on random data."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from analytics_pipeline.learning.config import MasteryWeights
from analytics_pipeline.learning.mastery import MASTERY_COLUMNS, topic_mastery, weighted_mastery

# S (system) > A (subject) > A1, A2 (subtopics); S > B (subject).
TOPICS = pd.DataFrame(
    {
        "topic_id": ["S", "S-A", "S-A-1", "S-A-2", "S-B"],
        "parent_topic_id": [None, "S", "S-A", "S-A", "S"],
        "name": ["S", "A", "A1", "A2", "B"],
        "level": ["system", "subject", "subtopic", "subtopic", "subject"],
        "board_exam_weight": [0.5, None, None, None, None],
    }
)
# A1 has 2 materials, A has 1 of its own; A2 and B have none.
MATERIALS = pd.DataFrame(
    {
        "material_id": ["m-a1-1", "m-a1-2", "m-a"],
        "topic_id": ["S-A-1", "S-A-1", "S-A"],
        "title": ["A1 notes", "A1 video", "A notes"],
        "material_type": ["reading", "video", "reading"],
    }
)
AS_OF = "2026-03-10"  # only events before 2026-03-11 00:00 UTC count


def _attempts(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=["attempt_id", "user_id", "question_id", "topic_id", "is_correct", "answered_at"],
    )
    frame["workspace_id"] = frame["user_id"].map({"u1": "w1", "u2": "w2"})
    frame["answered_at"] = pd.to_datetime(frame["answered_at"], utc=True, format="ISO8601")
    return frame


def _interactions(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["user_id", "material_id", "topic_id", "interaction_type", "occurred_at"]
    )
    frame["interaction_id"] = [f"i{k}" for k in range(len(frame))]
    frame["workspace_id"] = frame["user_id"].map({"u1": "w1", "u2": "w2"})
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601")
    return frame


ATTEMPTS = _attempts(
    [
        # u1 on A1: q1 first wrong then right; q2 right; q3 twice at the same instant,
        # a05 (right) listed first but a04 (wrong) has the smaller attempt_id and wins.
        ("a01", "u1", "q1", "S-A-1", False, "2026-03-01 10:00"),
        ("a02", "u1", "q1", "S-A-1", True, "2026-03-02 10:00"),
        ("a03", "u1", "q2", "S-A-1", True, "2026-03-01 11:00"),
        ("a05", "u1", "q3", "S-A-1", True, "2026-03-03 09:00"),
        ("a04", "u1", "q3", "S-A-1", False, "2026-03-03 09:00"),
        ("a06", "u1", "q2", "S-A-1", False, "2026-03-11 00:00"),  # at the as-of end: out
        # u1 on A2: q4 right twice.
        ("a07", "u1", "q4", "S-A-2", True, "2026-03-05 08:00"),
        ("a08", "u1", "q4", "S-A-2", True, "2026-03-06 08:00"),
        # u1 on the subject A itself: q5 wrong.
        ("a09", "u1", "q5", "S-A", False, "2026-03-04 12:00"),
        # u2: one right answer in the last second of the as-of date, one after it.
        ("b01", "u2", "q1", "S-A-1", True, "2026-03-10 23:59:59.999999"),
        ("b02", "u2", "q4", "S-A-2", False, "2026-03-12 08:00"),
    ]
)
INTERACTIONS = _interactions(
    [
        ("u1", "m-a1-1", "S-A-1", "complete", "2026-03-02 10:00"),
        ("u1", "m-a1-1", "S-A-1", "complete", "2026-03-05 10:00"),  # completed again: once
        ("u1", "m-a", "S-A", "open", "2026-03-03 10:00"),  # opened, not completed
        ("u1", "m-a", "S-A", "complete", "2026-03-11 00:00"),  # after the as-of end
        ("u1", "m-x", "S-B", "complete", "2026-03-04 10:00"),  # not in the catalog
    ]
)
RETENTION = pd.DataFrame(
    {
        "user_id": ["u1", "u1", "u1"],
        "topic_id": ["S-A-1", "S-A", "S"],
        "retrievability": [0.9, 0.8, 0.7],
    }
)


@pytest.fixture(scope="module")
def mastery() -> pd.DataFrame:
    got = topic_mastery(ATTEMPTS, INTERACTIONS, TOPICS, MATERIALS, RETENTION, AS_OF)
    return got.set_index(["user_id", "topic_id"])


def test_rows_for_every_level_touched_and_nothing_after_the_as_of_date(mastery):
    assert sorted(mastery.reset_index().columns) == sorted(MASTERY_COLUMNS)
    assert mastery.index.tolist() == [
        ("u1", "S"),
        ("u1", "S-A"),
        ("u1", "S-A-1"),
        ("u1", "S-A-2"),
        ("u1", "S-B"),  # only an interaction (with a non-catalog material)
        ("u2", "S"),
        ("u2", "S-A"),
        ("u2", "S-A-1"),  # b02 on A2 is after the as-of date: no A2 row
    ]
    assert mastery["workspace_id"].to_dict() == {
        ("u1", "S"): "w1",
        ("u1", "S-A"): "w1",
        ("u1", "S-A-1"): "w1",
        ("u1", "S-A-2"): "w1",
        ("u1", "S-B"): "w1",
        ("u2", "S"): "w2",
        ("u2", "S-A"): "w2",
        ("u2", "S-A-1"): "w2",
    }
    assert mastery["topic_level"].to_dict()[("u1", "S-A-2")] == "subtopic"
    assert mastery["topic_level"].to_dict()[("u1", "S")] == "system"


def test_subtopic_with_repeated_questions_and_a_timestamp_tie(mastery):
    row = mastery.loc[("u1", "S-A-1")]
    # a01..a05 count (a06 is at the end instant); right: a02, a03, a05.
    assert (row["attempts"], row["correct"]) == (5, 3)
    assert row["accuracy"] == pytest.approx(0.6)
    # First attempts: q1 a01 wrong, q2 a03 right, q3 a04 (tie -> smaller id) wrong.
    assert row["first_attempt_accuracy"] == pytest.approx(1 / 3)
    # m-a1-1 completed (twice: counted once) out of 2.
    assert (row["materials_completed"], row["materials_total"]) == (1, 2)
    assert row["materials_score"] == pytest.approx(0.5)
    assert row["retrieval_strength"] == pytest.approx(0.9)
    # 0.30 * 1/3 + 0.20 * 0.6 + 0.30 * 0.9 + 0.20 * 0.5 = 0.10 + 0.12 + 0.27 + 0.10
    assert row["mastery"] == pytest.approx(0.59)
    assert row["confidence"] == pytest.approx(1 - 1 / math.sqrt(6))


def test_no_catalog_materials_spreads_that_weight_proportionally(mastery):
    row = mastery.loc[("u1", "S-A-2")]
    assert (row["attempts"], row["correct"], row["materials_total"]) == (2, 2, 0)
    assert pd.isna(row["materials_score"])
    assert row["retrieval_strength"] == 0.0  # not in the retention frame
    # (0.30 * 1 + 0.20 * 1 + 0.30 * 0) / (0.30 + 0.20 + 0.30) = 0.5 / 0.8
    assert row["mastery"] == pytest.approx(0.625)
    assert row["confidence"] == pytest.approx(1 - 1 / math.sqrt(3))


def test_subject_and_system_figures_come_from_the_whole_subtree(mastery):
    subject = mastery.loc[("u1", "S-A")]
    # A1's 5 + A2's 2 + A's own a09; right: 3 + 2 + 0.
    assert (subject["attempts"], subject["correct"]) == (8, 5)
    assert subject["accuracy"] == pytest.approx(0.625)
    # First attempts: q1 wrong, q2 right, q3 wrong, q4 right, q5 wrong.
    assert subject["first_attempt_accuracy"] == pytest.approx(0.4)
    # Subtree catalog: m-a1-1, m-a1-2, m-a; m-a's completion came after the as-of end.
    assert (subject["materials_completed"], subject["materials_total"]) == (1, 3)
    # 0.30 * 0.4 + 0.20 * 0.625 + 0.30 * 0.8 + 0.20 / 3
    assert subject["mastery"] == pytest.approx(0.12 + 0.125 + 0.24 + 0.2 / 3)
    assert subject["confidence"] == pytest.approx(2 / 3)

    system = mastery.loc[("u1", "S")]
    assert (system["attempts"], system["correct"]) == (8, 5)
    assert system["first_attempt_accuracy"] == pytest.approx(0.4)
    assert (system["materials_completed"], system["materials_total"]) == (1, 3)
    assert system["mastery"] == pytest.approx(0.12 + 0.125 + 0.21 + 0.2 / 3)


def test_interactions_without_attempts_leave_accuracy_null_and_confidence_zero(mastery):
    row = mastery.loc[("u1", "S-B")]
    assert (row["attempts"], row["correct"], row["materials_completed"]) == (0, 0, 0)
    assert pd.isna(row["accuracy"])
    assert pd.isna(row["first_attempt_accuracy"])
    assert pd.isna(row["materials_score"])  # B's subtree has no catalog material
    assert row["confidence"] == 0.0
    # Only retrieval_strength (0) is left, carrying the whole weight.
    assert row["mastery"] == 0.0


def test_as_of_cut_off_keeps_the_last_microsecond_of_the_day(mastery):
    row = mastery.loc[("u2", "S-A-1")]
    assert (row["attempts"], row["correct"]) == (1, 1)
    assert (row["materials_completed"], row["materials_total"]) == (0, 2)
    # 0.30 * 1 + 0.20 * 1 + 0.30 * 0 + 0.20 * 0
    assert row["mastery"] == pytest.approx(0.5)


def test_an_earlier_as_of_date_sees_less():
    got = topic_mastery(ATTEMPTS, INTERACTIONS, TOPICS, MATERIALS, RETENTION, "2026-03-01")
    got = got.set_index(["user_id", "topic_id"])
    assert got.index.tolist() == [("u1", "S"), ("u1", "S-A"), ("u1", "S-A-1")]
    row = got.loc[("u1", "S-A-1")]
    # a01 (wrong) and a03 (right) on 03-01; nothing completed yet.
    assert (row["attempts"], row["correct"], row["materials_completed"]) == (2, 1, 0)
    assert row["first_attempt_accuracy"] == pytest.approx(0.5)


def test_weights_are_configuration():
    weights = MasteryWeights(
        first_attempt_accuracy=0.0, accuracy=1.0, retrieval_strength=0.0, materials_score=0.0
    )
    got = topic_mastery(ATTEMPTS, INTERACTIONS, TOPICS, MATERIALS, RETENTION, AS_OF, weights)
    got = got.set_index(["user_id", "topic_id"])
    assert got.loc[("u1", "S-A"), "mastery"] == pytest.approx(0.625)
    # Accuracy is null without attempts and no other term weighs anything: null.
    assert pd.isna(got.loc[("u1", "S-B"), "mastery"])


def test_weighted_mastery_spreads_every_null_term():
    terms = pd.DataFrame(
        {
            "first_attempt_accuracy": [0.5, np.nan, np.nan],
            "accuracy": [1.0, np.nan, 0.5],
            "retrieval_strength": [0.0, 0.2, 0.4],
            "materials_score": [np.nan, 1.0, np.nan],
        }
    )
    got = weighted_mastery(terms, MasteryWeights())
    assert got.tolist() == pytest.approx(
        [
            (0.3 * 0.5 + 0.2 * 1.0) / 0.8,
            (0.3 * 0.2 + 0.2 * 1.0) / 0.5,
            (0.2 * 0.5 + 0.3 * 0.4) / 0.5,
        ]
    )


def test_weighted_mastery_is_free_of_float_noise_at_thresholds():
    terms = pd.DataFrame(
        [[0.0, 0.5, 1.0, 1.0], [0.5, 0.0, 1.0, 0.5], [0.0, 0.25, 1.0, 0.25]],
        columns=["first_attempt_accuracy", "accuracy", "retrieval_strength", "materials_score"],
    )
    # Summed in floats these are 0.6000000000000001, 0.5499999999999999, 0.39999999999999997.
    assert weighted_mastery(terms, MasteryWeights()).tolist() == [0.6, 0.55, 0.4]


def test_config_rejects_negative_weights_and_records_itself():
    with pytest.raises(ValueError):
        MasteryWeights(accuracy=-0.1)
    assert MasteryWeights().as_metadata() == {
        "first_attempt_accuracy": 0.30,
        "accuracy": 0.20,
        "retrieval_strength": 0.30,
        "materials_score": 0.20,
    }


def test_no_events_gives_no_rows():
    got = topic_mastery(
        ATTEMPTS.iloc[0:0], INTERACTIONS.iloc[0:0], TOPICS, MATERIALS, RETENTION, AS_OF
    )
    assert got.empty
    assert list(got.columns) == MASTERY_COLUMNS


# --- independent oracle on random data -------------------------------------------------


def _random_world(seed: int) -> tuple[pd.DataFrame, ...]:
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(2):
        rows.append((f"s{s}", None, "system"))
        for j in range(3):
            rows.append((f"s{s}-{j}", f"s{s}", "subject"))
            for k in range(3):
                rows.append((f"s{s}-{j}-{k}", f"s{s}-{j}", "subtopic"))
    topics = pd.DataFrame(rows, columns=["topic_id", "parent_topic_id", "level"])
    topics["board_exam_weight"] = None
    leaves = topics.loc[topics["level"] != "system", "topic_id"].tolist()
    materials = pd.DataFrame(
        {
            "material_id": [f"m{k:02d}" for k in range(20)],
            "topic_id": rng.choice(leaves[:-3], 20).tolist(),  # the last leaves have none
        }
    )
    n = 3000
    # Coarse times (whole hours over 12 days) make same-instant ties common.
    base = pd.Timestamp("2026-02-01", tz="UTC")
    question_topic = {f"q{k:03d}": leaves[k % len(leaves)] for k in range(120)}
    questions = rng.choice(sorted(question_topic), n).tolist()
    attempts = pd.DataFrame(
        {
            "attempt_id": [f"a{x:06d}" for x in rng.permutation(n)],
            "user_id": [f"u{x}" for x in rng.integers(0, 12, n)],
            "question_id": questions,
            "topic_id": [question_topic[q] for q in questions],
            "is_correct": rng.random(n) < 0.6,
            "answered_at": base + pd.to_timedelta(rng.integers(0, 12 * 24, n), unit="h"),
        }
    )
    attempts["workspace_id"] = "w" + (attempts["user_id"].str[1:].astype(int) % 3).astype(str)
    m = 600
    picked = rng.integers(0, 20, m)
    interactions = pd.DataFrame(
        {
            "user_id": [f"u{x}" for x in rng.integers(0, 14, m)],
            "material_id": materials["material_id"].to_numpy()[picked],
            "topic_id": materials["topic_id"].to_numpy()[picked],
            "interaction_type": rng.choice(["open", "read", "complete"], m),
            "occurred_at": base + pd.to_timedelta(rng.integers(0, 12 * 24, m), unit="h"),
        }
    )
    interactions["workspace_id"] = "w" + (interactions["user_id"].str[1:].astype(int) % 3).astype(
        str
    )
    pairs = attempts[["user_id", "topic_id"]].drop_duplicates().sample(40, random_state=seed)
    retention = pairs.assign(retrievability=rng.random(len(pairs)))
    return topics, materials, attempts, interactions, retention


def _oracle(topics, materials, attempts, interactions, retention, end, weights):
    """Row-by-row recomputation of METRICS' mastery definitions."""
    parent = {
        t: (None if pd.isna(p) else p)
        for t, p in zip(topics["topic_id"], topics["parent_topic_id"], strict=True)
    }

    def chain(topic):
        while topic is not None:
            yield topic
            topic = parent.get(topic)

    counts = defaultdict(lambda: [0, 0])
    first = {}
    for row in attempts.itertuples():
        if row.answered_at >= end:
            continue
        for topic in chain(row.topic_id):
            key = (row.user_id, topic)
            counts[key][0] += 1
            counts[key][1] += int(row.is_correct)
            order = (row.answered_at, row.attempt_id)
            q_key = (row.user_id, topic, row.question_id)
            if q_key not in first or order < first[q_key][0]:
                first[q_key] = (order, row.is_correct)
    first_counts = defaultdict(lambda: [0, 0])
    for (user, topic, _), (_, correct) in first.items():
        first_counts[(user, topic)][0] += 1
        first_counts[(user, topic)][1] += int(correct)
    catalog = defaultdict(set)
    for row in materials.itertuples():
        for topic in chain(row.topic_id):
            catalog[topic].add(row.material_id)
    material_topic = dict(zip(materials["material_id"], materials["topic_id"], strict=True))
    completed = defaultdict(set)
    touched = set()
    for row in interactions.itertuples():
        if row.occurred_at >= end:
            continue
        touched.update((row.user_id, topic) for topic in chain(row.topic_id))
        if row.interaction_type == "complete" and row.material_id in material_topic:
            for topic in chain(material_topic[row.material_id]):
                completed[(row.user_id, topic)].add(row.material_id)
    retrieval = {
        (r.user_id, r.topic_id): r.retrievability for r in retention.itertuples(index=False)
    }
    out = {}
    for key in set(counts) | touched:
        n, right = counts.get(key, (0, 0))
        fq, fright = first_counts.get(key, (0, 0))
        total = len(catalog.get(key[1], ()))
        terms = {
            "first_attempt_accuracy": fright / fq if fq else None,
            "accuracy": right / n if n else None,
            "retrieval_strength": retrieval.get(key, 0.0),
            "materials_score": len(completed[key]) / total if total else None,
        }
        used = {k: v for k, v in terms.items() if v is not None}
        weight = sum(getattr(weights, k) for k in used)
        out[key] = {
            "attempts": n,
            "correct": right,
            "materials_completed": len(completed[key]),
            "materials_total": total,
            **terms,
            "mastery": sum(getattr(weights, k) * v for k, v in used.items()) / weight,
            "confidence": 1 - 1 / math.sqrt(1 + n),
        }
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_matches_a_row_by_row_oracle_on_random_data(seed):
    topics, materials, attempts, interactions, retention = _random_world(seed)
    as_of = "2026-02-08"
    weights = MasteryWeights()
    got = topic_mastery(attempts, interactions, topics, materials, retention, as_of, weights)
    expected = _oracle(
        topics,
        materials,
        attempts,
        interactions,
        retention,
        pd.Timestamp("2026-02-09", tz="UTC"),
        weights,
    )
    assert len(got) == len(expected)
    assert got["materials_score"].isna().any()  # the null-materials path is exercised
    assert (got["attempts"] == 0).any()  # interaction-only pairs are exercised
    for row in got.itertuples(index=False):
        want = expected[(row.user_id, row.topic_id)]
        for column, value in want.items():
            actual = getattr(row, column)
            if value is None:
                assert pd.isna(actual), (row.user_id, row.topic_id, column)
            else:
                assert actual == pytest.approx(value, abs=1e-12), (
                    row.user_id,
                    row.topic_id,
                    column,
                )


def test_a_question_under_two_subtopics_counts_once_in_their_subject():
    attempts = _attempts(
        [
            ("c1", "u1", "q7", "S-A-1", False, "2026-03-01 10:00"),
            ("c2", "u1", "q7", "S-A-2", True, "2026-03-02 10:00"),
        ]
    )
    got = topic_mastery(attempts, INTERACTIONS.iloc[0:0], TOPICS, MATERIALS, RETENTION, AS_OF)
    faa = got.set_index("topic_id")["first_attempt_accuracy"]
    # Each subtopic sees its own first attempt; the subject sees q7 once, first wrong.
    assert faa.to_dict() == {"S": 0.0, "S-A": 0.0, "S-A-1": 0.0, "S-A-2": 1.0}
