"""Monthly range partitions of the raw event tables.

An event table is an append-only source with an event time column (the
contract says which). It is `partition by range (<event time>)` with one
partition per UTC month, `raw.<source>_pYYYY_MM`, and a default partition
`raw.<source>_default` so that no row can ever fail to land. Retention then
drops whole months instead of deleting rows (maintenance/retention.py).

Partitions are made by `raw.ensure_month_partitions(table, months)`, a
security-definer function of the admin (who owns `raw`): the loader calls it
inside its own batch transaction before the COPY of a chunk that brings a new
month, so no second connection waits on the loader's locks. It moves the rows
of that month that sit in the default partition into the new partition, so
the default partition is only ever a safety net.
"""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa
import pyarrow.compute as pc
from psycopg2.extensions import cursor

from analytics_pipeline.ingest.contract import SOURCES, Source

RAW_SCHEMA = "raw"
ENSURE_FUNCTION = f"{RAW_SCHEMA}.ensure_month_partitions"
DEFAULT_SUFFIX = "_default"
_MONTH_NAME = re.compile(r"_p(\d{4})_(\d{2})$")


def is_event_source(source: Source) -> bool:
    return not source.mutable and source.event_time_column is not None


EVENT_SOURCES: tuple[Source, ...] = tuple(s for s in SOURCES.values() if is_event_source(s))


def partition_name(source_name: str, month: dt.date) -> str:
    return f"{source_name}_p{month:%Y_%m}"


def default_partition(source_name: str) -> str:
    return f"{source_name}{DEFAULT_SUFFIX}"


def partition_month(source_name: str, name: str) -> dt.date | None:
    """The month a partition named by `partition_name` holds; None for any other name."""
    if not name.startswith(f"{source_name}_p"):
        return None
    match = _MONTH_NAME.search(name)
    if not match or name != partition_name(source_name, dt.date(int(match[1]), int(match[2]), 1)):
        return None
    return dt.date(int(match[1]), int(match[2]), 1)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from `first`'s to `last`'s, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def months_in(table: pa.Table, column: str) -> set[dt.date]:
    """The UTC months of the timestamps in `column` (nulls aside)."""
    values = table.column(column)
    if values.null_count == len(values):
        return set()
    floors = pc.unique(pc.floor_temporal(values.combine_chunks(), unit="month"))
    return {moment.date() for moment in floors.to_pylist() if moment is not None}


# Owned by the admin; the loader may execute it. Serialized per table (an
# advisory lock held to the end of the caller's transaction), and it checks
# again under the lock, so two loaders never race to create one month.
ENSURE_FUNCTION_DDL = f"""
create or replace function {ENSURE_FUNCTION}(parent regclass, months date[])
returns integer language plpgsql security definer
set search_path = pg_catalog, pg_temp as $fn$
declare
    table_name text;
    key_column text;
    month date;
    part text;
    made integer := 0;
begin
    select c.relname into table_name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.oid = parent and c.relkind = 'p' and n.nspname = '{RAW_SCHEMA}';
    if table_name is null then
        raise exception '% is not a partitioned table of schema {RAW_SCHEMA}', parent;
    end if;
    select a.attname into key_column
      from pg_partitioned_table pt
      join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
     where pt.partrelid = parent;
    perform pg_advisory_xact_lock(hashtext('analytics_pipeline.partitions:' || table_name));
    foreach month in array months loop
        month := date_trunc('month', month)::date;
        part := table_name || '_p' || to_char(month, 'YYYY_MM');
        continue when to_regclass(format('{RAW_SCHEMA}.%I', part)) is not null;
        execute format('create table {RAW_SCHEMA}.%I (like {RAW_SCHEMA}.%I including defaults)',
                       part, table_name);
        -- Rows of this month that landed in the default partition move in
        -- first: attaching checks that the default holds none of its rows.
        execute format(
            'with moved as (delete from {RAW_SCHEMA}.%I where %I >= $1 and %I < $2 returning *) '
            'insert into {RAW_SCHEMA}.%I select * from moved',
            table_name || '{DEFAULT_SUFFIX}', key_column, key_column, part)
            using (month::timestamp at time zone 'UTC'),
                  ((month + interval '1 month')::timestamp at time zone 'UTC');
        execute format(
            'alter table {RAW_SCHEMA}.%I attach partition {RAW_SCHEMA}.%I '
            'for values from (%L) to (%L)',
            table_name, part, to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00',
            to_char(month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
        made := made + 1;
    end loop;
    return made;
end
$fn$;
revoke all on function {ENSURE_FUNCTION}(regclass, date[]) from public;
"""


