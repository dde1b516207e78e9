"""Unit tests of the hospital pack's reference (tests/reference/hospital.py) and of
the small-cell checker (tests/reference/small_cells.py) on tiny hand-made frames
of the operational tables, every expectation computed by hand from
docs/metrics.md. No database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from . import hospital, small_cells
from .hospital import age_band
from .test_hr_reference_units import null, one

D = date(2026, 3, 10)
LATER = "2026-06-01T00:00:00Z"  # every row's updated_at unless said


def ts(text: str | None) -> pd.Timestamp | None:
    return None if text is None else pd.Timestamp(text).tz_convert("UTC")


COLUMNS = {
    "departments": ["id", "code", "name", "created_at", "updated_at", "deleted_at"],
    "staff": ["id", "department_id", "full_name", "role", "specialty", "created_at",
              "updated_at", "deleted_at"],
    "patients": ["id", "date_of_birth", "sex", "created_at", "updated_at", "deleted_at"],
    "appointments": ["id", "patient_id", "doctor_id", "department_id", "booked_at",
                     "scheduled_start", "checked_in_at", "started_at", "ended_at", "status",
                     "updated_at", "deleted_at"],
    "medical_records": ["id", "patient_id", "doctor_id", "status", "created_at",
                        "finalized_at", "updated_at", "deleted_at"],
    "lab_tests": ["id", "patient_id", "test_type", "status", "ordered_at", "resulted_at",
                  "is_abnormal", "updated_at", "deleted_at"],
    "invoices": ["id", "patient_id", "department_id", "issued_at", "due_at", "amount",
                 "currency", "status", "updated_at", "deleted_at"],
    "payments": ["id", "invoice_id", "paid_at", "amount", "updated_at", "deleted_at"],
    "deleted_rows": ["id", "table_name", "row_id", "deleted_at", "updated_at"],
}  # fmt: skip


def frames(**rows: list[dict]) -> dict[str, pd.DataFrame]:
    """The operational tables: the given rows, every other column null
    (updated_at: LATER), the other tables empty."""
    out = {}
    for table, columns in COLUMNS.items():
        records = [{"updated_at": ts(LATER), **r} for r in rows.get(table, [])]
        out[table] = pd.DataFrame(
            [{c: r.get(c) for c in columns} for r in records], columns=columns
        )
    return out


def patient(pid, created="2026-03-01T09:00Z", dob=None, sex=None, **more):
    return {"id": pid, "created_at": ts(created), "date_of_birth": dob, "sex": sex, **more}


def appointment(aid, pid, start, status="completed", booked=None, dept=1, doctor=10, **more):
    return {
        "id": aid, "patient_id": pid, "doctor_id": doctor, "department_id": dept,
        "booked_at": ts(booked or start), "scheduled_start": ts(start), "status": status,
        **{k: ts(v) if k.endswith("_at") else v for k, v in more.items()},
    }  # fmt: skip


def record(rid, pid, created, status="draft", finalized=None, doctor=10):
    return {"id": rid, "patient_id": pid, "doctor_id": doctor, "status": status,
            "created_at": ts(created), "finalized_at": ts(finalized)}  # fmt: skip


def lab_test(tid, pid, ordered, status="ordered", resulted=None, abnormal=None, kind="CBC"):
    return {"id": tid, "patient_id": pid, "test_type": kind, "status": status,
            "ordered_at": ts(ordered), "resulted_at": ts(resulted),
            "is_abnormal": abnormal}  # fmt: skip


def invoice(iid, pid, issued, amount="100.00", status="open", currency="USD", dept=1, due=None):
    return {"id": iid, "patient_id": pid, "department_id": dept, "issued_at": ts(issued),
            "due_at": ts(due or issued), "amount": Decimal(amount), "currency": currency,
            "status": status}  # fmt: skip


def payment(pid, iid, paid, amount):
    return {"id": pid, "invoice_id": iid, "paid_at": ts(paid), "amount": Decimal(amount)}


def deletion(did, table, row_id, at):
    return {"id": did, "table_name": table, "row_id": row_id, "deleted_at": ts(at)}


def inputs(as_of: date = D, quarantined=None, **rows) -> hospital.HospitalInputs:
    return hospital.prepare(frames(**rows), quarantined or {}, as_of)


# -- age bands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "day", "band"),
    [
        (date(2008, 2, 29), date(2026, 2, 28), "0-17"),  # 17 until 1 March in a common year
        (date(2008, 2, 29), date(2026, 3, 1), "18-34"),
        (date(2000, 2, 29), date(2018, 2, 28), "0-17"),
        (date(2000, 2, 29), date(2018, 3, 1), "18-34"),
        (date(1992, 2, 29), date(2027, 2, 28), "18-34"),  # 34
        (date(1992, 2, 29), date(2027, 3, 1), "35-49"),  # 35
        (date(1946, 3, 10), date(2026, 3, 10), "80+"),  # the birthday itself
        (date(1946, 3, 11), date(2026, 3, 10), "65-79"),  # the day before it
        (date(2026, 3, 10), date(2026, 3, 10), "0-17"),  # born that day: 0
        (date(2026, 3, 11), date(2026, 3, 10), "unknown"),  # after the day
        (None, date(2026, 3, 10), "unknown"),
    ],
)
def test_age_band_follows_postgresql_age(born, day, band):
    assert age_band(born, day) == band


def test_new_patients_by_sex_and_age_band_at_registration():
    inp = inputs(
        patients=[
            patient(1, "2026-02-28T23:59Z", dob=date(2008, 2, 29), sex="female"),
            patient(2, "2026-03-01T00:00Z", dob=date(2008, 2, 29), sex="unknown"),
            patient(3, "2026-03-01T10:00Z", dob=None, sex=None),
            patient(4, "2026-03-01T11:00Z", dob=date(1940, 1, 1), sex="other"),
        ]
    )
    out = hospital.patient_analytics(inp)
    assert out["metric_date"].tolist()[0] == date(2026, 2, 28) and len(out) == 11  # to D
    feb = one(out, metric_date=date(2026, 2, 28))
    assert (feb["new_patients"], feb["new_patients_female"], feb["new_patients_age_0_17"]) == (
        1, 1, 1,
    )  # fmt: skip
    mar = one(out, metric_date=date(2026, 3, 1))
    assert mar["new_patients"] == 3
    assert (mar["new_patients_sex_unknown"], mar["new_patients_other"]) == (2, 1)
    assert (mar["new_patients_age_18_34"], mar["new_patients_age_unknown"]) == (1, 1)
    assert mar["new_patients_age_80_plus"] == 1
    assert list(out.columns) == [
        "metric_date", "new_patients", "new_patients_male", "new_patients_female",
        "new_patients_other", "new_patients_sex_unknown", "new_patients_age_0_17",
        "new_patients_age_18_34", "new_patients_age_35_49", "new_patients_age_50_64",
        "new_patients_age_65_79", "new_patients_age_80_plus", "new_patients_age_unknown",
        "active_patients",
    ]  # fmt: skip


# -- active patients -----------------------------------------------------------------------


def test_active_patients_trailing_90_days_of_encounters():
    as_of = date(2026, 6, 30)
    inp = inputs(
        as_of,
        patients=[patient(p, "2026-01-01T00:00Z") for p in (1, 2, 3, 4, 5)],
        appointments=[
            appointment(1, 1, "2026-01-10T10:00Z"),  # completed: active Jan 10 .. Apr 9
            appointment(2, 2, "2026-01-10T10:00Z", status="no_show"),  # not an encounter
        ],
        medical_records=[record(1, 3, "2026-02-01T08:00Z")],  # Feb 1 .. May 1
        lab_tests=[
            lab_test(1, 4, "2026-03-01T08:00Z", status="cancelled"),  # not an encounter
            lab_test(2, 5, "2026-03-01T08:00Z"),  # Mar 1 .. May 29
        ],
    )
    assert hospital.active_patients(inp, date(2026, 1, 9)) == 0  # registration alone
    assert hospital.active_patients(inp, date(2026, 1, 10)) == 1
    assert hospital.active_patients(inp, date(2026, 3, 1)) == 3
    assert hospital.active_patients(inp, date(2026, 4, 9)) == 3  # d-89 = Jan 10
    assert hospital.active_patients(inp, date(2026, 4, 10)) == 2
    assert hospital.active_patients(inp, date(2026, 5, 2)) == 1
    assert hospital.active_patients(inp, date(2026, 5, 30)) == 0
    assert (
        one(hospital.patient_analytics(inp), metric_date=date(2026, 4, 9))["active_patients"] == 3
    )


# -- appointments: percentiles and rates ------------------------------------------------


def test_appointment_percentiles_are_linear_interpolation():
    day = "2026-03-05"
    inp = inputs(
        patients=[patient(1)],
        appointments=[
            # lead times 1, 2, 4, 10 days; -0.5 day (booked after the start) counts as 0
            appointment(1, 1, f"{day}T10:00Z", booked="2026-03-04T10:00Z",
                        started_at=f"{day}T10:05Z", ended_at=f"{day}T10:35Z"),
            appointment(2, 1, f"{day}T10:00Z", booked="2026-03-03T10:00Z",
                        checked_in_at=f"{day}T10:20Z", started_at=f"{day}T10:30Z"),
            appointment(3, 1, f"{day}T10:00Z", booked="2026-03-01T10:00Z", status="cancelled"),
            appointment(4, 1, f"{day}T10:00Z", booked="2026-02-23T10:00Z", status="no_show"),
            appointment(5, 1, f"{day}T10:00Z", booked=f"{day}T22:00Z", status="scheduled"),
        ],
    )  # fmt: skip
    row = one(hospital.appointment_analytics(inp), department_id=1, metric_date=date(2026, 3, 5))
    # leads sorted 0, 1, 2, 4, 10: p50 = 2, p90 at 3.6 = 4 + 0.6 * 6
    assert row["lead_time_p50_days"] == 2.0
    assert row["lead_time_p90_days"] == pytest.approx(7.6, abs=1e-12)
    # waits: 5 min (early: from the start), 10 min (late: from the check-in)
    assert row["waiting_time_p50_minutes"] == 7.5
    assert row["waiting_time_p90_minutes"] == pytest.approx(9.5, abs=1e-12)
    assert (row["waiting_time_rows"], row["duration_rows"]) == (2, 1)
    assert row["avg_duration_minutes"] == 30.0
    assert row["total_appointments"] == 5
    assert (row["completed_appointments"], row["cancelled_appointments"]) == (2, 1)
    assert (row["no_show_appointments"], row["unresolved_appointments"]) == (1, 1)
    assert row["completion_rate"] == 0.4 and row["cancellation_rate"] == 0.2
    assert row["no_show_rate"] == pytest.approx(1 / 3)  # cancellations out of it
    assert (row["unique_patients"], row["active_doctors"]) == (1, 1)
    booked = one(hospital.appointment_analytics(inp), department_id=None,
                 metric_date=date(2026, 2, 23))  # fmt: skip
    assert booked["bookings_made"] == 1 and booked["total_appointments"] == 0
    assert null(booked["completion_rate"])


def test_booked_days_after_the_as_of_date_are_no_rows_but_bookings_count():
    inp = inputs(
        patients=[patient(1)],
        appointments=[appointment(1, 1, "2026-03-20T10:00Z", booked="2026-03-09T10:00Z",
                                  status="scheduled", dept=2)],
    )  # fmt: skip
    out = hospital.appointment_analytics(inp)
    assert out[["department_id", "metric_date", "bookings_made", "total_appointments"]].to_dict(
        "records"
    ) == [
        {"department_id": None, "metric_date": date(2026, 3, 9), "bookings_made": 1,
         "total_appointments": 0},
        {"department_id": 2, "metric_date": date(2026, 3, 9), "bookings_made": 1,
         "total_appointments": 0},
    ]  # fmt: skip


# -- deletions ---------------------------------------------------------------------------


def test_a_deleted_patient_takes_every_fact_with_it():
    inp = inputs(
        patients=[patient(1), patient(2, deleted_at=ts("2026-04-01T00:00Z"))],
        appointments=[appointment(1, 1, "2026-03-02T10:00Z"),
                      appointment(2, 2, "2026-03-02T11:00Z")],
        medical_records=[record(1, 1, "2026-03-02T10:30Z"), record(2, 2, "2026-03-02T11:30Z")],
        lab_tests=[lab_test(1, 1, "2026-03-02T10:40Z"), lab_test(2, 2, "2026-03-02T11:40Z")],
        invoices=[invoice(1, 1, "2026-03-02T12:00Z"), invoice(2, 2, "2026-03-02T12:00Z")],
        payments=[payment(1, 1, "2026-03-03T12:00Z", "10.00"),
                  payment(2, 2, "2026-03-03T12:00Z", "20.00")],
    )  # fmt: skip
    assert inp.patients["id"].tolist() == [1]
    for frame in (inp.appointments, inp.records, inp.tests, inp.invoices):
        assert frame["patient_id"].tolist() == [1]
    assert inp.payments["invoice_id"].tolist() == [1]
    revenue = one(hospital.revenue_analytics(inp), department_id=None, metric_date=date(2026, 3, 3))
    assert revenue["collected_amount"] == Decimal("10.00")
    assert revenue["outstanding_receivables"] == Decimal("90.00")


def test_hard_deletes_and_reinserts():
    inp = inputs(
        patients=[patient(1)],
        # appointment 1 was deleted and re-inserted later (alive); appointment 2's
        # recorded delete is at or after its newest version (deleted)
        appointments=[
            appointment(1, 1, "2026-03-02T10:00Z", updated_at=ts("2026-04-02T00:00Z")),
            appointment(2, 1, "2026-03-02T11:00Z", updated_at=ts("2026-04-01T00:00Z")),
        ],
        invoices=[invoice(5, 1, "2026-03-02T12:00Z")],
        payments=[payment(7, 6, "2026-03-03T12:00Z", "10.00"),  # its invoice 6 hard-deleted
                  payment(8, 5, "2026-03-03T12:00Z", "10.00")],
        deleted_rows=[
            deletion(1, "appointments", 1, "2026-04-01T00:00Z"),
            deletion(2, "appointments", 2, "2026-04-01T00:00Z"),
            deletion(3, "invoices", 6, "2026-04-01T00:00Z"),
        ],
    )  # fmt: skip
    assert inp.appointments["id"].tolist() == [1]
    assert inp.payments["id"].tolist() == [8]


def test_deleted_staff_keep_their_appointments_and_describe_their_rows():
    inp = inputs(
        staff=[{"id": 10, "department_id": 3, "full_name": "x", "role": "nurse",
                "specialty": "Triage", "deleted_at": ts("2026-03-05T00:00Z")}],
        patients=[patient(1)],
        appointments=[appointment(1, 1, "2026-03-02T10:00Z", dept=1)],
        medical_records=[record(1, 1, "2026-02-27T10:00Z", "finalized", "2026-03-01T04:00Z")],
    )  # fmt: skip
    out = hospital.doctor_performance(inp)
    assert out[["doctor_id", "month_start"]].values.tolist() == [
        [10, date(2026, 2, 1)], [10, date(2026, 3, 1)],
    ]  # fmt: skip
    march = one(out, month_start=date(2026, 3, 1))
    assert (march["department_id"], march["specialty"]) == (3, "Triage")
    assert (march["total_appointments"], march["records_created"]) == (1, 0)
    assert march["records_finalized"] == 1 and march["finalize_time_p50_hours"] == 42.0


def test_quarantined_current_versions_count_nowhere():
    quarantined = hospital.quarantine_ids(
        [
            ("hospital_appointments", '{"id": 1, "updated_at": "2026-06-01T00:00:00+00:00"}'),
            ("hospital_appointments", '{"id": 2, "updated_at": "2026-05-01T00:00:00+00:00"}'),
            ("hospital_appointments", "not json"),
        ]
    )
    assert set(quarantined["appointments"]) == {1, 2}
    inp = inputs(
        quarantined=quarantined,
        patients=[patient(1)],
        appointments=[appointment(a, 1, "2026-03-02T10:00Z") for a in (1, 2, 3)],
    )
    assert inp.appointments["id"].tolist() == [2, 3]  # 2's quarantined version is older


# -- money -------------------------------------------------------------------------------


def test_void_and_other_currency_invoices_are_out_of_money():
    day = "2026-03-02T12:00Z"
    inp = inputs(
        patients=[patient(1)],
        invoices=[
            invoice(1, 1, day, "100.10"),
            invoice(2, 1, day, "50.00", status="void"),
            invoice(3, 1, day, "70.00", currency="EUR"),
            invoice(4, 1, day, "30.20", dept=2, due="2026-03-05T00:00Z"),
        ],
        payments=[
            payment(1, 1, "2026-03-03T09:00Z", "0.10"),
            payment(2, 2, "2026-03-03T09:00Z", "50.00"),
            payment(3, 3, "2026-03-03T09:00Z", "70.00"),
        ],
    )
    out = hospital.revenue_analytics(inp)
    issued = one(out, department_id=None, metric_date=date(2026, 3, 2))
    assert (issued["invoices_issued"], issued["billed_amount"]) == (2, Decimal("130.30"))
    assert issued["invoices_other_currency"] == 1
    paid = one(out, department_id=None, metric_date=date(2026, 3, 3))
    assert (paid["payments_received"], paid["collected_amount"]) == (1, Decimal("0.10"))
    assert (paid["open_invoices"], paid["outstanding_receivables"]) == (2, Decimal("130.20"))
    assert (paid["overdue_invoices"], paid["overdue_receivables"]) == (1, Decimal("100.00"))
    late = one(out, department_id=2, metric_date=date(2026, 3, 5))
    assert (late["overdue_invoices"], late["overdue_receivables"]) == (1, Decimal("30.20"))
    month = one(hospital.monthly_summary(inp), month_start=date(2026, 3, 1))
    assert month["billed_amount"] == Decimal("130.30")
    assert month["collected_amount"] == Decimal("0.10")
    assert (month["invoices_issued"], month["payments_received"]) == (2, 1)


def test_paid_in_full_orders_payments_by_paid_at_then_id():
    inp = inputs(
        patients=[patient(1)],
        invoices=[
            invoice(1, 1, "2026-03-01T00:00Z", "100.00"),
            invoice(2, 1, "2026-03-01T00:00Z", "100.00"),
            invoice(3, 1, "2026-03-01T00:00Z", "0.00"),  # nothing to pay: never counted
            invoice(4, 1, "2026-03-03T00:00Z", "10.00"),  # paid before issue: 0 days
        ],
        payments=[
            # invoice 1: by id the 100 is reached at payment 2 (Mar 2); by time at payment 1
            payment(1, 1, "2026-03-04T12:00Z", "70.00"),
            payment(2, 1, "2026-03-02T00:00Z", "40.00"),
            # invoice 2: two payments at the same instant, the second (by id) reaches it
            payment(3, 2, "2026-03-05T06:00Z", "60.00"),
            payment(4, 2, "2026-03-05T06:00Z", "60.00"),
            payment(5, 3, "2026-03-05T06:00Z", "1.00"),
            payment(6, 4, "2026-03-02T00:00Z", "10.00"),
        ],
    )
    out = hospital.revenue_analytics(inp)
    assert one(out, department_id=None, metric_date=date(2026, 3, 2))["invoices_paid_in_full"] == 1
    march_4 = one(out, department_id=None, metric_date=date(2026, 3, 4))
    assert march_4["invoices_paid_in_full"] == 1
    assert march_4["time_to_payment_p50_days"] == 3.5
    march_5 = one(out, department_id=None, metric_date=date(2026, 3, 5))
    assert march_5["invoices_paid_in_full"] == 1 and march_5["avg_time_to_payment_days"] == 4.25
    march_2 = one(out, department_id=1, metric_date=date(2026, 3, 2))
    assert march_2["avg_time_to_payment_days"] == 0.0


# -- records, lab tests, dashboard, KPIs -------------------------------------------------


def test_records_and_lab_tests_per_day():
    inp = inputs(
        patients=[patient(1)],
        medical_records=[
            record(1, 1, "2026-03-08T10:00Z", "finalized", "2026-03-09T10:00Z"),
            record(2, 1, "2026-03-08T11:00Z"),
            record(3, 1, "2026-03-08T12:00Z", "finalized", None),  # never open, never finalized
        ],
        lab_tests=[
            lab_test(1, 1, "2026-03-08T10:00Z", "completed", "2026-03-09T16:00Z", True),
            lab_test(2, 1, "2026-03-08T10:00Z", "completed", "2026-03-09T12:00Z", None),
            lab_test(3, 1, "2026-03-09T10:00Z", "cancelled"),
            lab_test(4, 1, "2026-03-09T10:00Z", "collected", kind="LIPID"),
        ],
    )
    records = hospital.medical_records_analytics(inp)
    assert records["drafts_open"].tolist() == [2, 1, 1]
    assert records["records_finalized"].tolist() == [0, 1, 0]
    assert one(records, metric_date=date(2026, 3, 9))["finalize_time_p50_hours"] == 24.0
    tests = hospital.lab_tests_analytics(inp)
    all_9 = one(tests, test_type=None, metric_date=date(2026, 3, 9))
    assert (all_9["tests_ordered"], all_9["tests_cancelled"], all_9["tests_completed"]) == (2, 1, 2)
    assert all_9["pending_backlog"] == 1  # the LIPID test
    assert all_9["turnaround_p50_hours"] == 28.0
    assert all_9["turnaround_p90_hours"] == pytest.approx(29.6, abs=1e-12)
    assert (all_9["abnormal_rate"], all_9["abnormal_tests"], all_9["flagged_tests"]) == (1.0, 1, 1)
    assert one(tests, test_type=None, metric_date=date(2026, 3, 8))["pending_backlog"] == 2
    assert tests[tests["test_type"] == "LIPID"]["metric_date"].tolist() == [
        date(2026, 3, 9), date(2026, 3, 10),
    ]  # fmt: skip


def test_dashboard_periods_and_weights():
    inp = inputs(
        patients=[patient(1, "2026-01-01T00:00Z")],
        appointments=[
            appointment(1, 1, "2026-03-10T10:00Z", "no_show"),  # current period
            appointment(2, 1, "2026-02-09T10:00Z"),  # current: D-29
            appointment(3, 1, "2026-02-08T10:00Z", dept=2),  # previous: D-30
        ],
    )
    out = hospital.hospital_dashboard_metrics(inp)
    rate = one(out, department_id=None, metric_name="no_show_rate")
    assert (rate["current_value"], rate["current_rows"], rate["current_numerator"]) == (0.5, 2, 1)
    assert (rate["previous_value"], rate["previous_rows"]) == (0.0, 1)
    assert rate["change_percentage"] is None or null(rate["change_percentage"])
    total = one(out, department_id=2, metric_name="total_appointments")
    assert (total["current_value"], total["previous_value"], total["change_percentage"]) == (
        0, 1, -100.0,
    )  # fmt: skip
    assert set(out[out["department_id"] == 1]["metric_name"]) == {
        "total_appointments", "completed_appointments", "no_show_rate",
        "waiting_time_p50_minutes", "billed_amount", "collected_amount",
        "outstanding_receivables",
    }  # fmt: skip
    assert len(out[out["department_id"].isna()]) == 15


def test_kpis_per_period_and_department():
    inp = inputs(
        patients=[patient(1, "2026-03-09T00:00Z")],
        appointments=[appointment(1, 1, "2026-03-09T10:00Z", dept=2),
                      appointment(2, 1, "2026-03-10T10:00Z", "no_show", dept=2)],
    )  # fmt: skip
    out = hospital.hospital_kpis(inp)
    day = out[(out["period_type"] == "day") & (out["metric_name"] == "no_show_rate")]
    assert day[["period_start", "workspace_id", "value"]].values.tolist() == [
        [date(2026, 3, 9), None, 0.0],
        [date(2026, 3, 9), "2", 0.0],
        [date(2026, 3, 10), None, 1.0],
        [date(2026, 3, 10), "2", 1.0],
    ]
    assert [null(v) for v in day["previous_value"]] == [True, True, False, False]
    assert null(day["change_percentage"].iloc[2])  # previous 0
    week = out[(out["period_type"] == "week") & (out["metric_name"] == "active_patients")]
    assert week["value"].tolist() == [1.0] and week["workspace_id"].tolist() == [None]
    assert set(out[out["workspace_id"] == "2"]["category"]) == {"appointments", "revenue"}
    assert set(out["metric_name"]) == set(hospital.HOSPITAL_KPIS)


# -- the small-cell checker ----------------------------------------------------------------


def _appointment_row(dept, **values) -> dict:
    row = dict.fromkeys(hospital.APPOINTMENT_ANALYTICS, 0)
    row.update({"department_id": dept, "metric_date": D})
    for column in ("completion_rate", "cancellation_rate", "no_show_rate", "lead_time_p50_days",
                   "lead_time_p90_days", "waiting_time_p50_minutes", "waiting_time_p90_minutes",
                   "avg_duration_minutes"):  # fmt: skip
        row[column] = float("nan")
    row.update(values)
    return row


def _published(exact: pd.DataFrame, suppressed: list[list[str]]) -> pd.DataFrame:
    return _publish("appointment_analytics", exact, suppressed)


def _exact(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=hospital.APPOINTMENT_ANALYTICS)


COUNTS = {"bookings_made": 0, "unique_patients": 0}


def _ten_appointments() -> pd.DataFrame:
    """Department 1 on D: 10 appointments, 7 completed, 3 cancelled."""
    return _exact(
        _appointment_row(1, total_appointments=10, completed_appointments=7,
                         cancelled_appointments=3, completion_rate=0.7, cancellation_rate=0.3,
                         no_show_rate=0.0, **COUNTS),
    )  # fmt: skip


def test_relation_safety_rule():
    safe = small_cells.relation_safe
    assert safe((False, 10), [(False, 7), (False, 3)], 5)
    assert not safe((False, 10), [(False, 7), (True, 3)], 5)  # one hidden: subtract
    assert not safe((False, 10), [(True, 2), (True, 1), (False, 7)], 5)  # two, but 3 < k
    assert safe((False, 10), [(True, 3), (True, 7)], 5)
    assert safe((True, 3), [(True, 3), (False, 0)], 5)  # the total hidden too


def test_checker_reports_a_primary_small_cell_and_an_unsafe_relation():
    exact = _ten_appointments()
    found = small_cells.violations(
        {"appointment_analytics": exact},
        {"appointment_analytics": _published(exact, [[]])},
    )
    assert any("cancelled_appointments: primary" in line for line in found), found
    # suppress the small cell only: the row's total minus the others gives it back
    published = _published(exact, [["cancelled_appointments", "cancellation_rate"]])
    found = small_cells.violations(
        {"appointment_analytics": exact}, {"appointment_analytics": published}
    )
    assert [line for line in found if "relation" in line] == [
        "appointment_analytics [department_id=1, metric_date=2026-03-10] total_appointments: "
        "relation (within row) unsafe: total published (weight 10), suppressed parts "
        "['department_id=1, metric_date=2026-03-10 cancelled_appointments (weight 3)']"
    ]
    assert not any("primary" in line for line in found)
    assert any("completion_rate: derived" in line for line in found)  # difference 3 < k


def test_checker_accepts_a_safe_suppression():
    exact = _ten_appointments()
    published = _published(
        exact,
        [["completed_appointments", "cancelled_appointments", "completion_rate",
          "cancellation_rate", "no_show_rate"]],
    )  # fmt: skip
    assert (
        small_cells.violations(
            {"appointment_analytics": exact}, {"appointment_analytics": published}
        )
        == []
    )


def test_checker_sees_the_all_departments_row_and_the_markers():
    exact = _exact(
        _appointment_row(None, bookings_made=12),
        _appointment_row(1, bookings_made=9),
        _appointment_row(2, bookings_made=3),
    )
    # department 2's 3 hidden, the all-departments 12 and department 1's 9 published
    published = _published(exact, [[], [], ["bookings_made"]])
    found = small_cells.violations(
        {"appointment_analytics": exact}, {"appointment_analytics": published}
    )
    assert len(found) == 1 and "relation (all rows) unsafe" in found[0], found
    published = _published(exact, [[], ["bookings_made"], ["bookings_made"]])
    assert (
        small_cells.violations(
            {"appointment_analytics": exact}, {"appointment_analytics": published}
        )
        == []
    )
    published.at[0, "bookings_made"] = 11  # a wrong published figure
    published["suppressed_columns"] = [[], ["bookings_made", "department_id"], ["bookings_made"]]
    found = small_cells.violations(
        {"appointment_analytics": exact}, {"appointment_analytics": published}
    )
    assert any("bookings_made: exact" in line for line in found), found
    assert any("department_id: marker" in line for line in found), found


def _rows(table: str, *rows: dict) -> pd.DataFrame:
    """Exact rows of `table`: counts 0 and statistics null unless given."""
    columns = {
        "patient_analytics": hospital.PATIENT_ANALYTICS,
        "monthly_summary": hospital.MONTHLY_SUMMARY,
    }[table]
    stats = {"avg_daily_new_patients", "avg_daily_appointments", "completion_rate",
             "no_show_rate"}  # fmt: skip
    full = [{c: float("nan") if c in stats else 0 for c in columns} | r for r in rows]
    return pd.DataFrame(full, columns=columns)


def _publish(table: str, exact: pd.DataFrame, suppressed: list[list[str]]) -> pd.DataFrame:
    """The exact rows published with the cells `suppressed` (per row) hidden."""
    out = exact[hospital.published_columns(table, exact)].copy().astype(object)
    for i, names in enumerate(suppressed):
        for name in names:
            out.at[i, name] = None
    out["suppressed_columns"] = suppressed
    return out


def test_checker_sees_months_over_their_days_and_the_same_cell_twice():
    march_1, march_2 = date(2026, 3, 1), date(2026, 3, 2)
    days = _rows(
        "patient_analytics",
        {"metric_date": march_1, "new_patients": 3, "new_patients_male": 3,
         "new_patients_age_unknown": 3},
        {"metric_date": march_2, "new_patients": 8, "new_patients_male": 8,
         "new_patients_age_unknown": 8, "active_patients": 7},
    )  # fmt: skip
    month = _rows(
        "monthly_summary",
        {"month_start": march_1, "days_in_period": 2, "new_patients": 11,
         "avg_daily_new_patients": 5.5, "active_patients_end": 7},
    )  # fmt: skip
    small = ["new_patients", "new_patients_male", "new_patients_age_unknown"]
    exact = {"patient_analytics": days, "monthly_summary": month}

    def check(day_names: list[list[str]]) -> list[str]:
        published = {
            "patient_analytics": _publish("patient_analytics", days, day_names),
            "monthly_summary": _publish("monthly_summary", month, [[]]),
        }
        return small_cells.violations(exact, published)

    found = check([small, []])  # March 1 hidden, the month and March 2 published
    assert len(found) == 1 and "relation (month over the days of patient_analytics)" in found[0]
    assert check([small, small]) == []
    found = check([small, [*small, "active_patients"]])
    assert len(found) == 1 and "same cell" in found[0], found


def test_reference_suppression_hides_the_small_cell_and_its_complement():
    exact = _ten_appointments()
    published = small_cells.suppress({"appointment_analytics": exact})["appointment_analytics"]
    # cancelled 3: primary; completed 7 (the smallest nonzero published part) with it;
    # the rates of hidden counts
    assert published["suppressed_columns"].tolist() == [
        ["completed_appointments", "cancelled_appointments", "completion_rate",
         "cancellation_rate", "no_show_rate"],
    ]  # fmt: skip
    assert published["completed_appointments"].tolist() == [None]
    assert published["total_appointments"].tolist() == [10]
    found = small_cells.violations(
        {"appointment_analytics": exact}, {"appointment_analytics": published}
    )
    assert found == []


def test_an_empty_hospital_has_empty_tables_with_their_columns():
    inp = inputs()
    for name, frame in {**hospital.all_tables(inp), "kpis": hospital.hospital_kpis(inp)}.items():
        assert frame.empty, name
    assert list(hospital.revenue_analytics(inp).columns) == hospital.REVENUE_ANALYTICS
    only_patients = inputs(patients=[patient(1)])
    assert len(hospital.patient_analytics(only_patients)) == 10  # Mar 1 .. Mar 10
    assert hospital.revenue_analytics(only_patients).empty
    assert len(hospital.monthly_summary(only_patients)) == 1


# -- the KPIs under the small-cell rule ----------------------------------------------------


def test_kpi_weights_follow_the_docs():
    inp = inputs(
        patients=[patient(1, "2026-03-09T00:00Z")],
        appointments=[appointment(1, 1, "2026-03-09T10:00Z", dept=2),
                      appointment(2, 1, "2026-03-10T10:00Z", "no_show", dept=2),
                      appointment(3, 1, "2026-03-10T11:00Z", "cancelled", dept=2)],
        invoices=[invoice(1, 1, "2026-03-10T12:00Z", dept=2),
                  invoice(2, 1, "2026-03-10T13:00Z", "5.00", dept=2)],
    )  # fmt: skip
    out = hospital.hospital_kpis(inp)
    assert list(out.columns) == [*hospital.KPI_COLUMNS, *hospital.KPI_EXTRA]

    def row(metric, period_type="day", start=D, workspace="2"):
        return one(out, metric_name=metric, period_type=period_type, period_start=start,
                   workspace_id=workspace)  # fmt: skip

    rate = row("appointment_completion_rate")
    assert (rate["value_rows"], rate["value_numerator"]) == (2, 0)
    assert (rate["previous_rows"], rate["previous_numerator"]) == (1, 1)
    no_show = row("no_show_rate", "week", date(2026, 3, 9), None)
    assert (no_show["value"], no_show["value_rows"], no_show["value_numerator"]) == (0.5, 2, 1)
    assert null(no_show["previous_rows"]) and null(no_show["previous_numerator"])  # first week
    billed = row("billed_amount")
    assert (billed["value"], billed["value_rows"], billed["previous_rows"]) == (105, 2, 0)
    total = row("total_appointments")
    assert (total["value_rows"], total["previous_rows"]) == (2, 1)
    assert null(total["value_numerator"])
    finalize = row("finalize_time_p50_hours", workspace=None)
    assert finalize["value_rows"] == 0 and null(finalize["value"])


def _kpi_rows(metric: str, *days: tuple[date, float], week: bool = True) -> pd.DataFrame:
    """Exact KPI rows of a count `metric` (all departments): the given days in order
    (each day's previous_value the day before's), and their ISO week when `week`."""
    from .activity import change_percentage

    rows, previous = [], float("nan")
    kind, category = hospital.HOSPITAL_KPIS[metric]

    def add(period_type, start, end, value, before):
        rows.append(
            {"metric_name": metric, "metric_type": kind, "category": category,
             "period_type": period_type, "period_start": start, "period_end": end,
             "workspace_id": None, "value": value, "previous_value": before,
             "change_percentage": change_percentage(value, before), "value_rows": value,
             "previous_rows": before, "value_numerator": float("nan"),
             "previous_numerator": float("nan")}
        )  # fmt: skip

    for day, value in days:
        add("day", day, day, value, previous)
        previous = value
    if week:
        start = days[0][0] - timedelta(days=days[0][0].weekday())
        add("week", start, start + timedelta(days=6), sum(v for _, v in days), float("nan"))
    return pd.DataFrame(rows, columns=[*hospital.KPI_COLUMNS, *hospital.KPI_EXTRA])


def _publish_kpis(exact: pd.DataFrame, hidden: dict[tuple, list[str]]) -> pd.DataFrame:
    """The exact KPI rows published with the cells `hidden` ({(metric, period_type,
    period_start): columns}) null; no marker column."""
    out = exact[hospital.KPI_COLUMNS].copy().astype(object)
    for i, row in out.iterrows():
        for column in hidden.get((row["metric_name"], row["period_type"], row["period_start"]), []):
            out.at[i, column] = None
    return out


def test_a_week_over_its_days_hides_a_complement():
    mon, tue, wed = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
    exact = _kpi_rows("records_created", (mon, 3), (tue, 10), (wed, 8))
    everything = ["value", "previous_value", "change_percentage"]
    # the small Monday hidden (and, the same cell, Tuesday's previous_value), the week shown
    small_only = {("records_created", "day", mon): ["value"],
                  ("records_created", "day", tue): everything[1:]}  # fmt: skip
    found = small_cells.violations(
        {"hospital_kpis": exact}, {"hospital_kpis": _publish_kpis(exact, small_only)}
    )
    assert len(found) == 1, found
    assert found[0].startswith(
        "hospital_kpis [metric_name=records_created, period_type=week, period_start=2026-03-02, "
        "workspace_id=None] value: relation (week over its days (KPIs)) unsafe"
    )
    published = small_cells.suppress({"hospital_kpis": exact})["hospital_kpis"]
    assert "suppressed_columns" not in published  # analytics_metrics has no marker
    # Monday 3: primary; Wednesday 8 (the smallest published nonzero day) its complement;
    # Tuesday's previous_value is Monday's value; the changes of hidden values
    assert published[everything].isna().values.tolist() == [
        [True, True, True],  # Monday (no previous day: previous and change undefined)
        [False, True, True],
        [True, False, True],
        [False, True, True],  # the week: 21 shown (two days hidden weigh 11 >= k)
    ]
    assert small_cells.violations({"hospital_kpis": exact}, {"hospital_kpis": published}) == []


def test_a_day_kpi_is_the_daily_tables_cell():
    exact_days = _ten_appointments()  # department 1 on D: cancelled 3 of 10
    kpis = pd.concat(
        [_kpi_rows(m, (D, v), week=False) for m, v in
         (("total_appointments", 10), ("completed_appointments", 7), ("no_show_appointments", 0))]
    ).assign(workspace_id="1").reset_index(drop=True)  # fmt: skip
    rate = _kpi_rows("total_appointments", (D, 10), week=False).assign(
        metric_name="appointment_completion_rate", metric_type="ratio", value=0.7,
        value_numerator=7, workspace_id="1",
    )  # fmt: skip
    kpis = pd.concat([kpis, rate], ignore_index=True)
    exact = {"appointment_analytics": exact_days, "hospital_kpis": kpis}
    hidden = ["completed_appointments", "cancelled_appointments", "completion_rate",
              "cancellation_rate", "no_show_rate"]  # fmt: skip
    published = {
        "appointment_analytics": _published(exact_days, [hidden]),
        "hospital_kpis": _publish_kpis(kpis, {}),
    }
    found = small_cells.violations(exact, published)
    # the KPI shows the 7 the daily table hides, and the rate computed from it
    assert [(line.split("] ")[1].split(":")[0], line.split(": ")[1]) for line in found] == [
        ("value", "derived"),  # the rate: completed hidden (and the difference 3 < k)
        ("value", "same cell"),  # completed_appointments
        ("value", "same cell"),  # the rate: the daily table's completion_rate
    ], found
    assert "completed_appointments" in found[1] and "completion_rate" in found[2]
    suppressed = small_cells.suppress(exact)
    assert suppressed["appointment_analytics"]["suppressed_columns"].tolist() == [hidden]
    values = dict(zip(suppressed["hospital_kpis"]["metric_name"],
                      suppressed["hospital_kpis"]["value"], strict=True))  # fmt: skip
    assert values == {"total_appointments": 10, "completed_appointments": None,
                      "no_show_appointments": 0, "appointment_completion_rate": None}  # fmt: skip
    assert small_cells.violations(exact, suppressed) == []


def test_previous_value_is_the_previous_periods_value():
    mon, tue = date(2026, 3, 2), date(2026, 3, 3)
    exact = _kpi_rows("records_created", (mon, 8), (tue, 10), week=False)
    # Monday's 8 hidden (a complement, say), but shown as Tuesday's previous_value
    published = _publish_kpis(exact, {("records_created", "day", mon): ["value"]})
    found = small_cells.violations({"hospital_kpis": exact}, {"hospital_kpis": published})
    assert found == [
        "hospital_kpis [metric_name=records_created, period_type=day, period_start=2026-03-03, "
        "workspace_id=None] previous_value: same cell: hospital_kpis [metric_name="
        "records_created, period_type=day, period_start=2026-03-02, workspace_id=None] value "
        "is the same quantity, but only hospital_kpis [metric_name=records_created, "
        "period_type=day, period_start=2026-03-02, workspace_id=None] value is suppressed"
    ]
    tuesday = ["previous_value", "change_percentage"]
    both = _publish_kpis(exact, {("records_created", "day", mon): ["value"],
                                 ("records_created", "day", tue): tuesday})  # fmt: skip
    assert small_cells.violations({"hospital_kpis": exact}, {"hospital_kpis": both}) == []
