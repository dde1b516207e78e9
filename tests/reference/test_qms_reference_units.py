"""Unit tests of the QMS pack's reference (tests/reference/qms.py and the qms_* part of
raw_files) on tiny hand-made files, every expectation computed by hand from
docs/metrics.md ("Quality management pack"). No database."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from . import qms
from .oracle import GRAINS, reference_tables
from .raw_files import load_dataset, load_source

D = date(2026, 3, 10)
T0 = "2026-01-01T00:00:00Z"


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


def day(text: str) -> date:
    return date.fromisoformat(text)


def event(
    eid, opened, kind="CAPA", severity="MAJOR", module="edms", dept="QA", status="OPEN",
    closed=None, due=None, root=None, updated=T0,
):  # fmt: skip
    return {
        "event_id": eid, "event_type": kind, "severity": severity, "module": module,
        "department_id": dept, "root_cause": root, "status": status, "opened_at": opened,
        "due_date": due, "closed_at": closed, "updated_at": updated,
    }  # fmt: skip


def user(uid, dept="QA"):
    return {"user_id": uid, "department_id": dept, "role": "OPERATOR", "created_at": T0,
            "updated_at": T0}  # fmt: skip


def assignment(aid, assigned, due, uid="u1", status="ASSIGNED", completed=None, score=None):
    return {
        "assignment_id": aid, "user_id": uid, "course_id": "GMP-1", "status": status,
        "assigned_at": assigned, "due_date": due, "completed_at": completed, "score": score,
        "updated_at": T0,
    }  # fmt: skip


def document(did, dept="QA"):
    return {"document_id": did, "document_type": "SOP", "department_id": dept,
            "created_at": T0, "updated_at": T0}  # fmt: skip


def version(vid, updated, status, did="doc1", number=1, review_due=None):
    return {
        "version_id": vid, "document_id": did, "version_number": number, "status": status,
        "periodic_review_due": review_due, "created_at": T0, "updated_at": updated,
    }  # fmt: skip


def step(sid, vid, kind, assigned, completed=None, decision=None):
    return {
        "step_id": sid, "version_id": vid, "step_type": kind, "assigned_at": assigned,
        "completed_at": completed, "decision": decision, "updated_at": T0,
    }  # fmt: skip


def result(rid, value, lower=None, upper=None, flag=None, sample="s1", test="pH",
           at="2026-03-05T12:00:00Z"):  # fmt: skip
    return {
        "result_id": rid, "sample_id": sample, "test_code": test, "result_value": value,
        "spec_lower": lower, "spec_upper": upper, "oos_flag": flag, "resulted_at": at,
        "updated_at": T0,
    }  # fmt: skip


def risk(rid, scores, updated, status="OPEN", module="lims", assessed="2026-03-01T00:00:00Z"):
    severity, probability, detectability = scores
    return {
        "risk_id": rid, "module": module, "severity": severity, "probability": probability,
        "detectability": detectability, "mitigation_status": status, "assessed_at": assessed,
        "updated_at": updated,
    }  # fmt: skip


# -- raw files ---------------------------------------------------------------------------


def test_qms_rows_checked_against_the_contract(tmp_path):
    good = event("e1", "2026-03-01T00:00:00Z", due="2026-03-05")
    path = write(
        tmp_path,
        "qms_quality_events",
        [
            good,
            {**good, "event_id": "e2", "due_date": "2026-03-05T10:00:00Z"},  # a time part
            {**good, "event_id": "e3", "due_date": "1849-12-31"},  # before 1850
            {**good, "event_id": "e4", "due_date": "1850-01-01"},  # a date may precede 1970
            {**good, "event_id": "e5", "closed_at": "2026-02-28T00:00:00Z"},  # before opened
            {**good, "event_id": "e6", "module": "EDMS"},  # enums are case-sensitive
            {**good, "event_id": "e7", "severity": None},  # required
            {**good, "event_id": "e8", "due_date": 20260305},  # a number is no date
        ],
    )
    loaded = load_source("qms_quality_events", [path])
    assert list(loaded.frame["event_id"]) == ["e1", "e4"]
    assert loaded.frame["due_date"].tolist() == [day("2026-03-05"), day("1850-01-01")]
    assert [line for _f, line, _r in loaded.rejected] == [2, 3, 5, 6, 7, 8]
    risks = write(
        tmp_path,
        "qms_risk_assessments",
        [risk("k1", (10, 10, 10), T0), risk("k2", (11, 1, 1), T0), risk("k3", (1, 0, 1), T0)],
    )
    assert list(load_source("qms_risk_assessments", [risks]).frame["risk_id"]) == ["k1"]
    training = write(
        tmp_path,
        "qms_training_assignments",
        [
            assignment("a1", T0, "2026-01-02", score=100),
            assignment("a2", T0, "2026-01-02", score=100.5),
            assignment("a3", T0, None),  # due_date is required
            assignment("a4", "2026-01-05T00:00:00Z", "2026-01-09", completed=T0),
        ],
    )
    assert list(load_source("qms_training_assignments", [training]).frame["assignment_id"]) == [
        "a1"
    ]


def test_versioned_sources_keep_their_history_and_others_the_newest(tmp_path):
    write(tmp_path, "qms_document_versions", [version("v1", "2026-03-02T00:00:00Z", "EFFECTIVE")])
    write(tmp_path, "qms_document_versions", [version("v1", "2026-03-01T00:00:00Z", "DRAFT")])
    data = load_dataset(tmp_path, sources=qms.SOURCES, versions=qms.VERSIONED)
    assert data["qms_document_versions"]["status"].tolist() == ["EFFECTIVE"]  # late older one
    history = data["qms_document_versions__versions"]
    assert history["status"].tolist() == ["DRAFT", "EFFECTIVE"]
    assert "qms_risk_assessments__versions" in data
    assert "qms_quality_events__versions" not in data


# -- quality_kpis ------------------------------------------------------------------------


def quality(tmp_path, rows, as_of=D) -> pd.DataFrame:
    write(tmp_path, "qms_quality_events", rows)
    return tables(tmp_path, "quality_kpis", as_of=as_of)["quality_kpis"]


def test_cancelled_event_open_until_its_cancellation_and_never_a_closure(tmp_path):
    out = quality(
        tmp_path,
        [
            event("e1", "2026-03-01T10:00:00Z", kind="COMPLAINT", status="CANCELLED",
                  closed="2026-03-05T12:00:00Z"),
            event("e2", "2026-03-02T10:00:00Z", kind="COMPLAINT", status="CLOSED",
                  closed="2026-03-05T00:00:00Z", severity="MINOR"),
        ],
    )  # fmt: skip
    assert out.columns.tolist() == qms.QUALITY_KPIS
    assert one(out, metric_date=day("2026-03-01"))["opened_events"] == 1
    mar4 = one(out, metric_date=day("2026-03-04"))
    assert (mar4["open_events"], mar4["open_complaints"], mar4["open_major"]) == (2, 2, 1)
    assert mar4["open_minor"] == 1 and mar4["closed_events"] == 0
    mar5 = one(out, metric_date=day("2026-03-05"))
    assert (mar5["open_events"], mar5["closed_events"]) == (0, 1)  # e2's closure, not e1's
    assert mar5["mean_days_to_close_minor"] == pytest.approx(2 + 14 / 24, abs=1e-12)
    assert null(mar5["mean_days_to_close_major"]) and null(mar5["p90_days_to_close_critical"])
    assert len(out) == 10  # 2026-03-01 .. D, zeros on quiet days
    assert one(out, metric_date=D)["open_events"] == 0


def test_days_to_close_mean_and_p90_per_severity(tmp_path):
    opened = "2026-03-01T00:00:00Z"
    out = quality(
        tmp_path,
        [
            event("c1", opened, severity="CRITICAL", status="CLOSED",
                  closed="2026-03-04T00:00:00Z"),
            event("c2", "2026-03-03T00:00:00Z", severity="CRITICAL", status="CLOSED",
                  closed="2026-03-04T00:00:00Z"),
            event("c3", opened, severity="CRITICAL", status="CLOSED",
                  closed="2026-03-04T12:00:00Z"),
        ],
    )  # fmt: skip
    mar4 = one(out, metric_date=day("2026-03-04"))
    assert mar4["closed_events"] == 3
    assert mar4["mean_days_to_close_critical"] == pytest.approx((3 + 1 + 3.5) / 3, abs=1e-12)
    # sorted 1, 3, 3.5: position 0.9 * 2 = 1.8 -> 3 + 0.8 * 0.5
    assert mar4["p90_days_to_close_critical"] == pytest.approx(3.4, abs=1e-12)


def test_capa_closure_on_time_on_the_due_day_and_late_the_day_after(tmp_path):
    out = quality(
        tmp_path,
        [
            event("on-time", "2026-03-01T00:00:00Z", status="CLOSED", due="2026-03-05",
                  closed="2026-03-05T23:59:59Z"),
            event("late", "2026-03-01T00:00:00Z", status="CLOSED", due="2026-03-05",
                  closed="2026-03-06T00:00:00Z"),
            event("no-due", "2026-03-01T00:00:00Z", status="CLOSED", closed="2026-03-06T08:00:00Z"),
            event("deviation", "2026-03-01T00:00:00Z", kind="DEVIATION", status="CLOSED",
                  due="2026-03-01", closed="2026-03-06T09:00:00Z"),
        ],
    )  # fmt: skip
    mar5 = one(out, metric_date=day("2026-03-05"))
    assert (mar5["capas_closed"], mar5["capas_closed_on_time"]) == (1, 1)
    assert mar5["capa_on_time_closure_rate"] == 1.0
    mar6 = one(out, metric_date=day("2026-03-06"))
    assert (mar6["closed_events"], mar6["capas_closed"], mar6["capas_closed_on_time"]) == (3, 1, 0)
    assert mar6["capa_on_time_closure_rate"] == 0.0
    assert null(one(out, metric_date=day("2026-03-07"))["capa_on_time_closure_rate"])
    # overdue at the end of the due day: "late" is still open at the end of 2026-03-05
    assert one(out, metric_date=day("2026-03-04"))["overdue_capas"] == 0
    assert mar5["overdue_capas"] == 1 and mar6["overdue_capas"] == 0


def test_overdue_capas_from_the_end_of_the_due_day_until_closed(tmp_path):
    out = quality(
        tmp_path,
        [
            event("open", "2026-03-01T00:00:00Z", due="2026-03-07", status="INVESTIGATION"),
            event("cancelled", "2026-03-01T00:00:00Z", due="2026-03-02", status="CANCELLED",
                  closed="2026-03-04T00:00:00Z"),
        ],
    )  # fmt: skip
    overdue = dict(zip(out["metric_date"], out["overdue_capas"], strict=True))
    assert [overdue[day(f"2026-03-{n:02d}")] for n in range(1, 11)] == [
        0,
        1,
        1,
        0,
        0,
        0,
        1,
        1,
        1,
        1,
    ]


def test_repeat_deviations_90_day_window_ties_modules_and_departments(tmp_path):
    dev = {"kind": "DEVIATION"}
    out = quality(
        tmp_path,
        [
            # R1: the earlier one exactly 90 days before (inclusive start)
            event("r1-a", "2025-12-01T08:00:00Z", root="R1", **dev),
            event("r1-b", "2026-03-01T08:00:00Z", root="R1", **dev),
            # R2: one second more than 90 days before
            event("r2-a", "2025-12-01T07:59:59Z", root="R2", **dev),
            event("r2-b", "2026-03-01T08:00:00Z", root="R2", **dev),
            # R3: same instant, the larger event_id is the repeat
            event("r3-b", "2026-03-03T09:00:00Z", root="R3", **dev),
            event("r3-a", "2026-03-03T09:00:00Z", root="R3", **dev),
            # R4: the earlier one in another module and cancelled still counts
            event("r4-a", "2026-03-02T00:00:00Z", root="R4", module="lims", status="CANCELLED",
                  closed="2026-03-02T01:00:00Z", **dev),
            event("r4-b", "2026-03-04T00:00:00Z", root="R4", **dev),
            # R5: another department's deviation does not; R6: nor does a CAPA
            event("r5-a", "2026-03-02T00:00:00Z", root="R5", dept="OPS", **dev),
            event("r5-b", "2026-03-04T00:00:00Z", root="R5", **dev),
            event("r6-a", "2026-03-02T00:00:00Z", root="R6"),
            event("r6-b", "2026-03-04T00:00:00Z", root="R6", **dev),
            # no root cause: never a repeat
            event("n-a", "2026-03-04T00:00:00Z", **dev),
            event("n-b", "2026-03-04T01:00:00Z", **dev),
        ],
    )  # fmt: skip
    edms = out[(out["department_id"] == "QA") & (out["module"] == "edms")]
    repeats = dict(zip(edms["metric_date"], edms["repeat_deviations"], strict=True))
    assert repeats[day("2026-03-01")] == 1  # r1-b only
    assert repeats[day("2026-03-03")] == 1  # r3-b only
    assert repeats[day("2026-03-04")] == 1  # r4-b only
    assert sum(repeats.values()) == 3
    assert one(out, department_id="QA", module="edms", metric_date=day("2025-12-01"))[
        "opened_events"
    ] == 2  # fmt: skip
    records = tables(tmp_path, "qms_kpi_records")["qms_kpi_records"]
    repeat_ids = records[records["kpi"] == "repeat_deviations"]["record_id"]
    assert sorted(repeat_ids) == ["r1-b", "r3-b", "r4-b"]


def test_event_rows_per_pair_from_its_first_day_and_newest_version(tmp_path):
    write(
        tmp_path,
        "qms_quality_events",
        [event("e1", "2026-03-08T00:00:00Z", status="CLOSED", closed="2026-03-09T00:00:00Z",
               updated="2026-03-09T00:00:00Z")],
    )  # fmt: skip
    # an older version ingested later does not win; an event opened after D counts nowhere
    write(tmp_path, "qms_quality_events", [event("e1", "2026-03-08T00:00:00Z")])
    write(tmp_path, "qms_quality_events", [event("e9", "2026-03-11T00:00:00Z", module="tms")])
    out = tables(tmp_path, "quality_kpis")["quality_kpis"]
    assert out["metric_date"].tolist() == [day("2026-03-08"), day("2026-03-09"), D]
    assert out["open_events"].tolist() == [1, 0, 0]
    assert set(out["module"]) == {"edms"}
    later = tables(tmp_path, "quality_kpis", as_of=date(2026, 3, 11))["quality_kpis"]
    assert one(later, module="tms", metric_date=date(2026, 3, 11))["open_capas"] == 1


# -- training_compliance and training_overdue -------------------------------------------


def test_training_counts_cancelled_nowhere_and_unknown_users_unassigned(tmp_path):
    write(tmp_path, "qms_users", [user("u1", "QA")])
    write(
        tmp_path,
        "qms_training_assignments",
        [
            assignment("a1", "2026-03-02T09:00:00Z", "2026-03-09"),
            assignment("a2", "2026-03-03T09:00:00Z", "2026-03-04", uid="ghost",
                       completed="2026-03-04T10:00:00Z", score=80),
            assignment("a3", "2026-03-01T09:00:00Z", "2026-03-02", uid="ghost",
                       completed="2026-03-05T10:00:00Z", score=90),
            assignment("a4", "2026-03-03T09:00:00Z", "2026-03-04", uid="ghost",
                       completed="2026-03-04T11:00:00Z"),
            assignment("x1", "2026-02-01T09:00:00Z", "2026-02-02", status="CANCELLED"),
            assignment("x2", "2026-02-01T09:00:00Z", "2026-02-02", uid="nobody",
                       status="CANCELLED"),
        ],
    )  # fmt: skip
    out = tables(tmp_path, "training_compliance")["training_compliance"]
    assert out.columns.tolist() == qms.TRAINING_COMPLIANCE
    assert sorted(set(out["department_id"])) == ["QA", "unassigned"]
    assert min(out[out["department_id"] == "QA"]["metric_date"]) == day("2026-03-02")
    assert min(out[out["department_id"] == "unassigned"]["metric_date"]) == day("2026-03-01")
    mar4 = one(out, department_id="unassigned", metric_date=day("2026-03-04"))
    assert (mar4["assigned"], mar4["completed"], mar4["completed_on_time"]) == (0, 2, 2)
    assert mar4["average_score"] == 80.0  # a4 has no score
    assert mar4["overdue"] == 1  # a3, due 2026-03-02, completed on 2026-03-05
    mar5 = one(out, department_id="unassigned", metric_date=day("2026-03-05"))
    assert (mar5["completed"], mar5["completed_on_time"], mar5["overdue"]) == (1, 0, 0)
    assert mar5["average_score"] == 90.0
    assert (mar5["due_90d"], mar5["compliant_90d"]) == (3, 2)
    assert mar5["compliance_rate"] == pytest.approx(2 / 3, abs=1e-12)
    qa = out[out["department_id"] == "QA"]
    assert qa["overdue"].tolist() == [0] * 7 + [1, 1]  # a1 overdue from the end of 2026-03-09


def test_compliance_90_day_window_and_days_overdue(tmp_path):
    write(tmp_path, "qms_users", [user("u1", "QA")])
    assigned = "2025-11-01T00:00:00Z"
    write(
        tmp_path,
        "qms_training_assignments",
        [
            assignment("before", assigned, "2025-12-10", completed="2025-12-01T00:00:00Z"),
            assignment("first", assigned, "2025-12-11", completed="2025-12-11T23:59:59Z"),
            assignment("late", assigned, "2026-03-09", completed="2026-03-10T00:00:00Z"),
            assignment("today", assigned, "2026-03-10", completed="2026-03-10T23:00:00Z"),
            assignment("open", assigned, "2026-03-10"),
            assignment("open-2", "2026-03-01T00:00:00Z", "2026-03-09"),
            assignment("future", assigned, "2026-03-11"),
            # assigned after D: counts nowhere yet
            assignment("later", "2026-03-11T00:00:00Z", "2026-03-01"),
        ],
    )  # fmt: skip
    got = tables(tmp_path, "training_compliance", "training_overdue")
    row = one(got["training_compliance"], department_id="QA", metric_date=D)
    assert (row["due_90d"], row["compliant_90d"]) == (5, 2)  # first, late, today, open, open-2
    assert row["compliance_rate"] == pytest.approx(0.4, abs=1e-12)
    assert row["overdue"] == 2 and row["completed"] == 2 and row["completed_on_time"] == 1
    overdue = got["training_overdue"]
    assert overdue.columns.tolist() == qms.TRAINING_OVERDUE
    assert overdue["assignment_id"].tolist() == ["open", "open-2"]
    assert overdue["days_overdue"].tolist() == [1, 2]
    assert set(overdue["as_of_date"]) == {D}
    assert overdue["due_date"].tolist() == [D, day("2026-03-09")]
    assert overdue["assigned_at"].iloc[1] == pd.Timestamp("2026-03-01", tz="UTC")


# -- document_control --------------------------------------------------------------------


def _documents(tmp_path):
    write(tmp_path, "qms_documents", [document("doc1", "QA"), document("doc2", "OPS")])
    write(
        tmp_path,
        "qms_document_versions",
        [
            version("v1", "2026-03-01T10:00:00Z", "DRAFT"),
            version("v1", "2026-03-02T10:00:00Z", "IN_REVIEW"),
            version("v1", "2026-03-03T10:00:00Z", "EFFECTIVE", review_due="2026-03-08"),
            # the revision: in review until it takes effect
            version("v2", "2026-03-05T10:00:00Z", "DRAFT", number=2),
            version("v2", "2026-03-06T00:00:00Z", "IN_REVIEW", number=2),  # midnight: day 6
            version("v2", "2026-03-09T10:00:00Z", "EFFECTIVE", number=2, review_due="2027-03-09"),
            version("v1", "2026-03-09T10:00:00Z", "OBSOLETE", review_due="2026-03-08"),
            # a document missing from qms_documents counts nowhere
            version("v9", "2026-02-01T00:00:00Z", "EFFECTIVE", did="ghost"),
            # doc2: two versions of one number, the larger version_id is current
            version("w1", "2026-03-04T00:00:00Z", "EFFECTIVE", did="doc2",
                    review_due="2026-03-04"),
            version("w2", "2026-03-07T00:00:00Z", "DRAFT", did="doc2"),
        ],
    )  # fmt: skip
    # one version duplicated, and a tie on updated_at: the later ingest wins
    write(
        tmp_path,
        "qms_document_versions",
        [
            version("w1", "2026-03-04T00:00:00Z", "EFFECTIVE", did="doc2",
                    review_due="2026-03-04"),
            version("w2", "2026-03-07T00:00:00Z", "IN_REVIEW", did="doc2"),
        ],
    )  # fmt: skip
    return tables(tmp_path, "document_control", "qms_kpi_records")


def test_document_status_in_effect_at_the_end_of_each_day(tmp_path):
    got = _documents(tmp_path)
    out = got["document_control"]
    assert out.columns.tolist() == qms.DOCUMENT_CONTROL
    assert sorted(set(out["department_id"])) == ["OPS", "QA"]
    qa = out[out["department_id"] == "QA"].set_index("metric_date")
    assert qa.index.min() == day("2026-03-01")
    statuses = ["documents_draft", "documents_in_review", "documents_effective",
                "documents_obsolete"]  # fmt: skip
    expected = {
        "2026-03-01": [1, 0, 0, 0],
        "2026-03-02": [0, 1, 0, 0],
        "2026-03-03": [0, 0, 1, 0],
        "2026-03-05": [1, 0, 0, 0],  # revised after effective: the revision's status
        "2026-03-06": [0, 1, 0, 0],
        "2026-03-09": [0, 0, 1, 0],
    }
    for text, counts in expected.items():
        assert qa.loc[day(text), statuses].tolist() == counts, text
    assert qa["documents"].tolist() == [1] * 10
    # periodic review: v1 effective (a later draft does not matter) and due 2026-03-08
    past = qa["past_periodic_review"]
    assert past.loc[day("2026-03-07")] == 0 and past.loc[day("2026-03-08")] == 1
    assert past.loc[day("2026-03-09")] == 0  # v2 effective, due 2027
    ops = out[out["department_id"] == "OPS"].set_index("metric_date")
    assert ops.index.min() == day("2026-03-04")
    assert ops.loc[day("2026-03-06"), "documents_effective"] == 1
    assert ops.loc[day("2026-03-07"), statuses].tolist() == [0, 1, 0, 0]  # w2, later ingest
    # an effective version of several: the highest number (w1, w2 both 1; w2 not effective)
    assert ops.loc[day("2026-03-07"), "past_periodic_review"] == 1
    records = got["qms_kpi_records"]
    docs = records[(records["kpi"] == "documents") & (records["metric_date"] == D)]
    assert sorted(docs["record_id"]) == ["doc1", "doc2"]
    assert set(docs["record_type"]) == {"document"}


def test_review_cycle_and_approval_after_a_rejected_step(tmp_path):
    write(tmp_path, "qms_documents", [document("doc1", "QA")])
    drafted = "2026-03-01T00:00:00Z"
    write(
        tmp_path,
        "qms_document_versions",
        [version(v, drafted, "DRAFT") for v in ("v1", "v2", "v3")],
    )
    write(
        tmp_path,
        "qms_document_review_steps",
        [
            step("s1", "v1", "REVIEW", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", "APPROVED"),
            step("s2", "v1", "APPROVAL", "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z",
                 "REJECTED"),
            step("s3", "v1", "APPROVAL", "2026-03-05T00:00:00Z", "2026-03-06T12:00:00Z",
                 "APPROVED"),
            # two approvers: the approval is the later one; cycle 2 days
            step("s4", "v2", "APPROVAL", "2026-03-04T12:00:00Z", "2026-03-06T06:00:00Z",
                 "APPROVED"),
            step("s5", "v2", "APPROVAL", "2026-03-04T12:00:00Z", "2026-03-06T12:00:00Z",
                 "APPROVED"),
            # only a review approved, an approval still pending: no approval
            step("s6", "v3", "REVIEW", "2026-03-04T00:00:00Z", "2026-03-06T00:00:00Z", "APPROVED"),
            step("s7", "v3", "APPROVAL", "2026-03-06T00:00:00Z"),
        ],
    )  # fmt: skip
    got = tables(tmp_path, "document_control", "qms_kpi_records")
    row = one(got["document_control"], department_id="QA", metric_date=day("2026-03-06"))
    assert row["reviews_completed"] == 2
    assert row["review_cycle_days_p50"] == pytest.approx((4.5 + 2) / 2, abs=1e-12)
    assert row["review_cycle_days_p90"] == pytest.approx(2 + 0.9 * 2.5, abs=1e-12)
    assert one(got["document_control"], department_id="QA", metric_date=day("2026-03-04"))[
        "reviews_completed"
    ] == 0  # fmt: skip
    records = got["qms_kpi_records"]
    reviewed = records[records["kpi"] == "reviews_completed"]
    assert sorted(reviewed["record_id"]) == ["v1", "v2"]
    assert set(reviewed["record_type"]) == {"document_version"}


# -- lab_quality -------------------------------------------------------------------------


def test_lab_limits_nulls_flags_and_orphan_turnaround(tmp_path):
    write(
        tmp_path,
        "qms_lab_samples",
        [
            {"sample_id": "s1", "received_at": "2026-03-05T00:00:00Z", "updated_at": T0},
            {"sample_id": "s2", "received_at": "2026-03-04T12:00:00Z", "updated_at": T0},
        ],
    )
    write(
        tmp_path,
        "qms_lab_results",
        [
            result("low", 4.9, lower=5),  # one-sided lower limit
            result("high", 10.5, upper=10, flag=True),  # one-sided upper, flag agrees
            result("edge", 10, lower=5, upper=10, flag=True),  # on the limit: in spec
            result("none", None, lower=5, upper=10, flag=True),  # no value: not evaluable
            result("nolimit", 1e6, flag=False, sample="s2"),  # no limits: in spec
            result("orphan", 7, lower=5, upper=10, sample="s9", at="2026-03-05T18:00:00Z"),
            result("other", 7, lower=8, test="assay", at="2026-03-06T00:00:00Z"),
        ],
    )
    got = tables(tmp_path, "lab_quality", "qms_kpi_records")
    out = got["lab_quality"]
    assert out.columns.tolist() == qms.LAB_QUALITY
    row = one(out, test_code="pH", metric_date=day("2026-03-05"))
    assert (row["results"], row["samples"], row["evaluable_results"]) == (6, 3, 5)
    assert row["oos_results"] == 2 and row["oos_rate"] == pytest.approx(0.4, abs=1e-12)
    assert row["flag_mismatches"] == 1  # edge: flagged but in spec (low: no flag)
    # turnaround over s1 (12 h x 4) and s2 (24 h); the orphan's sample is unknown
    assert row["turnaround_p50_hours"] == 12.0
    assert row["turnaround_p90_hours"] == pytest.approx(12 + 0.6 * 12, abs=1e-12)
    quiet = one(out, test_code="pH", metric_date=day("2026-03-06"))
    assert quiet["results"] == 0 and null(quiet["oos_rate"]) and null(quiet["turnaround_p50_hours"])
    assert out[out["test_code"] == "pH"]["metric_date"].min() == day("2026-03-05")
    assay = one(out, test_code="assay", metric_date=day("2026-03-06"))
    assert assay["oos_results"] == 1 and assay["turnaround_p90_hours"] == 24.0
    records = got["qms_kpi_records"]
    samples = records[(records["kpi"] == "samples") & (records["test_code"] == "pH")]
    assert sorted(samples["record_id"]) == ["s1", "s2", "s9"]
    assert set(samples["record_type"]) == {"lab_sample"}
    mismatches = records[records["kpi"] == "flag_mismatches"]
    assert mismatches["record_id"].tolist() == ["edge"]


def test_flag_mismatch_when_the_flag_says_in_spec(tmp_path):
    write(tmp_path, "qms_lab_results", [result("r1", 1, lower=2, flag=False)])
    row = one(tables(tmp_path, "lab_quality")["lab_quality"], metric_date=day("2026-03-05"))
    assert (row["oos_results"], row["flag_mismatches"]) == (1, 1)


# -- risk_register_summary ---------------------------------------------------------------


def test_risk_rpn_threshold_and_version_in_effect(tmp_path):
    write(
        tmp_path,
        "qms_risk_assessments",
        [
            risk("k1", (5, 5, 4), "2026-03-01T08:00:00Z"),  # RPN 100: high priority
            risk("k2", (7, 7, 2), "2026-03-01T09:00:00Z"),  # RPN 98
            # k1 mitigated at 2026-03-05 12:00; k2 re-assessed at midnight (day 7)
            risk("k1", (5, 5, 4), "2026-03-05T12:00:00Z", status="MITIGATED"),
            risk("k2", (10, 10, 10), "2026-03-07T00:00:00Z"),
            # k3: not assessed until after D (no version by then)
            risk("k3", (1, 1, 1), "2026-03-11T00:00:00Z", assessed="2026-03-11T00:00:00Z"),
        ],
    )
    got = tables(tmp_path, "risk_register_summary", "qms_kpi_records")
    out = got["risk_register_summary"]
    assert out.columns.tolist() == qms.RISK_REGISTER
    mar4 = one(out, module="lims", mitigation_status="OPEN", metric_date=day("2026-03-04"))
    assert (mar4["risks"], mar4["max_rpn"], mar4["high_priority_risks"]) == (2, 100, 1)
    assert mar4["mean_rpn"] == 99.0
    mar5 = one(out, module="lims", mitigation_status="OPEN", metric_date=day("2026-03-05"))
    assert (mar5["risks"], mar5["high_priority_risks"], mar5["mean_rpn"]) == (1, 0, 98.0)
    assert one(out, mitigation_status="MITIGATED", metric_date=day("2026-03-05"))["risks"] == 1
    assert one(out, mitigation_status="OPEN", metric_date=day("2026-03-06"))["max_rpn"] == 98
    assert one(out, mitigation_status="OPEN", metric_date=day("2026-03-07"))["max_rpn"] == 1000
    # a (module, status) without a risk at the end of a day has no row that day
    assert out[out["mitigation_status"] == "MITIGATED"]["metric_date"].min() == day("2026-03-05")
    assert out["metric_date"].min() == day("2026-03-01") and out["risks"].sum() == 20
    records = got["qms_kpi_records"]
    high = records[(records["kpi"] == "high_priority_risks")]
    assert high["record_id"].value_counts().to_dict() == {"k1": 10, "k2": 4}
    assert set(high[high["record_id"] == "k2"]["mitigation_status"]) == {"OPEN"}


def test_risk_rows_wait_for_the_first_assessed_day(tmp_path):
    write(
        tmp_path,
        "qms_risk_assessments",
        [risk("k1", (1, 2, 3), "2026-03-08T00:00:00Z", assessed="2026-03-08T00:00:00Z")],
    )
    out = tables(tmp_path, "risk_register_summary")["risk_register_summary"]
    assert out["metric_date"].tolist() == [day("2026-03-08"), day("2026-03-09"), D]
    assert out["mean_rpn"].tolist() == [6.0] * 3


# -- drill-through and analytics_metrics -------------------------------------------------


def _mixed(tmp_path):
    write(tmp_path, "qms_users", [user("u1", "QA")])
    write(
        tmp_path,
        "qms_quality_events",
        [
            event("c1", "2026-03-08T00:00:00Z", due="2026-03-08"),
            event("c2", "2026-03-09T00:00:00Z", due="2026-03-09", status="CLOSED",
                  closed="2026-03-09T12:00:00Z"),
        ],
    )  # fmt: skip
    write(
        tmp_path,
        "qms_training_assignments",
        [
            assignment("a1", "2026-03-08T00:00:00Z", "2026-03-09"),
            assignment("a2", "2026-03-08T00:00:00Z", "2026-03-09", completed="2026-03-09T10:00:00Z",
                       score=70),
        ],
    )  # fmt: skip
    write(tmp_path, "qms_lab_results", [result("r1", 3, lower=5, at="2026-03-09T00:00:00Z")])
    write(tmp_path, "qms_risk_assessments", [risk("k1", (5, 5, 5), "2026-03-09T00:00:00Z",
                                                  assessed="2026-03-09T00:00:00Z")])  # fmt: skip
    names = [*qms.TABLES, *qms.INTERMEDIATE]
    return tables(tmp_path, *names)


COUNTS = {  # the counts of each daily table (rates: numerator and denominator)
    "quality_kpis": [c for c in qms.QUALITY_KPIS[3:] if not c.startswith(("mean_", "p90_"))
                     and c != "capa_on_time_closure_rate"],
    "training_compliance": qms.TRAINING_COMPLIANCE[2:8],
    "document_control": qms.DOCUMENT_CONTROL[2:10],
    "lab_quality": ["results", "samples", "evaluable_results", "oos_results", "flag_mismatches"],
    "risk_register_summary": ["risks", "high_priority_risks"],
}  # fmt: skip


def test_drill_through_rows_equal_every_published_count(tmp_path):
    got = _mixed(tmp_path)
    records = got["qms_kpi_records"]
    assert records.columns.tolist() == qms.KPI_RECORDS
    scope = ("department_id", "module", "test_code", "mitigation_status")
    counted = records.fillna("-").groupby(["table_name", "metric_date", "kpi", *scope]).size()
    for table in qms.BUILDERS:
        frame = got[table]
        kpis = COUNTS[table]
        for row in frame.to_dict("records"):
            key_scope = tuple(row.get(c) or "-" for c in scope)
            for kpi in kpis:
                n = counted.get((table, row["metric_date"], kpi, *key_scope), 0)
                assert n == row[kpi], (table, row["metric_date"], kpi, key_scope)
    assert set(records["kpi"]) == {
        "open_events", "open_capas", "open_major", "opened_events", "closed_events",
        "capas_closed", "capas_closed_on_time", "overdue_capas", "assigned", "completed",
        "completed_on_time", "overdue", "due_90d", "compliant_90d", "results", "samples",
        "evaluable_results", "oos_results", "risks", "high_priority_risks",
    }  # fmt: skip
    overdue = records[(records["kpi"] == "overdue") & (records["metric_date"] == D)]
    assert overdue[["table_name", "department_id", "record_id"]].values.tolist() == [
        ["training_compliance", "QA", "a1"]
    ]
    c1 = records[(records["record_id"] == "c1") & (records["kpi"] == "overdue_capas")]
    assert c1["metric_date"].tolist() == [day("2026-03-08"), day("2026-03-09"), D]


def test_qms_kpis_day_rows_with_previous_value_and_scope(tmp_path):
    kpis = _mixed(tmp_path)["int_qms_kpis"]
    assert kpis.columns.tolist() == qms.KPI_COLUMNS
    assert set(kpis["period_type"]) == {"day"}
    assert (kpis["period_start"] == kpis["period_end"]).all()
    assert not kpis.duplicated(GRAINS["int_qms_kpis"]).any()
    on_time = one(kpis, metric_name="qms_capas_closed_on_time", period_start=day("2026-03-09"))
    assert (on_time["value"], on_time["metric_subcategory"], on_time["unit"]) == (
        1.0,
        "capa",
        "count",
    )
    assert not {"qms_due_90d", "qms_compliant_90d", "qms_evaluable_results"} & set(
        kpis["metric_name"]
    )
    opened = kpis[kpis["metric_name"] == "qms_opened_events"]
    assert opened["value"].tolist() == [1.0, 1.0, 0.0]
    assert null(opened["previous_value"].iloc[0]) and opened["previous_value"].iloc[2] == 1.0
    assert opened["change_percentage"].tolist()[1:] == [0.0, -100.0]
    first = one(kpis, metric_name="qms_open_events", period_start=day("2026-03-08"))
    assert (first["workspace_id"], first["department_id"], first["module_name"]) == (
        "QA", "QA", "edms"
    )  # fmt: skip
    assert (first["category"], first["metric_subcategory"], first["unit"]) == (
        "quality", "quality_events", "count"
    )  # fmt: skip
    overdue = one(kpis, metric_name="qms_overdue_capas", period_start=D)
    assert overdue["metric_subcategory"] == "capa" and overdue["value"] == 1.0
    rate = one(kpis, metric_name="qms_capa_on_time_closure_rate", period_start=day("2026-03-09"))
    assert (rate["metric_type"], rate["category"], rate["unit"], rate["value"]) == (
        "ratio", "compliance", "ratio", 1.0
    )  # fmt: skip
    lab = one(kpis, metric_name="qms_oos_rate", period_start=day("2026-03-09"))
    assert (lab["workspace_id"], lab["entity_type"], lab["entity_id"]) == (None, "lab_test", "pH")
    assert null(lab["department_id"]) and lab["value"] == 1.0
    risk_row = one(kpis, metric_name="qms_max_rpn", period_start=D)
    assert (risk_row["module_name"], risk_row["entity_type"], risk_row["entity_id"]) == (
        "lims", "mitigation_status", "OPEN"
    )  # fmt: skip
    assert (risk_row["value"], risk_row["previous_value"], risk_row["change_percentage"]) == (
        125.0, 125.0, 0.0
    )  # fmt: skip
    types = dict(zip(kpis["metric_name"], kpis["metric_type"], strict=False))
    assert types["qms_mean_rpn"] == "average" and types["qms_max_rpn"] == "maximum"
    assert types["qms_p90_days_to_close_major"] == "percentile"
    assert types["qms_average_score"] == "average"
    assert types["qms_turnaround_p50_hours"] == "percentile"
    score = one(kpis, metric_name="qms_compliance_rate", period_start=D)
    assert (score["category"], score["metric_subcategory"]) == ("compliance", "training")
    assert score["value"] == 0.5  # a1 and a2 due 2026-03-09, a2 completed on time


def test_no_qms_files_give_empty_tables_with_their_columns(tmp_path):
    write(tmp_path, "qms_users", [user("u1")])
    got = tables(tmp_path, *qms.TABLES, *qms.INTERMEDIATE)
    for name, frame in got.items():
        assert frame.empty, name
        assert set(GRAINS[name]) <= set(frame.columns), name


def test_dates_from_csv_text_and_parquet_dates(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "qms_training_assignments"
    folder.mkdir()
    header = "assignment_id,user_id,course_id,status,assigned_at,due_date,updated_at\n"
    (folder / "a.csv").write_text(
        header
        + f"a1,u1,c1,ASSIGNED,2026-03-01T00:00:00Z, 2026-03-05 ,{T0}\n"
        + f"a2,u1,c1,ASSIGNED,2026-03-01T00:00:00Z,05/03/2026,{T0}\n"
    )
    table = pa.table(
        {
            "assignment_id": ["a3", "a4"],
            "user_id": ["u1", "u1"],
            "course_id": ["c1", "c1"],
            "status": ["ASSIGNED", "ASSIGNED"],
            "assigned_at": pa.array([pd.Timestamp("2026-03-01", tz="UTC")] * 2),
            "due_date": pa.array([date(2026, 3, 6), date(1900, 1, 1)], type=pa.date32()),
            "updated_at": pa.array([pd.Timestamp("2026-01-01", tz="UTC")] * 2),
        }
    )
    pq.write_table(table, folder / "b.parquet")
    loaded = load_source("qms_training_assignments", sorted(folder.iterdir()))
    assert loaded.frame["assignment_id"].tolist() == ["a1", "a3", "a4"]
    assert loaded.frame["due_date"].tolist() == [day("2026-03-05"), day("2026-03-06"),
                                                 date(1900, 1, 1)]  # fmt: skip
    assert [reason for _f, _line, reason in loaded.rejected] == ["due_date: not an ISO 8601 date"]
