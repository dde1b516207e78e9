"""mongoexport files through the real loader into the real embedded PostgreSQL:
canonical and relaxed Extended JSON land the same rows, one document a line or
one --jsonArray array (plain or gzipped), bad documents are quarantined
verbatim with a reason, and other sources refuse `.json` files."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import uuid
from decimal import Decimal

import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.ingest.contract import SOURCES, pack_sources
from analytics_pipeline.ingest.readers import UnsupportedFileError

USER = "6f1c2b7e-3d4a-4e5f-9a8b-0c1d2e3f4a5b"
ORG = "0b0e7f4c-1a2b-4c3d-8e9f-a0b1c2d3e4f5"
AT_MS = 1788256800123  # 2026-09-01T10:00:00.123Z
AT = dt.datetime(2026, 9, 1, 10, 0, 0, 123000, tzinfo=dt.UTC)


def _query(sql: str, params=()) -> list[tuple]:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _activity(oid: str, *, canonical: bool, duration=None) -> dict:
    """A user_activity_logs document of the seed, as mongoexport writes it."""
    if canonical:
        user = {
            "$binary": {"base64": base64.b64encode(uuid.UUID(USER).bytes).decode(), "subType": "04"}
        }
        when = {"$date": {"$numberLong": str(AT_MS)}}
        number = duration or {"$numberDouble": "1250.5"}
    else:
        user = {"$uuid": USER}
        when = {"$date": "2026-09-01T10:00:00.123Z"}
        number = duration or 1250.5
    return {
        "_id": {"$oid": oid},
        "userId": user,
        "organizationId": {"$uuid": ORG},
        "sessionId": {"$uuid": USER},
        "eventType": "REPORT_VIEW",
        "eventCategory": "DATA_ACCESS",
        "eventAction": "open report",
        "eventMetadata": {
            "page": "/reports/42",
            "feature": "REPORT_GENERATION",
            "duration": number,
            "success": True,
            "customData": {"departmentId": "dep-1"},
        },
        "userRole": "MANAGER",
        "deviceInfo": {"type": "desktop", "os": "macOS", "browser": "Firefox"},
        "geolocation": {"country": "DE", "city": "Berlin", "ipAddress": "10.1.2.3"},
        "timestamp": when,
        "createdAt": when,
    }


COLUMNS = (
    "user_id, organization_id, session_id, event_type, event_category, feature, page, "
    "duration_ms, success, user_role, department_id, device_type, os, browser, country, "
    "city, ip_address, occurred_at"
)


def test_canonical_and_relaxed_lines_land_the_same_row(empty_database, tmp_path):
    canonical = tmp_path / "activity_canonical.json"
    relaxed = tmp_path / "activity_relaxed.json"
    canonical.write_text(json.dumps(_activity("65a1b2c3d4e5f60718293a4b", canonical=True)) + "\n")
    relaxed.write_text(json.dumps(_activity("65A1B2C3D4E5F60718293A4C", canonical=False)) + "\n")
    results = ingest_files("hr_activity_logs", [canonical, relaxed])
    assert [(r.rows_loaded, r.rows_quarantined) for r in results] == [(1, 0), (1, 0)]
    rows = _query(f"select event_id, {COLUMNS}, _source_line from raw.hr_activity_logs order by 1")
    assert [r[0] for r in rows] == ["65a1b2c3d4e5f60718293a4b", "65a1b2c3d4e5f60718293a4c"]
    assert rows[0][1:] == rows[1][1:]
    assert rows[0][1:] == (
        USER, ORG, USER, "REPORT_VIEW", "DATA_ACCESS", "REPORT_GENERATION", "/reports/42",
        Decimal("1250.5"), True, "MANAGER", "dep-1", "desktop", "macOS", "Firefox", "DE",
        "Berlin", "10.1.2.3", AT, 1,
    )  # fmt: skip
    assert _query("select distinct file_format from raw._ingest_batches") == [("mongoexport",)]


def test_json_array_export_gzipped_with_bad_documents(empty_database, tmp_path):
    good = [_activity(f"{i:024x}", canonical=i % 2 == 0) for i in range(4)]
    infinite = _activity("f" * 24, canonical=True, duration={"$numberDouble": "Infinity"})
    malformed = {**_activity("e" * 24, canonical=False), "_id": {"$oid": "xyz"}}
    missing = {k: v for k, v in _activity("d" * 24, canonical=True).items() if k != "eventType"}
    elements = [json.dumps(d) for d in (good[0], good[1], infinite, malformed, "x", missing)]
    elements += [json.dumps(d) for d in good[2:]]
    path = tmp_path / "activity.json.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("[" + ",\n".join(elements) + "]\n")
    (result,) = ingest_files("hr_activity_logs", [path])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (8, 4, 4)
    assert _query("select _source_line from raw.hr_activity_logs order by 1") == [
        (1,), (2,), (7,), (8,),
    ]  # fmt: skip
    rejected = _query("select source_line, reason, payload from raw._quarantine order by 1")
    assert [(line, reason) for line, reason, _ in rejected] == [
        (3, "column duration_ms: value Infinity does not parse as a number"),
        (
            4,
            'column event_id (_id): malformed Extended JSON {"$oid":"xyz"}: '
            "$oid is not 24 hex digits",
        ),
        (5, "document is JSON but not an object (str)"),
        (6, "column event_type: required value is missing"),
    ]
    assert [payload for _, _, payload in rejected] == [elements[i] for i in (2, 3, 4, 5)]


def _chat(canonical: bool) -> dict:
    def date(ms: int):
        return (
            {"$date": {"$numberLong": str(ms)}}
            if canonical
            else {
                "$date": dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
                .isoformat()
                .replace("+00:00", "Z")
            }
        )

    def integer(n: int):
        return {"$numberInt": str(n)} if canonical else n

    return {
        "_id": {"$oid": "1" * 24},
        "sessionId": {"$uuid": USER},
        "organizationId": {"$uuid": ORG},
        "userId": {"$uuid": USER},
        "userRole": "LEADER",
        "sessionStarted": date(AT_MS),
        "sessionEnded": date(AT_MS + 60_000),
        "messages": [
            {
                "messageId": {"$uuid": ORG},
                "role": "USER",
                "content": "Who fits the sales team?",
                "tokenCount": integer(12),
                "timestamp": date(AT_MS),
                "metadata": {"queryType": "team_formation", "confidence": 0.9},
            },
            {
                "messageId": {"$uuid": USER},
                "role": "ASSISTANT",
                "tokenCount": integer(240),
                "timestamp": date(AT_MS + 30_000),
            },
        ],
        "sessionContext": {"queryType": "team_formation", "departmentId": "dep-2"},
        "satisfactionFeedback": {"rating": integer(4), "wasHelpful": True},
        "createdAt": date(AT_MS),
        "updatedAt": date(AT_MS + 60_000),
    }


@pytest.mark.parametrize("canonical", [True, False], ids=["canonical", "relaxed"])
def test_chat_session_messages_land_as_a_json_array(empty_database, tmp_path, canonical):
    bad = _chat(canonical)
    bad["sessionId"] = {"$uuid": ORG}
    bad["messages"] = [*bad["messages"], {"messageId": "m3", "role": "BOT"}]
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(_chat(canonical)) + "\n" + json.dumps(bad) + "\n")
    (result,) = ingest_files("hr_chat_sessions", [path])
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    ((session, query_type, rating, helpful, ended, messages),) = _query(
        "select session_id, query_type, satisfaction_rating, was_helpful, ended_at, messages "
        "from raw.hr_chat_sessions"
    )
    assert (session, query_type, rating, helpful) == (USER, "team_formation", 4, True)
    assert ended == AT + dt.timedelta(minutes=1)
    assert [m["sender"] for m in messages] == ["USER", "ASSISTANT"]
    assert [m["token_count"] for m in messages] == [12, 240]
    assert messages[0]["query_type"] == "team_formation" and "query_type" not in messages[1]
    assert dt.datetime.fromisoformat(messages[1]["sent_at"]) == AT + dt.timedelta(seconds=30)
    assert _query("select reason from raw._quarantine") == [
        ("column messages: element 3: key sender = BOT is not one of USER, ASSISTANT, SYSTEM",)
    ]


def test_other_sources_refuse_json_files(empty_database, tmp_path):
    path = tmp_path / "users.json"
    path.write_text("{}\n")
    with pytest.raises(UnsupportedFileError) as caught:
        ingest_files("hr_users", [path])
    message = str(caught.value)
    assert "\n" not in message
    assert message == (
        "users.json: hr_users does not accept MongoDB exports (.json); the sources that do: "
        "hr_report_access_logs, hr_chat_sessions, hr_dashboard_interactions, hr_activity_logs"
    )


def test_every_pack_source_has_its_landing_table(empty_database, tmp_path):
    path = tmp_path / "survey.jsonl"
    path.write_text(
        json.dumps(
            {
                "response_id": "r1",
                "organization_id": ORG,
                "survey_type": "CSAT",
                "score": 6,
                "responded_at": "2026-09-01T10:00:00Z",
            }
        )
        + "\n"
    )
    (result,) = ingest_files("hr_survey_responses", [path])
    assert result.rows_quarantined == 1
    assert _query("select reason from raw._quarantine") == [
        ("column score: value 6 is outside 1..5 when survey_type = CSAT",)
    ]
    tables = {
        name
        for (name,) in _query(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        )
    }
    assert set(pack_sources("hr")) <= tables
    for name in pack_sources("hr"):
        columns = _query(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = %s order by ordinal_position",
            (name,),
        )
        assert [c for (c,) in columns][: len(SOURCES[name].columns)] == list(
            SOURCES[name].column_names
        )
