"""The tables the learning assets publish in schema `analytics`: each holds the
state as of one date (its `as_of_date`), replaced whole by each
materialization; dbt snapshots keep the history. Column meanings are
documented in the dbt sources that map these tables (models/marts/learning)."""

from __future__ import annotations

import pandas as pd
from psycopg2 import sql
from psycopg2.extensions import connection

from analytics_pipeline.warehouse import isolate_workspaces
from analytics_pipeline.warehouse.columns import Column, columns_of, primary_key_of
from analytics_pipeline.warehouse.frames import write_frame

SCHEMA = "analytics"

TABLES: dict[str, str] = {
    "topic_mastery": """
        as_of_date              date not null,
        workspace_id            text,
        user_id                 text not null,
        topic_id                text not null,
        topic_level             text,
        attempts                bigint not null,
        correct                 bigint not null,
        accuracy                double precision,
        first_attempt_accuracy  double precision,
        materials_completed     bigint not null,
        materials_total         bigint not null,
        materials_score         double precision,
        retrieval_strength      double precision not null,
        mastery                 double precision,
        confidence              double precision not null,
        reviews                 bigint not null,
        last_review             timestamptz,
        due                     timestamptz,
        stability               double precision,
        difficulty              double precision,
        state                   text,
        step                    bigint,
        ease                    double precision,
        interval_days           bigint,
        repetitions             bigint,
        next_review_date        date,
        scheduler               text not null,
        retrieval_weight        double precision,
        decay                   double precision,
        primary key (user_id, topic_id)
    """,
    "knowledge_gaps": """
        as_of_date              date not null,
        workspace_id            text,
        user_id                 text not null,
        topic_id                text not null,
        gap_type                text not null,
        mastery                 double precision not null,
        attempts                bigint not null,
        severity                text not null,
        escalated               boolean not null,
        dependent_gap_topics    bigint not null,
        priority                double precision not null,
        recommendations         jsonb not null,
        primary key (user_id, topic_id)
    """,
    "exam_readiness": """
        as_of_date                  date not null,
        workspace_id                text,
        user_id                     text not null primary key,
        predicted_score             double precision,
        coverage                    double precision,
        readiness_level             text not null,
        percentile_in_workspace     double precision,
        examined_topics             bigint not null,
        attempted_examined_topics   bigint not null
    """,
    "subject_percentiles": """
        as_of_date                  date not null,
        workspace_id                text,
        user_id                     text not null,
        topic_id                    text not null,
        mastery                     double precision,
        learners                    bigint not null,
        percentile_in_workspace     double precision,
        primary key (user_id, topic_id)
    """,
}


# Values the published tables hold by definition (docs/metrics.md), checked in
# the warehouse after each materialization: column -> (min, max), None open.
VALUE_RANGES: dict[str, dict[str, tuple[float | None, float | None]]] = {
    "topic_mastery": {
        "attempts": (0, None),
        "accuracy": (0, 1),
        "first_attempt_accuracy": (0, 1),
        "materials_score": (0, 1),
        "retrieval_strength": (0, 1),
        "mastery": (0, 1),
        "confidence": (0, 1),
    },
    "knowledge_gaps": {"mastery": (0, 1), "attempts": (0, None), "priority": (0, None)},
    "exam_readiness": {
        "predicted_score": (0, 1),
        "coverage": (0, 1),
        "percentile_in_workspace": (0, 1),
    },
    "subject_percentiles": {"mastery": (0, 1), "percentile_in_workspace": (0, 1)},
}


def columns(name: str) -> list[Column]:
    """The columns of table `name` (from TABLES)."""
    return columns_of(TABLES[name])


def primary_key(name: str) -> tuple[str, ...]:
    """The primary key columns of table `name` (from TABLES)."""
    return primary_key_of(TABLES[name])


def ensure_tables(conn: connection) -> None:
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('analytics_pipeline.learning_tables'))")
        cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(SCHEMA)))
        for name, columns in TABLES.items():
            table = sql.Identifier(SCHEMA, name)
            cur.execute(
                sql.SQL("create table if not exists {} ({})").format(table, sql.SQL(columns))
            )
            cur.execute(
                sql.SQL("create index if not exists {} on {} (workspace_id)").format(
                    sql.Identifier(f"{name}__workspace"), table
                )
            )
            isolate_workspaces(conn, f"{SCHEMA}.{name}")


def replace_rows(conn: connection, name: str, frame: pd.DataFrame) -> int:
    """Replace the table's rows with `frame` in the caller's transaction."""
    with conn.cursor() as cur:
        cur.execute(sql.SQL("truncate {}").format(sql.Identifier(SCHEMA, name)))
    return write_frame(conn, f"{SCHEMA}.{name}", frame)
