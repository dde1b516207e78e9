"""The hospital's generated operational database: rows that follow the
application's rules (but the planted ones), the same rows for the same seed,
and a day of changes that moves updated_at on exactly the rows it changes and
leaves its hard deletes in hospital.deleted_rows."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from analytics_pipeline import warehouse
from analytics_pipeline.sample_data.hospital import (
    BROKEN_PER_RULE,
    apply_changes,
    create_schema,
    fill,
)
from analytics_pipeline.sample_data.hospital.operational import TABLES, connect

SMALL = dict(patients=200, days=30, end_date=date(2026, 9, 30), seed=7)
END = "2026-10-01"  # the small fill's "now": the day after end_date


def _database() -> URL:
    return warehouse.database_url(f"hospital_{uuid.uuid4().hex[:12]}")


def _rows(url: URL, sql: str, params: tuple = ()) -> list[tuple]:
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _scalar(url: URL, sql: str) -> object:
    return _rows(url, sql)[0][0]


def _snapshot(url: URL, table: str) -> dict[int, tuple]:
    """Every row of `table` by id, all columns but updated_at."""
    columns = [
        name
        for (name,) in _rows(
            url,
            "select column_name from information_schema.columns"
            " where table_schema = 'hospital' and table_name = %s order by ordinal_position",
            (table,),
        )
        if name != "updated_at"
    ]
    rows = _rows(url, f"select {', '.join(columns)} from hospital.{table} order by id")
    return {row[0]: row for row in rows}


def _updated_at(url: URL, table: str) -> dict[int, object]:
    return dict(_rows(url, f"select id, updated_at from hospital.{table}"))


@pytest.fixture(scope="module")
def hospital(analytics_home: Path) -> tuple[URL, dict[str, int]]:
    url = _database()
    return url, fill(url, **SMALL)


@pytest.fixture(scope="module")
def changed(analytics_home: Path):
    """A small hospital before and after a day of changes, and the counts of them."""
    url = _database()
    fill(url, **SMALL)
    before = {t: (_snapshot(url, t), _updated_at(url, t)) for t in TABLES}
    counts = apply_changes(url, seed=3, fraction=0.05)
    after = {t: (_snapshot(url, t), _updated_at(url, t)) for t in TABLES}
    return url, before, after, counts


def test_counts_are_the_rows_of_every_table(hospital):
    url, counts = hospital
    assert list(counts) == list(TABLES)
    for table in TABLES:
        assert counts[table] == _scalar(url, f"select count(*) from hospital.{table}") > 0


def _check_appointments(url: URL) -> None:
    assert (
        _scalar(
            url,
            "select count(*) from hospital.appointments where status = 'completed'"
            " and (checked_in_at is null or started_at is null or ended_at is null)",
        )
        == 0
    )
    assert (
        _scalar(
            url,
            "select count(*) from hospital.appointments where status <> 'completed'"
            " and coalesce(checked_in_at, started_at, ended_at) is not null",
        )
        == 0
    )
    assert (
        _scalar(
            url,
            "select count(*) from hospital.appointments where (status = 'cancelled')"
            " is distinct from (cancelled_at is not null and cancelled_at < scheduled_start"
            " and cancelled_at > booked_at)",
        )
        == 0
    )
    assert (
        _scalar(
            url, "select count(*) from hospital.appointments where booked_at >= scheduled_start"
        )
        == 0
    )


def test_appointments_follow_their_status(hospital):
    url, _ = hospital
    _check_appointments(url)
    future = _rows(
        url,
        "select status, count(*) from hospital.appointments"
        f" where scheduled_start >= '{END}' group by status",
    )
    assert [status for status, _ in future] == ["scheduled"]
    statuses = dict(
        _rows(
            url,
            "select status, count(*) from hospital.appointments"
            f" where scheduled_start < '{END}' group by status",
        )
    )
    assert set(statuses) == {"completed", "cancelled", "no_show", "scheduled"}
    assert statuses["completed"] > statuses["cancelled"] > 0
    # Weekday seasonality: weekend days see far fewer appointments.
    weekday, weekend = _rows(
        url,
        "select count(*) filter (where extract(isodow from scheduled_start) < 6) / 5.0,"
        " count(*) filter (where extract(isodow from scheduled_start) >= 6) / 2.0"
        " from hospital.appointments",
    )[0]
    assert weekend < weekday / 2


def test_records_tests_and_payments_break_only_the_planted_rules(hospital):
    url, _ = hospital
    assert (
        _scalar(url, "select count(*) from hospital.appointments where ended_at < started_at")
        == BROKEN_PER_RULE
    )
    assert (
        _scalar(
            url,
            "select count(*) from hospital.medical_records where (status = 'finalized')"
            " is distinct from (finalized_at is not null)",
        )
        == 0
    )
    assert (
        _scalar(
            url, "select count(*) from hospital.medical_records where finalized_at < created_at"
        )
        == BROKEN_PER_RULE
    )
    assert (
        _scalar(url, "select count(*) from hospital.lab_tests where resulted_at < ordered_at")
        == BROKEN_PER_RULE
    )
    assert (
        _scalar(
            url,
            "select count(*) from hospital.lab_tests where (status = 'completed') is distinct"
            " from (resulted_at is not null and result_value is not null"
            " and is_abnormal is not null)",
        )
        == 0
    )
    assert (
        _scalar(
            url,
            "select count(*) from hospital.payments p join hospital.invoices i"
            " on i.id = p.invoice_id where p.paid_at < i.issued_at",
        )
        == BROKEN_PER_RULE
    )


def test_references_hold(hospital):
    url, _ = hospital
    assert (
        _scalar(
            url,
            "select count(*) from hospital.payments p"
            " left join hospital.invoices i on i.id = p.invoice_id where i.id is null",
        )
        == 0
    )
    # Invoices bill completed appointments, in the appointment's department.
    assert (
        _scalar(
            url,
            "select count(*) from hospital.invoices i join hospital.appointments a"
            " on a.id = i.appointment_id where a.status <> 'completed'"
            " or a.department_id <> i.department_id or a.patient_id <> i.patient_id",
        )
        == 0
    )
    # A doctor's specialty is their department; appointments are in the doctor's.
    assert (
        _scalar(
            url,
            "select count(*) from hospital.staff s join hospital.departments d"
            " on d.id = s.department_id where s.role = 'doctor' and s.specialty <> d.name",
        )
        == 0
    )
    assert (
        _scalar(
            url,
            "select count(*) from hospital.appointments a join hospital.staff s"
            " on s.id = a.doctor_id where s.role <> 'doctor' or s.department_id <> a.department_id",
        )
        == 0
    )
    # An invoice's status follows from its (not deleted) payments.
    assert (
        _scalar(
            url,
            "select count(*) from hospital.invoices i left join lateral ("
            " select coalesce(sum(amount), 0) as paid from hospital.payments p"
            " where p.invoice_id = i.id and p.deleted_at is null) p on true"
            " where i.status <> case when i.status = 'void' then 'void'"
            " when p.paid >= i.amount then 'paid' when p.paid > 0 then 'partially_paid'"
            " else 'open' end",
        )
        == 0
    )


def test_the_same_seed_fills_the_same_rows(hospital):
    url, counts = hospital
    other = _database()
    assert fill(other, **SMALL) == counts
    for table in TABLES:
        assert _snapshot(other, table) == _snapshot(url, table), table


def test_the_schema_is_idempotent_and_a_filled_database_refused(hospital):
    url, _ = hospital
    before = _updated_at(url, "patients")
    create_schema(url)
    assert _updated_at(url, "patients") == before
    with pytest.raises(ValueError, match="has rows already"):
        fill(url, **SMALL)


def test_changes_move_updated_at_on_exactly_the_changed_rows(changed):
    url, before, after, counts = changed
    deleted = {}
    for table in TABLES:
        (rows_before, stamps_before), (rows_after, stamps_after) = before[table], after[table]
        kept = rows_before.keys() & rows_after.keys()
        changed_rows = {i for i in kept if rows_before[i] != rows_after[i]}
        restamped = {i for i in kept if stamps_before[i] != stamps_after[i]}
        assert changed_rows == restamped, table
        assert all(stamps_after[i] > stamps_before[i] for i in restamped)
        new = rows_after.keys() - rows_before.keys()
        assert all(i > max(rows_before) for i in new), table
        deleted[table] = rows_before.keys() - rows_after.keys()
        expected_changed = {
            "patients": counts["patients_phone_changed"] + counts["patients_soft_deleted"],
            "appointments": counts["appointments_closed"] + counts["appointments_soft_deleted"],
            "medical_records": counts["records_finalized"],
            "lab_tests": counts["lab_tests_resulted"],
            "invoices": counts["invoices_paid"],
        }.get(table, 0)
        expected_new = {
            "patients": counts["patients_new"],
            "appointments": counts["appointments_new"],
            "payments": counts["payments_new"],
        }.get(table, 0)
        assert (len(changed_rows), len(new)) == (expected_changed, expected_new), table
    for kind in ("appointments_closed", "records_finalized", "invoices_paid", "patients_new"):
        assert counts[kind] > 0, kind

    assert counts["lab_tests_deleted"] > 0
    assert {t: len(ids) for t, ids in deleted.items() if ids} == {
        t: n
        for t, n in (
            ("lab_tests", counts["lab_tests_deleted"]),
            ("payments", counts["payments_deleted"]),
        )
        if n
    }
    recorded = _rows(url, "select table_name, row_id from hospital.deleted_rows order by id")
    assert sorted(recorded) == sorted((t, i) for t, ids in deleted.items() for i in ids)


def test_changes_keep_the_rules(changed):
    url, before, after, counts = changed
    _check_appointments(url)
    assert (
        _scalar(
            url, "select count(*) from hospital.medical_records where finalized_at < created_at"
        )
        == BROKEN_PER_RULE
    )
    paid = [
        i for i, row in after["invoices"][0].items() if row != before["invoices"][0].get(i, row)
    ]
    assert _rows(
        url,
        "select distinct i.status, sum(p.amount) filter (where p.deleted_at is null) >= i.amount"
        " from hospital.invoices i join hospital.payments p on p.invoice_id = i.id"
        " where i.id = any(%s) group by i.id",
        (paid,),
    ) == [("paid", True)]


def test_changes_are_deterministic(changed):
    url, _, after, _ = changed
    other = _database()
    fill(other, **SMALL)
    apply_changes(other, seed=3, fraction=0.05)
    for table in TABLES:
        assert _snapshot(other, table) == after[table][0], table
    deleted = "select table_name, row_id from hospital.deleted_rows order by id"
    assert _rows(other, deleted) == _rows(url, deleted)


def test_triggers_stamp_updates_and_record_hard_deletes(analytics_home: Path):
    url = _database()
    create_schema(url)
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into hospital.departments (id, code, name, created_at)"
            " values (1, 'CARD', 'Cardiology', now()) returning updated_at"
        )
        (inserted,) = cur.fetchone()
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "update hospital.departments set name = 'Heart' where id = 1 returning updated_at"
        )
        (updated,) = cur.fetchone()
        assert updated > inserted
        cur.execute("delete from hospital.departments where id = 1")
    recorded = _rows(url, "select table_name, row_id from hospital.deleted_rows")
    assert recorded == [("departments", 1)]
