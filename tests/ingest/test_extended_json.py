"""MongoDB Extended JSON to plain values, and documents to contract records."""

from __future__ import annotations

import base64
import io
import uuid
from decimal import Decimal

import pytest

from analytics_pipeline.ingest.contract import SOURCES
from analytics_pipeline.ingest.extended_json import ExtendedJsonError, convert
from analytics_pipeline.ingest.mongo_export import document_record, mongo_chunks

UUID = "6f1c2b7e-3d4a-4e5f-9a8b-0c1d2e3f4a5b"
UUID_B64 = base64.b64encode(uuid.UUID(UUID).bytes).decode()


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ({"$oid": "65A1B2C3D4E5F60718293A4B"}, "65a1b2c3d4e5f60718293a4b"),
        ({"$date": "2026-09-01T10:00:00.123Z"}, "2026-09-01T10:00:00.123Z"),
        ({"$date": {"$numberLong": "1788256800123"}}, "2026-09-01T10:00:00.123Z"),
        ({"$date": {"$numberLong": "-1000"}}, "1969-12-31T23:59:59.000Z"),
        ({"$numberInt": "42"}, 42),
        ({"$numberLong": "-9007199254740993"}, -9007199254740993),
        ({"$numberDouble": "1.50"}, Decimal("1.50")),
        ({"$numberDouble": "1e3"}, Decimal("1e3")),
        ({"$numberDecimal": "123.4500"}, Decimal("123.4500")),
        ({"$uuid": UUID.upper()}, UUID),
        ({"$binary": {"base64": UUID_B64, "subType": "04"}}, UUID),
        ({"$binary": UUID_B64, "$type": "04"}, UUID),
        ([{"$numberInt": "1"}, {"a": {"$oid": "0" * 24}}], [1, {"a": "0" * 24}]),
        ({"plain": [1, 2.5, "x", None, True]}, {"plain": [1, 2.5, "x", None, True]}),
    ],
)
def test_conversion(value, plain) -> None:
    converted = convert(value)
    assert converted == plain and type(converted) is type(plain)


@pytest.mark.parametrize("text", ["Infinity", "-Infinity", "NaN"])
def test_non_finite_doubles_stay_non_finite(text) -> None:
    assert not convert({"$numberDouble": text}).is_finite()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"$oid": "xyz"}, "$oid is not 24 hex digits"),
        ({"$date": {"$numberLong": "soon"}}, "$date is neither ISO 8601 text"),
        ({"$date": 1788256800123}, "$date is neither ISO 8601 text"),
        ({"$date": {"$numberLong": "9" * 20}}, "$date is out of range"),
        ({"$numberInt": "4.5"}, "$numberInt is not an integer in a string"),
        ({"$numberLong": 7}, "$numberLong is not an integer in a string"),
        ({"$numberDouble": "fast"}, "$numberDouble is not a number in a string"),
        ({"$numberDecimal": "1,5"}, "$numberDecimal is not a number in a string"),
        ({"$uuid": "not-a-uuid"}, "$uuid is not a UUID"),
        ({"$binary": {"base64": UUID_B64, "subType": "00"}}, "subtype 00 is not a UUID"),
        ({"$binary": {"base64": "AAAA", "subType": "04"}}, "UUID has 3 bytes, not 16"),
        ({"$binary": {"base64": "***", "subType": "04"}}, "base64 does not decode"),
        ({"$regularExpression": {"pattern": "a", "options": ""}}, "unsupported Extended JSON"),
        ({"$oid": "0" * 24, "extra": 1}, "unsupported Extended JSON type $oid, extra"),
    ],
)
def test_malformed_values(value, problem) -> None:
    with pytest.raises(ExtendedJsonError, match="malformed Extended JSON") as caught:
        convert(value)
    assert problem in str(caught.value)


ACTIVITY = SOURCES["hr_activity_logs"].mongo
CHAT = SOURCES["hr_chat_sessions"].mongo


