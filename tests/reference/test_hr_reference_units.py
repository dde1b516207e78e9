"""Unit tests of the HR pack's reference (tests/reference/hr.py and the HR part of
raw_files / mongo_files) on tiny hand-made files, every expectation computed by
hand from docs/metrics.md. No database."""

from __future__ import annotations

import base64
import csv
import gzip
import json
import math
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from . import activity, hr
from .oracle import reference_tables
from .raw_files import load_dataset, load_source

D = date(2026, 3, 10)
T0 = "2026-01-01T00:00:00Z"


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def write(tmp: Path, source: str, rows: list, name: str | None = None) -> Path:
    """One JSON lines file of `source` (files are ingested in name order)."""
    folder = tmp / source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{source}_{len(list(folder.iterdir())):02d}.jsonl")
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def tables(tmp: Path, *names: str, as_of: date = D) -> dict[str, pd.DataFrame]:
    return reference_tables(tmp, as_of, list(names))


def one(frame: pd.DataFrame, **keys) -> dict:
    mask = pd.Series(True, index=frame.index)
    for column, value in keys.items():
        mask &= frame[column].isna() if value is None else frame[column] == value
    rows = frame[mask].to_dict("records")
    assert len(rows) == 1, (keys, rows)
    return rows[0]


def null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def org(
    oid, status="ACTIVE", updated=T0, created=T0, price=None, tier=None, trial_ends=None, cpe=None
):
    return {
        "organization_id": oid,
        "name": oid.upper(),
        "subscription_status": status,
        "subscription_tier": tier,
        "monthly_price": price,
        "trial_ends_at": trial_ends,
        "current_period_end": cpe,
        "created_at": created,
        "updated_at": updated,
    }


def employee(eid, oid="o1", applied=None, hired=None, rejected=None, terminated=None):
    status = (
        "TERMINATED"
        if terminated
        else "ACTIVE"
        if hired
        else "REJECTED"
        if rejected
        else "CANDIDATE"
    )  # noqa: E501
    return {
        "employee_id": eid,
        "organization_id": oid,
        "status": status,
        "applied_at": applied,
        "hired_at": hired,
        "rejected_at": rejected,
        "terminated_at": terminated,
        "created_at": T0,
        "updated_at": T0,
    }


def platform_user(uid, oid="o1", deleted=None):
    return {
        "user_id": uid,
        "organization_id": oid,
        "role": "MANAGER",
        "created_at": T0,
        "updated_at": deleted or T0,
        "deleted_at": deleted,
    }


def log(
    eid,
    uid,
    at,
    oid="o1",
    kind="PAGE_VIEW",
    session=None,
    feature=None,
    role="MANAGER",
    department=None,
    duration=None,
    success=None,
):
    return {
        "event_id": eid,
        "user_id": uid,
        "organization_id": oid,
        "session_id": session,
        "event_type": kind,
        "feature": feature,
        "user_role": role,
        "department_id": department,
        "duration_ms": duration,
        "success": success,
        "occurred_at": at,
    }


def generation(
    rid,
    at,
    oid="o1",
    kind="PERSONALITY_ROLE",
    status="SUCCESS",
    updated=None,
    seconds=None,
    size=None,
    tokens=None,
    quarterly=None,
    auto=None,
    by=None,
):
    return {
        "report_id": rid,
        "organization_id": oid,
        "report_type": kind,
        "requested_by_user_id": by,
        "requested_at": at,
        "processing_time_seconds": seconds,
        "status": status,
        "is_auto_generated": auto,
        "is_quarterly_update": quarterly,
        "report_size_kb": size,
        "ai_tokens_used": tokens,
        "updated_at": updated or at,
    }


def access(aid, at, report=None, uid="u1", oid="o1", kind="VIEW"):
    return {
        "access_id": aid,
        "report_id": report,
        "organization_id": oid,
        "user_id": uid,
        "access_type": kind,
        "accessed_at": at,
    }


def chat(
    sid, at, uid="u1", oid="o1", ended=None, rating=None, helpful=None, query=None, messages=()
):
    return {
        "session_id": sid,
        "organization_id": oid,
        "user_id": uid,
        "query_type": query,
        "started_at": at,
        "ended_at": ended,
        "satisfaction_rating": rating,
        "was_helpful": helpful,
        "messages": [
            {"message_id": f"{sid}-{n}", "sender": sender, "token_count": tokens}
            for n, (sender, tokens) in enumerate(messages)
        ],
        "updated_at": at,
    }


def survey(rid, kind, score, at, oid="o1", uid=None):
    return {
        "response_id": rid,
        "organization_id": oid,
        "user_id": uid,
        "survey_type": kind,
        "score": score,
        "responded_at": at,
    }


# -- raw files: mongoexport, CSV, the pack's rules ------------------------------------------


def _millis(text: str) -> str:
    return str(int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000))


