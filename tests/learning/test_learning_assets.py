"""The learning assets materialized through Dagster on a generated dataset:
topic_mastery counts equal pandas straight from the raw files, the gap set and
the readiness scores follow METRICS.md from the published mastery, the
configuration is recorded, SM-2 is selectable, and re-running a partition
leaves identical rows."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from dagster import AssetKey, DagsterInstance

from analytics_pipeline import warehouse
from analytics_pipeline.commands.demo import event_day_range
from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.dagster_instance import get_instance
from analytics_pipeline.dbt.keys import table_asset_key
from analytics_pipeline.sample_data import generate_sample
from analytics_pipeline.warehouse.previews import PREVIEW_ROWS, format_number
from tests.reference.oracle import preview_frame, significant_digits, warehouse_table
from tests.reference.raw_files import load_dataset
from tests.selections import CORE_UNPARTITIONED

LEARNING = "group:learning"
TABLES = ["topic_mastery", "knowledge_gaps", "exam_readiness", "subject_percentiles"]


def _materialize_learning(as_of: dt.date, run_config: dict | None = None) -> None:
    result = materialize(
        LEARNING, as_of=as_of.isoformat(), log_level="WARNING", run_config=run_config
    )
    assert result.success


@pytest.fixture(scope="module")
def learning(fresh_database, tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    summary = generate_sample(out, workspaces=2, users=60, days=30, seed=11)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANALYTICS_LANDING_DIR", str(out))  # the raw assets read the sample
        assert materialize("group:raw", log_level="WARNING").success
    assert materialize(CORE_UNPARTITIONED, log_level="WARNING").success
    as_of = dt.date.fromisoformat(event_day_range()[1]) - dt.timedelta(days=3)
    _materialize_learning(as_of)
    raw = load_dataset(
        summary.files, sources=("users", "question_attempts", "topics", "topic_relationships")
    )
    return {"as_of": as_of, "raw": raw}


def _expected_attempt_counts(raw: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    """attempts and correct per (user, topic at every level), independently of the project."""
    deleted = set(raw["users"].loc[raw["users"]["deleted_at"].notna(), "user_id"])
    end = pd.Timestamp(as_of + dt.timedelta(days=1), tz="UTC")
    attempts = raw["question_attempts"]
    attempts = attempts[(attempts["answered_at"] < end) & ~attempts["user_id"].isin(deleted)]
    parent = dict(zip(raw["topics"]["topic_id"], raw["topics"]["parent_topic_id"], strict=True))
    rows = []
    for user, topic, correct in attempts[["user_id", "topic_id", "is_correct"]].itertuples(
        index=False
    ):
        while isinstance(topic, str):
            rows.append((user, topic, int(bool(correct))))
            topic = parent.get(topic)
    frame = pd.DataFrame(rows, columns=["user_id", "topic_id", "correct"])
    return (
        frame.groupby(["user_id", "topic_id"])
        .agg(attempts=("correct", "size"), correct=("correct", "sum"))
        .reset_index()
    )


def test_mastery_counts_equal_raw_files(learning):
    mastery = warehouse_table("topic_mastery")
    assert set(mastery["as_of_date"].astype(str)) == {learning["as_of"].isoformat()}
    attempted = mastery[mastery["attempts"] > 0][["user_id", "topic_id", "attempts", "correct"]]
    expected = _expected_attempt_counts(learning["raw"], learning["as_of"])
    merged = expected.merge(attempted, on=["user_id", "topic_id"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert (merged["attempts_x"] == merged["attempts_y"]).all()
    assert (merged["correct_x"] == merged["correct_y"]).all()
    # confidence and the weighted mastery follow METRICS.md from the published terms.
    np.testing.assert_allclose(
        mastery["confidence"], 1 - 1 / np.sqrt(1 + mastery["attempts"]), atol=1e-12
    )
    terms = {
        "first_attempt_accuracy": 0.30,
        "accuracy": 0.20,
        "retrieval_strength": 0.30,
        "materials_score": 0.20,
    }
    values = mastery[list(terms)].astype(float)
    weights = values.notna() * pd.Series(terms)
    expected_mastery = (values.fillna(0) * pd.Series(terms)).sum(axis=1) / weights.sum(axis=1)
    np.testing.assert_allclose(mastery["mastery"], expected_mastery, atol=1e-12)
    assert (mastery["scheduler"] == "fsrs").all()
    reviewed = mastery[mastery["reviews"] > 0]
    assert reviewed["stability"].notna().all() and reviewed["ease"].isna().all()


def _latest_metadata(table: str) -> dict:
    event = get_instance().get_latest_materialization_event(table_asset_key("analytics", table))
    return event.asset_materialization.metadata


def test_previews_show_the_partitions_rows_rounded(learning):
    as_of = learning["as_of"].isoformat()
    for name in TABLES:
        preview = _latest_metadata(name)["preview"]
        assert isinstance(preview, dg.MarkdownMetadataValue), name
        frame = preview_frame(preview.value)
        assert len(frame) == min(PREVIEW_ROWS, len(warehouse_table(name))) > 0, name
        assert set(frame["as_of_date"]) == {as_of}, name
    # The first rows by key, mastery with 4 significant digits.
    mastery = warehouse_table("topic_mastery").sort_values(["user_id", "topic_id"])
    frame = preview_frame(_latest_metadata("topic_mastery")["preview"].value)
    expected = mastery.head(PREVIEW_ROWS)
    assert list(frame["user_id"]) == list(expected["user_id"])
    assert list(frame["mastery"]) == [
        "" if pd.isna(v) else format_number(v) for v in expected["mastery"]
    ]
    for column in ("accuracy", "mastery", "retrieval_strength", "confidence", "stability"):
        assert max(significant_digits(c) for c in frame[column]) <= 4, column


def test_learning_checks_run_after_materialization_and_pass(learning):
    from analytics_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = [c for c in graph.asset_check_keys if c.asset_key.path[-1] in TABLES]
    assert {c.asset_key.path[-1] for c in keys} == set(TABLES)
    assert any(c.name == "mastery_in_range" for c in keys)
    storage = get_instance().event_log_storage
    for key in keys:
        (record,) = storage.get_asset_check_execution_history(key, limit=1)
        assert record.status.value == "SUCCEEDED", key


def test_checks_fail_on_a_duplicated_key_and_a_mastery_above_one(empty_database):
    from analytics_pipeline.learning.assets import LEARNING_CHECKS, TOPIC_MASTERY, topic_mastery
    from analytics_pipeline.learning.tables import ensure_tables

    row = "('2026-01-01', 'w1', 'u1', 't1', 1, 1, 0, 0, 0.5, 0.3, 1, 'fsrs', {})"
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        ensure_tables(conn)
        cur.execute("alter table analytics.topic_mastery drop constraint topic_mastery_pkey")
        cur.execute(
            "insert into analytics.topic_mastery (as_of_date, workspace_id, user_id, topic_id, "
            "attempts, correct, materials_completed, materials_total, retrieval_strength, "
            "confidence, reviews, scheduler, mastery) values "
            + ", ".join(row.format(m) for m in (0.5, 1.5))
        )
    (checks,) = [c for c in LEARNING_CHECKS if TOPIC_MASTERY in {k.asset_key for k in c.check_keys}]
    result = dg.materialize(
        [topic_mastery, checks],
        selection=dg.AssetSelection.checks_for_assets(TOPIC_MASTERY),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    passed = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert passed["primary_key_unique"] is False
    assert passed["mastery_in_range"] is False
    assert passed["primary_key_not_null"] is True
    assert passed["accuracy_in_range"] is True


def test_gap_set_follows_the_rules(learning):
    mastery = warehouse_table("topic_mastery")
    gaps = warehouse_table("knowledge_gaps")
    relationships = learning["raw"]["topic_relationships"]
    edges = relationships[relationships["relationship_type"] == "prerequisite"]
    level = mastery.set_index(["user_id", "topic_id"])["mastery"].to_dict()
    expected = set()
    for row in mastery.itertuples(index=False):
        if row.attempts >= 3 and row.mastery < 0.80:
            expected.add((row.user_id, row.topic_id))
        if row.attempts > 0:
            for prerequisite in edges.loc[edges["topic_id"] == row.topic_id, "related_topic_id"]:
                if (
                    prerequisite != row.topic_id
                    and level.get((row.user_id, prerequisite), 0) < 0.60
                ):
                    expected.add((row.user_id, prerequisite))
    assert set(zip(gaps["user_id"], gaps["topic_id"], strict=True)) == expected
    assert len(expected) > 0
    severity = np.select(
        [gaps["mastery"] < 0.40, gaps["mastery"] < 0.55, gaps["mastery"] < 0.70],
        ["critical", "high", "medium"],
        default="low",
    )
    order = ["low", "medium", "high", "critical"]
    raised = [order[min(order.index(s) + 1, 3)] for s in severity]
    want = np.where(gaps["dependent_gap_topics"] >= 2, raised, severity)
    assert list(gaps["severity"]) == list(want)
    assert all(isinstance(r, list) and r for r in gaps["recommendations"])


def test_readiness_scores_follow_the_definition(learning):
    mastery = warehouse_table("topic_mastery")
    readiness = warehouse_table("exam_readiness")
    topics = learning["raw"]["topics"]
    examined = topics[topics["board_exam_weight"].notna()]
    weights = examined.set_index("topic_id")["board_exam_weight"].astype(float)
    by_pair = mastery.set_index(["user_id", "topic_id"])
    for row in readiness.itertuples(index=False):
        score = sum(
            w * float(by_pair["mastery"].get((row.user_id, t), 0.0)) for t, w in weights.items()
        )
        covered = sum(
            w for t, w in weights.items() if by_pair["attempts"].get((row.user_id, t), 0) > 0
        )
        assert row.predicted_score == pytest.approx(score / weights.sum(), abs=1e-9)
        assert row.coverage == pytest.approx(covered / weights.sum(), abs=1e-9)
    ranked = readiness.groupby("workspace_id")["predicted_score"].rank(method="min")
    sizes = readiness.groupby("workspace_id")["predicted_score"].transform("size")
    expected_rank = ((ranked - 1) / (sizes - 1)).where(sizes > 1, 0.0)
    np.testing.assert_allclose(readiness["percentile_in_workspace"], expected_rank, atol=1e-12)


def _snapshot() -> dict[str, pd.DataFrame]:
    frames = {}
    for name in TABLES:
        frame = warehouse_table(name)
        keys = [c for c in ("user_id", "topic_id") if c in frame]
        frames[name] = frame.sort_values(keys).reset_index(drop=True)
    return frames


def test_rerun_gives_identical_rows_and_config_is_recorded(learning):
    before = _snapshot()
    _materialize_learning(learning["as_of"])
    after = _snapshot()
    for name in TABLES:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)

    instance = DagsterInstance.get()
    event = instance.get_latest_materialization_event(AssetKey(["learning", "knowledge_gaps"]))
    metadata = event.asset_materialization.metadata
    assert metadata["mastery_below"].value == 0.80
    assert metadata["as_of_date"].value == learning["as_of"].isoformat()


def test_sm2_is_selectable_by_run_config(learning):
    config = {"ops": {"learning__topic_mastery": {"config": {"scheduler": "sm2"}}}}
    result = materialize(
        "key:learning/topic_mastery",
        as_of=learning["as_of"].isoformat(),
        log_level="WARNING",
        run_config=config,
    )
    assert result.success
    mastery = warehouse_table("topic_mastery")
    reviewed = mastery[mastery["reviews"] > 0]
    assert (mastery["scheduler"] == "sm2").all()
    assert reviewed["ease"].notna().all() and reviewed["stability"].isna().all()
    assert reviewed["interval_days"].min() >= 1
    _materialize_learning(learning["as_of"])  # back to the default for other tests


def test_mastery_progression_reproduces_the_latest_mastery(learning):
    """Run learning and the mastery history for two consecutive as-of dates: on
    the later day, mastery_progression (re-evaluating each pair's newest
    snapshot version with that day's retrievability) equals topic_mastery as
    the Python asset computed it directly for that day."""
    first = learning["as_of"]
    second = first + dt.timedelta(days=1)
    for day in (first, second):
        result = materialize(
            "group:learning or tag:mastery_history", as_of=day.isoformat(), log_level="WARNING"
        )
        assert result.success
    mastery = warehouse_table("topic_mastery")
    progression = warehouse_table("mastery_progression")
    latest = progression[progression["progress_date"].astype(str) == second.isoformat()]
    merged = mastery.merge(latest, on=["user_id", "topic_id"], suffixes=("", "_progress"))
    assert len(merged) == len(mastery) > 0
    # Some pairs still use the first day's version, decayed by one more day.
    assert (merged["version_as_of_date"].astype(str) == first.isoformat()).any()
    np.testing.assert_allclose(merged["retrievability"], merged["retrieval_strength"], atol=1e-9)
    np.testing.assert_allclose(merged["mastery_progress"], merged["mastery"], atol=1e-9)
    # The later day's materialization previews that day's rows, not the first day's.
    event = get_instance().get_latest_materialization_event(
        AssetKey(["marts", "mastery_progression"])
    )
    preview = preview_frame(event.asset_materialization.metadata["preview"].value)
    assert len(preview) == PREVIEW_ROWS
    assert set(preview["progress_date"]) == {second.isoformat()}
