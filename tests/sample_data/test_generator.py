"""The sample-data generator: determinism, contract conformance, bad-row accounting and
the shape of the data downstream metrics are computed from."""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics_pipeline.ingest.contract import SOURCES, pack_sources
from analytics_pipeline.sample_data import (
    MANIFEST,
    GenerationSummary,
    generate_sample,
    write_user_activity_file,
)

from .contract_checker import classify, read_text, records

EVENT_SOURCES = (
    "user_activity", "agent_runs", "study_events", "question_attempts", "material_interactions",
)  # fmt: skip
SMALL = dict(workspaces=2, users=80, days=21, end_date=date(2026, 3, 15))


@pytest.fixture(scope="module")
def default_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("default")
    return out, generate_sample(out)


@pytest.fixture(scope="module")
def bad_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("bad")
    return out, generate_sample(out, bad_rows=0.03, seed=11, **SMALL)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _frame(root: Path, source: str) -> pd.DataFrame:
    """All valid rows of a source with the send day of their file."""
    rows = []
    for path in sorted((root / source).iterdir()):
        sent = path.name.removeprefix(f"{source}_").split(".")[0]
        for _, record in records(path):
            if isinstance(record, dict):
                rows.append({**record, "_file": path.name, "_sent": sent})
    return pd.DataFrame(rows)


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="ISO8601")


# --- determinism and layout -------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    generate_sample(tmp_path / "a", bad_rows=0.02, **SMALL)
    generate_sample(tmp_path / "b", bad_rows=0.02, **SMALL)
    generate_sample(tmp_path / "c", bad_rows=0.02, seed=8, **SMALL)
    a, b, c = (_tree(tmp_path / x) for x in "abc")
    assert a == b
    assert a.keys() & c.keys()
    assert any(a[k] != c[k] for k in a.keys() & c.keys() if k.startswith("user_activity/"))


