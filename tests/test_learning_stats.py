"""Proof of the learning statistics tables (daily_user_stats, weekly_user_stats,
topic_daily_stats, user_learning_metrics and int_study_sessions): every column equals
an independent pandas computation straight from the raw files (tests/reference/
learning.py) at two as-of dates, across incremental runs through Dagster; re-running a
partition changes nothing; a deletion removes the user everywhere.

The generated sample has no odd study sessions, so a few hand-written ones are landed
too (repeated and unmatched pauses, a missing start or end, events out of order, a
session over midnight), plus attempts on a topic missing from the catalog or without
time_to_answer_seconds and a material completed twice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from analytics_pipeline.commands.demo import event_day_range
from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.dbt.keys import table_asset_key
from analytics_pipeline.sample_data import generate_sample
from tests.builds import assert_same_tables, landing_folder, materialize_days, sorted_tables
from tests.reference import learning
from tests.reference.oracle import (
    assert_tables_equal_reference,
    warehouse_table,
)
from tests.reference.raw_files import load_source

TABLES = sorted(learning.TABLES)
KEYS = [table_asset_key("analytics", name).to_user_string() for name in TABLES]
DAILY_SELECTION = " or ".join(f"key:{key}" for key in KEYS)
# What the tables are built from (raw, staging, intermediate), and all of staging: its
# relationship tests read every staging model.
UPSTREAM_SELECTION = (
    f"(+group:staging or {' or '.join(f'+key:{key}' for key in KEYS)}) and not tag:daily"
)


def _materialize_upstream(selection: str = UPSTREAM_SELECTION) -> None:
    assert materialize(selection, log_level="WARNING").success


def _lines(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _stamp(day: dt.date, clock: str) -> str:
    return f"{day.isoformat()}T{clock}Z"


def _edge_case_files(landing: Path, files: dict[str, list]) -> dict[str, list[Path]]:
    """Odd study sessions, attempts and completions of a learner, landed after the
    generated files (name order = ingest order)."""
    users = load_source("users", files["users"]).frame
    attempts = load_source("question_attempts", files["question_attempts"]).frame
    learners = attempts[
        ~attempts["user_id"].isin(users.loc[users["deleted_at"].notna(), "user_id"])
    ]
    learner = learners.iloc[0]
    user, workspace, topic = learner["user_id"], learner["workspace_id"], learner["topic_id"]
    d1 = learners["answered_at"].max().date() - dt.timedelta(days=20)
    d2 = d1 + dt.timedelta(days=1)

    def event(n: int, session: str, kind: str, day: dt.date, clock: str) -> dict:
        return {
            "event_id": f"edge-ev-{n}",
            "user_id": user,
            "workspace_id": workspace,
            "session_id": session,
            "event_type": kind,
            "occurred_at": _stamp(day, clock),
        }

    sessions = [
        # repeated pause, a second resume, an unmatched pause after the end
        ("edge-s1", "session_start", d1, "06:00:00"),
        ("edge-s1", "session_pause", d1, "06:10:00"),
        ("edge-s1", "session_pause", d1, "06:12:00"),
        ("edge-s1", "session_resume", d1, "06:20:00"),
        ("edge-s1", "session_resume", d1, "06:21:00"),
        ("edge-s1", "session_end", d1, "06:40:00"),
        ("edge-s1", "session_pause", d1, "06:45:00"),
        # no end: the pause is never resumed and lasts until the last event
        ("edge-s2", "session_start", d1, "07:00:00"),
        ("edge-s2", "session_pause", d1, "07:30:00"),
        ("edge-s2", "search", d1, "07:45:00"),
        # out of order in the file; a resume before any pause
        ("edge-s3", "session_end", d1, "08:20:00"),
        ("edge-s3", "session_resume", d1, "08:05:00"),
        ("edge-s3", "session_pause", d1, "08:10:00"),
        ("edge-s3", "session_start", d1, "08:00:00"),
        ("edge-s3", "session_resume", d1, "08:50:00"),
        # no start, over midnight: counts on d1
        ("edge-s4", "question_view", d1, "23:50:00"),
        ("edge-s4", "session_pause", d2, "00:05:00"),
        ("edge-s4", "session_resume", d2, "00:05:00"),
        ("edge-s4", "session_end", d2, "00:20:00"),
    ]
    study = [event(n, *row) for n, row in enumerate(sessions)]
    attempt_rows = [
        {
            "attempt_id": f"edge-at-{n}",
            "user_id": user,
            "workspace_id": workspace,
            "question_id": f"edge-q-{n}",
            "topic_id": topic_id,
            "is_correct": correct,
            "answered_at": _stamp(d1, f"09:0{n}:00"),
            **({"time_to_answer_seconds": seconds} if seconds is not None else {}),
        }
        for n, (topic_id, correct, seconds) in enumerate(
            [("edge-topic-not-in-catalog", True, None), (topic, False, None), (topic, True, 12.5)]
        )
    ]
    material = load_source("materials", files["materials"]).frame.iloc[0]
    interactions = [
        {
            "interaction_id": f"edge-mi-{n}",
            "user_id": user,
            "workspace_id": workspace,
            "material_id": material["material_id"],
            "topic_id": material["topic_id"],
            "interaction_type": "complete",
            "occurred_at": _stamp(day, "10:00:00"),
        }
        for n, day in enumerate([d2, d1])
    ]
    return {
        "study_events": [_lines(landing / "study_events" / "zz_edge.jsonl", study)],
        "question_attempts": [
            _lines(landing / "question_attempts" / "zz_edge.jsonl", attempt_rows)
        ],
        "material_interactions": [
            _lines(landing / "material_interactions" / "zz_edge.jsonl", interactions)
        ],
    }


@pytest.fixture(scope="module")
def dataset(fresh_database, tmp_path_factory):
    """60 days, 2 workspaces, late and duplicate events plus the edge cases, built up to
    12 days before the end first (the first as-of date), through the project's assets."""
    landing = tmp_path_factory.mktemp("landing")
    with landing_folder(landing):  # the raw assets read it, the deletion test too
        summary = generate_sample(landing, workspaces=2, users=80, days=60, seed=23)
        assert summary.late_rows and summary.duplicate_rows
        files = {source: list(paths) for source, paths in summary.files.items()}
        for source, extra in _edge_case_files(landing, files).items():
            files[source] = files[source] + extra
        _materialize_upstream()
        first, last = (dt.date.fromisoformat(d) for d in event_day_range())
        early = last - dt.timedelta(days=12)
        materialize_days(DAILY_SELECTION, first, early)
        yield {"files": files, "early": early, "last": last, "landing": landing}


