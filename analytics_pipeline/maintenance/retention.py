"""The retention run: what each table keeps, relative to an as-of date (never
the wall clock), and the SQL that enforces it.

- Raw event tables (monthly partitions): the partitions wholly older than the
  cutoff are dropped; the partition that straddles the cutoff stays until its
  last day has expired. Before that, rows that fell into a default partition
  move to partitions of their own, and the months up to
  `partitions_ahead_months` after the as-of date get theirs.
- Other raw tables and the published aggregates: rows whose date is before
  the cutoff are deleted.
- `raw._quarantine`: payloads quarantined before the cutoff are nulled; the
  source, file, line, batch and reason stay.

cutoff = as-of date - days (00:00 UTC): rows at or after it are kept. Each
table is its own transaction, and every action of a run that is not a dry run
is recorded in `control.retention_runs`.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import asdict, dataclass, field, replace

from psycopg2.extensions import connection, cursor

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.partitioning import (
    EVENT_SOURCES,
    add_months,
    default_partition,
    ensure_months,
    existing_months,
    month_start,
    months_between,
    partition_month,
    partition_name,
    partitions,
)
from analytics_pipeline.ingest.schema import QUARANTINE_TABLE, ensure_raw_schema
from analytics_pipeline.maintenance.retention_settings import (
    PARTITIONS,
    RetentionSettings,
    Target,
)

RUNS_TABLE = "control.retention_runs"
_RUNS_DDL = f"""
create schema if not exists control;
create table if not exists {RUNS_TABLE} (
    run_id       text not null,
    as_of        date not null,
    table_name   text not null,
    action       text not null,
    cutoff       timestamptz,
    partitions   text[] not null default '{{}}',
    rows         bigint not null,
    seconds      double precision not null,
    recorded_at  timestamptz not null default clock_timestamp()
);
create index if not exists retention_runs_run on {RUNS_TABLE} (run_id);
"""


@dataclass(frozen=True)
class Action:
    """What a run did (or, dry, would do) to one table."""

    table: str
    action: str  # create_partitions, move_default_rows, drop_partitions, delete_rows, null_payloads
    rows: int
    cutoff: dt.datetime | None = None
    partitions: tuple[str, ...] = ()
    seconds: float = 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["cutoff"] = self.cutoff.isoformat() if self.cutoff else None
        data["partitions"] = list(self.partitions)
        return data


@dataclass
class RetentionReport:
    run_id: str
    as_of: dt.date
    dry_run: bool
    actions: list[Action] = field(default_factory=list)


def cutoff(as_of: dt.date, days: int) -> dt.datetime:
    """The first instant kept: 00:00 UTC of the day `days` before the as-of date."""
    return dt.datetime.combine(as_of - dt.timedelta(days=days), dt.time(), tzinfo=dt.UTC)


def expired_months(months, cut: dt.datetime) -> list[dt.date]:
    """The months whose partitions hold only rows before the cutoff."""
    return sorted(m for m in months if add_months(m, 1) <= cut.date())


def run_retention(
    settings: RetentionSettings, as_of: dt.date | None = None, dry_run: bool = False
) -> RetentionReport:
    """Enforce `settings` as of `as_of` (default: the newest event's day)."""
    with warehouse.connect(warehouse.Role.ADMIN) as admin:
        ensure_raw_schema(admin)
        admin.commit()
        if as_of is None:
            as_of = newest_event_day(admin)
        report = RetentionReport(uuid.uuid4().hex, as_of, dry_run)
        for source in EVENT_SOURCES:
            report.actions += _keep_partitions_ahead(admin, source.name, as_of, settings, dry_run)
        for target in settings.targets:
            if target.schema == "raw" and target.days is not None:
                report.actions.append(_enforce(admin, target, as_of, dry_run))
        if settings.quarantine_payload_days is not None:
            report.actions.append(
                _null_payloads(admin, cutoff(as_of, settings.quarantine_payload_days), dry_run)
            )
    with warehouse.connect(warehouse.Role.TRANSFORMER) as transformer:
        for target in settings.targets:
            if target.schema != "raw" and target.days is not None:
                report.actions.append(_enforce(transformer, target, as_of, dry_run))
        if not dry_run:
            record(transformer, report)
    return report


def newest_event_day(conn: connection) -> dt.date:
    """The day of the newest event in the raw event tables, but not after
    today (UTC): one event dated years ahead must not expire everything.
    Today also when there is no event (nothing to expire then)."""
    today = dt.datetime.now(dt.UTC).date()
    with conn.cursor() as cur:
        newest = [
            n for s in EVENT_SOURCES if (n := _newest_event(cur, s.name, s.event_time_column))
        ]
    return min([max(newest).astimezone(dt.UTC).date(), today] if newest else [today])


def _newest_event(cur: cursor, source_name: str, column: str) -> dt.datetime | None:
    """The newest event time of a table: its default partition's and that of
    its newest month partition holding rows (no index on the event time)."""

    def newest_in(name: str) -> dt.datetime | None:
        cur.execute(f"select max({column}) from raw.{name}")
        return cur.fetchone()[0]

    found = [newest_in(default_partition(source_name))]
    months = [
        (m, n) for n, _ in partitions(cur, source_name) if (m := partition_month(source_name, n))
    ]
    for _, name in sorted(months, reverse=True):
        if (value := newest_in(name)) is not None:
            found.append(value)
            break
    return max((v for v in found if v is not None), default=None)


def _keep_partitions_ahead(
    conn: connection, source_name: str, as_of: dt.date, settings: RetentionSettings, dry: bool
) -> list[Action]:
    """Give the rows in the default partition months of their own, and make
    the partitions from the as-of month to `partitions_ahead_months` after it."""
    actions = []
    table = f"raw.{source_name}"
    column = settings.target(table).column
    with conn.cursor() as cur:
        started = time.perf_counter()
        cur.execute(
            f"""select date_trunc('month', {column} at time zone 'UTC')::date, count(*)
                from raw.{default_partition(source_name)} where {column} is not null
                group by 1 order by 1"""
        )
        stray = dict(cur.fetchall())
        if stray:
            if not dry:
                ensure_months(cur, source_name, list(stray))
            names = tuple(partition_name(source_name, m) for m in stray)
            seconds = time.perf_counter() - started
            actions.append(
                Action(table, "move_default_rows", sum(stray.values()), None, names, seconds)
            )
        started = time.perf_counter()
        wanted = months_between(
            month_start(as_of), add_months(month_start(as_of), settings.partitions_ahead_months)
        )
        missing = sorted(set(wanted) - existing_months(cur, source_name) - set(stray))
        if missing and not dry:
            ensure_months(cur, source_name, missing)
        conn.commit()
        if missing:
            names = tuple(partition_name(source_name, m) for m in missing)
            seconds = time.perf_counter() - started
            actions.append(Action(table, "create_partitions", 0, None, names, seconds))
    return actions


def _enforce(conn: connection, target: Target, as_of: dt.date, dry: bool) -> Action:
    cut = cutoff(as_of, target.days)
    started = time.perf_counter()
    with conn.cursor() as cur:
        # A date column meets the cutoff as its UTC day.
        cur.execute("set local time zone 'UTC'")
        cur.execute("select to_regclass(%s) is not null", (target.table,))
        if not cur.fetchone()[0]:  # not built yet
            return Action(target.table, "missing_table", 0, cut)
        if target.how == PARTITIONS:
            names, rows = drop_expired_partitions(cur, target.table, cut, dry)
            action = Action(target.table, "drop_partitions", rows, cut, tuple(names))
        else:
            rows = delete_expired_rows(cur, target.table, target.column, cut, dry)
            action = Action(target.table, "delete_rows", rows, cut)
    conn.commit()
    return replace(action, seconds=time.perf_counter() - started)


def drop_expired_partitions(
    cur: cursor, table: str, cut: dt.datetime, dry: bool, count: bool = True
) -> tuple[list[str], int]:
    """Drop (dry: only count) the month partitions of `table` wholly before
    `cut`: ([their names], the rows they held; 0 when not `count`ed)."""
    schema, name = table.split(".")
    by_month = {
        month: part
        for part, _ in partitions(cur, name)
        if (month := partition_month(name, part)) is not None
    }
    expired = [by_month[m] for m in expired_months(by_month, cut)]
    rows = 0
    for part in expired:
        if count:
            cur.execute(f"select count(*) from {schema}.{part}")
            rows += cur.fetchone()[0]
        if not dry:
            cur.execute(f"drop table {schema}.{part}")
    return expired, rows


def delete_expired_rows(cur: cursor, table: str, column: str, cut: dt.datetime, dry: bool) -> int:
    """Delete (dry: only count) the rows of `table` whose `column` is before `cut`
    (a date column is compared with the cutoff's date)."""
    if dry:
        cur.execute(f"select count(*) from {table} where {column} < %s", (cut,))
        return cur.fetchone()[0]
    cur.execute(f"delete from {table} where {column} < %s", (cut,))
    return cur.rowcount


def _null_payloads(conn: connection, cut: dt.datetime, dry: bool) -> Action:
    started = time.perf_counter()
    with conn.cursor() as cur:
        where = "quarantined_at < %s and payload is not null"
        if dry:
            cur.execute(f"select count(*) from {QUARANTINE_TABLE} where {where}", (cut,))
            rows = cur.fetchone()[0]
        else:
            cur.execute(f"update {QUARANTINE_TABLE} set payload = null where {where}", (cut,))
            rows = cur.rowcount
    conn.commit()
    return Action(QUARANTINE_TABLE, "null_payloads", rows, cut, (), time.perf_counter() - started)


def record(conn: connection, report: RetentionReport) -> None:
    """One row per action in control.retention_runs."""
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('analytics_pipeline.retention_runs'))")
        cur.execute(_RUNS_DDL)
        cur.executemany(
            f"""insert into {RUNS_TABLE} (run_id, as_of, table_name, action, cutoff,
                    partitions, rows, seconds)
                values (%s, %s, %s, %s, %s, %s, %s, %s)""",
            [
                (
                    report.run_id,
                    report.as_of,
                    a.table,
                    a.action,
                    a.cutoff,
                    list(a.partitions),
                    a.rows,
                    a.seconds,
                )
                for a in report.actions
            ],
        )