def partitioned_table_ddl(source: Source, columns: list[tuple[str, str]]) -> str:
    """A new event table: partitioned by its event time, with its default partition."""
    table = f"{RAW_SCHEMA}.{source.name}"
    listed = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in columns)
    return (
        f"create table if not exists {table} (\n    {listed}\n)"
        f" partition by range ({source.event_time_column});\n"
        f"create table if not exists {RAW_SCHEMA}.{default_partition(source.name)}"
        f" partition of {table} default;\n"
    )


def ensure_months(cur: cursor, source_name: str, months) -> int:
    """Create the partitions of `months` that do not exist yet (in the caller's
    transaction); returns how many were made."""
    if not months:
        return 0
    cur.execute(
        f"select {ENSURE_FUNCTION}(%s::regclass, %s::date[])",
        (f"{RAW_SCHEMA}.{source_name}", sorted(months)),
    )
    return cur.fetchone()[0]


def existing_months(cur: cursor, source_name: str) -> set[dt.date]:
    """The months that have a partition of their own."""
    return {
        month
        for name, _ in partitions(cur, source_name)
        if (month := partition_month(source_name, name)) is not None
    }


def partitions(cur: cursor, source_name: str) -> list[tuple[str, bool]]:
    """(name, is the default partition) of every partition of the table, by name."""
    cur.execute(
        """select c.relname, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
             from pg_inherits i join pg_class c on c.oid = i.inhrelid
            where i.inhparent = to_regclass(%s)
            order by c.relname""",
        (f"{RAW_SCHEMA}.{source_name}",),
    )
    return [(name, bool(is_default)) for name, is_default in cur.fetchall()]


def migrate_to_partitions(cur: cursor, source: Source) -> int | None:
    """Convert an unpartitioned event table that holds rows of an older
    warehouse into the partitioned table, in the caller's transaction: the old
    table is renamed, the new one created with the same columns, every month of
    the rows gets its partition, the rows move, the old table is dropped.
    Returns the rows moved, None when there was nothing to convert. A view on
    the old table makes the drop fail, and the whole transaction rolls back."""
    table = f"{RAW_SCHEMA}.{source.name}"
    cur.execute("select relkind from pg_class where oid = to_regclass(%s)", (table,))
    row = cur.fetchone()
    if row is None or row[0] != "r":
        return None
    old = f"{source.name}__unpartitioned"
    column = source.event_time_column
    cur.execute(f"lock table {table} in access exclusive mode")
    cur.execute(f"alter table {table} rename to {old}")
    # Index names are schema-wide: the old ones go, the schema DDL makes the new.
    cur.execute(
        """select indexrelid::regclass::text from pg_index
            where indrelid = to_regclass(%s)""",
        (f"{RAW_SCHEMA}.{old}",),
    )
    for (index,) in cur.fetchall():
        cur.execute(f"drop index {index}")
    cur.execute(
        f"create table {table} (like {RAW_SCHEMA}.{old} including defaults)"
        f" partition by range ({column});"
        f"create table {RAW_SCHEMA}.{default_partition(source.name)} partition of {table} default"
    )
    cur.execute(
        f"""select coalesce(array_agg(distinct date_trunc('month', {column} at time zone 'UTC')
                                      ::date), '{{}}')
            from {RAW_SCHEMA}.{old} where {column} is not null"""
    )
    ensure_months(cur, source.name, cur.fetchone()[0])
    cur.execute(f"insert into {table} select * from {RAW_SCHEMA}.{old}")
    moved = cur.rowcount
    cur.execute(f"drop table {RAW_SCHEMA}.{old}")
    return moved
