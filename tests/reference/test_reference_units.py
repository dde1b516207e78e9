"""Unit tests of the reference ("oracle") itself, on tiny hand-built files with
hand-computed expectations. No database."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from . import activity as A
from .compare import compare_frames, frame_differences, values_match
from .raw_files import load_dataset, load_source

D = date(2026, 3, 10)  # a Tuesday


def _write(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def user(uid, ws="w1", created="2026-01-01T00:00:00Z", updated=None, deleted=None):
    return {
        "user_id": uid,
        "workspace_id": ws,
        "role": "MEMBER",
        "created_at": created,
        "updated_at": updated or created,
        "deleted_at": deleted,
    }


def event(eid, uid, at, ws="w1", kind="page_view", session=None, metadata=None):
    return {
        "event_id": eid,
        "user_id": uid,
        "workspace_id": ws,
        "session_id": session,
        "event_type": kind,
        "metadata": metadata,
        "occurred_at": at,
    }


def run(rid, uid, at, status="completed", ws="w1", agent="a1", runtime=10.0, credits=1.0,
        model="m1", error_type=None, rating=None, ended=None, updated=None):  # fmt: skip
    finished = status != "running"
    return {
        "run_id": rid,
        "agent_id": agent,
        "workspace_id": ws,
        "user_id": uid,
        "status": status,
        "started_at": at,
        "ended_at": ended or (at if finished else None),
        "runtime_seconds": runtime if finished else None,
        "credits_consumed": credits if finished else None,
        "model": model,
        "tokens_used": 100 if finished else None,
        "error_type": error_type,
        "user_rating": rating,
        "updated_at": updated or at,
    }


def dataset(tmp_path: Path, users=(), events=(), runs=(), agents=(), workspaces=()):
    rows = {
        "users": list(users),
        "user_activity": list(events),
        "agent_runs": list(runs),
        "agents": list(agents)
        or [
            {
                "agent_id": "a1",
                "workspace_id": "w1",
                "name": "Agent One",
                "created_at": "2025-01-01T00:00:00Z",
                "updated_at": "2025-01-01T00:00:00Z",
            },
        ],  # fmt: skip
        "workspaces": list(workspaces)
        or [
            {
                "workspace_id": w,
                "name": f"WS {w}",
                "subscription_tier": "pro",
                "subscription_status": "ACTIVE",
                "created_at": "2025-01-01T00:00:00Z",
                "updated_at": "2025-01-01T00:00:00Z",
            }
            for w in ("w1", "w2")
        ],  # fmt: skip
    }
    files = {s: [_write(tmp_path / s / f"{s}_1.jsonl", r)] for s, r in rows.items()}
    return load_dataset(files)


# -- raw files ---------------------------------------------------------------------------


def test_late_duplicate_keeps_the_row_of_the_later_file_then_the_higher_line(tmp_path):
    first = _write(
        tmp_path / "a.jsonl",
        [event("e1", "u1", "2026-03-01T10:00:00Z", kind="login")],
    )
    second = _write(
        tmp_path / "b.jsonl",
        [
            event("e1", "u1", "2026-03-01T10:00:00Z", kind="logout"),
            event("e1", "u1", "2026-03-01T10:00:00Z", kind="export"),
        ],
    )
    loaded = load_source("user_activity", [first, second])
    assert loaded.frame["event_type"].tolist() == ["export"]
    loaded = load_source("user_activity", [second, first])  # ingest order decides
    assert loaded.frame["event_type"].tolist() == ["login"]
    assert loaded.valid_rows == 3 and loaded.rows_read == 3


def test_mutable_rows_keep_the_newest_version_even_when_it_arrived_earlier(tmp_path):
    final = run("r1", "u1", "2026-03-01T10:00:00Z", updated="2026-03-01T10:05:00Z")
    running = run("r1", "u1", "2026-03-01T10:00:00Z", status="running")
    early = _write(tmp_path / "runs_1.jsonl.gz", [final])
    late = _write(tmp_path / "runs_2.jsonl.gz", [running])
    frame = load_source("agent_runs", [early, late]).frame
    assert frame["status"].tolist() == ["completed"]
    assert str(frame["updated_at"].dtype) == "datetime64[us, UTC]"


def test_rows_breaking_the_contract_are_dropped(tmp_path):
    good = run("r1", "u1", "2026-03-01T10:00:00+02:00")
    rows = [
        good,
        {**good, "run_id": "bad1", "ended_at": "2026-03-01T07:59:00Z"},  # before started_at
        {**good, "run_id": "bad2", "status": "Completed"},  # enum is case-sensitive
        {**good, "run_id": "bad3", "started_at": "2101-01-01T00:00:00Z"},  # after 2100
        {**good, "run_id": "bad4", "user_rating": 6},  # bound 1..5
        {**good, "run_id": "bad5", "tokens_used": "12abc"},  # not an int
        {k: v for k, v in good.items() if k != "agent_id"} | {"run_id": "bad6"},  # missing
        {**good, "run_id": "bad7", "model": "x" * 10_001},  # text too long
        "[1, 2]",  # not an object
        '{"run_id": "bad9",',  # invalid JSON
    ]
    loaded = load_source("agent_runs", [_write(tmp_path / "r.jsonl", rows)])
    assert loaded.frame["run_id"].tolist() == ["r1"]
    assert loaded.frame["started_at"].iloc[0] == pd.Timestamp("2026-03-01T08:00:00Z")
    assert [line for _, line, _ in loaded.rejected] == list(range(2, 11))

    meta = [
        event("ok", "u1", "2026-03-01T10:00:00", kind="api_call", metadata={"duration_ms": 5}),
        event("m1", "u1", "2026-03-01T10:00:00Z", metadata={"duration_ms": -1}),
        event("m2", "u1", "2026-03-01T10:00:00Z", metadata={"duration_ms": "slow"}),
        event("m3", "u1", "2026-03-01T10:00:00Z", metadata=[1, 2]),
        event("m4", "u1", "2026-03-01T10:00:00Z", metadata={"feature": 3}),
    ]
    loaded = load_source("user_activity", [_write(tmp_path / "e.jsonl", meta)])
    assert loaded.frame["event_id"].tolist() == ["ok"]
    assert loaded.frame["occurred_at"].iloc[0] == pd.Timestamp("2026-03-01T10:00:00Z")


def test_csv_rows_with_the_wrong_field_count_or_broken_quoting_are_dropped(tmp_path):
    path = tmp_path / "topics.csv"
    path.write_text(
        "topic_id,parent_topic_id,name,level,board_exam_weight,updated_at\n"
        "t1,,Cardio,system,0.2,2026-01-01T00:00:00Z\n"
        "t2,t1,Heart,subject,,2026-01-01T00:00:00Z,extra\n"
        "t3,t1,Valves,subtopic,1.5,2026-01-01T00:00:00Z\n"
        '"t4,t1,Open,subtopic,,2026-01-01T00:00:00Z\n'
    )
    loaded = load_source("topics", [path])
    assert loaded.frame["topic_id"].tolist() == ["t1"]
    assert loaded.frame["board_exam_weight"].tolist() == [0.2]
    assert [line for _, line, _ in loaded.rejected] == [3, 4, 5]


def test_reingesting_the_same_content_is_skipped(tmp_path):
    rows = [event("e1", "u1", "2026-03-01T10:00:00Z")]
    a, b = _write(tmp_path / "a.jsonl", rows), _write(tmp_path / "b.jsonl", rows)
    loaded = load_source("user_activity", [a, b])
    assert loaded.skipped_files == [str(b)] and loaded.rows_read == 1


# -- helpers -----------------------------------------------------------------------------


def test_percentiles_on_one_and_two_values():
    assert A.percentile_cont([5.0], 0.95) == 5.0
    assert A.percentile_cont([2.0, 4.0], 0.5) == 3.0
    assert A.percentile_cont([2.0, 4.0], 0.95) == pytest.approx(2.0 + 0.95 * 2.0, abs=1e-12)
    assert A.percentile_cont([4.0, 2.0, 10.0, 8.0], 0.75) == pytest.approx(8.5)
    assert pd.isna(A.percentile_cont([], 0.5))


def test_change_percentage_is_null_when_previous_is_zero_or_missing():
    assert A.change_percentage(125.0, 100.0) == pytest.approx(25.0)
    assert A.change_percentage(0.0, 4.0) == pytest.approx(-100.0)
    assert pd.isna(A.change_percentage(5.0, 0.0))
    assert pd.isna(A.change_percentage(5.0, float("nan")))
    assert pd.isna(A.change_percentage(float("nan"), 3.0))


def test_ratio_with_zero_denominator_is_null():
    assert pd.isna(A.ratio(0, 0)) and A.ratio(1, 4) == 0.25


# -- sessions ----------------------------------------------------------------------------


def test_sessionization_gap_of_exactly_30_minutes_stays_more_starts_a_new_session(tmp_path):
    data = dataset(
        tmp_path,
        users=[user("u1")],
        events=[
            event("e1", "u1", "2026-03-10T10:00:00Z"),
            event("e2", "u1", "2026-03-10T10:30:00Z"),  # gap 30:00: same session
            event("e3", "u1", "2026-03-10T11:00:01Z"),  # gap 30:01: new session
            event("e4", "u1", "2026-03-10T11:10:00Z", session="s1"),  # given: its own
            event("e5", "u1", "2026-03-10T13:10:00Z", session="s1"),  # any gap
        ],
    )
    sessions = A.int_sessions(A.prepare(data, D)).set_index("session_id")
    first = A.derived_session_id("u1", "e1")
    second = A.derived_session_id("u1", "e3")
    assert first == "derived-" + hashlib.md5(b"u1|e1").hexdigest()
    assert set(sessions.index) == {first, second, "s1"}
    assert sessions.loc[first, "event_count"] == 2
    assert sessions.loc[first, "duration_seconds"] == 1800.0
    assert not sessions.loc[first, "is_bounce"]
    assert sessions.loc[second, "is_bounce"] and sessions.loc[second, "duration_seconds"] == 0
    assert sessions.loc["s1", "duration_seconds"] == 7200.0
    assert sessions.loc[first, "is_derived"] and not sessions.loc["s1", "is_derived"]


def test_sessions_are_derived_per_user_and_workspace_and_count_on_their_start_day(tmp_path):
    data = dataset(
        tmp_path,
        users=[user("u1"), user("u2")],
        events=[
            event("e1", "u1", "2026-03-09T23:50:00Z"),
            event("e2", "u1", "2026-03-10T00:10:00Z"),  # same session, next day
            event("e3", "u2", "2026-03-10T00:15:00Z"),  # other user: own session
            event("e4", "u1", "2026-03-10T00:20:00Z", ws="w2"),  # other workspace
        ],
    )
    daily = A.daily_metrics(A.prepare(data, D)).set_index(["metric_date", "workspace_id"])
    assert daily.loc[(date(2026, 3, 9), "w1"), "sessions"] == 1
    assert daily.loc[(date(2026, 3, 9), "w1"), "avg_session_duration_seconds"] == 1200.0
    assert daily.loc[(date(2026, 3, 9), "w1"), "bounce_rate"] == 0.0
    assert daily.loc[(date(2026, 3, 10), "w1"), "sessions"] == 1
    assert daily.loc[(date(2026, 3, 10), "w1"), "bounce_rate"] == 1.0
    assert daily.loc[(date(2026, 3, 10), "w2"), "sessions"] == 1


# -- activity ----------------------------------------------------------------------------


def test_deleted_user_counts_nowhere(tmp_path):
    data = dataset(
        tmp_path,
        users=[
            user("u1"),
            user("u2"),
            user("u2", updated="2026-03-20T00:00:00Z", deleted="2026-03-20T00:00:00Z"),
        ],
        events=[
            event("e1", "u1", "2026-03-10T10:00:00Z"),
            event("e2", "u2", "2026-03-10T10:00:00Z"),
            event("e3", "u2", "2026-03-09T10:00:00Z"),
        ],
        runs=[run("r1", "u2", "2026-03-10T10:00:00Z")],
    )
    inp = A.prepare(data, D)  # the deletion is ingested: it applies to past days too
    daily = A.daily_metrics(inp)
    assert daily["metric_date"].tolist() == [D, D]  # u2's day 9 is gone
    assert daily["workspace_id"].tolist() == [None, "w1"]
    assert daily["dau"].tolist() == [1, 1]
    assert daily["total_users"].tolist() == [1, 1]
    assert daily["events"].tolist() == [1, 1]
    assert daily["total_runs"].tolist() == [0, 0]


def test_active_users_windows_and_dense_days(tmp_path):
    data = dataset(
        tmp_path,
        users=[user("u1"), user("u2"), user("u3", created="2026-03-05T12:00:00Z")],
        events=[
            event("e1", "u1", "2026-03-01T10:00:00Z"),
            event("e2", "u2", "2026-03-04T10:00:00Z"),
        ],
        runs=[run("r1", "u3", "2026-03-08T10:00:00Z")],  # a run alone makes u3 active
    )
    out = A.active_users(A.prepare(data, D))
    w1 = out[out["workspace_id"] == "w1"].set_index("metric_date")
    assert list(w1.index) == A.day_range(date(2026, 3, 1), D)  # dense, zeros included
    assert w1.loc[date(2026, 3, 2), "dau"] == 0
    assert w1.loc[date(2026, 3, 7), "wau"] == 2  # days 1..7
    assert w1.loc[date(2026, 3, 8), "wau"] == 2  # days 2..8: u2, u3
    assert w1.loc[date(2026, 3, 10), "mau"] == 3
    assert w1.loc[date(2026, 3, 8), "stickiness"] == pytest.approx(1 / 3)
    assert w1.loc[date(2026, 3, 4), "total_users"] == 2
    assert w1.loc[date(2026, 3, 5), "total_users"] == 3
    assert w1["new_users"].sum() == 3 and w1["returning_users"].sum() == 0


def test_new_and_returning_users(tmp_path):
    data = dataset(
        tmp_path,
        users=[user("u1"), user("u2")],
        events=[
            event("e1", "u1", "2026-03-08T10:00:00Z"),
            event("e2", "u1", "2026-03-10T10:00:00Z"),
            event("e3", "u2", "2026-03-10T11:00:00Z"),
            event("e4", "u2", "2026-03-10T12:00:00Z"),
        ],
    )
    out = A.daily_metrics(A.prepare(data, D))
    day = out[(out["metric_date"] == D) & (out["workspace_id"] == "w1")].iloc[0]
    assert (day["dau"], day["new_users"], day["returning_users"]) == (2, 1, 1)


def test_all_workspaces_row_is_computed_from_events_not_from_ratios(tmp_path):
    events = [event("a1", "u1", "2026-03-10T10:00:00Z")]  # w1: 1 session, 1 bounce
    events += [  # w2: 3 sessions, 0 bounces
        event(f"b{i}{j}", "u2", f"2026-03-10T{10 + 2 * i}:0{j}:00Z", ws="w2")
        for i in range(3)
        for j in range(2)
    ]
    data = dataset(tmp_path, users=[user("u1"), user("u2", ws="w2")], events=events)
    out = A.daily_metrics(A.prepare(data, D)).set_index("workspace_id", drop=False)
    assert out.loc["w1", "bounce_rate"] == 1.0 and out.loc["w2", "bounce_rate"] == 0.0
    overall = out[out["workspace_id"].isna()].iloc[0]
    assert overall["bounce_rate"] == pytest.approx(0.25)  # 1 / 4, not (1 + 0) / 2
    assert overall["dau"] == 2 and overall["total_users"] == 2


# -- agent runs and errors ---------------------------------------------------------------


def test_run_statuses_rates_runtime_credits_and_errors(tmp_path):
    at = "2026-03-10T09:15:00Z"
    runs = [
        run("r1", "u1", at, runtime=10.0, credits=1.5, model="m1"),
        run("r2", "u1", at, runtime=30.0, credits=2.0, model=None),
        run("r3", "u1", at, status="failed", runtime=20.0, credits=0.5, error_type="timeout"),
        run("r4", "u1", at, status="failed", runtime=None, credits=None, model="m2"),
        run("r5", "u1", at, status="cancelled", runtime=40.0, credits=0.0),
        run("r6", "u1", at, status="running", model="m3"),
    ]
    events = [
        event("e1", "u1", "2026-03-10T09:20:00Z", kind="error", metadata={"error_type": "X"}),
        event("e2", "u1", "2026-03-10T09:21:00Z", kind="error"),
        event("e3", "u1", "2026-03-10T09:22:00Z", kind="api_call", metadata={"duration_ms": 100}),
        event("e4", "u1", "2026-03-10T09:23:00Z", kind="api_call", metadata={"duration_ms": 300}),
        event("e5", "u1", "2026-03-10T09:24:00Z", kind="api_call"),
    ]
    data = dataset(tmp_path, users=[user("u1")], events=events, runs=runs)
    inp = A.prepare(data, D)
    daily = A.daily_metrics(inp)
    row = daily[daily["workspace_id"] == "w1"].iloc[0]
    assert (row["total_runs"], row["successful_runs"], row["failed_runs"]) == (6, 2, 2)
    assert (row["cancelled_runs"], row["running_runs"]) == (1, 1)
    assert row["success_rate"] == pytest.approx(2 / 5)
    assert row["avg_runtime_seconds"] == pytest.approx(25.0)  # 10, 30, 20, 40
    assert row["p50_runtime_seconds"] == pytest.approx(25.0)
    assert row["p95_runtime_seconds"] == pytest.approx(30 + 0.85 * 10)
    assert row["credits_consumed"] == pytest.approx(4.0)
    assert row["credits_by_model"] == {"m1": 2.0, "m2": 0.0, "m3": 0.0, "unknown": 2.0}
    assert row["unique_agents"] == 1
    assert row["error_events"] == 2 and row["api_calls"] == 3
    assert row["error_rate"] == pytest.approx((2 + 2) / (6 + 5))
    assert row["errors_by_type"] == {"X": 1, "timeout": 1, "unknown": 2}
    assert row["api_latency_p95_ms"] == pytest.approx(100 + 0.95 * 200)

    hourly = A.hourly_metrics(inp)
    assert hourly["metric_hour"].tolist() == [pd.Timestamp("2026-03-10T09:00:00Z")] * 2
    assert hourly["total_runs"].tolist() == [6, 6]

    perf = A.agent_performance(inp).iloc[0]
    assert perf["agent_name"] == "Agent One" and perf["tokens_used"] == 500
    assert perf["min_runtime_seconds"] == 10.0 and perf["max_runtime_seconds"] == 40.0
    assert perf["errors_by_type"] == {"timeout": 1, "unknown": 1}


def test_runs_and_events_after_the_as_of_date_are_not_used(tmp_path):
    data = dataset(
        tmp_path,
        users=[user("u1")],
        events=[
            event("e1", "u1", "2026-03-10T23:59:59.999Z"),
            event("e2", "u1", "2026-03-11T00:00:00Z"),
        ],
        runs=[run("r1", "u1", "2026-03-11T00:00:00Z")],
    )
    daily = A.daily_metrics(A.prepare(data, D))
    assert daily["metric_date"].max() == D
    assert daily["events"].tolist() == [1, 1] and daily["total_runs"].tolist() == [0, 0]


# -- retention ---------------------------------------------------------------------------


def test_retention_leaves_out_users_not_yet_measurable(tmp_path):
    data = dataset(
        tmp_path,
        users=[user("u1"), user("u2"), user("u3")],
        events=[
            event("a", "u1", "2026-03-02T10:00:00Z"),  # Monday
            event("b", "u1", "2026-03-03T10:00:00Z"),  # +1
            event("c", "u1", "2026-03-09T10:00:00Z"),  # +7
            event("d", "u2", "2026-03-04T10:00:00Z"),  # u2: +1 = 5th, inactive
            event("e", "u3", "2026-03-08T10:00:00Z"),  # Sunday, same week
            event("f", "u3", "2026-03-10T10:00:00Z"),  # +2 only
        ],
    )
    cohorts = A.user_cohorts(A.prepare(data, D))
    week = cohorts[
        (cohorts["as_of_date"] == D)
        & (cohorts["cohort_type"] == "week")
        & (cohorts["workspace_id"] == "w1")
    ].iloc[0]
    assert week["cohort_start"] == date(2026, 3, 2)
    assert week["initial_users"] == 3
    assert week["day_1_retention"] == pytest.approx(1 / 3)  # all measurable, u1 only
    assert week["day_7_retention"] == 1.0  # only u1 measurable (2 + 7 = 9 <= 10)
    assert pd.isna(week["day_14_retention"]) and pd.isna(week["day_30_retention"])
    assert week["retention_data"] == {
        "day_1": pytest.approx(1 / 3), "day_7": 1.0, "day_14": None, "day_30": None,
    }  # fmt: skip

    earlier = cohorts[
        (cohorts["as_of_date"] == date(2026, 3, 4))
        & (cohorts["cohort_type"] == "month")
        & cohorts["workspace_id"].isna()
    ].iloc[0]
    assert earlier["initial_users"] == 2  # u3's first day is after Mar 4
    assert earlier["day_1_retention"] == 1.0  # u2's day +1 is Mar 5 > as-of
    assert pd.isna(earlier["day_7_retention"])


# -- windows and KPIs --------------------------------------------------------------------


def test_top_agents_rank_by_runs_then_agent_id_within_the_30_day_window(tmp_path):
    agents = [
        {"agent_id": a, "workspace_id": "w1", "name": a.upper(),
         "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"}
        for a in ("a1", "a2", "a3")
    ]  # fmt: skip
    runs = [
        run("old", "u1", "2026-02-08T10:00:00Z", agent="a3"),  # outside the window of D
        run("r1", "u1", "2026-02-09T10:00:00Z", agent="a3"),  # D - 29: inside
        run("r2", "u1", "2026-03-10T10:00:00Z", agent="a2"),
        run("r3", "u1", "2026-03-09T10:00:00Z", agent="a3", status="failed"),
        run("r4", "u1", "2026-03-09T10:00:00Z", agent="a1"),
        run("r5", "u1", "2026-03-09T11:00:00Z", agent="a1"),
    ]
    data = dataset(tmp_path, users=[user("u1")], runs=runs, agents=agents)
    top = A.top_agents(A.prepare(data, D), dates=[D])
    assert top["agent_id"].tolist() == ["a1", "a3", "a2"]
    assert top["rank"].tolist() == [1, 2, 3]
    assert top["total_runs"].tolist() == [2, 2, 1]
    assert top["success_rate"].tolist() == [1.0, 0.5, 1.0]
    assert top["agent_name"].tolist() == ["A1", "A3", "A2"]


def test_workspace_summary_window_and_top_feature(tmp_path):
    feature = "feature_use"
    events = [
        event("f1", "u1", "2026-03-09T10:00:00Z", kind=feature, metadata={"feature": "b"}),
        event("f2", "u1", "2026-03-09T10:01:00Z", kind=feature, metadata={"feature": "a"}),
        event("f3", "u1", "2026-03-09T10:02:00Z", kind=feature),  # "unknown"
        event("x", "u1", "2026-01-01T10:00:00Z", kind="error"),  # before the window
    ]
    data = dataset(tmp_path, users=[user("u1")], events=events)
    summary = A.workspace_summary(A.prepare(data, D), dates=[D])
    assert summary["workspace_id"].tolist() == ["w1", "w2"]
    w1 = summary.iloc[0]
    assert w1["top_feature_30d"] == "a"  # ties by name
    assert w1["events_30d"] == 3 and w1["sessions_30d"] == 1
    assert w1["error_rate_30d"] == 0.0 and pd.isna(w1["success_rate_30d"])
    assert w1["new_users_30d"] == 0  # first active on Jan 1
    assert w1["last_activity_at"] == pd.Timestamp("2026-03-09T10:02:00Z")
    w2 = summary.iloc[1]
    assert w2["events_30d"] == 0 and w2["top_feature_30d"] is None
    assert pd.isna(w2["last_activity_at"]) and pd.isna(w2["error_rate_30d"])


def test_feature_utilization_counts_missing_feature_as_unknown_with_24_hours(tmp_path):
    events = [
        event("f1", "u1", "2026-03-10T10:00:00Z", kind="feature_use"),
        event("f2", "u1", "2026-03-10T23:59:00Z", kind="feature_use", metadata={"feature": "s"}),
    ]
    data = dataset(tmp_path, users=[user("u1")], events=events)
    out = A.feature_utilization(A.prepare(data, D))
    assert out["feature"].tolist() == ["s", "unknown"]
    assert len(out.loc[0, "hourly_usage"]) == 24 and out.loc[0, "hourly_usage"]["23"] == 1


def test_analytics_metrics_previous_period_and_change(tmp_path):
    data = dataset(
        tmp_path,
        users=[user("u1"), user("u2")],
        events=[
            event("e1", "u1", "2026-03-08T10:00:00Z"),
            event("e2", "u1", "2026-03-09T10:00:00Z"),
            event("e3", "u2", "2026-03-09T11:00:00Z"),
        ],
    )
    out = A.analytics_metrics(A.prepare(data, D))
    days = out[
        (out["metric_name"] == "events")
        & (out["period_type"] == "day")
        & (out["workspace_id"] == "w1")
    ]
    assert days["period_start"].tolist() == A.day_range(date(2026, 3, 8), D)
    assert days["value"].tolist() == [1.0, 2.0, 0.0]
    assert pd.isna(days["previous_value"].iloc[0])
    assert days["change_percentage"].iloc[1] == pytest.approx(100.0)
    assert days["change_percentage"].iloc[2] == pytest.approx(-100.0)
    weeks = out[
        (out["metric_name"] == "active_users")
        & (out["period_type"] == "week")
        & (out["workspace_id"] == "w1")
    ]
    assert weeks["period_start"].tolist() == [date(2026, 3, 2), date(2026, 3, 9)]
    assert weeks["period_end"].tolist() == [date(2026, 3, 8), date(2026, 3, 15)]
    assert weeks["value"].tolist() == [1.0, 2.0]
    bounce = out[(out["metric_name"] == "bounce_rate") & (out["period_type"] == "day")]
    assert pd.isna(bounce[bounce["period_start"] == D]["value"]).all()
    month = out[(out["period_type"] == "month") & (out["metric_name"] == "events")]
    assert month["period_end"].tolist() == [date(2026, 3, 31)] * 2


# -- compare_frames ----------------------------------------------------------------------


def test_compare_frames_reports_key_column_and_both_values():
    expected = pd.DataFrame(
        {
            "metric_date": [D, D],
            "workspace_id": [None, "w1"],
            "rate": [0.5, float("nan")],
            "by_type": [{"a": 1.0}, {}],
        }
    )
    from decimal import Decimal

    actual = expected.assign(
        rate=[Decimal("0.5000000000001"), None], by_type=['{"a": 1.0000000000001}', "{}"]
    )
    compare_frames(actual, expected, ["metric_date", "workspace_id"])
    wrong = actual.assign(rate=[Decimal("0.6"), None])
    problems = frame_differences(wrong, expected, ["metric_date", "workspace_id"])
    assert len(problems) == 1
    assert "workspace_id': None" in problems[0] and "rate" in problems[0]
    assert "0.6" in problems[0] and "0.5" in problems[0]
    with pytest.raises(AssertionError, match="rows only in expected"):
        compare_frames(actual.iloc[1:], expected, ["metric_date", "workspace_id"])
    assert not values_match({"a": 1}, {"a": 1, "b": 0})
    assert not values_match(date(2026, 3, 10), pd.Timestamp("2026-03-10", tz="UTC"))


# -- a generated sample: the reference agrees with the generator and with itself ---------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from analytics_pipeline.sample_data import generate_sample

    out = tmp_path_factory.mktemp("sample")
    summary = generate_sample(out, workspaces=2, users=60, days=14, seed=5, bad_rows=0.02)
    return summary


def test_reference_drops_exactly_the_injected_bad_rows_and_the_duplicates(sample):
    from .raw_files import SPECS

    core = (s for s in SPECS if not s.startswith(("hr_", "qms_")))  # packs: their own tests
    for source in core:
        loaded = load_source(source, sample.files[source])
        assert loaded.rows_read == sample.rows_written[source], source
        assert len(loaded.rejected) == sum(sample.bad_rows[source].values()), source
        if source in sample.duplicate_rows and not SPECS[source].version:
            assert len(loaded.frame) == loaded.valid_rows - sample.duplicate_rows[source]


def _sum_by(frame: pd.DataFrame, keys, column):
    per_ws = frame[frame["workspace_id"].notna()].groupby(keys)[column].sum()
    overall = frame[frame["workspace_id"].isna()].set_index(keys)[column]
    return per_ws, overall


def test_reference_tables_agree_with_each_other(sample):
    data = load_dataset(sample.files)
    as_of = date.fromisoformat(sample.parameters["end_date"])
    inp = A.prepare(data, as_of)
    tables = A.all_tables(inp)
    for name, table in tables.items():
        columns = {"int_sessions": A.SESSION_COLUMNS}.get(name)
        assert not table.empty, name
        assert not table.duplicated(A.GRAINS[name]).any(), name
        if columns:
            assert list(table.columns) == columns

    daily, active = tables["daily_metrics"], tables["active_users"]
    assert (daily["dau"] == daily["new_users"] + daily["returning_users"]).all()
    shared = ["metric_date", "workspace_id", "dau", "new_users", "returning_users", "total_users"]
    compare_frames(daily[shared], active[shared], ["metric_date", "workspace_id"])

    for column in ("events", "sessions", "total_runs", "credits_consumed", "error_events"):
        per_ws, overall = _sum_by(daily, "metric_date", column)
        assert (per_ws.reindex(overall.index, fill_value=0) - overall).abs().max() < 1e-9, column
    hourly = tables["hourly_metrics"].rename(columns={"sessions_started": "sessions"})
    for column in ("events", "sessions", "total_runs", "page_views", "api_calls"):
        by_day = hourly.groupby(["metric_date", hourly["workspace_id"].fillna("")])[column].sum()
        want = daily.set_index(["metric_date", daily["workspace_id"].fillna("")])[column]
        assert (by_day.reindex(want.index, fill_value=0) == want).all(), column

    w_daily = daily[daily["workspace_id"].notna()]
    sessions = tables["int_sessions"]
    assert len(sessions) == w_daily["sessions"].sum()
    perf = tables["agent_performance"]
    assert perf["total_runs"].sum() == w_daily["total_runs"].sum() == len(inp.runs)
    engagement = tables["user_engagement_metrics"]
    assert engagement["events"].sum() == w_daily["events"].sum() == len(inp.events)
    assert engagement["sessions"].sum() == len(sessions)
    assert len(engagement) == w_daily["dau"].sum()
    features = tables["feature_utilization"]
    assert features["usage_count"].sum() == (inp.events["event_type"] == "feature_use").sum()
    hourly_totals = features["hourly_usage"].map(lambda h: sum(h.values()))
    assert (hourly_totals == features["usage_count"]).all()

    cohorts = tables["user_cohorts"]
    latest = cohorts[(cohorts["as_of_date"] == as_of) & cohorts["workspace_id"].notna()]
    firsts = tables["int_user_first_activity"]
    for cohort_type in ("week", "month"):
        assert latest[latest["cohort_type"] == cohort_type]["initial_users"].sum() == len(firsts)

    summary = tables["workspace_summary"]
    at_end = summary[summary["as_of_date"] == as_of].set_index("workspace_id")
    mau = active[(active["metric_date"] == as_of) & active["workspace_id"].notna()]
    for w, value in zip(mau["workspace_id"], mau["mau"], strict=True):
        assert at_end.loc[w, "active_users_30d"] == value

    kpis = tables["analytics_metrics"]
    day_events = kpis[(kpis["metric_name"] == "events") & (kpis["period_type"] == "day")]
    compare_frames(
        day_events.rename(columns={"period_start": "metric_date", "value": "events"})[
            ["metric_date", "workspace_id", "events"]
        ],
        daily[["metric_date", "workspace_id", "events"]],
        ["metric_date", "workspace_id"],
    )
    top = tables["top_agents"]
    assert top.groupby(["as_of_date", "workspace_id"])["rank"].max().max() <= A.TOP_AGENTS


@pytest.mark.parametrize("shape", ["events only", "runs only", "nothing"])
def test_every_table_builds_on_degenerate_inputs(tmp_path, shape):
    events = [event("e1", "u1", "2026-03-10T10:00:00Z")] if shape == "events only" else []
    runs = [run("r1", "u1", "2026-03-10T10:00:00Z")] if shape == "runs only" else []
    data = dataset(tmp_path, users=[user("u1")], events=events, runs=runs)
    tables = A.all_tables(A.prepare(data, D))
    for name, table in tables.items():
        assert not table.duplicated(A.GRAINS[name]).any(), name
    assert len(tables["daily_metrics"]) == (0 if shape == "nothing" else 2)
    assert len(tables["workspace_summary"]) == (0 if shape == "nothing" else 2)


def test_bucket_percentiles_equal_percentile_cont_per_bucket():
    frame = pd.DataFrame(
        {
            "k": ["a", "a", "a", "b", "b", "c"],
            "v": [Decimal("4"), Decimal("2"), Decimal("10.5"), Decimal("7"), Decimal("1"), None],
        }
    ).dropna()
    for q in (0.5, 0.75, 0.95, 0.99):
        by_bucket = A._percentile(frame, ["k"], "v", q, "p")
        for key, values in frame.groupby("k")["v"]:
            assert by_bucket[key] == pytest.approx(A.percentile_cont(values, q), abs=1e-12)