def test_mongoexport_canonical_lines_map_and_convert(tmp_path):
    user = uuid.UUID("0187c5ea-96b4-473a-aee7-cf91b4af07f8")
    good = {
        "_id": {"$oid": "6ABCC2D07F24DB99C1E6F455"},
        "userId": {"$binary": {"base64": base64.b64encode(user.bytes).decode(), "subType": "04"}},
        "organizationId": {"$uuid": "1F094C0E-1B8B-4DCD-BE9D-E28E73A06C64"},
        "sessionId": "s1",
        "eventType": "LOGIN",
        "eventMetadata": {
            "feature": "USER_MANAGEMENT",
            "duration": {"$numberInt": "326"},
            "success": True,
            "customData": {"departmentId": "dp1"},
        },
        "userRole": "OWNER",
        "unmapped": {"$whatever": 1},  # fields the mapping does not name are ignored
        "timestamp": {"$date": {"$numberLong": _millis("2026-03-10T08:30:00")}},
    }

    def variant(**changes):
        return json.dumps({**good, **changes})

    lines = [
        json.dumps(good),
        "",
        variant(_id={"$oid": "xyz"}),
        variant(_id="e3", userId={"$binary": {"base64": "AAAA", "subType": "03"}}),
        variant(_id="e4", sessionId={"$foo": 1}),
        variant(_id="e5", eventMetadata={"duration": {"$numberDouble": "Infinity"}}),
        variant(_id="e6", eventMetadata={"duration": {"$numberDouble": "12.5"}}),
        "not json",
        "[1]",
    ]
    path = tmp_path / "hr_activity_logs" / "logs.json"
    path.parent.mkdir()
    path.write_text("\n".join(lines) + "\n")
    loaded = load_source("hr_activity_logs", [path])
    frame = loaded.frame.set_index("event_id")
    assert list(frame.index) == ["6abcc2d07f24db99c1e6f455", "e6"]
    row = frame.loc["6abcc2d07f24db99c1e6f455"]
    assert row["user_id"] == str(user)
    assert row["organization_id"] == "1f094c0e-1b8b-4dcd-be9d-e28e73a06c64"
    assert (row["feature"], row["duration_ms"], row["success"]) == ("USER_MANAGEMENT", 326.0, True)
    assert row["department_id"] == "dp1" and row["user_role"] == "OWNER"
    assert row["occurred_at"] == _ts("2026-03-10T08:30:00Z")
    assert frame.loc["e6", "duration_ms"] == 12.5 and null(frame.loc["e6", "feature"])
    reasons = {line: reason for _, line, reason in loaded.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 8, 9]
    assert "event_id (_id)" in reasons[3] and "$oid" in reasons[3]
    assert "user_id (userId)" in reasons[4] and "UUID" in reasons[4]
    assert "unknown key $foo" in reasons[5]
    assert reasons[6].startswith("duration_ms")  # not finite: a bad number
    assert reasons[8] == "invalid json" and reasons[9] == "json but not an object"


def test_mongoexport_relaxed_json_array_gzipped_and_truncated(tmp_path):
    session = {
        "sessionId": {"$uuid": "57ad80ac-96bd-4080-967e-3c756d3fa037"},
        "organizationId": "o1",
        "userId": "u1",
        "userRole": "LEADER",
        "sessionContext": {"queryType": "policy", "departmentId": "dp1"},
        "sessionStarted": {"$date": "2026-03-10T10:00:00Z"},
        "sessionEnded": {"$date": "2026-03-10T10:05:00.000Z"},
        "satisfactionFeedback": {"rating": {"$numberInt": "4"}, "wasHelpful": True},
        "messages": [
            {
                "messageId": {"$uuid": "79e350b8-04e5-4938-bae8-567d22df028d"},
                "role": "USER",
                "tokenCount": {"$numberLong": "10"},
                "timestamp": {"$date": "2026-03-10T10:01:00Z"},
                "metadata": {"queryType": "policy"},
            },
            {"messageId": "m2", "role": "ASSISTANT", "tokenCount": {"$numberDecimal": "90.5"}},
        ],
        "updatedAt": {"$date": "2026-03-10T10:06:00Z"},
    }
    bad_sender = {**session, "sessionId": "s2", "messages": [{"messageId": "m", "role": "BOT"}]}
    text = "[\n" + json.dumps(session) + ",\n" + json.dumps(bad_sender) + ',\n{"sessionId": '
    path = tmp_path / "hr_chat_sessions" / "chats.json.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(text.encode()))
    loaded = load_source("hr_chat_sessions", [path])
    assert loaded.rows_read == 3
    row = loaded.frame.iloc[0]
    assert row["session_id"] == "57ad80ac-96bd-4080-967e-3c756d3fa037"
    assert (row["query_type"], row["department_id"], row["user_role"]) == (
        "policy",
        "dp1",
        "LEADER",
    )
    assert row["started_at"] == _ts("2026-03-10T10:00:00Z")
    assert row["ended_at"] == _ts("2026-03-10T10:05:00Z")
    assert (row["satisfaction_rating"], row["was_helpful"]) == (4, True)
    first, second = row["messages"]
    assert first["message_id"] == "79e350b8-04e5-4938-bae8-567d22df028d"
    assert (first["sender"], first["token_count"], first["query_type"]) == ("USER", 10, "policy")
    assert (second["sender"], second["token_count"]) == ("ASSISTANT", 90.5)
    reasons = [(line, reason) for _, line, reason in loaded.rejected]
    assert reasons[0][0] == 2 and "sender" in reasons[0][1]
    assert reasons[1] == (3, "file is not a valid JSON array after element 2")


def test_json_file_refused_by_a_source_without_mongo_mapping(tmp_path):
    path = tmp_path / "hr_employees" / "e.json"
    path.parent.mkdir()
    path.write_text("{}\n")
    with pytest.raises(ValueError, match="mongoexport"):
        load_source("hr_employees", [path])


