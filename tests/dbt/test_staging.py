"""`dbt build --select staging` on a real warehouse: dedupe winners, newest
versions, IP anonymization, defaults, tests and persisted docs."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.schema import ensure_raw_schema
from tests.dbt.staged import STAGED

T0 = "2024-03-01 00:00:00+00"  # first ingest
T1 = "2024-03-02 00:00:00+00"
T2 = "2024-03-03 00:00:00+00"  # latest ingest


def _rows(
    ingested_at: str, batch: str, rows: Iterable[dict[str, Any]], first_line: int = 1
) -> list[dict[str, Any]]:
    """Rows of one batch: lineage added, lines numbered from `first_line` unless given."""
    return [
        {
            "_ingested_at": ingested_at,
            "_source_file": f"/landing/{batch}.jsonl",
            "_source_line": first_line + i,
            "_batch_id": batch,
        }
        | row
        for i, row in enumerate(rows)
    ]


RAW: dict[str, list[dict[str, Any]]] = {
    "workspaces": [
        # w1: the pro version is newer but its batch landed first.
        *_rows(T0, "ws-0", [{"workspace_id": "w1", "name": "Acme", "subscription_tier": "pro",
                             "subscription_status": "ACTIVE", "created_at": "2024-01-01",
                             "updated_at": "2024-02-01"}]),
        *_rows(T1, "ws-1", [{"workspace_id": "w1", "name": "Acme (old)",
                             "subscription_tier": "free", "subscription_status": "TRIAL",
                             "created_at": "2024-01-01", "updated_at": "2024-01-01"},
                            {"workspace_id": "w2", "name": "Beta", "subscription_tier": None,
                             "subscription_status": "EXPIRED", "created_at": "2024-01-02",
                             "updated_at": "2024-01-02"}]),
    ],
    "users": [
        *_rows(T0, "us-0", [
            {"user_id": "u1", "workspace_id": "w1", "role": "MANAGER", "created_at": "2024-01-01",
             "updated_at": "2024-01-10"},
            {"user_id": "u2", "workspace_id": "w1", "role": "MEMBER", "created_at": "2024-01-01",
             "updated_at": "2024-01-01"},
            {"user_id": "u3", "workspace_id": "w2", "role": "STUDENT", "created_at": "2024-01-01",
             "updated_at": "2024-01-01", "deleted_at": "2024-01-01"},
        ]),
        *_rows(T2, "us-2", [
            # u1: an older version re-sent later loses to the newer updated_at.
            {"user_id": "u1", "workspace_id": "w1", "role": "MEMBER", "created_at": "2024-01-01",
             "updated_at": "2024-01-05"},
            # u2 asked for deletion; u3 was restored.
            {"user_id": "u2", "workspace_id": "w1", "role": "MEMBER", "created_at": "2024-01-01",
             "updated_at": "2024-02-01", "deleted_at": "2024-02-01"},
            {"user_id": "u3", "workspace_id": "w2", "role": "STUDENT", "created_at": "2024-01-01",
             "updated_at": "2024-02-01"},
        ]),
    ],
    "user_activity": [
        *_rows(T1, "ua-1", [
            {"event_id": "e1", "user_id": "u1", "workspace_id": "w1", "event_type": "page_view",
             "ip_address": "203.0.113.77", "occurred_at": "2024-03-01 09:00"},
            {"event_id": "e2", "user_id": "u1", "workspace_id": "w1", "event_type": "page_view",
             "ip_address": "192.0.2.10", "occurred_at": "2024-03-01 09:01", "_source_line": 7},
            {"event_id": "e2", "user_id": "u1", "workspace_id": "w1", "event_type": "export",
             "ip_address": "192.0.2.11", "occurred_at": "2024-03-01 09:01", "_source_line": 8},
            {"event_id": "e3", "user_id": "u2", "workspace_id": "w1", "event_type": "api_call",
             "ip_address": "2001:db8:abcd:12::1", "occurred_at": "2024-03-01 09:02",
             "metadata": '{"feature": "search", "duration_ms": 250, "success": true}'},
            {"event_id": "e4", "user_id": "u2", "workspace_id": "w1", "event_type": "error",
             "ip_address": "not an address", "occurred_at": "2024-03-01 09:03",
             "metadata": '{"error_type": "timeout", "success": false, "extra": [1, 2]}'},
            {"event_id": "e5", "user_id": "u2", "workspace_id": "w1", "event_type": "login",
             "ip_address": "10.0.0.0/8", "occurred_at": "2024-03-01 09:04"},
            {"event_id": "e6", "user_id": "u2", "workspace_id": "w1", "event_type": "logout",
             "ip_address": None, "occurred_at": "2024-03-01 09:05"},
            # An orphan: its user is unknown (a relationships warning, not a failure).
            {"event_id": "e7", "user_id": "u404", "workspace_id": "w1",
             "event_type": "report_view", "ip_address": "", "occurred_at": "2024-03-01 09:06",
             "metadata": '{"report_id": "r-9"}'},
        ]),
        # e1 again in a later batch, at a lower line: the later batch wins.
        *_rows(T2, "ua-2", [
            {"event_id": "e1", "user_id": "u1", "workspace_id": "w1", "event_type": "login",
             "ip_address": "198.51.100.200", "occurred_at": "2024-03-01 09:00"},
        ]),
    ],
    "agents": _rows(T0, "ag-0", [
        {"agent_id": "a1", "workspace_id": "w1", "name": "Helper", "created_at": "2024-01-01",
         "updated_at": "2024-01-01"},
    ]),
    "agent_runs": [
        *_rows(T0, "ar-0", [
            {"run_id": "r1", "agent_id": "a1", "workspace_id": "w1", "user_id": "u1",
             "status": "completed", "started_at": "2024-03-01 10:00",
             "ended_at": "2024-03-01 10:01", "runtime_seconds": 60, "credits_consumed": 1.5,
             "model": "m-large", "tokens_used": 1200, "user_rating": 5,
             "updated_at": "2024-03-01 10:01"},
        ]),
        # The "running" version re-sent later must not undo the finish.
        *_rows(T2, "ar-2", [
            {"run_id": "r1", "agent_id": "a1", "workspace_id": "w1", "user_id": "u1",
             "status": "running", "started_at": "2024-03-01 10:00",
             "updated_at": "2024-03-01 10:00"},
            {"run_id": "r2", "agent_id": "a1", "workspace_id": "w1", "user_id": "u2",
             "status": "running", "started_at": "2024-03-01 11:00",
             "updated_at": "2024-03-01 11:00"},
        ]),
    ],
    "topics": [
        *_rows(T0, "tp-0", [
            {"topic_id": "sys", "parent_topic_id": None, "name": "Cardio", "level": "system",
             "updated_at": "2024-01-01"},
            {"topic_id": "subj", "parent_topic_id": "sys", "name": "Heart", "level": "subject",
             "board_exam_weight": 0.25, "updated_at": "2024-01-01"},
            {"topic_id": "sub", "parent_topic_id": "subj", "name": "Valves", "level": "subtopic",
             "board_exam_weight": 0.1, "updated_at": "2024-01-01"},
        ]),
        *_rows(T1, "tp-1", [
            {"topic_id": "sub", "parent_topic_id": "subj", "name": "Heart valves",
             "level": "subtopic", "board_exam_weight": 0.05, "updated_at": "2024-02-01"},
        ]),
    ],
    "topic_relationships": [
        *_rows(T0, "tr-0", [
            {"topic_id": "sub", "related_topic_id": "subj", "relationship_type": "prerequisite"},
            {"topic_id": "sub", "related_topic_id": "subj", "relationship_type": "related"},
        ]),
        *_rows(T1, "tr-1", [
            {"topic_id": "sub", "related_topic_id": "subj", "relationship_type": "prerequisite"},
        ]),
    ],
    "study_events": _rows(T0, "se-0", [
        {"event_id": "s1", "user_id": "u1", "workspace_id": "w1", "session_id": "ss1",
         "event_type": "session_start", "occurred_at": "2024-03-01 08:00"},
        {"event_id": "s2", "user_id": "u1", "workspace_id": "w1", "session_id": "ss1",
         "event_type": "xp_earned", "properties": '{"xp": 10}', "occurred_at": "2024-03-01 08:05"},
    ]),
    "question_attempts": [
        *_rows(T0, "qa-0", [
            {"attempt_id": "q1", "user_id": "u1", "workspace_id": "w1", "question_id": "Q1",
             "topic_id": "sub", "is_correct": False, "hint_used": True,
             "time_to_answer_seconds": 30, "confidence_level": 2,
             "answered_at": "2024-03-01 08:10", "_source_line": 40},
            {"attempt_id": "q2", "user_id": "u1", "workspace_id": "w1", "question_id": "Q2",
             "topic_id": "subj", "is_correct": True, "hint_used": None,
             "answered_at": "2024-03-01 08:11"},
        ]),
        *_rows(T1, "qa-1", [
            {"attempt_id": "q1", "user_id": "u1", "workspace_id": "w1", "question_id": "Q1",
             "topic_id": "sub", "is_correct": True, "hint_used": None,
             "answered_at": "2024-03-01 08:10"},
        ]),
    ],
    "materials": _rows(T0, "ma-0", [
        {"material_id": "m1", "topic_id": "sub", "title": "Valves 101",
         "material_type": "reading", "updated_at": "2024-01-01"},
    ]),
    "material_interactions": _rows(T0, "mi-0", [
        {"interaction_id": "i1", "user_id": "u1", "workspace_id": "w1", "material_id": "m1",
         "topic_id": "sub", "interaction_type": "complete", "duration_seconds": 600,
         "progress_pct": 100, "occurred_at": "2024-03-01 08:20"},
        {"interaction_id": "i1", "user_id": "u1", "workspace_id": "w1", "material_id": "m1",
         "topic_id": "sub", "interaction_type": "complete", "duration_seconds": 600,
         "progress_pct": 100, "occurred_at": "2024-03-01 08:20"},
    ]),
}  # fmt: skip


def _insert(cur, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        columns = ", ".join(row)
        placeholders = ", ".join(["%s"] * len(row))
        cur.execute(
            f"insert into raw.{table} ({columns}) values ({placeholders})", list(row.values())
        )


@pytest.fixture(scope="module")
def staged(fresh_database: str, run_dbt):
    """Raw rows landed, then `dbt build --select staging` (models, unit and data tests)."""
    with warehouse.connect(warehouse.Role.ADMIN) as conn:
        ensure_raw_schema(conn)
        with conn.cursor() as cur:
            for table, rows in RAW.items():
                _insert(cur, table, rows)
    # The core staging folder and the packs' (models/<pack>/staging).
    return run_dbt(
        ["build", "--select", "staging", "hr.staging", "hospital.staging", "qms.staging"],
        name="build-staging",
    )


def _query(sql: str) -> list[tuple]:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def _by_key(sql: str) -> dict[Any, tuple]:
    return {row[0]: row[1:] for row in _query(sql)}


def test_build_passes_with_unit_and_data_tests(staged) -> None:
    staged.check()
    assert "deprecat" not in staged.output.lower(), staged.output
    results = {r["unique_id"]: r["status"] for r in staged.run_results}
    models = {uid for uid in results if uid.startswith("model.")}
    unit_tests = {uid for uid in results if uid.startswith("unit_test.")}
    data_tests = {uid for uid in results if uid.startswith("test.")}
    assert models == {f"model.analytics_pipeline.stg_{name}" for name in STAGED}
    assert len(unit_tests) >= 5 and len(data_tests) >= 80
    assert all(results[uid] == "success" for uid in models)
    assert all(results[uid] == "pass" for uid in unit_tests)
    # The orphan event (user u404) only warns; everything else passes.
    warned = {uid.split(".")[2] for uid in data_tests if results[uid] == "warn"}
    assert warned == {"relationships_stg_user_activity_user_id__user_id__ref_stg_users_"}
    assert all(results[uid] in ("pass", "warn") for uid in data_tests)


def test_append_only_sources_keep_latest_ingest_then_highest_line(staged) -> None:
    activity = _by_key("select event_id, event_type, _batch_id from staging.stg_user_activity")
    assert activity["e1"] == ("login", "ua-2")  # later batch beats lower line
    assert activity["e2"] == ("export", "ua-1")  # same batch: line 8 beats line 7
    assert len(activity) == 7
    attempts = _by_key(
        "select attempt_id, is_correct, hint_used, _batch_id from staging.stg_question_attempts"
    )
    assert attempts == {"q1": (True, False, "qa-1"), "q2": (True, False, "qa-0")}
    assert _query("select count(*) from staging.stg_material_interactions") == [(1,)]
    edges = _query(
        "select topic_id, related_topic_id, relationship_type, _batch_id"
        " from staging.stg_topic_relationships order by relationship_type"
    )
    assert edges == [
        ("sub", "subj", "prerequisite", "tr-1"),
        ("sub", "subj", "related", "tr-0"),
    ]


def test_mutable_sources_keep_newest_version(staged) -> None:
    workspaces = _by_key(
        "select workspace_id, name, subscription_tier, subscription_status"
        " from staging.stg_workspaces"
    )
    assert workspaces == {"w1": ("Acme", "pro", "ACTIVE"), "w2": ("Beta", None, "EXPIRED")}
    users = _by_key("select user_id, role, updated_at::date::text from staging.stg_users")
    assert users["u1"] == ("MANAGER", "2024-01-10")  # newer version ingested earlier
    runs = _by_key(
        "select run_id, status, runtime_seconds, tokens_used from staging.stg_agent_runs"
    )
    assert runs == {"r1": ("completed", 60, 1200), "r2": ("running", None, None)}
    topics = _by_key("select topic_id, name, board_exam_weight from staging.stg_topics")
    assert topics["sub"] == ("Heart valves", Decimal("0.05"))
    assert set(topics) == {"sys", "subj", "sub"}


def test_users_is_deleted_follows_the_newest_version(staged) -> None:
    deleted = _by_key("select user_id, is_deleted, deleted_at is not null from staging.stg_users")
    assert deleted == {"u1": (False, False), "u2": (True, True), "u3": (False, False)}


def test_ip_addresses_are_anonymized(staged) -> None:
    ips = _by_key("select event_id, ip_address from staging.stg_user_activity")
    assert ips == {
        "e1": ("198.51.100.0",),
        "e2": ("192.0.2.0",),
        "e3": ("2001:db8:abcd::",),
        "e4": (None,),  # not an address
        "e5": (None,),  # CIDR
        "e6": (None,),
        "e7": (None,),  # empty string
    }


def test_metadata_keys_are_extracted_typed(staged) -> None:
    rows = _by_key(
        "select event_id, metadata, feature, duration_ms, success, error_type, report_id"
        " from staging.stg_user_activity"
    )
    assert rows["e3"] == (
        {"feature": "search", "duration_ms": 250, "success": True},
        "search", 250, True, None, None,
    )  # fmt: skip
    assert rows["e4"][1:] == (None, None, False, "timeout", None)
    assert rows["e7"][1:] == (None, None, None, None, "r-9")
    assert rows["e1"] == ({}, None, None, None, None, None)  # absent metadata -> {}
    types = dict(
        _query(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'staging' and table_name = 'stg_user_activity'"
        )
    )
    assert [types[c] for c in ("feature", "duration_ms", "success", "error_type", "report_id")] == [
        "text", "numeric", "boolean", "text", "text",
    ]  # fmt: skip
    assert _by_key("select event_id, properties from staging.stg_study_events") == {
        "s1": ({},),
        "s2": ({"xp": 10},),
    }


def test_tables_match_their_documentation(staged) -> None:
    manifest = staged.manifest
    for name in STAGED:
        table = f"stg_{name}"
        documented = list(manifest["nodes"][f"model.analytics_pipeline.{table}"]["columns"])
        actual = [
            row[0]
            for row in _query(
                "select column_name from information_schema.columns where table_schema ="
                f" 'staging' and table_name = '{table}' order by ordinal_position"
            )
        ]
        assert actual == documented, table
        assert "_ingested_at" in actual and "_batch_id" in actual
    comments = _query(
        "select obj_description('staging.stg_users'::regclass),"
        " col_description('staging.stg_users'::regclass, 1)"
    )
    assert all(comment and comment.strip() for comment in comments[0])


def test_postgres_15_fallback_anonymizes_the_same(staged, run_dbt) -> None:
    before = _by_key("select event_id, ip_address from staging.stg_user_activity")
    fallback = run_dbt(
        [
            "build",
            "--select",
            "stg_user_activity",
            "--full-refresh",
            "--vars",
            "{force_inet_cast_fallback: true}",
        ],
        name="build-fallback",
    ).check()
    compiled = fallback.target_path / "run/analytics_pipeline/models/staging/platform"
    assert "staging.try_cast_inet(" in (compiled / "stg_user_activity.sql").read_text()
    assert _by_key("select event_id, ip_address from staging.stg_user_activity") == before
