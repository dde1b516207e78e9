"""The hospital pack's published tables, built through the project's own
assets from a generated hospital's operational database: the exact figures
with the small cells hidden, no patient identifier anywhere past raw, and
the threshold a setting."""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd
import pytest
from psycopg2 import sql

from analytics_pipeline import warehouse
from analytics_pipeline.commands.build import HOSPITAL
from analytics_pipeline.commands.materialize import failure_details, materialize
from analytics_pipeline.hospital.published_tables import KPI_GRAIN, PUBLISHED_TABLES, exact_model
from analytics_pipeline.hospital.suppressed_cells import run_suppression
from analytics_pipeline.ingest.extract.hospital import extract_hospital
from analytics_pipeline.sample_data.hospital import apply_changes, fill
from analytics_pipeline.sample_data.hospital.operational import connect as connect_source
from analytics_pipeline.warehouse.frames import read_frame
from tests.reference.compare import normalize
from tests.reference.hospital import compute, read_table, warehouse_differences
from tests.reference.small_cells import suppress, violations

AS_OF = dt.date(2026, 9, 30)
# Staging follows the extracted raw tables; the rest runs per date.
HOSPITAL_STAGING = "tag:hospital and not tag:hospital_figures and not tag:hospital_published"
PRIVATE_COLUMNS = {
    "patient_id",
    "first_name",
    "last_name",
    "mrn",
    "date_of_birth",
    "phone",
    "email",
    "address",
    "notes",
    "result_text",
    "diagnosis_code",
    "result_value",
    "full_name",
}


@pytest.fixture(scope="module")
def hospital(fresh_database):
    url = warehouse.database_url(f"hospital_{uuid.uuid4().hex[:8]}")
    fill(url, departments=3, doctors=8, patients=400, days=45, seed=11)
    extract_hospital(url)
    apply_changes(url, seed=12, fraction=0.05)
    extract_hospital(url)
    assert materialize(HOSPITAL_STAGING, log_level="WARNING").success
    assert materialize(HOSPITAL, as_of=AS_OF.isoformat(), log_level="WARNING").success
    return {"url": url}


@pytest.fixture(scope="module")
def reference(hospital) -> dict[str, pd.DataFrame]:
    """The pandas reference's exact figures, from the operational tables."""
    with (
        connect_source(hospital["url"]) as source,
        warehouse.connect(warehouse.Role.TRANSFORMER) as conn,
    ):
        return compute(source, conn, AS_OF)  # the eight tables and hospital_kpis


