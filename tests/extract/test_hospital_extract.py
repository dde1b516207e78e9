"""Extraction from the hospital's operational database (a real PostgreSQL
database beside the warehouse, filled by the sample generator): a first
extract takes every row, the planted rule breaks go to quarantine with their
reason, nothing is lost; after a day of changes the next extract takes exactly
the changed, new and deleted rows; a transaction that commits after the
cursor passed its rows is not lost; the source is never written to."""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg2
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.extract.hospital import HOSPITAL_TABLES, extract_hospital
from analytics_pipeline.ingest.extract.postgres import open_source
from analytics_pipeline.sample_data.hospital import apply_changes, fill
from tests.extract.expected import HOSPITAL_QUARANTINED

QUARANTINED = HOSPITAL_QUARANTINED


def _source_counts(url) -> dict[str, int]:
    with psycopg2.connect(**warehouse.libpq_params(url)) as conn, conn.cursor() as cur:
        counts = {}
        for spec in HOSPITAL_TABLES:
            cur.execute(f"select count(*) from {spec.table}")
            counts[spec.source] = cur.fetchone()[0]
        return counts


def _newest_versions(url) -> dict[str, dt.datetime]:
    """Each table's newest updated_at (the epoch for an empty table)."""
    with psycopg2.connect(**warehouse.libpq_params(url)) as conn, conn.cursor() as cur:
        newest = {}
        for spec in HOSPITAL_TABLES:
            cur.execute(f"select coalesce(max(updated_at), 'epoch') from {spec.table}")
            newest[spec.source] = cur.fetchone()[0]
        return newest


def _warehouse_counts(query: str) -> dict[str, int]:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(query)
        return dict(cur.fetchall())


def _raw_counts() -> dict[str, int]:
    union = " union all ".join(
        f"select '{spec.source}', count(*) from raw.{spec.source}" for spec in HOSPITAL_TABLES
    )
    return _warehouse_counts(union)


def _quarantined() -> dict[str, int]:
    return _warehouse_counts(
        "select source, count(*) from raw._quarantine where source like 'hospital%' group by 1"
    )


@pytest.fixture(scope="module")
def hospital(fresh_database):
    url = warehouse.database_url(f"hospital_{uuid.uuid4().hex[:8]}")
    filled = fill(url, departments=4, doctors=10, patients=300, days=30, seed=5)
    first = {r.source: r for r in extract_hospital(url)}
    return {"url": url, "filled": filled, "first": first}


def test_the_first_extract_takes_every_row_and_loses_none(hospital):
    first, source = hospital["first"], _source_counts(hospital["url"])
    assert {name: r.rows_new for name, r in first.items()} == source
    raw, quarantined = _raw_counts(), _quarantined()
    for name, rows in source.items():
        assert raw[name] + quarantined.get(name, 0) == rows, name
    assert quarantined == QUARANTINED


def test_planted_rule_breaks_are_quarantined_with_their_reason(hospital):
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(
            "select source, reason from raw._quarantine where source like 'hospital%' order by 1"
        )
        reasons = cur.fetchall()
    assert {source for source, _ in reasons} == set(QUARANTINED)
    by_source = {source: reason for source, reason in reasons}
    assert "ended_at" in by_source["hospital_appointments"]
    assert "finalized_at" in by_source["hospital_medical_records"]
    assert "resulted_at" in by_source["hospital_lab_tests"]


def test_dates_of_birth_before_1970_load_as_dates(hospital):
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(
            "select count(*), min(date_of_birth), pg_typeof(min(date_of_birth))::text "
            "from raw.hospital_patients where date_of_birth < '1970-01-01'"
        )
        old, earliest, type_name = cur.fetchone()
    assert old > 0 and type_name == "date" and earliest.year >= 1920


def test_an_extract_without_changes_takes_nothing(hospital):
    again = extract_hospital(hospital["url"])
    assert [r.rows_new for r in again] == [0] * len(HOSPITAL_TABLES)
    assert all(r.file is None for r in again)


