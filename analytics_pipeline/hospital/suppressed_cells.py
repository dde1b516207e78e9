"""The table of hidden cells: the small-cell rule run over the exact figures
in the warehouse, its result written to `intermediate.hospital_suppressed_cells`
(one row per published row with anything hidden), which the published dbt
models read to null those cells and fill `suppressed_columns`
(macros/hospital_published.sql). The figures never pass through Python: only
the weights of the cells do, so money keeps its exact numeric values."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
from psycopg2 import sql
from psycopg2.extensions import connection

from analytics_pipeline.hospital.published_tables import TABLE_NAMES, exact_model
from analytics_pipeline.hospital.suppression import suppressed_columns
from analytics_pipeline.warehouse.frames import read_frame, write_frame

SCHEMA = "intermediate"
TABLE = "hospital_suppressed_cells"
# What each run read: a checksum of every exact table, which the published
# models compare with the exact table they publish (hidden cells decided on
# other figures are never applied: the run fails instead).
INPUTS_TABLE = "hospital_suppression_inputs"
_INPUTS_DEFINITION = """
    table_name      text primary key,
    exact_rows      bigint not null,
    exact_checksum  text not null,
    min_cell_size   integer not null,
    computed_at     timestamptz not null default now()
"""
# The same expression as macros/hospital_published.sql's (keep them equal).
_CHECKSUM = (
    "select count(*), md5(coalesce(string_agg(exact::text, '|' order by exact::text), ''))"
    " from {} as exact"
)
# A published row's key in the cells table: its period (metric_date,
# month_start, as_of_date or a KPI's period_start) and the dimensions it has
# (null otherwise).
_DEFINITION = """
    table_name          text not null,
    period_start        date not null,
    department_id       bigint,
    test_type           text,
    doctor_id           bigint,
    metric_name         text,
    period_type         text,
    workspace_id        text,
    suppressed_columns  jsonb not null
"""
_PERIODS = ("metric_date", "month_start", "as_of_date", "period_start")
_DIMENSIONS = (
    "department_id",
    "test_type",
    "doctor_id",
    "metric_name",
    "period_type",
    "workspace_id",
)


@dataclass
class SuppressionResult:
    min_cell_size: int
    exact_rows: dict[str, int] = field(default_factory=dict)
    rows_with_hidden_cells: dict[str, int] = field(default_factory=dict)
    hidden_cells: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _cells_rows(table: str, hidden: pd.DataFrame) -> pd.DataFrame:
    period = next(c for c in _PERIODS if c in hidden.columns)
    rows = pd.DataFrame(
        {
            "table_name": table,
            "period_start": hidden[period],
            **{name: hidden[name] if name in hidden.columns else None for name in _DIMENSIONS},
            "suppressed_columns": hidden["suppressed_columns"],
        }
    )
    for name in ("department_id", "doctor_id"):
        rows[name] = rows[name].astype("Int64")
    return rows


def run_suppression(conn: connection, min_cell_size: int) -> SuppressionResult:
    """Replace the hidden cells of every published hospital table (in the
    caller's transaction)."""
    started = time.monotonic()
    result = SuppressionResult(min_cell_size)
    frames, checksums = {}, {}
    with conn.cursor() as cur:
        for table in TABLE_NAMES:
            exact = sql.Identifier(SCHEMA, exact_model(table))
            frames[table] = read_frame(conn, sql.SQL("select * from {}").format(exact))
            cur.execute(sql.SQL(_CHECKSUM).format(exact))
            checksums[table] = cur.fetchone()
    hidden = suppressed_columns(frames, min_cell_size)
    target = sql.Identifier(SCHEMA, TABLE)
    with conn.cursor() as cur:
        # Replaced whole (and so always of the current shape).
        cur.execute(sql.SQL("drop table if exists {}").format(target))
        cur.execute(sql.SQL("create table {} ({})").format(target, sql.SQL(_DEFINITION)))
        inputs = sql.Identifier(SCHEMA, INPUTS_TABLE)
        cur.execute(sql.SQL("drop table if exists {}").format(inputs))
        cur.execute(sql.SQL("create table {} ({})").format(inputs, sql.SQL(_INPUTS_DEFINITION)))
        for table, (rows, checksum) in checksums.items():
            cur.execute(
                sql.SQL(
                    "insert into {} (table_name, exact_rows, exact_checksum, min_cell_size)"
                    " values (%s, %s, %s, %s)"
                ).format(inputs),
                (table, rows, checksum, min_cell_size),
            )
    for table in TABLE_NAMES:
        result.exact_rows[table] = len(frames[table])
        result.rows_with_hidden_cells[table] = len(hidden[table])
        result.hidden_cells[table] = int(hidden[table]["suppressed_columns"].map(len).sum())
        if len(hidden[table]):
            write_frame(conn, f"{SCHEMA}.{TABLE}", _cells_rows(table, hidden[table]))
    result.seconds = time.monotonic() - started
    return result