def _table(schema: str, name: str) -> pd.DataFrame:
    """The table with the driver's types (dates, Decimals, jsonb as lists)."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        return read_table(conn, f"{schema}.{name}")


def _grain(frame: pd.DataFrame) -> list[str]:
    candidates = ("as_of_date", "department_id", "test_type", "doctor_id", "metric_name")
    periods = ("metric_date", "month_start")
    return [c for c in frame.columns if c in candidates or c in periods]


@pytest.mark.parametrize("table", PUBLISHED_TABLES)
def test_published_cells_are_the_exact_ones_or_hidden_and_named(hospital, table):
    published = _table("analytics", table)
    exact = _table("intermediate", exact_model(table))
    assert list(published.columns) == [
        *[c for c in published.columns[:-1] if c in exact.columns],
        "suppressed_columns",
    ]
    grain = _grain(published)
    merged = published.merge(exact, on=grain, suffixes=("", "_exact"), validate="1:1")
    assert len(merged) == len(published) == len(exact)
    for _, row in merged.iterrows():
        hidden = row["suppressed_columns"]
        for column in published.columns:
            if column in grain or column == "suppressed_columns":
                continue
            if column in hidden or pd.isna(row[f"{column}_exact"]):
                assert pd.isna(row[column]), (table, column)
            else:
                assert row[column] == row[f"{column}_exact"], (table, column)


def _private_values(url) -> set[str]:
    with connect_source(url) as conn:
        patients = read_frame(conn, "select * from hospital.patients")
    values = set()
    for column in ("mrn", "first_name", "last_name", "phone", "email", "address"):
        values |= {v for v in patients[column].dropna() if len(v) >= 4}
    return values


def test_no_patient_identifier_passes_raw(hospital):
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            "select table_schema, table_name, column_name, data_type"
            " from information_schema.columns"
            " where table_schema in ('staging', 'intermediate', 'analytics')"
            " and (table_name like '%%hospital%%' or table_name = any(%s))",
            (list(PUBLISHED_TABLES),),
        )
        columns = cur.fetchall()
    assert {c[2] for c in columns} & PRIVATE_COLUMNS == set()
    private = _private_values(hospital["url"])
    assert len(private) > 1000
    text_columns = [c for c in columns if c[3] in ("text", "jsonb", "character varying")]
    found = []
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        for schema, table, column, _ in text_columns:
            cur.execute(
                sql.SQL("select distinct {}::text from {}").format(
                    sql.Identifier(column), sql.Identifier(schema, table)
                )
            )
            found += [(table, column, v) for (v,) in cur.fetchall() if v in private]
    assert found == []


def test_the_threshold_is_a_setting(hospital):
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        everything = run_suppression(conn, 1)
        conn.rollback()
        default = run_suppression(conn, 5)
        conn.rollback()
        stricter = run_suppression(conn, 11)
        conn.rollback()
    assert sum(everything.hidden_cells.values()) == 0
    assert 0 < sum(default.hidden_cells.values()) < sum(stricter.hidden_cells.values())


def test_the_exact_figures_equal_the_reference(hospital, reference):
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        differences = warehouse_differences(conn, reference)
    assert differences == {table: [] for table in [*PUBLISHED_TABLES, "hospital_kpis"]}
    # Not a vacuous comparison: every table has rows (the dashboard's of one date).
    assert all(len(frame) > 0 for frame in reference.values())


def _published_kpis() -> pd.DataFrame:
    """int_hospital_kpis as analytics_metrics has it (no marker column)."""
    return _table("intermediate", "int_hospital_kpis").drop(columns="suppressed_columns")


def test_the_published_tables_obey_the_small_cell_rule(hospital, reference):
    published = {table: _table("analytics", table) for table in PUBLISHED_TABLES}
    published["hospital_kpis"] = _published_kpis()
    assert violations(reference, published, k=5) == []


def _hidden_by_row(frame: pd.DataFrame) -> dict[tuple, list[str]]:
    grain = _grain(frame)
    return {
        tuple(normalize(row[c]) for c in grain): list(row["suppressed_columns"])
        for row in frame.to_dict("records")
    }


def _null_kpi_cells(frame: pd.DataFrame, exact: pd.DataFrame) -> set[tuple]:
    """(KPI row, column) of the values null in `frame` but not in `exact`."""
    merged = frame.merge(exact, on=list(KPI_GRAIN), suffixes=("", "_exact"), validate="1:1")
    return {
        (*(normalize(row[c]) for c in KPI_GRAIN), column)
        for row in merged.to_dict("records")
        for column in ("value", "previous_value", "change_percentage")
        if pd.isna(row[column]) and not pd.isna(row[f"{column}_exact"])
    }


def test_the_hidden_cells_are_those_of_the_reference_procedure(hospital, reference):
    expected = suppress(reference, k=5)
    for table in PUBLISHED_TABLES:
        shown = _hidden_by_row(_table("analytics", table))
        assert shown == _hidden_by_row(expected[table]), table
    exact = reference["hospital_kpis"]
    hidden = _null_kpi_cells(_published_kpis(), exact)
    assert hidden == _null_kpi_cells(expected["hospital_kpis"], exact)
    assert hidden  # the sample has small cells among the KPIs


def test_hidden_cells_of_other_figures_are_never_applied(hospital):
    """Figures rebuilt (another as-of date) without the small-cell rule after
    them: publishing fails rather than hide the old cells; the whole chain
    then publishes again."""
    earlier = (AS_OF - dt.timedelta(days=3)).isoformat()
    assert materialize("tag:hospital_figures", as_of=earlier, log_level="WARNING").success
    published = materialize("tag:hospital_published", as_of=earlier, log_level="CRITICAL")
    assert not published.success
    assert "were not decided on its current exact figures" in failure_details(published)
    assert materialize(HOSPITAL, as_of=AS_OF.isoformat(), log_level="WARNING").success