def test_tables_equal_reference_at_an_early_as_of_date(dataset):
    assert_tables_equal_reference(dataset["files"], dataset["early"], TABLES)


def test_tables_equal_reference_after_incremental_runs_to_the_end(dataset):
    # A backfill of the middle days in one run, then the last day as its own
    # partition, as the daily schedule would run it.
    last = dataset["last"]
    materialize_days(
        DAILY_SELECTION, dataset["early"] + dt.timedelta(days=1), last - dt.timedelta(days=1)
    )
    materialize_days(DAILY_SELECTION, last, last)
    assert_tables_equal_reference(dataset["files"], last, [*TABLES, *sorted(learning.INTERMEDIATE)])


def test_edge_case_sessions_are_in_the_warehouse(dataset):
    sessions = warehouse_table("int_study_sessions").set_index("session_id")
    edge = sessions.loc[["edge-s1", "edge-s2", "edge-s3", "edge-s4"]]
    assert [float(m) for m in edge["study_minutes"]] == [30.0, 30.0, 10.0, 30.0]
    assert [float(p) for p in edge["paused_seconds"]] == [600.0, 900.0, 600.0, 0.0]
    assert edge.loc["edge-s4", "session_day"] == edge.loc["edge-s1", "session_day"]


def test_rerunning_a_partition_leaves_identical_tables(dataset):
    before = sorted_tables(TABLES)
    materialize_days(DAILY_SELECTION, dataset["last"], dataset["last"])
    assert_same_tables(before, sorted_tables(TABLES))


