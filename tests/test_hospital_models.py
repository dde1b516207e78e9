"""The hospital pack's dbt models (models/hospital) on a sample hospital
extracted from its operational database, after a day of changes (updates,
soft and hard deletes): `dbt build --select tag:hospital` (but the published
tables, which follow the small-cell rule: tests/hospital) passes (models,
data and unit tests), and a few structural facts hold that plain SQL over
the operational tables computes independently: appointments and new patients
per day, money billed and collected, under the deletion rules; no private
column past raw; patient_key is the HMAC of the id with the installation's
key; the as-of date is the source's newest update. The full comparison with
a pandas reference is tests/reference/hospital.py's."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from decimal import Decimal

import psycopg2
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.dbt.project import run_dbt
from analytics_pipeline.ingest.contract_hospital import TABLES
from analytics_pipeline.ingest.extract.hospital import extract_hospital
from analytics_pipeline.sample_data.hospital import apply_changes, fill
from analytics_pipeline.settings import get_settings
from analytics_pipeline.warehouse.pseudonyms import pseudonym, pseudonym_key

END = dt.date(2026, 9, 30)  # the sample's last day, the as-of date of the build
# What never leaves raw (docs/metrics.md, "Privacy"), written out here
# rather than read from the contract's NOT_STAGED that staging follows.
PRIVATE_COLUMNS = {
    "patient_id", "first_name", "last_name", "full_name", "phone", "email", "address",
    "mrn", "date_of_birth", "notes", "result_text", "diagnosis_code", "result_value",
}  # fmt: skip


def _source_rows(url, sql: str) -> list[tuple]:
    with psycopg2.connect(**warehouse.libpq_params(url)) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def _warehouse_rows(sql: str) -> list[tuple]:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def _landed_ids(source: str) -> set[int]:
    """The ids that reached raw (the planted rule breaks are quarantined)."""
    return {row[0] for row in _warehouse_rows(f"select distinct id from raw.{source}")}


@pytest.fixture(scope="module")
def hospital(fresh_database, tmp_path_factory):
    url = warehouse.database_url(f"hospital_{uuid.uuid4().hex[:8]}")
    fill(url, departments=3, doctors=8, patients=300, days=40, end_date=END, seed=11)
    extract_hospital(url)
    changes = apply_changes(url, seed=12, fraction=0.05, now_date=END)
    extract_hospital(url)
    output = run_dbt(
        "build",
        "--select",
        "tag:hospital",
        # The published tables follow the small-cell rule (tests/hospital).
        "--exclude",
        "tag:hospital_published",
        "--vars",
        json.dumps({"max_date": END.isoformat()}),
        target_path=tmp_path_factory.mktemp("dbt-hospital"),
    )
    return {"url": url, "changes": changes, "output": output}


def test_the_build_passes_with_its_data_and_unit_tests(hospital):
    output = hospital["output"]
    assert "ERROR=0" in output and "WARN=0" in output, output[-3000:]
    # The changes deleted rows: the checks below exercise the deletion rules.
    changes = hospital["changes"]
    assert changes["appointments_soft_deleted"] and changes["patients_soft_deleted"]
    assert changes["lab_tests_deleted"]


def test_no_private_column_leaves_raw():
    columns = _warehouse_rows(
        "select table_name, column_name from information_schema.columns"
        " where table_schema in ('staging', 'intermediate') and table_name like '%hospital%'"
    )
    assert {table for table, _ in columns} >= {"stg_hospital_patients", "int_hospital_patients"}
    leaked = [(table, column) for table, column in columns if column in PRIVATE_COLUMNS]
    assert not leaked
    patient_columns = {c for t, c in columns if t == "stg_hospital_patients"}
    assert "id" not in patient_columns and "patient_key" in patient_columns


def test_patient_key_is_the_hmac_of_the_id_with_the_installations_key(hospital):
    key = pseudonym_key(get_settings())
    landed = _landed_ids("hospital_patients")
    live = {
        row[0]
        for row in _source_rows(
            hospital["url"], "select id from hospital.patients where deleted_at is null"
        )
        if row[0] in landed
    }
    keys = {
        row[0]
        for row in _warehouse_rows("select patient_key from intermediate.int_hospital_patients")
    }
    assert keys == {pseudonym(key, str(patient_id)) for patient_id in live}


def test_the_as_of_date_without_max_date_is_the_sources_newest_update(hospital):
    tables = [*TABLES, "deleted_rows"]
    union = " union all ".join(f"select max(updated_at) as t from hospital.{t}" for t in tables)
    ((newest,),) = _source_rows(
        hospital["url"], f"select (max(t) at time zone 'UTC')::date from ({union}) as u"
    )
    clock = _warehouse_rows("select newest_update_day from intermediate.int_hospital_source_clock")
    assert clock == [(newest,)]


def _live_appointments_by_day(url) -> Counter:
    """(department_id or None, scheduled day) -> live appointments, straight from
    the operational tables: not soft-deleted, nor of a soft-deleted patient
    (a hard-deleted row is gone from its table), up to the as-of date."""
    landed = _landed_ids("hospital_appointments")
    rows = _source_rows(
        url,
        "select a.id, a.department_id, (a.scheduled_start at time zone 'UTC')::date"
        " from hospital.appointments as a join hospital.patients as p on p.id = a.patient_id"
        " where a.deleted_at is null and p.deleted_at is null"
        f" and (a.scheduled_start at time zone 'UTC')::date <= '{END}'",
    )
    counts: Counter = Counter()
    for appointment_id, department_id, day in rows:
        if appointment_id in landed:
            counts[(department_id, day)] += 1
            counts[(None, day)] += 1
    return counts


def test_appointments_per_day_and_department_equal_a_direct_count(hospital):
    expected = _live_appointments_by_day(hospital["url"])
    actual = {
        (department, day): total
        for department, day, total in _warehouse_rows(
            "select department_id, metric_date, total_appointments"
            " from intermediate.int_hospital_exact_appointment_analytics"
        )
        if total
    }
    assert actual == dict(expected)
    # The soft-deleted appointments of the changes are among those left out.
    ((soft_deleted,),) = _source_rows(
        hospital["url"], "select count(*) from hospital.appointments where deleted_at is not null"
    )
    assert soft_deleted > 0


def test_new_patients_per_day_equal_a_direct_count(hospital):
    landed = _landed_ids("hospital_patients")
    rows = _source_rows(
        hospital["url"],
        "select id, (created_at at time zone 'UTC')::date from hospital.patients"
        f" where deleted_at is null and (created_at at time zone 'UTC')::date <= '{END}'",
    )
    expected = Counter(day for patient_id, day in rows if patient_id in landed)
    actual = {
        day: count
        for day, count in _warehouse_rows(
            "select metric_date, new_patients"
            " from intermediate.int_hospital_exact_patient_analytics"
        )
        if count
    }
    assert actual == dict(expected)


def test_money_billed_and_collected_equal_direct_sums(hospital):
    url = hospital["url"]
    live_invoices = (
        "select i.id, i.amount, i.issued_at from hospital.invoices as i"
        " join hospital.patients as p on p.id = i.patient_id"
        " where i.deleted_at is null and p.deleted_at is null"
        " and i.status <> 'void' and i.currency = 'USD'"
    )
    ((billed,),) = _source_rows(
        url,
        f"select coalesce(sum(amount), 0) from ({live_invoices}) as i"
        f" where (issued_at at time zone 'UTC')::date <= '{END}'",
    )
    ((collected,),) = _source_rows(
        url,
        "select coalesce(sum(pay.amount), 0) from hospital.payments as pay"
        f" join ({live_invoices}) as i on i.id = pay.invoice_id"
        f" where pay.deleted_at is null and (pay.paid_at at time zone 'UTC')::date <= '{END}'",
    )
    ((warehouse_billed, warehouse_collected),) = _warehouse_rows(
        "select sum(billed_amount), sum(collected_amount)"
        " from intermediate.int_hospital_exact_revenue_analytics where department_id is null"
    )
    assert (warehouse_billed, warehouse_collected) == (billed, collected)
    assert billed > Decimal(0) and collected > Decimal(0)


def test_all_departments_rows_and_months_add_up():
    # Every count of an all-departments row is the departments' sum.
    mismatched = _warehouse_rows(
        "select metric_date from intermediate.int_hospital_exact_appointment_analytics"
        " group by metric_date having"
        " sum(total_appointments) filter (where department_id is not null)"
        " <> sum(total_appointments) filter (where department_id is null)"
        " or sum(bookings_made) filter (where department_id is not null)"
        " <> sum(bookings_made) filter (where department_id is null)"
    )
    assert not mismatched
    # monthly_summary's sums are the daily tables' over the month's days.
    months = _warehouse_rows(
        "select m.month_start, m.total_appointments, m.billed_amount,"
        " (select coalesce(sum(a.total_appointments), 0)"
        "  from intermediate.int_hospital_exact_appointment_analytics as a"
        "  where a.department_id is null and date_trunc('month', a.metric_date) = m.month_start),"
        " (select coalesce(sum(r.billed_amount), 0)"
        "  from intermediate.int_hospital_exact_revenue_analytics as r"
        "  where r.department_id is null and date_trunc('month', r.metric_date) = m.month_start)"
        " from intermediate.int_hospital_exact_monthly_summary as m"
    )
    assert months and all(row[1] == row[3] and row[2] == row[4] for row in months)
    # The dashboard's department rows add up to the all-departments row.
    dashboard = _warehouse_rows(
        "select metric_name, sum(current_value) filter (where department_id is not null),"
        " sum(current_value) filter (where department_id is null)"
        " from intermediate.int_hospital_exact_hospital_dashboard_metrics"
        " where metric_name in ('total_appointments', 'billed_amount', 'outstanding_receivables')"
        " group by metric_name"
    )
    assert len(dashboard) == 3 and all(row[1] == row[2] for row in dashboard)