def test_the_next_extract_takes_exactly_the_changed_rows(hospital):
    url = hospital["url"]
    before_raw = _raw_counts()
    before_quarantine = _quarantined()
    marks = _newest_versions(url)
    changes = apply_changes(url, seed=9, fraction=0.05)
    with psycopg2.connect(**warehouse.libpq_params(url)) as conn, conn.cursor() as cur:
        expected = {}
        for spec in HOSPITAL_TABLES:
            cur.execute(
                f"select count(*) from {spec.table} where updated_at > %s",
                (marks[spec.source],),
            )
            expected[spec.source] = cur.fetchone()[0]
    second = {r.source: r for r in extract_hospital(url)}
    assert {name: r.rows_new for name, r in second.items()} == expected
    assert expected["hospital_deleted_rows"] == (
        changes["lab_tests_deleted"] + changes["payments_deleted"]
    )
    raw, quarantine = _raw_counts(), _quarantined()
    for name, rows in expected.items():
        added = raw[name] - before_raw[name]
        added += quarantine.get(name, 0) - before_quarantine.get(name, 0)
        assert added == rows, name


def test_a_transaction_committing_after_the_cursor_passed_is_not_lost(hospital):
    url = hospital["url"]
    late = psycopg2.connect(**warehouse.libpq_params(url))
    other = psycopg2.connect(**warehouse.libpq_params(url))
    try:
        with late.cursor() as cur:  # stamps updated_at now, commits later
            cur.execute("update hospital.patients set phone = 'late' where id = 1")
        with other.cursor() as cur:
            cur.execute("update hospital.patients set phone = 'early' where id = 2")
        other.commit()
        first = {r.source: r for r in extract_hospital(url)}
        assert first["hospital_patients"].rows_new == 1  # patient 2; patient 1 invisible
        late.commit()
        second = {r.source: r for r in extract_hospital(url)}
        assert second["hospital_patients"].rows_new == 1  # patient 1, stamped before the cursor
        assert (
            second["hospital_patients"].cursor.updated_at
            == first["hospital_patients"].cursor.updated_at
        )
    finally:
        late.close()
        other.close()
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute("select id, phone from raw.hospital_patients where phone in ('late', 'early')")
        assert sorted(cur.fetchall()) == [(1, "late"), (2, "early")]


def test_the_extractor_cannot_write_to_the_source(hospital):
    conn = open_source(hospital["url"])
    try:
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction), conn.cursor() as cur:
            cur.execute("update hospital.patients set phone = 'x' where id = 3")
    finally:
        conn.close()


def test_the_overlap_keys_are_kept_for_the_window_only(hospital):
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(
            "select count(*) from raw._extract_recent recent join raw._extract_cursors cursors"
            " using (source) where recent.updated_at < cursors.updated_at - %s",
            (dt.timedelta(minutes=10),),
        )
        assert cur.fetchone()[0] == 0
        cur.execute("select source from raw._extract_cursors")
        with_cursor = {row[0] for row in cur.fetchall()}
    assert with_cursor == {name for name, rows in _raw_counts().items() if rows}


def test_the_demo_fills_the_hospital_once_and_records_it(empty_database, monkeypatch):
    from analytics_pipeline.commands.demo import DemoOptions, prepare_sample_hospital
    from analytics_pipeline.settings import get_settings

    monkeypatch.delenv("ANALYTICS_HOSPITAL_DATABASE_URL", raising=False)
    options = DemoOptions(days=10, end_date=dt.date(2026, 9, 30))
    said: list[str] = []
    try:
        url = prepare_sample_hospital(options, said.append)
        assert prepare_sample_hospital(options, said.append) == url  # a rerun fills nothing
        assert get_settings().hospital_database_url == url
    finally:  # the other modules' raw assets must not extract it
        (get_settings().home / "hospital_database_url").unlink(missing_ok=True)
    assert sum("filling" in line for line in said) == 1
    assert _source_counts(warehouse.database_url("hospital_ops"))["hospital_patients"] > 0
