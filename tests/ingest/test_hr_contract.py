"""The HR pack's rules that the core sources do not have: json array columns
with per-element key checks, and a bound that depends on another column.
Checked on the validator directly; the end-to-end path is in test_mongo_ingest."""

from __future__ import annotations

import pytest

from analytics_pipeline.ingest.contract import SOURCES, pack_sources
from analytics_pipeline.ingest.validate import validate

SESSION = {
    "session_id": "s1",
    "organization_id": "o1",
    "started_at": "2026-09-01T10:00:00Z",
    "updated_at": "2026-09-01T10:05:00Z",
}
MESSAGE = {
    "message_id": "m1",
    "sender": "USER",
    "token_count": 12,
    "query_type": "team_formation",
    "sent_at": "2026-09-01T10:00:05Z",
}
SURVEY = {
    "response_id": "r1",
    "organization_id": "o1",
    "survey_type": "NPS",
    "score": 9,
    "responded_at": "2026-09-01T10:00:00Z",
}


def _reasons(source: str, row: dict, *, as_text: bool = False) -> list[str]:
    return validate(SOURCES[source], [row], json_as_text=as_text).reasons.get(0, [])


def test_the_pack_has_its_twelve_sources_with_described_columns() -> None:
    names = pack_sources("hr")
    assert len(names) == 12 and all(name.startswith("hr_") for name in names)
    assert not any(SOURCES[name].pack for name in pack_sources(None))
    for name in names:
        assert all(column.description for column in SOURCES[name].columns), name
    mongo = {name for name in names if SOURCES[name].mongo}
    assert mongo == {
        "hr_activity_logs",
        "hr_dashboard_interactions",
        "hr_report_access_logs",
        "hr_chat_sessions",
    }


def test_a_message_array_is_accepted_and_absent_means_empty() -> None:
    checked = validate(
        SOURCES["hr_chat_sessions"],
        [{**SESSION, "messages": [MESSAGE, {**MESSAGE, "message_id": "m2"}]}, SESSION],
        json_as_text=False,
    )
    assert checked.reasons == {}
    assert checked.arrays["messages"].to_pylist()[1] == "[]"
    assert '"message_id":"m2"' in checked.arrays["messages"].to_pylist()[0]


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        ({"message_id": "m1"}, "column messages: value is a JSON object, not an array"),
        ([MESSAGE, 7], "column messages: element 2 is a JSON number, not an object"),
        (
            [{**MESSAGE, "sender": "BOT"}],
            "column messages: element 1: key sender = BOT is not one of USER, ASSISTANT, SYSTEM",
        ),
        (
            [MESSAGE, {**MESSAGE, "token_count": -3}],
            "column messages: element 2: key token_count = -3 is not a number >= 0",
        ),
        (
            [{k: v for k, v in MESSAGE.items() if k != "message_id"}],
            "column messages: element 1: key message_id is missing (required)",
        ),
        (
            [{**MESSAGE, "sent_at": "yesterday"}],
            "column messages: element 1: key sent_at = yesterday is not an ISO 8601 timestamp",
        ),
        (
            "[]",
            "column messages: value [] is a JSON string, not an array (JSON lines carry the "
            "array itself; only CSV and Parquet cells hold JSON text)",
        ),
    ],
)
def test_a_bad_message_element_quarantines_the_session(messages, reason) -> None:
    assert _reasons("hr_chat_sessions", {**SESSION, "messages": messages}) == [reason]


def test_csv_cells_hold_the_array_as_text() -> None:
    text = '[{"message_id": "m1", "sender": "SYSTEM"}]'
    assert _reasons("hr_chat_sessions", {**SESSION, "messages": text}, as_text=True) == []
    bad = '[{"message_id": "m1", "sender": "bot"}]'
    assert _reasons("hr_chat_sessions", {**SESSION, "messages": bad}, as_text=True) == [
        "column messages: element 1: key sender = bot is not one of USER, ASSISTANT, SYSTEM"
    ]


@pytest.mark.parametrize(
    ("survey_type", "score", "reason"),
    [
        ("NPS", 0, None),
        ("NPS", 10, None),
        ("CSAT", 1, None),
        ("CSAT", 5, None),
        ("NPS", 11, "column score: value 11 is outside 0..10 when survey_type = NPS"),
        ("CSAT", 0, "column score: value 0 is outside 1..5 when survey_type = CSAT"),
        ("CSAT", 7, "column score: value 7 is outside 1..5 when survey_type = CSAT"),
        ("NPS", -1, "column score: value -1 is outside 0..10 when survey_type = NPS"),
    ],
)
def test_the_score_bound_depends_on_the_survey_type(survey_type, score, reason) -> None:
    row = {**SURVEY, "survey_type": survey_type, "score": score}
    assert _reasons("hr_survey_responses", row) == ([reason] if reason else [])


def test_an_unknown_survey_type_is_an_enum_reason_only() -> None:
    row = {**SURVEY, "survey_type": "CES", "score": 42}
    assert _reasons("hr_survey_responses", row) == [
        "column survey_type: value CES is not one of NPS, CSAT"
    ]


def test_employee_order_rules() -> None:
    row = {
        "employee_id": "e1",
        "organization_id": "o1",
        "status": "TERMINATED",
        "applied_at": "2026-03-01T00:00:00Z",
        "hired_at": "2026-02-01T00:00:00Z",
        "terminated_at": "2026-01-01T00:00:00Z",
        "created_at": "2026-03-01T00:00:00Z",
        "updated_at": "2026-04-01T00:00:00Z",
    }
    assert _reasons("hr_employees", row) == [
        "rule hired_at >= applied_at: broken",
        "rule terminated_at >= hired_at: broken",
    ]