def test_same_bytes_in_another_process(tmp_path: Path) -> None:
    """No dependence on hash randomization or anything else process-specific."""
    generate_sample(tmp_path / "here", bad_rows=0.02, **SMALL)
    code = (
        "import sys, datetime, pathlib; from analytics_pipeline.sample_data import generate_sample;"
        "generate_sample(pathlib.Path(sys.argv[1]), bad_rows=0.02, workspaces=2, users=80,"
        "days=21, end_date=datetime.date(2026, 3, 15))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    assert _tree(tmp_path / "here") == _tree(tmp_path / "there")


def test_layout_formats_and_manifest(default_sample: tuple[Path, GenerationSummary]) -> None:
    out, summary = default_sample
    assert set(summary.files) == set(pack_sources(None))  # the packs: test_hr_sample.py
    for source, paths in summary.files.items():
        assert paths == sorted(paths) and paths
        for path in paths:
            assert path.parent == out / source
            assert path.name.startswith(f"{source}_")
    names = [p.name for paths in summary.files.values() for p in paths]
    for suffix in (".jsonl", ".jsonl.gz", ".ndjson", ".csv", ".csv.gz", ".parquet"):
        assert any(n.endswith(suffix) for n in names), suffix
    assert (out / "user_activity" / "user_activity_2026-08-02.jsonl").exists()
    assert (out / "users" / "users_initial.jsonl").exists()
    assert any(n.startswith("users_updates_") for n in names)
    assert len(summary.files["user_activity"]) == 60
    manifest = json.loads((out / MANIFEST).read_text())
    assert (out / MANIFEST).read_text() == summary.to_json()
    assert manifest["rows_written"] == summary.rows_written
    assert manifest["files"]["agents"][0].startswith("agents/")


def test_gzip_is_reproducible(default_sample: tuple[Path, GenerationSummary]) -> None:
    path = default_sample[1].files["agent_runs"][0]
    assert path.read_bytes()[4:8] == b"\0\0\0\0"  # gzip header mtime


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    for kwargs in (
        {"users": 1},
        {"days": 0},
        {"bad_rows": 1.5},
        {"workspaces": 0},
        {"packs": ("nope",)},
    ):
        with pytest.raises(ValueError):
            generate_sample(tmp_path, **kwargs)


def test_does_not_import_dagster() -> None:
    code = "import sys, analytics_pipeline.sample_data; assert 'dagster' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- contract conformance and bad rows --------------------------------------------------


def test_clean_sample_conforms_to_contract(
    default_sample: tuple[Path, GenerationSummary],
) -> None:
    _, summary = default_sample
    for source, paths in summary.files.items():
        lines = 0
        for path in paths:
            for line, _, reasons in classify(source, path):
                lines += 1
                assert not reasons, f"{path.name}:{line} {reasons}"
        assert lines == summary.rows_written[source]
        assert summary.bad_rows[source] == {}


def test_bad_rows_are_counted_by_kind(bad_sample: tuple[Path, GenerationSummary]) -> None:
    out, summary = bad_sample
    manifest = json.loads((out / MANIFEST).read_text())
    for source, paths in summary.files.items():
        found: Counter[str] = Counter()
        lines = 0
        for path in paths:
            for line, _, reasons in classify(source, path):
                lines += 1
                assert len(reasons) <= 1, f"{path.name}:{line} breaks {reasons}"
                found.update(reasons)
        assert lines == summary.rows_written[source]
        assert dict(found) == manifest["bad_rows"][source], source
        assert lines == manifest["valid_rows"][source] + sum(found.values())
        assert sum(found.values()) >= round(0.03 * manifest["valid_rows"][source])


def test_every_quarantine_rule_is_exercised(bad_sample: tuple[Path, GenerationSummary]) -> None:
    kinds = bad_sample[1].bad_rows
    common = {"required_null", "type_ts", "ts_out_of_range", "text_too_long"}
    for source in pack_sources(None):
        expected = set(common) - (
            {"type_ts", "ts_out_of_range"} if source == "topic_relationships" else set()
        )
        assert expected <= kinds[source].keys(), source
    json_rules = {"required_missing", "invalid_json", "not_object"}
    for source in ("users", "workspaces", *EVENT_SOURCES):
        assert json_rules <= kinds[source].keys(), source
    for source in ("topics", "materials", "topic_relationships"):
        assert {"csv_field_count", "csv_unparseable", "enum"} <= kinds[source].keys()
    assert {"json_not_object", "metadata_duration_ms"} <= kinds["user_activity"].keys()
    assert "json_not_object" in kinds["study_events"]
    assert {"type_int", "type_numeric", "bound", "order", "enum"} <= kinds["agent_runs"].keys()
    assert {"type_bool", "type_int", "type_numeric", "bound"} <= kinds["question_attempts"].keys()
    assert {"bound", "type_numeric"} <= kinds["material_interactions"].keys()
    assert {"bound", "type_numeric"} <= kinds["topics"].keys()


def test_bad_rows_do_not_reuse_valid_keys(bad_sample: tuple[Path, GenerationSummary]) -> None:
    out, summary = bad_sample
    for source, paths in summary.files.items():
        key = SOURCES[source].key[0]
        valid, bad = set(), set()
        for path in paths:
            for _, record, reasons in classify(source, path):
                if record is not None and record.get(key) is not None:
                    (bad if reasons else valid).add(record[key])
        assert bad and not bad & valid, source


# --- shape ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def activity(default_sample: tuple[Path, GenerationSummary]) -> pd.DataFrame:
    frame = _frame(default_sample[0], "user_activity")
    frame["ts"] = _utc(frame["occurred_at"])
    return frame


def test_weekly_and_daily_seasonality(activity: pd.DataFrame) -> None:
    events = activity.drop_duplicates("event_id")
    per_day = events.groupby(events["ts"].dt.floor("D")).size()
    weekend = per_day.index.day_of_week >= 5
    assert per_day[~weekend].mean() > 1.5 * per_day[weekend].mean()
    assert events["ts"].dt.hour.between(8, 17).mean() > 0.55


def test_event_types_metadata_and_clients(activity: pd.DataFrame) -> None:
    assert set(activity["event_type"]) == set(SOURCES["user_activity"].column("event_type").enum)
    meta = activity.dropna(subset=["metadata"])
    by_type = {t: g["metadata"].tolist() for t, g in meta.groupby("event_type")}
    assert all("feature" in m for m in by_type["feature_use"])
    durations = [m["duration_ms"] for m in by_type["api_call"]]
    assert min(durations) >= 0 and np.mean(durations) > np.median(durations)
    assert any("error_type" in m for m in by_type["error"])
    assert all("report_id" in m for m in by_type["report_view"])
    assert any("success" in m for m in meta["metadata"])
    kinds = Counter()
    for value in activity["ip_address"].dropna():
        try:
            kinds[ipaddress.ip_address(value).version] += 1
        except ValueError:
            kinds["not an address"] += 1
    assert kinds[4] > kinds[6] > kinds["not an address"] > 0
    assert activity["referrer"].notna().any() and activity["user_agent"].notna().all()


def test_late_and_duplicate_events(default_sample: tuple[Path, GenerationSummary]) -> None:
    out, summary = default_sample
    time_column = {
        "user_activity": "occurred_at",
        "agent_runs": "updated_at",
        "study_events": "occurred_at",
        "question_attempts": "answered_at",
        "material_interactions": "occurred_at",
    }
    for source, column in time_column.items():
        frame = _frame(out, source)
        key = list(SOURCES[source].key) + (["updated_at"] if source == "agent_runs" else [])
        frame = frame.sort_values("_sent", kind="stable")
        first = frame.drop_duplicates(key)  # a re-sent duplicate may come days later still
        lag = (
            pd.to_datetime(first["_sent"]).dt.tz_localize("UTC") - _utc(first[column]).dt.floor("D")
        ).dt.days
        assert lag.min() >= 0 and lag.max() <= 4, source
        if source != "agent_runs":  # final run versions are often sent the next day anyway
            assert 0.01 < (lag > 0).mean() < 0.05, source
            assert lag.max() == 3
        dups = frame[frame.duplicated(key, keep=False)]
        assert 0.005 < len(dups) / len(frame) < 0.04, source
        content = dups.drop(columns=["_file", "_sent"]).astype(str)
        assert content.drop_duplicates().shape[0] == dups.drop_duplicates(key).shape[0]


def test_sessions_with_and_without_ids(activity: pd.DataFrame) -> None:
    events = activity.drop_duplicates("event_id")
    assert 0.12 < events["session_id"].isna().mean() < 0.3
    sized = events.dropna(subset=["session_id"]).groupby("session_id").size()
    assert (sized == 1).any() and (sized > 5).any()
    loose = events[events["session_id"].isna()].sort_values(["user_id", "ts"])
    gaps = loose.groupby("user_id")["ts"].diff().dt.total_seconds() / 60
    assert gaps.between(25, 30, inclusive="neither").sum() > 5
    assert gaps.between(30, 36, inclusive="neither").sum() > 5


def test_activity_decays_with_cohort_age(
    default_sample: tuple[Path, GenerationSummary], activity: pd.DataFrame
) -> None:
    users = _frame(default_sample[0], "users").drop_duplicates("user_id")
    created = _utc(users.set_index("user_id")["created_at"]).dt.floor("D")
    end = pd.Timestamp("2026-09-30", tz="UTC")
    cohort = created[
        (created >= pd.Timestamp("2026-08-01", tz="UTC")) & (created <= end - pd.Timedelta(days=28))
    ]
    days = activity.drop_duplicates("event_id").assign(day=lambda f: f["ts"].dt.floor("D"))
    days = days[days["user_id"].isin(cohort.index)].drop_duplicates(["user_id", "day"])
    age = (days["day"] - days["user_id"].map(cohort)).dt.days
    first_week = age.between(0, 6).sum() / len(cohort)
    fourth_week = age.between(21, 27).sum() / len(cohort)
    assert len(cohort) > 30
    assert first_week > 1.5 * fourth_week > 0


def test_agent_runs_lifecycle(default_sample: tuple[Path, GenerationSummary]) -> None:
    runs = _frame(default_sample[0], "agent_runs")
    runs["updated"] = _utc(runs["updated_at"])
    statuses = runs.groupby("run_id")["status"].agg(set)
    resent = statuses[statuses.map(lambda s: "running" in s and len(s) > 1)]
    assert len(resent) > 0.5 * len(statuses)
    assert (statuses.map(lambda s: s == {"running"})).any()  # still running at the end
    newest = runs.sort_values("updated").drop_duplicates("run_id", keep="last")
    assert not (newest["status"] == "running").all()
    running = runs[runs["status"] == "running"].set_index("run_id")["updated"]
    final = newest[newest["status"] != "running"].set_index("run_id")["updated"]
    both = running.index.intersection(final.index).unique()
    assert (final[both] > running.groupby(level=0).max()[both]).all()
    done = newest[newest["status"] != "running"]
    shares = done["status"].value_counts(normalize=True)
    assert 0.04 < shares["failed"] < 0.12 and shares["cancelled"] > 0.01
    assert done.loc[done["status"] == "failed", "error_type"].notna().mean() > 0.7
    runtime = done["runtime_seconds"].astype(float)
    assert runtime.mean() > 1.3 * runtime.median()
    rate = (done["credits_consumed"] / done["tokens_used"]).groupby(done["model"]).median()
    assert len(rate) >= 4 and rate.max() > 5 * rate.min()
    assert done["user_rating"].notna().any() and done["model"].isna().any()


def test_accounts_change_over_time(default_sample: tuple[Path, GenerationSummary]) -> None:
    out = default_sample[0]
    users = _frame(out, "users")
    assert users["user_id"].nunique() == 300
    assert set(users["role"]) == set(SOURCES["users"].column("role").enum)
    assert users["role"].isin(["MEMBER", "STUDENT"]).mean() > 0.8
    versions = users.groupby("user_id")["role"].nunique()
    assert (versions > 1).any()
    assert users["deleted_at"].notna().any()
    created = _utc(users["created_at"])
    assert (created < pd.Timestamp("2026-08-01", tz="UTC")).mean() > 0.3
    signups = created[created >= pd.Timestamp("2026-08-01", tz="UTC")].dt.floor("D")
    assert signups.nunique() > 30
    workspaces = _frame(out, "workspaces")
    changed = workspaces.groupby("workspace_id")["subscription_status"].nunique()
    assert (changed > 1).sum() >= 2


def test_curriculum_catalog(default_sample: tuple[Path, GenerationSummary]) -> None:
    out = default_sample[0]
    topics = _frame(out, "topics").drop_duplicates("topic_id", keep="last")
    systems = topics[topics["level"] == "system"]
    weights = systems["board_exam_weight"].dropna().astype(float)
    assert len(systems) >= 4 and abs(weights.sum() - 1) < 1e-9
    assert systems["board_exam_weight"].isna().sum() == 1
    parent_level = topics["parent_topic_id"].map(topics.set_index("topic_id")["level"])
    assert (parent_level[topics["level"] == "subject"] == "system").all()
    assert (parent_level[topics["level"] == "subtopic"] == "subject").all()
    edges = _frame(out, "topic_relationships")
    assert set(edges["relationship_type"]) == {"prerequisite", "related"}
    prereq = edges[edges["relationship_type"] == "prerequisite"]
    graph = prereq.groupby("topic_id")["related_topic_id"].agg(list).to_dict()
    state: dict[str, int] = {}

    def acyclic(node: str) -> bool:
        if state.get(node) == 1:
            return False
        if state.get(node) == 2:
            return True
        state[node] = 1
        ok = all(acyclic(n) for n in graph.get(node, []))
        state[node] = 2
        return ok

    assert all(acyclic(n) for n in graph)
    materials = _frame(out, "materials").drop_duplicates("material_id")
    per_topic = materials.groupby("topic_id").size()
    assert per_topic.between(2, 4).all()
    assert set(materials["material_type"]) == set(SOURCES["materials"].column("material_type").enum)


def test_learning_shape(default_sample: tuple[Path, GenerationSummary]) -> None:
    out = default_sample[0]
    attempts = _frame(out, "question_attempts").drop_duplicates("attempt_id")
    attempts["ts"] = _utc(attempts["answered_at"])
    topics = _frame(out, "topics").drop_duplicates("topic_id").set_index("topic_id")["level"]
    levels = attempts["topic_id"].map(topics).value_counts(normalize=True)
    assert levels["subtopic"] > 0.6 and levels["subject"] > 0.05
    attempts = attempts.sort_values(["user_id", "topic_id", "ts"])
    attempts["prior"] = attempts.groupby(["user_id", "topic_id"]).cumcount()
    first = attempts.loc[attempts["prior"] == 0, "is_correct"].mean()
    practiced = attempts.loc[attempts["prior"] >= 5, "is_correct"].mean()
    assert practiced > first + 0.05
    seconds = attempts["time_to_answer_seconds"].astype(float)
    assert seconds.between(0, 3600).all() and seconds.mean() > seconds.median()
    assert set(attempts["confidence_level"].dropna().astype(int)) == {1, 2, 3, 4, 5}
    assert attempts["hint_used"].eq(True).any() and attempts["session_id"].isna().any()

    events = _frame(out, "study_events").drop_duplicates("event_id")
    assert set(events["event_type"]) == set(SOURCES["study_events"].column("event_type").enum)
    per_session = events.groupby("session_id")["event_type"].agg(list)
    ended = per_session.map(lambda kinds: "session_end" in kinds)
    assert 0.7 < ended.mean() < 1.0
    paired = per_session.map(lambda k: k.count("session_pause") == k.count("session_resume"))
    assert paired.all()

    interactions = _frame(out, "material_interactions").drop_duplicates("interaction_id")
    assert set(interactions["interaction_type"]) == {
        "open",
        "read",
        "complete",
        "highlight",
        "note",
    }
    assert interactions["progress_pct"].dropna().between(0, 100).all()
    assert (interactions["interaction_type"] == "complete").sum() > 10


def test_references_are_consistent(default_sample: tuple[Path, GenerationSummary]) -> None:
    out = default_sample[0]
    users = _frame(out, "users").drop_duplicates("user_id", keep="last").set_index("user_id")
    created = _utc(users["created_at"])
    deleted = _utc(users["deleted_at"])
    agents = set(_frame(out, "agents")["agent_id"])
    topics = set(_frame(out, "topics")["topic_id"])
    materials = _frame(out, "materials").drop_duplicates("material_id")
    time_column = {
        "user_activity": "occurred_at",
        "agent_runs": "started_at",
        "study_events": "occurred_at",
        "question_attempts": "answered_at",
        "material_interactions": "occurred_at",
    }
    for source, column in time_column.items():
        frame = _frame(out, source)
        assert frame["user_id"].isin(users.index).all(), source
        assert (frame["workspace_id"] == frame["user_id"].map(users["workspace_id"])).all()
        at = _utc(frame[column])
        assert (at >= frame["user_id"].map(created)).all(), source
        gone = frame["user_id"].map(deleted)
        assert not (gone.notna() & (at >= gone)).any(), source
        if "topic_id" in frame:
            assert frame["topic_id"].isin(topics).all()
    assert _frame(out, "agent_runs")["agent_id"].isin(agents).all()
    interactions = _frame(out, "material_interactions")
    material_topic = interactions["material_id"].map(materials.set_index("material_id")["topic_id"])
    assert (material_topic == interactions["topic_id"]).all()


# --- benchmark file ---------------------------------------------------------------------


def test_user_activity_file_rows_are_valid(tmp_path: Path) -> None:
    for name in ("bench.jsonl", "bench.jsonl.gz"):
        path = write_user_activity_file(tmp_path / name, 4321, seed=3)
        results = list(classify("user_activity", path))
        assert len(results) == 4321
        assert all(not reasons for _, _, reasons in results)
        assert len({record["event_id"] for _, record, _ in results}) == 4321
    plain = read_text(tmp_path / "bench.jsonl")
    assert plain == read_text(tmp_path / "bench.jsonl.gz")
    again = write_user_activity_file(tmp_path / "again.jsonl", 4321, seed=3)
    assert again.read_text() == plain
