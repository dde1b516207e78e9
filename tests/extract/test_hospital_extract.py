"""Extraction from the hospital's operational database (a real PostgreSQL
database beside the warehouse, filled by the sample generator): a first
extract takes every row, the planted rule breaks go to quarantine with their
reason, nothing is lost; after a day of changes the next extract takes exactly
the changed, new and deleted rows; a transaction that commits after the
cursor passed its rows is not lost, and only what may still commit is
re-read; the source is never written to."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import psycopg2
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.extract.hospital import HOSPITAL_TABLES, extract_hospital
from analytics_pipeline.ingest.extract.postgres import open_source, write_horizon
from analytics_pipeline.ingest.extract.runner import CLOCK_MARGIN, DEFAULT_OVERLAP
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


def _connect(url):
    return psycopg2.connect(**warehouse.libpq_params(url))


def _update_patient(url, patient_id: int, phone: str) -> None:
    with _connect(url) as conn, conn.cursor() as cur:
        cur.execute("update hospital.patients set phone = %s where id = %s", (phone, patient_id))
    conn.close()


def _rows_from(url, marks: dict[str, dt.datetime | None]) -> dict[str, int]:
    """Per table, the source's rows with updated_at at or after its mark."""
    with _connect(url) as conn, conn.cursor() as cur:
        counts = {}
        for spec in HOSPITAL_TABLES:
            cur.execute(
                f"select count(*) from {spec.table} where %s is null or updated_at >= %s",
                (marks[spec.source], marks[spec.source]),
            )
            counts[spec.source] = cur.fetchone()[0]
    conn.close()
    return counts


def _extract(url) -> dict:
    return {r.source: r for r in extract_hospital(url)}


def test_without_open_transactions_only_the_last_second_is_reread(hospital):
    url = hospital["url"]
    time.sleep(1.1)  # every row so far is older than the next one by more than the margin
    _update_patient(url, 5, "quiet")
    taken = _extract(url)
    patients = taken["hospital_patients"]
    assert patients.rows_new == 1
    assert patients.reread_from == patients.cursor.updated_at - CLOCK_MARGIN
    again = _extract(url)
    patients = again["hospital_patients"]
    assert (patients.rows_read, patients.rows_skipped) == (1, 1)  # patient 5's version
    # Every table re-reads exactly its rows from its mark on, and takes none of them again.
    assert {name: r.rows_read for name, r in again.items()} == _rows_from(
        url, {name: r.reread_from for name, r in taken.items()}
    )
    assert [r.rows_new for r in again.values()] == [0] * len(HOSPITAL_TABLES)
    # The 10-minute overlap would re-read every row of this young source.
    window = {name: r.cursor and r.cursor.updated_at - DEFAULT_OVERLAP for name, r in taken.items()}
    assert _rows_from(url, window) == _source_counts(url)
    assert sum(r.rows_read for r in again.values()) < sum(_source_counts(url).values()) / 4


def test_an_open_write_transaction_holds_the_reread_back(hospital):
    url = hospital["url"]
    time.sleep(1.1)
    holder = _connect(url)
    try:
        with holder.cursor() as cur:  # writes now, commits after two extractions
            cur.execute("update hospital.patients set phone = 'held' where id = 6 returning now()")
            started = cur.fetchone()[0]  # the transaction's start
        time.sleep(1.1)
        _update_patient(url, 7, "after")
        first = _extract(url)["hospital_patients"]
        assert first.rows_new == 1  # patient 7; patient 6 is not committed
        assert first.reread_from == started - CLOCK_MARGIN
        again = _extract(url)["hospital_patients"]
        assert (again.rows_read, again.rows_new) == (1, 0)  # patient 7 again, skipped
        assert again.reread_from == first.reread_from
        holder.commit()
        after = _extract(url)["hospital_patients"]
        assert after.rows_new == 1  # patient 6, stamped before the cursor
        assert after.cursor == first.cursor
        assert after.reread_from == first.cursor.updated_at - CLOCK_MARGIN
        last = _extract(url)["hospital_patients"]
        assert (last.rows_read, last.rows_new) == (1, 0)  # patient 7 only
    finally:
        holder.close()
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute("select id, phone from raw.hospital_patients where phone in ('held', 'after')")
        assert sorted(cur.fetchall()) == [(6, "held"), (7, "after")]


def test_the_horizon_needs_every_session_visible(hospital):
    url = hospital["url"]
    role = f"reader_{uuid.uuid4().hex[:8]}"
    with _connect(url) as conn, conn.cursor() as cur:
        cur.execute(f"create role {role} login password 'reader'")
        cur.execute(f"grant connect on database {url.database} to {role}")
    conn.close()
    holder = _connect(url)
    admin_view = open_source(url)
    reader_view = open_source(url.set(username=role, password="reader"))
    try:
        with holder.cursor() as cur:
            cur.execute("update hospital.patients set phone = 'open' where id = 8 returning now()")
            started = cur.fetchone()[0]
        assert write_horizon(admin_view) == started
        # Another role's sessions are hidden without pg_read_all_stats: no horizon.
        assert write_horizon(reader_view) is None
        holder.rollback()
        assert write_horizon(reader_view) is None  # still connected, state unknown
        holder.close()
        assert write_horizon(admin_view) > started  # none open: the read's own time
    finally:
        holder.close()
        admin_view.close()
        reader_view.close()
        with _connect(url) as conn, conn.cursor() as cur:
            cur.execute(f"revoke connect on database {url.database} from {role}")
            cur.execute(f"drop role {role}")
        conn.close()


def test_the_extractor_cannot_write_to_the_source(hospital):
    conn = open_source(hospital["url"])
    try:
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction), conn.cursor() as cur:
            cur.execute("update hospital.patients set phone = 'x' where id = 3")
    finally:
        conn.close()


def test_the_reread_keys_are_kept_from_the_mark_on_only(hospital):
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(
            "select count(*) from raw._extract_recent recent join raw._extract_cursors cursors"
            " using (source) where recent.updated_at < cursors.reread_from"
            " or cursors.reread_from < cursors.updated_at - %s",
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