def test_a_document_maps_by_dotted_paths_and_absent_paths_stay_absent() -> None:
    document = {
        "_id": {"$oid": "0" * 24},
        "userId": {"$uuid": UUID},
        "eventType": "LOGIN",
        "eventMetadata": {"feature": "AI_CONSULTATION", "duration": {"$numberInt": "5"}},
        "geolocation": None,
        "timestamp": {"$date": {"$numberLong": "0"}},
        "unmapped": {"$weird": 1},
    }
    assert document_record(ACTIVITY, document) == {
        "event_id": "0" * 24,
        "user_id": UUID,
        "event_type": "LOGIN",
        "feature": "AI_CONSULTATION",
        "duration_ms": 5,
        "occurred_at": "1970-01-01T00:00:00.000Z",
    }


def test_message_elements_map_their_keys() -> None:
    document = {
        "sessionId": {"$uuid": UUID},
        "messages": [
            {
                "messageId": {"$binary": {"base64": UUID_B64, "subType": "04"}},
                "role": "USER",
                "content": "Who is ready for promotion?",
                "tokenCount": {"$numberInt": "17"},
                "timestamp": {"$date": "2026-09-01T10:00:00Z"},
                "metadata": {"queryType": "promotion_readiness", "sources": [{"$x": 1}]},
            },
            "not an object",
        ],
    }
    assert document_record(CHAT, document)["messages"] == [
        {
            "message_id": UUID,
            "sender": "USER",
            "token_count": 17,
            "sent_at": "2026-09-01T10:00:00Z",
            "query_type": "promotion_readiness",
        },
        "not an object",
    ]


def test_a_malformed_value_names_column_and_path() -> None:
    with pytest.raises(ExtendedJsonError) as caught:
        document_record(ACTIVITY, {"_id": {"$oid": "xyz"}})
    assert str(caught.value) == (
        'column event_id (_id): malformed Extended JSON {"$oid":"xyz"}: $oid is not 24 hex digits'
    )
    with pytest.raises(ExtendedJsonError, match=r"^column messages \(messages\): element key"):
        document_record(CHAT, {"messages": [{"tokenCount": {"$numberInt": "x"}}]})


def _read(text: str) -> list:
    chunks = list(mongo_chunks(io.BytesIO(text.encode()), ACTIVITY, chunk_rows=2))
    return [
        (line, record)
        for chunk in chunks
        for line, record in zip(chunk.lines, chunk.records, strict=True)
    ] + [(r.line, r.payload, r.reason) for chunk in chunks for r in chunk.rejects]


def test_lines_and_arrays_read_alike_with_numbers_and_verbatim_payloads() -> None:
    docs = ['{"_id": "a"}', '{"_id": "b"}', '{"_id": "c"}']
    lines = _read("\n".join(docs) + "\n\n")
    array = _read(" [\n" + ",\n".join(docs) + "\n]\n")
    expected = [(1, {"event_id": "a"}), (2, {"event_id": "b"}), (3, {"event_id": "c"})]
    assert lines == array == expected
    assert _read("[]") == [] and _read("") == []


def test_array_rejects_keep_element_text_and_number() -> None:
    text = '[{"_id": "a"}, 42, {"_id": {"$oid": "q"}}, {"_id": "d"}, {"_id": '
    got = _read(text)
    assert got[:2] == [(1, {"event_id": "a"}), (4, {"event_id": "d"})]
    rejects = got[2:]
    assert rejects[0] == (2, "42", "document is JSON but not an object (int)")
    assert rejects[1][:2] == (3, '{"_id": {"$oid": "q"}}')
    assert rejects[2][0] == 5 and rejects[2][1] == '{"_id":'
    assert rejects[2][2].startswith("file is not a valid JSON array at element 5")
    trailing = _read('[{"_id": "a"}] junk')
    assert trailing[1] == (2, "junk", "text after the end of the JSON array")


def test_line_rejects() -> None:
    got = _read('{"_id": "a"}\n[1]\n{"_id": \n')
    assert got[0] == (1, {"event_id": "a"})
    assert got[1] == (2, "[1]", "document is JSON but not an object (list)")
    assert got[2][0] == 3 and got[2][2].startswith("line is not valid JSON")