def test_a_deletion_removes_the_user_from_every_table(dataset, tmp_path):
    last = dataset["last"]
    daily = warehouse_table("daily_user_stats")
    busiest = daily.groupby("user_id")["stat_date"].nunique().idxmax()
    assert daily.loc[daily["user_id"] == busiest, "stat_date"].min() < last - dt.timedelta(days=7)
    users = load_source("users", dataset["files"]["users"]).frame
    version = users[users["user_id"] == busiest].iloc[0]
    deleted = {
        "user_id": busiest,
        "workspace_id": version["workspace_id"],
        "role": version["role"],
        "created_at": version["created_at"].isoformat(),
        "updated_at": _stamp(last, "12:00:00"),
        "deleted_at": _stamp(last, "12:00:00"),
    }
    users_file = _lines(dataset["landing"] / "users" / "zz_deletion.jsonl", [deleted])
    _materialize_upstream(f"key:raw/users+ and ({UPSTREAM_SELECTION})")
    materialize_days(DAILY_SELECTION, last, last)  # only the latest partition
    for name in TABLES:
        assert busiest not in set(warehouse_table(name).get("user_id", pd.Series(dtype=object)))
    files = {**dataset["files"], "users": [*dataset["files"]["users"], users_file]}
    assert_tables_equal_reference(files, last, TABLES)


# -- the reference itself, on hand-worked values ------------------------------------------


def _events(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"event_id": eid, "event_type": kind, "occurred_at": pd.Timestamp(at, tz="UTC")}
            for eid, kind, at in rows
        ]
    )


def test_reference_replays_pauses_like_the_documented_rules():
    repeated = learning.replay_session(
        _events(
            [
                ("a1", "session_start", "2024-05-01 10:00"),
                ("a2", "session_pause", "2024-05-01 10:10"),
                ("a3", "session_resume", "2024-05-01 10:15"),
                ("a4", "session_pause", "2024-05-01 10:20"),
                ("a5", "session_pause", "2024-05-01 10:22"),
                ("a6", "session_resume", "2024-05-01 10:30"),
                ("a7", "session_resume", "2024-05-01 10:31"),
                ("a8", "session_end", "2024-05-01 10:40"),
            ]
        )
    )
    assert (repeated["paused_seconds"], repeated["study_minutes"]) == (900.0, 25.0)
    unmatched = learning.replay_session(
        _events(
            [
                ("b1", "session_start", "2024-05-01 11:00"),
                ("b2", "session_pause", "2024-05-01 11:30"),
                ("b3", "question_view", "2024-05-01 11:40"),
            ]
        )
    )
    assert (unmatched["has_end"], unmatched["paused_seconds"], unmatched["study_minutes"]) == (
        False,
        600.0,
        30.0,
    )
    clipped = learning.replay_session(
        _events(
            [
                ("c1", "session_end", "2024-05-01 12:20"),
                ("c2", "session_resume", "2024-05-01 12:05"),
                ("c3", "session_resume", "2024-05-01 12:50"),
                ("c4", "session_pause", "2024-05-01 12:10"),
                ("c5", "session_start", "2024-05-01 12:00"),
            ]
        )
    )
    assert (clipped["duration_seconds"], clipped["paused_seconds"]) == (1200.0, 600.0)


def test_reference_streaks_on_hand_worked_days():
    day = dt.date(2024, 1, 10)
    run = {day - dt.timedelta(days=k) for k in range(3)} | {
        dt.date(2024, 1, k) for k in (1, 2, 3, 4)
    }
    assert learning.streaks(run, day) == (3, 4)
    assert learning.streaks(run - {day}, day) == (2, 4)  # as-of date empty, day before active
    assert learning.streaks({dt.date(2024, 1, 5), dt.date(2024, 1, 6)}, day) == (0, 2)
    assert learning.streaks(set(), day) == (0, 0)
