"""DDL of the landing schema `raw`: one append-only table per source, the
quarantine, the ingest ledger and the log of files that failed to load.
Idempotent; columns the contract gained since a table was created are added.
Event tables are partitioned by month (ingest/partitioning.py); one that an
older warehouse made unpartitioned is converted in place, rows and all."""

from __future__ import annotations

from psycopg2.extensions import connection

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.contract import LINEAGE_COLUMNS, SOURCES, Source
from analytics_pipeline.ingest.partitioning import (
    ENSURE_FUNCTION,
    ENSURE_FUNCTION_DDL,
    is_event_source,
    migrate_to_partitions,
    partitioned_table_ddl,
)
from analytics_pipeline.warehouse.roles import Role

RAW_SCHEMA = "raw"
QUARANTINE_TABLE = f"{RAW_SCHEMA}._quarantine"
BATCHES_TABLE = f"{RAW_SCHEMA}._ingest_batches"
FAILURES_TABLE = f"{RAW_SCHEMA}._ingest_failures"

_LEDGER_DDL = f"""
create table if not exists {BATCHES_TABLE} (
    batch_id          text primary key,
    source            text not null,
    source_file       text not null,
    file_sha256       text not null,
    file_bytes        bigint not null,
    file_format       text not null,
    rows_read         bigint not null,
    rows_loaded       bigint not null,
    rows_quarantined  bigint not null,
    started_at        timestamptz not null,
    finished_at       timestamptz not null,
    constraint _ingest_batches_accounting check (rows_read = rows_loaded + rows_quarantined)
);
-- A content with rows loads once per source, under any name. Files without rows
-- all share a few contents (0 bytes, a bare CSV header): each is recorded once
-- per file (its resolved path), so every empty file that arrives is accounted for.
alter table {BATCHES_TABLE} drop constraint if exists _ingest_batches_file_once;
create unique index if not exists _ingest_batches_content_once
    on {BATCHES_TABLE} (source, file_sha256) where rows_read > 0;
create unique index if not exists _ingest_batches_empty_file_once
    on {BATCHES_TABLE} (source, file_sha256, source_file) where rows_read = 0;
create table if not exists {QUARANTINE_TABLE} (
    source          text not null,
    source_file     text not null,
    source_line     bigint not null,
    batch_id        text not null,
    reason          text not null,
    payload         text not null,
    quarantined_at  timestamptz not null
);
-- Retention nulls a payload after its period (maintenance/retention.py); the
-- reason, line and batch stay. Altered once: an alter locks out the loaders.
do $$ begin
    if exists (select 1 from pg_attribute where attrelid = '{QUARANTINE_TABLE}'::regclass
                  and attname = 'payload' and attnotnull) then
        alter table {QUARANTINE_TABLE} alter column payload drop not null;
    end if;
end $$;
create index if not exists _quarantine_source_batch on {QUARANTINE_TABLE} (source, batch_id);
-- Append-only: one row per failed attempt to load a file (nothing of it was loaded).
create table if not exists {FAILURES_TABLE} (
    source        text not null,
    source_file   text not null,
    file_sha256   text,
    reason        text not null,
    failed_at     timestamptz not null
);
create index if not exists _ingest_failures_content on {FAILURES_TABLE} (source, file_sha256);
"""


def raw_table(source: Source) -> str:
    return f"{RAW_SCHEMA}.{source.name}"


def landing_columns(source: Source) -> list[tuple[str, str]]:
    """(name, SQL type) of every column of the landing table, lineage last."""
    return [(c.name, c.sql_type) for c in source.columns] + [
        (name, sql_type) for name, sql_type, _ in LINEAGE_COLUMNS
    ]


def _table_ddl(source: Source) -> str:
    table = raw_table(source)
    columns = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in landing_columns(source))
    adds = "\n".join(
        f"alter table {table} add column if not exists {name} {sql_type};"
        for name, sql_type in landing_columns(source)
    )
    create = (
        partitioned_table_ddl(source, landing_columns(source))
        if is_event_source(source)
        else f"create table if not exists {table} (\n    {columns}\n);\n"
    )
    return (
        f"{create}{adds}\n"
        f"create index if not exists {source.name}__batch on {table} (_batch_id);\n"
        # Incremental staging re-reads every version of the keys a new batch brings.
        f"create index if not exists {source.name}__key on {table} ({', '.join(source.key)});\n"
        f"comment on table {table} is %s;\n"
    )


def ensure_raw_schema(conn: connection) -> None:
    """Create schema `raw` and every landing table, the quarantine and the ledgers."""
    with conn.cursor() as cur:
        # Serialize concurrent bootstraps (parallel ingests, test workers).
        cur.execute("select pg_advisory_xact_lock(hashtext('analytics_pipeline.raw_schema'))")
        cur.execute(f"create schema if not exists {RAW_SCHEMA}")
        cur.execute(_LEDGER_DDL)
        cur.execute(ENSURE_FUNCTION_DDL)
        cur.execute(
            f"grant execute on function {ENSURE_FUNCTION}(regclass, date[]) to "
            f"{Role.LOADER.role_name}"
        )
        for source in SOURCES.values():
            if is_event_source(source):
                migrate_to_partitions(cur, source)
            cur.execute(_table_ddl(source), (source.description,))


def prepare_landing_tables() -> None:
    """Create or update the landing tables. DDL is the admin's: the loader role
    may only read and insert."""
    with warehouse.connect(warehouse.Role.ADMIN) as admin:
        ensure_raw_schema(admin)
