"""Every quarantine rule of CONTRACT.md, through the real loader into the real
embedded PostgreSQL: the bad row lands in raw._quarantine with its payload
verbatim and a reason naming the column and rule; its good neighbours land."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.ingest import ingest_files

GOOD_ACTIVITY = {
    "event_id": "good-1",
    "user_id": "u1",
    "workspace_id": "w1",
    "event_type": "login",
    "occurred_at": "2026-09-01T10:00:00Z",
}
GOOD_RUN = {
    "run_id": "r-good",
    "agent_id": "a1",
    "workspace_id": "w1",
    "user_id": "u1",
    "status": "completed",
    "started_at": "2026-09-01T10:00:00Z",
    "ended_at": "2026-09-01T10:01:00Z",
    "runtime_seconds": 60,
    "updated_at": "2026-09-01T10:01:00Z",
}
GOOD_ATTEMPT = {
    "attempt_id": "q-good",
    "user_id": "u1",
    "workspace_id": "w1",
    "question_id": "q1",
    "topic_id": "t1",
    "is_correct": True,
    "answered_at": "2026-09-01T10:00:00Z",
}


def _with(base: dict, **changes) -> dict:
    row = {k: v for k, v in base.items() if k not in changes or changes[k] is not ...}
    row.update({k: v for k, v in changes.items() if v is not ...})
    return row


# (case id, source, JSON line, expected reason fragment)
JSON_CASES = [
    (
        "missing required",
        "user_activity",
        _with(GOOD_ACTIVITY, user_id=...),
        "column user_id: required value is missing",
    ),
    (
        "null required",
        "user_activity",
        _with(GOOD_ACTIVITY, user_id=None),
        "column user_id: required value is null",
    ),
    (
        "blank required",
        "user_activity",
        _with(GOOD_ACTIVITY, workspace_id="  "),
        "column workspace_id: required value is null",
    ),
    (
        "timestamp unparseable",
        "user_activity",
        _with(GOOD_ACTIVITY, occurred_at="yesterday"),
        "column occurred_at: value yesterday does not parse as an ISO 8601 timestamp",
    ),
    (
        "timestamp as number",
        "user_activity",
        _with(GOOD_ACTIVITY, occurred_at=1767225600),
        "column occurred_at: value 1767225600 is not an ISO 8601 timestamp",
    ),
    (
        "timestamp before 1970",
        "user_activity",
        _with(GOOD_ACTIVITY, occurred_at="1969-12-31T23:59:59Z"),
        "column occurred_at: timestamp 1969-12-31T23:59:59Z is outside 1970..2100",
    ),
    (
        "timestamp after 2100",
        "user_activity",
        _with(GOOD_ACTIVITY, occurred_at="2101-01-01T00:00:00Z"),
        "column occurred_at: timestamp 2101-01-01T00:00:00Z is outside 1970..2100",
    ),
    (
        "timestamp far away",
        "user_activity",
        _with(GOOD_ACTIVITY, occurred_at="9999-01-01T00:00:00Z"),
        "is outside 1970..2100",
    ),
    (
        "enum",
        "user_activity",
        _with(GOOD_ACTIVITY, event_type="click"),
        "column event_type: value click is not one of page_view",
    ),
    (
        "enum is case sensitive",
        "users",
        {
            "user_id": "u1",
            "workspace_id": "w1",
            "role": "member",
            "created_at": "2026-09-01T00:00:00Z",
            "updated_at": "2026-09-01T00:00:00Z",
        },
        "column role: value member is not one of OWNER",
    ),
    (
        "text too long",
        "user_activity",
        _with(GOOD_ACTIVITY, page_path="x" * 10_001),
        "column page_path: text longer than 10000 characters",
    ),
    (
        "text not text",
        "user_activity",
        _with(GOOD_ACTIVITY, event_name={"a": 1}),
        "column event_name: value {'a': 1} is not text",
    ),
    (
        "metadata a list",
        "user_activity",
        _with(GOOD_ACTIVITY, metadata=[1, 2]),
        "column metadata: value is a JSON array, not an object",
    ),
    (
        "metadata a string",
        "user_activity",
        _with(GOOD_ACTIVITY, metadata="hello"),
        "column metadata: value hello is a JSON string, not an object",
    ),
    (
        "metadata JSON text of an object",
        "user_activity",
        _with(GOOD_ACTIVITY, metadata='{"feature": "export"}'),
        'column metadata: value {"feature": "export"} is a JSON string, not an object '
        "(JSON lines carry the object itself; only CSV and Parquet cells hold JSON text)",
    ),
    (
        "metadata duration negative",
        "user_activity",
        _with(GOOD_ACTIVITY, metadata={"duration_ms": -5}),
        "column metadata: key duration_ms = -5 is not a number >= 0",
    ),
    (
        "metadata duration not a number",
        "user_activity",
        _with(GOOD_ACTIVITY, metadata={"duration_ms": "fast"}),
        "column metadata: key duration_ms = fast is not a number >= 0",
    ),
    (
        "metadata success not bool",
        "user_activity",
        _with(GOOD_ACTIVITY, metadata={"success": "yes"}),
        "column metadata: key success = yes is not a bool",
    ),
    (
        "properties not object",
        "study_events",
        {
            "event_id": "s1",
            "user_id": "u1",
            "workspace_id": "w1",
            "session_id": "x",
            "event_type": "search",
            "properties": 42,
            "occurred_at": "2026-09-01T00:00:00Z",
        },
        "column properties: value is a JSON number, not an object",
    ),
    (
        "int unparseable",
        "agent_runs",
        _with(GOOD_RUN, tokens_used="many"),
        "column tokens_used: value many does not parse as an integer",
    ),
    (
        "int fractional",
        "agent_runs",
        _with(GOOD_RUN, tokens_used=1.5),
        "column tokens_used: value 1.5 does not parse as an integer",
    ),
    (
        "numeric unparseable",
        "agent_runs",
        _with(GOOD_RUN, credits_consumed="1,5"),
        "column credits_consumed: value 1,5 does not parse as a number",
    ),
    (
        "numeric NaN",
        "agent_runs",
        _with(GOOD_RUN, credits_consumed="NaN"),
        "column credits_consumed: value NaN does not parse as a number",
    ),
    (
        "bound >= 0",
        "agent_runs",
        _with(GOOD_RUN, runtime_seconds=-1),
        "column runtime_seconds: value -1 is below the minimum 0",
    ),
    (
        "bound 1..5 high",
        "agent_runs",
        _with(GOOD_RUN, user_rating=6),
        "column user_rating: value 6 is above the maximum 5",
    ),
    (
        "bound 1..5 low",
        "agent_runs",
        _with(GOOD_RUN, user_rating=0),
        "column user_rating: value 0 is below the minimum 1",
    ),
    (
        "ended before started",
        "agent_runs",
        _with(GOOD_RUN, ended_at="2026-09-01T09:00:00Z"),
        "rule ended_at >= started_at: broken",
    ),
    (
        "bool unparseable",
        "question_attempts",
        _with(GOOD_ATTEMPT, is_correct="maybe"),
        "column is_correct: value maybe does not parse as a boolean",
    ),
    (
        "bound 0..3600",
        "question_attempts",
        _with(GOOD_ATTEMPT, time_to_answer_seconds=3601),
        "column time_to_answer_seconds: value 3601 is above the maximum 3600",
    ),
    (
        "bound 0..1",
        "topics",
        {
            "topic_id": "t1",
            "name": "Cardio",
            "level": "system",
            "board_exam_weight": 1.2,
            "updated_at": "2026-09-01T00:00:00Z",
        },
        "column board_exam_weight: value 1.2 is above the maximum 1",
    ),
    (
        "bound 0..100",
        "material_interactions",
        {
            "interaction_id": "i1",
            "user_id": "u1",
            "workspace_id": "w1",
            "material_id": "m1",
            "topic_id": "t1",
            "interaction_type": "read",
            "progress_pct": 101,
            "occurred_at": "2026-09-01T00:00:00Z",
        },
        "column progress_pct: value 101 is above the maximum 100",
    ),
    (
        "bound 0..86400",
        "material_interactions",
        {
            "interaction_id": "i2",
            "user_id": "u1",
            "workspace_id": "w1",
            "material_id": "m1",
            "topic_id": "t1",
            "interaction_type": "read",
            "duration_seconds": 86401,
            "occurred_at": "2026-09-01T00:00:00Z",
        },
        "column duration_seconds: value 86401 is above the maximum 86400",
    ),
]

RAW_LINE_CASES = [
    ("invalid JSON", "user_activity", '{"event_id": "x", ', "line is not valid JSON"),
    ("JSON array", "user_activity", "[1, 2, 3]", "line is JSON but not an object (list)"),
    ("JSON string", "user_activity", '"just text"', "line is JSON but not an object (str)"),
    ("JSON null", "user_activity", "null", "line is JSON but not an object (NoneType)"),
]


def _table_rows(sql: str, params=()) -> list[tuple]:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _good_row(source: str) -> dict:
    return {
        "user_activity": GOOD_ACTIVITY,
        "agent_runs": GOOD_RUN,
        "question_attempts": GOOD_ATTEMPT,
    }.get(source)


def _ingest_lines(tmp_path: Path, source: str, bad_line: str) -> tuple:
    path = tmp_path / f"{source}.jsonl"
    good = _good_row(source)
    lines = [json.dumps(good)] if good else []
    lines.append(bad_line)
    path.write_text("\n".join(lines) + "\n")
    (result,) = ingest_files(source, [path])
    return result, len(lines)


@pytest.mark.parametrize(
    ("source", "row", "reason"),
    [pytest.param(s, r, why, id=name) for name, s, r, why in JSON_CASES],
)
def test_json_row_rule(fresh_database, tmp_path, source, row, reason):
    bad_line = json.dumps(row)
    result, lines = _ingest_lines(tmp_path, source, bad_line)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (lines, lines - 1, 1)
    (quarantined,) = _table_rows(
        "select source_line, reason, payload, source from raw._quarantine where batch_id = %s",
        (result.batch_id,),
    )
    assert quarantined[0] == lines
    assert reason in quarantined[1]
    assert quarantined[2] == bad_line  # verbatim
    assert quarantined[3] == source


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [pytest.param(s, line, why, id=name) for name, s, line, why in RAW_LINE_CASES],
)
def test_structural_line_rule(fresh_database, tmp_path, source, line, reason):
    result, lines = _ingest_lines(tmp_path, source, line)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (lines, lines - 1, 1)
    (quarantined,) = _table_rows(
        "select reason, payload from raw._quarantine where batch_id = %s", (result.batch_id,)
    )
    assert reason in quarantined[0]
    assert quarantined[1] == line


def test_several_problems_are_all_named(fresh_database, tmp_path):
    row = _with(GOOD_ACTIVITY, user_id=None, event_type="nope", occurred_at="2200-01-01")
    result, _ = _ingest_lines(tmp_path, "user_activity", json.dumps(row))
    (reason,) = _table_rows(
        "select reason from raw._quarantine where batch_id = %s", (result.batch_id,)
    )[0]
    assert "column user_id: required value is null" in reason
    assert "column event_type: value nope" in reason
    assert "column occurred_at: timestamp 2200-01-01 is outside 1970..2100" in reason


def test_values_that_are_not_rule_breaks_load(fresh_database, tmp_path):
    """Absent optional columns, metadata absent ({}), offset-less timestamps (UTC),
    non-IP ip_address (nulled later in staging, not quarantined), boundary values."""
    rows = [
        _with(GOOD_ACTIVITY, event_id="e1", occurred_at="2026-09-01T10:00:00"),
        _with(
            GOOD_ACTIVITY,
            event_id="e2",
            occurred_at="2026-09-01T12:00:00+02:00",
            ip_address="not-an-ip",
            metadata={"duration_ms": 0, "other": [1]},
        ),
        _with(GOOD_ACTIVITY, event_id="e3", occurred_at="1970-01-01T00:00:00Z"),
        _with(GOOD_ACTIVITY, event_id="e4", occurred_at="2100-12-31T23:59:59Z"),
        _with(GOOD_ACTIVITY, event_id=12345),  # numeric id exported as a number
    ]
    path = tmp_path / "ok.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")  # blank line: no row
    (result,) = ingest_files("user_activity", [path])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 5, 0)
    got = _table_rows(
        "select event_id, occurred_at at time zone 'UTC', ip_address, metadata, _source_line "
        "from raw.user_activity where _batch_id = %s order by _source_line",
        (result.batch_id,),
    )
    assert [g[0] for g in got] == ["e1", "e2", "e3", "e4", "12345"]
    assert str(got[0][1]) == "2026-09-01 10:00:00"
    assert str(got[1][1]) == "2026-09-01 10:00:00"
    assert got[1][2] == "not-an-ip"
    assert got[0][3] == {} and got[1][3] == {"duration_ms": 0, "other": [1]}
    assert [g[4] for g in got] == [1, 2, 3, 4, 5]


STUDY_EVENT = {
    "event_id": "s1",
    "user_id": "u1",
    "workspace_id": "w1",
    "session_id": "x",
    "event_type": "search",
    "occurred_at": "2026-09-01T00:00:00Z",
}


def test_json_columns_hold_an_object_in_json_lines_and_object_text_in_csv(fresh_database, tmp_path):
    """The same properties, once per format: in JSON lines only the object itself
    loads; in CSV only a cell whose text is a JSON object."""
    properties = [
        ("s1", {"query": "ecg"}),  # JSON lines: an object
        ("s2", '{"query": "ecg"}'),  # JSON lines: text, not an object
        ("s3", ["ecg"]),  # an array is not an object either
        ("s4", None),  # absent: {}
    ]
    jsonl = tmp_path / "study.jsonl"
    jsonl.write_text(
        "".join(
            json.dumps({**STUDY_EVENT, "event_id": event_id, "properties": value}) + "\n"
            for event_id, value in properties
        )
    )
    (result,) = ingest_files("study_events", [jsonl])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert _table_rows(
        "select event_id, properties from raw.study_events where _batch_id = %s order by 1",
        (result.batch_id,),
    ) == [("s1", {"query": "ecg"}), ("s4", {})]
    assert _table_rows(
        "select source_line, reason from raw._quarantine where batch_id = %s order by 1",
        (result.batch_id,),
    ) == [
        (
            2,
            'column properties: value {"query": "ecg"} is a JSON string, not an object '
            "(JSON lines carry the object itself; only CSV and Parquet cells hold JSON text)",
        ),
        (3, "column properties: value is a JSON array, not an object"),
    ]

    header = ",".join([*STUDY_EVENT, "properties"])
    cells = [
        ("c1", '"{""query"": ""ecg""}"'),  # JSON text of an object
        ("c2", '"""{\\""query\\"": 1}"""'),  # JSON text of a string
        ("c3", '"[""ecg""]"'),  # JSON text of an array
        ("c4", ""),  # empty cell: {}
    ]
    fixed = ",".join(v for k, v in STUDY_EVENT.items() if k != "event_id")
    csv_path = tmp_path / "study.csv"
    csv_path.write_text(
        header + "\n" + "".join(f"{event_id},{fixed},{cell}\n" for event_id, cell in cells)
    )
    (result,) = ingest_files("study_events", [csv_path])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert _table_rows(
        "select event_id, properties from raw.study_events where _batch_id = %s order by 1",
        (result.batch_id,),
    ) == [("c1", {"query": "ecg"}), ("c4", {})]
    assert _table_rows(
        "select source_line, reason from raw._quarantine where batch_id = %s order by 1",
        (result.batch_id,),
    ) == [
        (3, "column properties: value is a JSON string, not an object"),
        (4, "column properties: value is a JSON array, not an object"),
    ]