def test_csv_survey_score_bounds_by_type_and_chat_messages_as_json_text(tmp_path):
    folder = tmp_path / "hr_survey_responses"
    folder.mkdir()
    with open(folder / "s.csv", "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["response_id", "organization_id", "survey_type", "score", "responded_at"])
        for rid, kind, score in (("a", "NPS", 7), ("b", "CSAT", 7), ("c", "CSAT", 0),
                                 ("d", "NPS", 11), ("e", "NPS", 0), ("f", "CSAT", 5)):  # fmt: skip
            out.writerow([rid, "o1", kind, score, "2026-03-10"])
    surveys = load_source("hr_survey_responses", [folder / "s.csv"])
    assert list(surveys.frame["response_id"]) == ["a", "e", "f"]

    folder = tmp_path / "hr_chat_sessions"
    folder.mkdir()
    with open(folder / "c.csv", "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["session_id", "organization_id", "started_at", "messages", "updated_at"])
        ok = [{"message_id": "m1", "sender": "USER", "token_count": 3}]
        out.writerow(["s1", "o1", "2026-03-10T10:00:00Z", json.dumps(ok), "2026-03-10T10:00:00Z"])
        out.writerow(["s2", "o1", "2026-03-10", json.dumps([{"sender": "USER"}]), "2026-03-10"])
        out.writerow(["s3", "o1", "2026-03-10", json.dumps({"sender": "USER"}), "2026-03-10"])
        out.writerow(["s4", "o1", "2026-03-10", "", "2026-03-10"])
    chats = load_source("hr_chat_sessions", [folder / "c.csv"])
    assert list(chats.frame["session_id"]) == ["s1", "s4"]
    assert chats.frame.iloc[0]["messages"] == ok and chats.frame.iloc[1]["messages"] == []


def test_organization_versions_all_kept_and_newest_deduplicated(tmp_path):
    first = [org("o1", "TRIAL", "2026-03-01"), org("o1", "ACTIVE", "2026-03-05")]
    later = [org("o1", "CANCELLED", "2026-03-05"), org("o1", "EXPIRED", "2026-03-02")]
    write(tmp_path, "hr_organizations", first, "a.jsonl")
    write(tmp_path, "hr_organizations", later, "b.jsonl")
    data = load_dataset(tmp_path, sources=["hr_organizations"], versions=["hr_organizations"])
    assert list(data["hr_organizations"]["subscription_status"]) == ["CANCELLED"]
    versions = data["hr_organizations__versions"]
    assert list(versions["subscription_status"]) == ["TRIAL", "EXPIRED", "ACTIVE", "CANCELLED"]


# -- platform_adoption_metrics -----------------------------------------------------------


def test_subscription_in_effect_at_end_of_day_ties_and_midnight(tmp_path):
    created = "2026-03-07T09:00:00Z"
    write(tmp_path, "hr_organizations", [
        org("o1", "TRIAL", created, created),
        org("o1", "ACTIVE", "2026-03-09T00:00:00Z", created, 10, "PROFESSIONAL"),  # midnight
        org("o1", "TRIAL", "2026-03-09T12:00:00Z", created),  # tie, earlier file
        org("o1", "ACTIVE", "2026-03-10T05:00:00Z", created, 90, "ENTERPRISE"),
        org("o1", "CANCELLED", "2026-03-10T05:00:00Z", created, 90, "ENTERPRISE"),  # tie: line
    ], "a.jsonl")  # fmt: skip
    write(tmp_path, "hr_organizations", [
        org("o1", "ACTIVE", "2026-03-09T12:00:00Z", created, 100, "STARTER"),  # tie: later file
        org("o1", "EXPIRED", "2026-03-11T00:00:00Z", created),  # after the as-of date
    ], "b.jsonl")  # fmt: skip
    out = tables(tmp_path, "platform_adoption_metrics", "business_impact_metrics")
    adoption = out["platform_adoption_metrics"]
    got = {
        (r["metric_date"], r["subscription_status"], r["subscription_tier"])
        for r in adoption[adoption["organization_id"] == "o1"].to_dict("records")
    }
    assert got == {
        (date(2026, 3, 7), "TRIAL", None),
        (date(2026, 3, 8), "TRIAL", None),  # 03-09 00:00 is not before the end of 03-08
        (date(2026, 3, 9), "ACTIVE", "STARTER"),
        (date(2026, 3, 10), "CANCELLED", "ENTERPRISE"),
    }
    everyone = one(adoption, organization_id=None, metric_date=D)
    assert everyone["subscription_status"] is None and everyone["subscription_tier"] is None
    impact = out["business_impact_metrics"]
    assert one(impact, organization_id="o1", metric_date=date(2026, 3, 9))["mrr"] == 100.0
    on_d = one(impact, organization_id="o1", metric_date=D)
    assert (on_d["mrr"], on_d["churn_risk_score"]) == (0.0, 1.0)
    earlier = tables(tmp_path, "platform_adoption_metrics", as_of=date(2026, 3, 9))
    assert max(earlier["platform_adoption_metrics"]["metric_date"]) == date(2026, 3, 9)


def test_platform_adoption_counts_and_as_of_cutoff(tmp_path):
    write(tmp_path, "hr_organizations", [
        org("o1", created="2026-03-08T10:00:00Z", updated="2026-03-08T10:00:00Z"),
        org("o2", created="2026-03-09T23:59:00Z", updated="2026-03-09T23:59:00Z"),
        org("o3", created="2026-03-11T00:00:00Z", updated="2026-03-11T00:00:00Z"),
    ])  # fmt: skip
    write(tmp_path, "hr_departments", [
        {"department_id": "dp1", "organization_id": "o1", "created_at": "2026-03-08",
         "updated_at": "2026-03-08"},
        {"department_id": "dp2", "organization_id": "o1", "created_at": "2026-03-08",
         "updated_at": "2026-03-09T12:00:00Z", "deleted_at": "2026-03-09T12:00:00Z"},
    ])  # fmt: skip
    write(tmp_path, "hr_branches", [
        {"branch_id": "b1", "organization_id": "o1", "created_at": "2026-03-09",
         "updated_at": "2026-03-09"},
    ])  # fmt: skip
    write(tmp_path, "hr_users", [platform_user("u3", deleted="2026-03-10T00:00:00Z")])
    write(tmp_path, "hr_activity_logs", [
        log("e1", "u1", "2026-03-08T11:00:00Z"), log("e2", "u1", "2026-03-08T12:00:00Z"),
        log("e3", "u2", "2026-03-09T11:00:00Z"), log("e4", "u3", "2026-03-09T11:00:00Z"),
        log("e5", "u2", "2026-03-11T00:00:00Z"),
    ])  # fmt: skip
    write(tmp_path, "hr_report_generations", [
        generation("r1", "2026-03-08T11:00:00Z"),
        generation("r2", "2026-03-08T11:00:00Z", status="FAILED"),
        generation("r3", "2026-03-09T11:00:00Z"),
        generation("r4", "2026-03-11T00:00:00Z"),
    ])  # fmt: skip
    write(tmp_path, "hr_chat_sessions", [
        chat("c1", "2026-03-09T11:00:00Z"), chat("c2", "2026-03-10T11:00:00Z", oid="o2"),
    ])  # fmt: skip
    out = tables(tmp_path, "platform_adoption_metrics")["platform_adoption_metrics"]
    assert list(out.columns) == hr.PLATFORM_ADOPTION
    keys = [(r["organization_id"], r["metric_date"]) for r in out.to_dict("records")]
    days = [date(2026, 3, 8), date(2026, 3, 9), D]
    assert keys == [(None, d) for d in days] + [("o1", d) for d in days] + [
        ("o2", date(2026, 3, 9)),
        ("o2", D),
    ]
    o1 = {r["metric_date"]: r for r in out[out["organization_id"] == "o1"].to_dict("records")}
    assert [o1[d]["total_departments"] for d in days] == [2, 1, 1]
    assert [o1[d]["total_branches"] for d in days] == [0, 1, 1]
    assert [o1[d]["active_users_count"] for d in days] == [1, 1, 0]  # u3 deleted, e5 later
    assert [o1[d]["reports_generated_today"] for d in days] == [1, 1, 0]
    assert [o1[d]["reports_generated_total"] for d in days] == [1, 2, 2]
    assert [o1[d]["ai_chat_sessions_today"] for d in days] == [0, 1, 0]
    assert [o1[d]["ai_chat_sessions_total"] for d in days] == [0, 1, 1]
    assert [o1[d]["total_organizations"] for d in days] == [1, 1, 1]
    everyone = {r["metric_date"]: r for r in out[out["organization_id"].isna()].to_dict("records")}
    assert [everyone[d]["total_organizations"] for d in days] == [1, 2, 2]
    assert [everyone[d]["new_organizations_today"] for d in days] == [1, 1, 0]
    assert [everyone[d]["ai_chat_sessions_total"] for d in days] == [0, 1, 2]


def _people(tmp_path):
    write(tmp_path, "hr_organizations", [org("oA", price=10), org("oB", price=10)])
    write(tmp_path, "hr_employees", [
        employee("e1", "oA", hired="2025-12-01"),
        employee("e2", "oA", hired="2025-12-01", terminated="2026-03-05"),
        employee("c1", "oA", applied="2026-03-01T00:00:00Z", hired="2026-03-03T12:00:00Z"),
        employee("c2", "oA", applied="2026-02-20", rejected="2026-03-02"),
        employee("c3", "oA", applied="2026-03-01"),
        employee("d1", "oA", hired="2026-03-04"),  # direct hire: no application
        employee("e3", "oB", hired="2026-03-01", terminated="2026-03-05"),
    ])  # fmt: skip


def test_employees_and_candidates_on_platform_adoption(tmp_path):
    _people(tmp_path)
    out = tables(tmp_path, "platform_adoption_metrics")["platform_adoption_metrics"]
    first = one(out, organization_id="oA", metric_date=date(2026, 3, 1))
    assert (first["total_candidates"], first["new_candidates_today"]) == (3, 2)
    third = one(out, organization_id="oA", metric_date=date(2026, 3, 3))
    assert (third["total_candidates"], third["new_employees_today"]) == (1, 1)
    assert third["total_employees"] == 3  # e1, e2, c1
    last = one(out, organization_id="oA", metric_date=D)
    assert (last["total_employees"], last["total_candidates"]) == (3, 1)  # e1, c1, d1; c3


# -- business_impact_metrics -------------------------------------------------------------


def test_people_metrics_turnover_hiring_time_to_hire(tmp_path):
    _people(tmp_path)
    out = tables(tmp_path, "business_impact_metrics")["business_impact_metrics"]
    a = one(out, organization_id="oA", metric_date=D)
    # headcount end of 02-08: e1, e2; end of 03-10: e1, c1, d1 -> average 2.5; 1 termination
    assert a["employee_turnover_rate"] == pytest.approx(1 / 2.5)
    assert a["hiring_success_rate"] == pytest.approx(0.5)  # c1 hired, c2 rejected
    assert a["time_to_hire_days"] == pytest.approx(2.5)
    b = one(out, organization_id="oB", metric_date=D)
    assert null(b["employee_turnover_rate"])  # headcount 0 at both ends
    assert null(b["hiring_success_rate"]) and null(b["time_to_hire_days"])
    everyone = one(out, organization_id=None, metric_date=D)
    assert everyone["employee_turnover_rate"] == pytest.approx(2 / 2.5)
    assert everyone["hiring_success_rate"] == pytest.approx(0.5)
    assert null(everyone["churn_risk_score"])


def test_mrr_trial_vs_paying_and_retention(tmp_path):
    write(tmp_path, "hr_organizations", [
        org("oA", "ACTIVE", price=100),
        org("oB", "ACTIVE", price=50),
        org("oB", "CANCELLED", "2026-03-01", price=50),
        org("oC", "TRIAL", price=30),
        org("oC", "ACTIVE", "2026-03-05", price=None),
        org("oD", "TRIAL", "2026-03-01", "2026-03-01", price=0),
    ])  # fmt: skip
    out = tables(tmp_path, "business_impact_metrics")["business_impact_metrics"]
    rows = {r["organization_id"]: r for r in out[out["metric_date"] == D].to_dict("records")}
    assert (rows["oA"]["mrr"], rows["oA"]["arr"]) == (100.0, 1200.0)
    assert [rows[o]["mrr"] for o in ("oB", "oC", "oD")] == [0.0, 0.0, 0.0]
    assert (rows[None]["mrr"], rows[None]["arr"]) == (100.0, 1200.0)
    assert rows["oA"]["customer_retention_rate"] == 1.0
    assert rows["oB"]["customer_retention_rate"] == 0.0
    assert null(rows["oC"]["customer_retention_rate"])  # trial at the end of d-30
    assert null(rows["oD"]["customer_retention_rate"])  # not there at the end of d-30
    assert rows[None]["customer_retention_rate"] == 0.5  # oA kept, oB lost


def test_renewals_due_and_renewed(tmp_path):
    write(tmp_path, "hr_organizations", [
        org("r1", updated="2026-02-05", cpe="2026-03-05T00:00:00Z"),
        org("r1", updated="2026-03-05T12:00:00Z", cpe="2026-04-05T00:00:00Z"),
        org("r2", updated="2026-02-07", cpe="2026-03-07T00:00:00Z"),
        org("r2", "CANCELLED", updated="2026-03-07T01:00:00Z", cpe="2026-03-07T00:00:00Z"),
        org("r3", updated=T0, cpe="2026-04-20T00:00:00Z"),
    ])  # fmt: skip
    out = tables(tmp_path, "business_impact_metrics")["business_impact_metrics"]

    def rate(oid, day):
        return one(out, organization_id=oid, metric_date=day)["subscription_renewal_rate"]

    assert rate("r1", D) == 1.0
    assert rate("r2", D) == 0.0
    assert null(rate("r3", D))
    assert rate(None, D) == 0.5
    assert null(rate("r1", date(2026, 3, 4)))  # 03-05 not yet in the trailing 30 days
    assert rate("r1", date(2026, 3, 5)) == 1.0  # renewed by the 03-05 12:00 version
    assert null(rate("r2", date(2026, 3, 5)))


def test_nps_and_csat_trailing_30_days(tmp_path):
    write(tmp_path, "hr_organizations", [org("oA"), org("oB")])
    write(tmp_path, "hr_survey_responses", [
        survey("n1", "NPS", 10, "2026-03-01", "oA"), survey("n2", "NPS", 9, "2026-03-01", "oA"),
        survey("n3", "NPS", 7, "2026-03-01", "oA"), survey("n4", "NPS", 3, "2026-03-01", "oA"),
        survey("n5", "NPS", 0, "2026-02-08T23:59:59Z", "oA"),  # before the window
        survey("s1", "CSAT", 5, "2026-03-02", "oA"), survey("s2", "CSAT", 4, "2026-03-02", "oA"),
        survey("s3", "CSAT", 1, "2026-02-08", "oA"),
        survey("n6", "NPS", 0, "2026-03-03", "oB"),
        survey("n7", "NPS", 10, "2026-03-03", "oB", uid="gone"),
    ])  # fmt: skip
    write(tmp_path, "hr_users", [platform_user("gone", "oB", deleted="2026-03-04")])
    out = tables(tmp_path, "business_impact_metrics")["business_impact_metrics"]
    a = one(out, organization_id="oA", metric_date=D)
    assert a["nps_score"] == pytest.approx(25.0)  # (2 - 1) / 4
    assert a["average_user_satisfaction_score"] == pytest.approx(4.5)
    b = one(out, organization_id="oB", metric_date=D)
    assert b["nps_score"] == -100.0 and null(b["average_user_satisfaction_score"])
    everyone = one(out, organization_id=None, metric_date=D)
    assert everyone["nps_score"] == 0.0  # 2 promoters, 2 detractors of 5
    # on 03-01 the window 01-31..03-01 still holds n5 (a detractor): (2 - 2) / 5
    assert one(out, organization_id="oA", metric_date=date(2026, 3, 1))["nps_score"] == 0.0
    assert one(out, organization_id="oA", metric_date=date(2026, 2, 28))["nps_score"] == -100.0
    assert null(one(out, organization_id="oA", metric_date=date(2026, 1, 1))["nps_score"])


def test_churn_risk_each_branch(tmp_path):
    write(tmp_path, "hr_organizations", [
        org("oX", "CANCELLED"),
        org("oE", "EXPIRED"), org("oY"), org("oZ"),
        org("oT", "TRIAL", trial_ends="2026-03-17T23:59:00Z"),
        org("oU", "TRIAL", trial_ends="2026-03-18T00:00:00Z"),
    ])  # fmt: skip
    write(tmp_path, "hr_activity_logs", [
        log("y1", "u1", "2026-03-05T10:00:00Z", "oY"),
        log("t1", "u1", "2026-02-20T10:00:00Z", "oT"),
        log("t2", "u2", "2026-02-20T10:00:00Z", "oT"),
        log("t3", "u1", "2026-03-09T10:00:00Z", "oT"),
    ])  # fmt: skip
    write(tmp_path, "hr_survey_responses", [survey("s1", "CSAT", 3, "2026-01-15", "oT")])
    write(tmp_path, "hr_report_generations", [
        generation("y1", "2026-03-01", "oY", status="PENDING"),
        *(generation(f"t{n}", "2026-03-01", "oT") for n in range(3)),
        generation("t3", "2026-03-01", "oT", status="FAILED"),
        generation("t4", "2026-03-01", "oT", status="PENDING"),
    ])  # fmt: skip
    out = tables(tmp_path, "business_impact_metrics")["business_impact_metrics"]
    score = {r["organization_id"]: r["churn_risk_score"] for r in
             out[out["metric_date"] == D].to_dict("records")}  # fmt: skip
    assert score["oX"] == 1.0 and score["oE"] == 1.0
    assert score["oY"] == pytest.approx(0.25 * 0.5)  # prior 0, recent 1; no CSAT
    assert score["oZ"] == pytest.approx(0.50 + 0.25 * 0.5)  # no use at all
    # decline 1 - 1/2, CSAT 3 -> 0.5, failures 1/4, trial ends before the end of d+7
    assert score["oT"] == pytest.approx(0.50 * 0.5 + 0.25 * 0.5 + 0.15 * 0.25 + 0.10)
    assert score["oU"] == pytest.approx(0.625)  # trial ends at d+8 00:00: not before
    assert null(score[None])


# -- hr_user_engagement_metrics ----------------------------------------------------------


def test_user_engagement_sessions_across_midnight_and_sources(tmp_path):
    write(tmp_path, "hr_users", [platform_user("u1"), platform_user("u2", deleted="2026-03-10")])
    write(tmp_path, "hr_activity_logs", [
        log("e1", "u1", "2026-03-09T23:50:00Z", kind="LOGIN", session="s1",
            feature="USER_MANAGEMENT"),
        log("e2", "u1", "2026-03-10T00:20:00Z", kind="DASHBOARD_LOAD", session="s1",
            feature="ANALYTICS_VIEWING"),
        log("e3", "u1", "2026-03-10T08:00:00Z", kind="EMPLOYEE_ADDED",
            feature="EMPLOYEE_MANAGEMENT"),
        log("e4", "u1", "2026-03-10T09:00:00Z", kind="EMPLOYEE_UPDATED", session="s2"),
        log("e5", "u1", "2026-03-10T09:30:00Z", kind="LOGIN", session="s2"),
        log("e6", "u1", "2026-03-11T00:00:00Z", session="s2"),  # after the as-of date
        log("e7", "u2", "2026-03-10T09:00:00Z", kind="LOGIN"),  # deleted user
    ])  # fmt: skip
    write(tmp_path, "hr_report_access_logs", [
        access("a1", "2026-03-10T10:00:00Z"), access("a2", "2026-03-10T11:00:00Z"),
        access("a3", "2026-03-10T12:00:00Z", kind="DOWNLOAD"),
        access("a4", "2026-03-10T12:30:00Z", kind="SHARE"),
        access("a5", "2026-03-10T12:00:00Z", uid="u3"),  # not in hr_users: counts
        access("a6", "2026-03-10T12:00:00Z", uid=None),
    ])  # fmt: skip
    write(tmp_path, "hr_chat_sessions", [
        chat("c1", "2026-03-10T13:00:00Z", messages=[("USER", 5), ("ASSISTANT", 50), ("USER", 1)]),
    ])  # fmt: skip
    out = tables(tmp_path, "hr_user_engagement_metrics")["hr_user_engagement_metrics"]
    assert list(out.columns) == hr.USER_ENGAGEMENT
    assert [(r["user_id"], r["metric_date"]) for r in out.to_dict("records")] == [
        ("u1", date(2026, 3, 9)),
        ("u1", D),
        ("u3", D),
    ]
    first = one(out, user_id="u1", metric_date=date(2026, 3, 9))
    assert first["session_duration_minutes"] == 30.0  # s1 counted on its first event's day
    assert first["login_count"] == 1 and first["dashboard_visits"] == 0
    assert first["feature_interactions"] == {"user_management": 1}
    assert first["last_activity_at"] == _ts("2026-03-09T23:50:00Z")
    second = one(out, user_id="u1", metric_date=D)
    assert second["session_duration_minutes"] == 30.0  # s2 without e6
    assert (second["login_count"], second["dashboard_visits"]) == (1, 1)
    assert (second["employees_added"], second["employees_updated"]) == (1, 1)
    assert (second["reports_viewed"], second["reports_downloaded"]) == (2, 1)
    assert (second["ai_chat_sessions"], second["ai_chat_messages_sent"]) == (1, 2)
    assert second["feature_interactions"] == {"analytics_viewing": 1, "employee_management": 1}
    assert list(second["feature_interactions"]) == sorted(second["feature_interactions"])
    assert second["last_activity_at"] == _ts("2026-03-10T13:00:00Z")
    other = one(out, user_id="u3", metric_date=D)
    assert other["reports_viewed"] == 1 and other["session_duration_minutes"] == 0.0
    assert other["feature_interactions"] == {} and other["login_count"] == 0


# -- report_generation_stats -------------------------------------------------------------


def test_report_generation_stats(tmp_path):
    day = "2026-03-09T10:00:00Z"
    write(tmp_path, "hr_users", [platform_user("gone", deleted="2026-03-10")])
    write(tmp_path, "hr_report_generations", [
        generation("r1", day, status="PENDING"),
        generation("r2", day, status="FAILED"),
        generation("r3", day, seconds=60, tokens=100, quarterly=True, auto=True),
        generation("r4", day, status="PROCESSING", quarterly=True, tokens=7),
        generation("r5", "2026-03-10T01:00:00Z", kind="QA_QUESTIONNAIRE", status="PENDING"),
        generation("r6", "2026-03-10T01:00:00Z", kind="QA_QUESTIONNAIRE", by="gone"),
    ], "a.jsonl")  # fmt: skip
    write(tmp_path, "hr_report_generations", [  # r1's newer version, ingested later
        generation("r1", day, seconds=40, size=100, tokens=500, updated="2026-03-09T10:05:00Z"),
    ], "b.jsonl")  # fmt: skip
    write(tmp_path, "hr_report_access_logs", [
        access("a1", "2026-03-09T11:00:00Z", "r1"), access("a2", "2026-03-10T11:00:00Z", "r1"),
        access("a3", "2026-03-10T11:00:00Z", "r1", kind="DOWNLOAD"),
        access("a4", "2026-03-11T00:00:00Z", "r3"),  # after the as-of date
        access("a5", "2026-03-10T11:00:00Z", "r3", uid="gone"),
    ])  # fmt: skip
    out = tables(tmp_path, "report_generation_stats")["report_generation_stats"]
    assert list(out.columns) == hr.REPORT_STATS
    row = one(out, report_type="PERSONALITY_ROLE", metric_date=date(2026, 3, 9))
    assert (row["reports_requested"], row["successful"], row["failed"]) == (4, 2, 1)
    assert (row["pending"], row["processing"]) == (0, 1)
    assert row["success_rate"] == pytest.approx(2 / 3)
    assert row["processing_time_p50_seconds"] == pytest.approx(50.0)
    assert row["processing_time_p95_seconds"] == pytest.approx(59.0)
    assert (row["auto_generated"], row["manual"]) == (1, 3)
    assert (row["quarterly_updates"], row["quarterly_updates_completed"]) == (2, 1)
    assert row["quarterly_update_completion_rate"] == 0.5
    assert row["ai_tokens_used"] == 607 and row["average_report_size_kb"] == 100.0
    assert (row["views"], row["downloads"]) == (2, 1)
    pending = one(out, report_type="QA_QUESTIONNAIRE", metric_date=D)
    assert pending["reports_requested"] == 1  # r6's requester is deleted
    for column in ("success_rate", "processing_time_p50_seconds", "average_report_size_kb",
                   "quarterly_update_completion_rate"):  # fmt: skip
        assert null(pending[column]), column


# -- feature_utilization_metrics ---------------------------------------------------------


def test_feature_utilization_distribution_and_unassigned(tmp_path):
    write(tmp_path, "hr_departments", [
        {"department_id": "dp1", "organization_id": "o1", "name": "Sales", "created_at": T0,
         "updated_at": T0},
        {"department_id": "dp1", "organization_id": "o1", "name": "Revenue", "created_at": T0,
         "updated_at": "2026-02-01"},
    ])  # fmt: skip
    feature = "REPORT_GENERATION"
    write(tmp_path, "hr_activity_logs", [
        log("f1", "u1", "2026-03-10T00:05:00Z", feature=feature, department="dp1",
            duration=1000, success=True),
        log("f2", "u2", "2026-03-10T13:10:00Z", feature=feature, department="dpX",
            duration=3000, success=False),
        log("f3", "u1", "2026-03-10T13:40:00Z", feature=feature),
        log("f4", "u1", "2026-03-10T14:00:00Z", feature=feature, role=None),
        log("f5", "u1", "2026-03-10T14:00:00Z"),  # no feature
    ])  # fmt: skip
    out = tables(tmp_path, "feature_utilization_metrics")["feature_utilization_metrics"]
    assert list(out.columns) == hr.FEATURE_UTILIZATION
    assert sorted(out["user_role"]) == ["MANAGER", "UNKNOWN"]
    row = one(out, user_role="MANAGER")
    assert (row["total_uses"], row["unique_users"], row["error_count"]) == (3, 2, 1)
    assert row["average_duration_seconds"] == pytest.approx(2.0)
    assert row["success_rate"] == 0.5
    assert row["usage_distribution"] == {
        "by_department": {"Revenue": 1, "unassigned": 2},
        "hourly": {"0": 1, "13": 2},
    }
    unknown = one(out, user_role="UNKNOWN")
    assert null(unknown["success_rate"]) and null(unknown["average_duration_seconds"])
    assert unknown["error_count"] == 0


# -- notification_delivery_metrics -------------------------------------------------------


def delivery(
    did,
    channel="EMAIL",
    oid="o1",
    status="SENT",
    sent="2026-03-10T08:00:00Z",
    delivered=None,
    read=None,
    clicked=None,
    retries=None,
    updated=None,
    uid="u1",
):
    return {
        "delivery_id": did,
        "organization_id": oid,
        "user_id": uid,
        "channel": channel,
        "status": status,
        "sent_at": sent,
        "delivered_at": delivered,
        "read_at": read,
        "clicked_at": clicked,
        "retry_count": retries,
        "updated_at": updated or sent,
    }


def test_notification_rates_and_zero_denominators(tmp_path):
    write(tmp_path, "hr_users", [platform_user("gone", deleted="2026-03-01")])
    write(tmp_path, "hr_notification_deliveries", [
        delivery("n1", status="CLICKED", delivered="2026-03-10T08:01:00Z",
                 read="2026-03-10T08:03:00Z", clicked="2026-03-10T08:04:00Z", retries=2),
        delivery("n2", status="FAILED", sent="2026-03-10T09:00:00Z"),
        delivery("n3", channel="SMS"),
        delivery("n4", oid="o2", status="DELIVERED", delivered="2026-03-10T10:00:00Z"),
        delivery("n4", oid="o2", status="READ", delivered="2026-03-10T10:00:00Z",
                 read="2026-03-10T10:10:00Z", updated="2026-03-10T10:10:00Z"),
        delivery("n5", uid="gone"),
    ])  # fmt: skip
    out = tables(tmp_path, "notification_delivery_metrics")["notification_delivery_metrics"]
    assert list(out.columns) == hr.NOTIFICATIONS
    email = one(out, organization_id="o1", channel="EMAIL")
    counts = ("sent", "delivered", "read", "clicked", "dismissed", "failed", "retries")
    assert [email[c] for c in counts] == [2, 1, 1, 1, 0, 1, 2]
    assert (email["delivery_rate"], email["read_rate"], email["click_rate"]) == (0.5, 1.0, 1.0)
    assert email["failure_rate"] == 0.5 and email["median_time_to_read_seconds"] == 120.0
    sms = one(out, organization_id="o1", channel="SMS")
    assert sms["delivery_rate"] == 0.0 and sms["failure_rate"] == 0.0
    assert null(sms["read_rate"]) and null(sms["click_rate"])
    assert null(sms["median_time_to_read_seconds"])
    everyone = one(out, organization_id=None, channel="EMAIL")
    assert (everyone["sent"], everyone["delivered"], everyone["read"]) == (3, 2, 2)
    assert everyone["median_time_to_read_seconds"] == 360.0  # of 120 and 600
    assert everyone["click_rate"] == 0.5


# -- ai_chat_analytics -------------------------------------------------------------------


def test_ai_chat_analytics(tmp_path):
    write(tmp_path, "hr_chat_sessions", [
        chat("c1", "2026-03-10T10:00:00Z", ended="2026-03-10T10:05:00Z", rating=4,
             helpful=True, query="policy", messages=[("USER", 10), ("ASSISTANT", 90),
                                                      ("SYSTEM", None)]),
        chat("c2", "2026-03-10T11:00:00Z"),
        chat("c3", "2026-03-10T12:00:00Z", uid="u2", ended="2026-03-10T12:10:00Z", rating=2,
             helpful=False, query="policy", messages=[("USER", 5)]),
        chat("c4", "2026-03-11T00:00:00Z"),
    ])  # fmt: skip
    out = tables(tmp_path, "ai_chat_analytics")["ai_chat_analytics"]
    assert list(out.columns) == hr.CHAT_ANALYTICS
    row = one(out, organization_id="o1", metric_date=D)
    assert len(out) == 1
    assert (row["sessions"], row["unique_users"], row["messages"], row["user_messages"]) == (
        3, 2, 4, 2,
    )  # fmt: skip
    assert row["tokens_used"] == 105
    assert row["average_session_duration_seconds"] == 450.0
    assert (row["rated_sessions"], row["average_satisfaction"], row["helpful_rate"]) == (2, 3, 0.5)
    assert row["query_type_distribution"] == {"policy": 2, "unknown": 1}


# -- dashboard_performance ---------------------------------------------------------------


def interaction(
    iid,
    kind="WIDGET_LOAD",
    widget="CHART",
    oid="o1",
    load=None,
    render=None,
    fetch=None,
    total=None,
    error=None,
    at="2026-03-10T10:00:00Z",
):
    return {
        "interaction_id": iid,
        "organization_id": oid,
        "dashboard_type": "OWNER_DASHBOARD",
        "interaction_type": kind,
        "widget_type": widget,
        "error_occurred": error,
        "load_time_ms": load,
        "render_time_ms": render,
        "data_fetch_time_ms": fetch,
        "total_time_ms": total,
        "occurred_at": at,
    }


def test_dashboard_performance_percentiles(tmp_path):
    write(tmp_path, "hr_dashboard_interactions", [
        interaction("i1", load=100, render=10, fetch=50, total=160, error=False),
        interaction("i2", load=200, fetch=70, total=280, error=True),
        interaction("i3", kind="WIDGET_REFRESH", load=999),
        interaction("i4", widget=None, load=50),
        interaction("i5", oid="o2", load=300, error=False),
        interaction("i6", load=1, at="2026-03-11T00:00:00Z"),
    ])  # fmt: skip
    out = tables(tmp_path, "dashboard_performance")["dashboard_performance"]
    assert list(out.columns) == hr.DASHBOARD_PERFORMANCE
    chart = one(out, organization_id="o1", widget_type="CHART")
    assert (chart["interactions"], chart["widget_loads"]) == (3, 2)
    assert (chart["load_time_p50_ms"], chart["load_time_p95_ms"]) == (150.0, 195.0)
    assert chart["render_time_p50_ms"] == 10.0  # one value
    assert chart["data_fetch_time_p50_ms"] == 60.0
    assert chart["total_time_p95_ms"] == pytest.approx(274.0)
    assert chart["error_rate"] == 0.5
    unknown = one(out, organization_id="o1", widget_type="UNKNOWN")
    assert unknown["load_time_p50_ms"] == 50.0 and null(unknown["error_rate"])
    assert null(unknown["render_time_p50_ms"])
    everyone = one(out, organization_id=None, widget_type="CHART")
    assert (everyone["widget_loads"], everyone["load_time_p50_ms"]) == (3, 200.0)
    assert everyone["error_rate"] == pytest.approx(1 / 3)


# -- the oracle's entry point --------------------------------------------------------------


def test_families_computed_only_when_asked(tmp_path, monkeypatch):
    write(tmp_path, "hr_chat_sessions", [chat("c1", "2026-03-10T10:00:00Z")])

    def refuse(*_args, **_kwargs):
        raise AssertionError("family computed without being asked")

    monkeypatch.setattr(activity, "prepare", refuse)
    got = reference_tables(tmp_path, D, ["ai_chat_analytics"])
    assert list(got) == ["ai_chat_analytics"] and len(got["ai_chat_analytics"]) == 1
    monkeypatch.undo()
    monkeypatch.setattr(hr, "prepare", refuse)
    assert list(reference_tables(tmp_path, D, ["daily_metrics"])) == ["daily_metrics"]


def test_empty_pack_gives_empty_tables(tmp_path):
    out = reference_tables(tmp_path, D, list(hr.TABLES))
    for name, frame in out.items():
        assert frame.empty, name
        assert list(frame.columns)[0] == "organization_id"
        assert set(hr.GRAINS[name]) <= set(frame.columns)


# -- a generated sample of the pack: the reader agrees with the generator --------------


@pytest.fixture(scope="module")
def hr_sample(tmp_path_factory):
    from analytics_pipeline.sample_data import generate_sample

    out = tmp_path_factory.mktemp("hr_sample")
    return generate_sample(
        out, workspaces=1, users=10, days=21, seed=3, bad_rows=0.03, packs=("hr",)
    )


def test_reference_reads_the_hr_sample_as_the_generator_wrote_it(hr_sample):
    from .raw_files import SPECS

    for source in (s for s in SPECS if s.startswith("hr_")):
        loaded = load_source(source, hr_sample.files[source])
        assert loaded.rows_read == hr_sample.rows_written[source], source
        assert len(loaded.rejected) == sum(hr_sample.bad_rows[source].values()), source
        if source in hr_sample.duplicate_rows and not SPECS[source].version:
            assert len(loaded.frame) == loaded.valid_rows - hr_sample.duplicate_rows[source]


def test_hr_tables_of_the_sample_add_up(hr_sample):
    files, as_of = hr_sample.files, date(2026, 9, 30)
    out = reference_tables(files, as_of, list(hr.TABLES))
    data = load_dataset(files, sources=hr.SOURCES, versions=hr.VERSIONED)
    inp = hr.prepare(data, as_of)
    for name, frame in out.items():
        assert not frame.empty, name
        assert not frame.duplicated(hr.GRAINS[name]).any(), name
    engagement = out["hr_user_engagement_metrics"]
    assert engagement["login_count"].sum() == (inp.activity["event_type"] == "LOGIN").sum()
    for name, column in (("notification_delivery_metrics", "sent"),
                         ("dashboard_performance", "interactions")):  # fmt: skip
        frame = out[name]
        every = frame["organization_id"].isna()
        assert frame.loc[every, column].sum() == frame.loc[~every, column].sum(), name
    adoption = out["platform_adoption_metrics"]
    last = adoption[adoption["metric_date"] == as_of]
    assert last["total_organizations"].iloc[0] == len(last) - 1
    impact = out["business_impact_metrics"]
    on_d = impact[impact["metric_date"] == as_of]
    every = on_d["organization_id"].isna()
    assert on_d.loc[every, "mrr"].iloc[0] == pytest.approx(on_d.loc[~every, "mrr"].sum())
    risk = on_d.loc[~every, "churn_risk_score"]
    assert ((risk >= 0) & (risk <= 1)).all()
