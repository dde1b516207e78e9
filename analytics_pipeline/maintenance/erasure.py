"""Erasure of deleted users: the right to be forgotten (README.md,
"Erasure").

A user is erased once the newest version of their `users` row (the contract's
dedupe rule, as staging applies it) has `deleted_at`: the user asked for
deletion. One transaction, as the admin (only it may delete from the
append-only schema raw):

- raw: every row of the user in the core sources that carry `user_id`
  (users included: no version of the user stays);
- raw._quarantine: rows whose payload or reason mentions the id keep their
  source, line and batch, the payload is replaced and the id in the reason
  pseudonymized;
- every table (not view) with a `user_id` column in staging, intermediate,
  snapshots and analytics, but the domain packs' (their users are other
  people): the user's rows are deleted;
- intermediate._dirty_days: the days of the user's staged facts are recorded
  dirty (unless their deletion recorded them already), so the next daily run
  recomputes them without the user however far back they lie, and the
  deletion's cause `deleted:<id>` is pseudonymized;
- undelivered report and dashboard files that mention the user are withdrawn
  (`erasure_files`).

The user's published counts do not move: a deleted user counts in no metric
already. What stays is the tombstone in `control.erasure_log`: the user's
keyed pseudonym (`security.pseudonym`, HMAC-SHA256 with the installation's
key) and `deleted_at`. Rows of an erased user that arrive later (a late
event, a stale `users` version) match it and are erased by the next run,
whatever their `users` rows say. A second run with nothing new erases nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from psycopg2 import sql
from psycopg2.extensions import cursor
from psycopg2.extras import Json

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.contract import PACKS, SOURCES
from analytics_pipeline.ingest.schema import QUARANTINE_TABLE, RAW_SCHEMA
from analytics_pipeline.maintenance import erasure_files
from analytics_pipeline.maintenance.erasure_files import HeldFile
from analytics_pipeline.warehouse.provision import SECURITY_SCHEMA
from analytics_pipeline.warehouse.roles import Role

ERASURE_LOG = "control.erasure_log"
DIRTY_DAYS = "intermediate._dirty_days"
DOWNSTREAM_SCHEMAS = ("staging", "intermediate", "snapshots", "analytics")
# Tables of the domain packs (hr_*, stg_hr_*, int_qms_*, ...) count other
# people (HR platform users, QMS users): a core user's deletion does not reach them.
_PACK_TABLE = re.compile(rf"\.(\w+_)?({'|'.join(PACKS)})_")
# The core sources that carry a user, in contract order (users first).
USER_SOURCES = tuple(
    name
    for name, source in SOURCES.items()
    if source.pack is None and "user_id" in source.column_names
)
# The staged facts a deleted user is counted by, with their event time: the
# days int_deleted_user_activity_days / _learning_days record as dirty.
STAGED_FACT_TIMES = {
    "stg_user_activity": "occurred_at",
    "stg_agent_runs": "started_at",
    "stg_study_events": "occurred_at",
    "stg_question_attempts": "answered_at",
    "stg_material_interactions": "occurred_at",
}
# Erasure waits this long for a table that a running dbt model or ingest
# holds, then fails (the next scheduled run tries again).
LOCK_TIMEOUT = "120s"
# One erasure at a time, whoever starts it (schedule, CLI).
_LOCK_KEY = "analytics_pipeline.erasure"
ERASER_ROLE = Role.ADMIN

_LOG_DDL = f"""
create table if not exists {ERASURE_LOG} (
    erasure_id         bigint generated always as identity primary key,
    run_id             text not null,
    user_pseudonym     text not null,
    deleted_at         timestamptz,
    deletion_arrived_at timestamptz,
    erased_at          timestamptz not null,
    rows_deleted       jsonb not null,
    rows_pseudonymized jsonb not null,
    dirty_days         integer not null,
    files              jsonb not null,
    constraint erasure_log_once unique (run_id, user_pseudonym)
);
comment on table {ERASURE_LOG} is
    'One row per erased user and erasure run: the tombstone (keyed pseudonym,'
    ' deleted_at) and what was erased.';
-- Like every table of schema control (warehouse/provision.py hands them over).
alter table {ERASURE_LOG} owner to {Role.TRANSFORMER.role_name};
"""

# The users to erase, with the id itself (kept in this transaction only):
# those whose newest users version has deleted_at, and the ids of rows that
# arrived for an already erased user (their pseudonym is a tombstone).
_TARGETS = """
create temporary table erasure_targets on commit drop as
with newest_version as (
    select distinct on (user_id) user_id, deleted_at, _ingested_at
    from raw.users
    order by user_id, updated_at desc nulls last, _ingested_at desc nulls last,
        _source_line desc nulls last, _source_file desc nulls last
),
asked as (
    select user_id, deleted_at, _ingested_at as deletion_arrived_at
    from newest_version
    where deleted_at is not null
),
seen_ids as (
    {seen_ids}
),
tombstoned as (
    select seen_ids.user_id, tombstone.deleted_at, tombstone.deletion_arrived_at
    from seen_ids
    inner join (
        select distinct on (user_pseudonym) user_pseudonym, deleted_at, deletion_arrived_at
        from {log}
        order by user_pseudonym, erased_at
    ) as tombstone
        on tombstone.user_pseudonym = {security}.pseudonym(seen_ids.user_id)
    where seen_ids.user_id not in (select user_id from asked)
)
select user_id, {security}.pseudonym(user_id) as user_pseudonym, deleted_at, deletion_arrived_at
from (select * from asked union all select * from tombstoned) as targets
"""

# A whole-id match of the target's id in a text column (ids are text of any
# shape: an id that is the prefix of another must not match it).
_ID_IN = (
    "{column} ~ ('(^|[^0-9A-Za-z_-])' || regexp_replace(erasure_targets.user_id,"
    " '([.^$*+?()\\[\\]{{}}|\\\\-])', '\\\\\\1', 'g') || '($|[^0-9A-Za-z_-])')"
)


@dataclass
class UserErasure:
    """What one run erased of one user (the log row)."""

    user_pseudonym: str
    deleted_at: dt.datetime | None
    deletion_arrived_at: dt.datetime | None
    rows_deleted: dict[str, int] = field(default_factory=dict)
    rows_pseudonymized: dict[str, int] = field(default_factory=dict)
    dirty_days: int = 0
    files: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class ErasureResult:
    run_id: str
    dry_run: bool
    users: tuple[UserErasure, ...]

    def rows_per_table(self) -> dict[str, int]:
        """Rows deleted or pseudonymized per table, over every user."""
        totals: dict[str, int] = defaultdict(int)
        for user in self.users:
            for counts in (user.rows_deleted, user.rows_pseudonymized):
                for table, rows in counts.items():
                    totals[table] += rows
        return dict(sorted(totals.items()))


def ensure_erasure_log(cur: cursor) -> None:
    """The log (schema control is the transformer's, made by the provisioning)."""
    cur.execute(_LOG_DDL)


def _select_targets(cur: cursor, raw_tables: Sequence[str]) -> None:
    seen_ids = "\nunion\n".join(f"select user_id from {name}" for name in raw_tables)
    cur.execute(_TARGETS.format(seen_ids=seen_ids, log=ERASURE_LOG, security=SECURITY_SCHEMA))


def _user_tables(cur: cursor) -> list[str]:
    """The tables holding rows per user, upstream first: the core raw sources,
    then every table with `user_id` downstream (packs excluded)."""
    cur.execute(
        "select format('%%I.%%I', table_class.relnamespace::regnamespace::text,"
        " table_class.relname)"
        " from pg_class as table_class"
        " inner join pg_attribute as attribute on attribute.attrelid = table_class.oid"
        " where attribute.attname = 'user_id' and not attribute.attisdropped"
        " and table_class.relkind in ('r', 'p') and not table_class.relispartition"
        " and table_class.relnamespace::regnamespace::text = any(%s)"
        " order by array_position(%s, table_class.relnamespace::regnamespace::text),"
        " table_class.relname",
        (list(DOWNSTREAM_SCHEMAS), list(DOWNSTREAM_SCHEMAS)),
    )
    downstream = [name for (name,) in cur.fetchall() if not _PACK_TABLE.search(name)]
    return _existing(cur, [f"{RAW_SCHEMA}.{name}" for name in USER_SOURCES]) + downstream


def _existing(cur: cursor, names: Iterable[str]) -> list[str]:
    present = []
    for name in names:
        cur.execute("select to_regclass(%s) is not null", (name,))
        if cur.fetchone()[0]:
            present.append(name)
    return present


def _lock(cur: cursor, tables: Sequence[str]) -> None:
    """No dbt model or ingest reads or writes a table of the user while the
    erasure runs: a model that read the user's rows before commits first, one
    that reads after sees them gone (upstream first, as data flows)."""
    cur.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
    for table in tables:
        cur.execute(sql.SQL("lock table {} in access exclusive mode").format(_relation(table)))


def _relation(name: str) -> sql.Composable:
    schema, table = name.split(".", 1)
    return sql.Identifier(schema, table)


def _per_user(cur: cursor) -> dict[str, int]:
    return {pseudonym: rows for pseudonym, rows in cur.fetchall()}


def _record_dirty_days(cur: cursor) -> dict[str, int]:
    """The days of the users' staged facts, as dirty for the daily models,
    but those their deletion recorded already (cause deleted:<id>)."""
    facts = _existing(cur, [f"staging.{model}" for model in STAGED_FACT_TIMES])
    if not facts or not _existing(cur, [DIRTY_DAYS]):
        return {}
    days = " union ".join(
        f"select user_id, ({STAGED_FACT_TIMES[name.split('.')[1]]} at time zone 'UTC')::date"
        f" from {name} where user_id in (select user_id from erasure_targets)"
        for name in facts
    )
    cur.execute(
        f"""
        with fact_days (user_id, day) as ({days}),
        recorded as (
            insert into {DIRTY_DAYS} (day, recorded_by, cause)
            select fact_days.day, 'erasure', 'erased:' || erasure_targets.user_pseudonym
            from fact_days
            inner join erasure_targets on erasure_targets.user_id = fact_days.user_id
            -- Days the deletion recorded are recomputed without the user already
            -- (it was excluded); a late row's day, even one recorded by an
            -- earlier erasure, counts the row until recomputed again.
            where not exists (
                select 1 from {DIRTY_DAYS} as known
                where known.day = fact_days.day
                    and known.cause = 'deleted:' || erasure_targets.user_id
            )
            returning cause
        )
        select substr(cause, length('erased:') + 1), count(*) from recorded group by cause
        """
    )
    return _per_user(cur)


def _erase_rows(cur: cursor, tables: Sequence[str], users: dict[str, UserErasure]) -> None:
    for table in tables:
        cur.execute(
            sql.SQL(
                "with gone as (delete from {} as erased"
                " using erasure_targets where erased.user_id = erasure_targets.user_id"
                " returning erasure_targets.user_pseudonym)"
                " select user_pseudonym, count(*) from gone group by user_pseudonym"
            ).format(_relation(table))
        )
        for pseudonym, rows in cur.fetchall():
            users[pseudonym].rows_deleted[table] = rows


def _pseudonymize_ledgers(cur: cursor, users: dict[str, UserErasure]) -> None:
    """Quarantined lines and dirty-day causes that name the user keep their
    place (source, line, batch; day) without the id."""
    match_payload = _ID_IN.format(column="quarantined.payload")
    match_reason = _ID_IN.format(column="quarantined.reason")
    cur.execute(
        f"""
        with redacted as (
            update {QUARANTINE_TABLE} as quarantined
            set payload = 'erased: user ' || erasure_targets.user_pseudonym,
                reason = replace(quarantined.reason, erasure_targets.user_id,
                                 'erased user ' || erasure_targets.user_pseudonym)
            from erasure_targets
            where {match_payload} or {match_reason}
            returning erasure_targets.user_pseudonym
        )
        select user_pseudonym, count(*) from redacted group by user_pseudonym
        """
    )
    for pseudonym, rows in cur.fetchall():
        users[pseudonym].rows_pseudonymized[QUARANTINE_TABLE] = rows
    if not _existing(cur, [DIRTY_DAYS]):
        return
    cur.execute(
        f"""
        with renamed as (
            update {DIRTY_DAYS} as dirty
            set cause = 'deleted:' || erasure_targets.user_pseudonym
            from erasure_targets
            where dirty.cause = 'deleted:' || erasure_targets.user_id
            returning erasure_targets.user_pseudonym
        )
        select user_pseudonym, count(*) from renamed group by user_pseudonym
        """
    )
    for pseudonym, rows in cur.fetchall():
        users[pseudonym].rows_pseudonymized[DIRTY_DAYS] = rows


def _log(cur: cursor, run_id: str, users: Iterable[UserErasure]) -> None:
    for user in users:
        # The only wall-clock reading of the erasure: when it happened.
        cur.execute(
            f"insert into {ERASURE_LOG} (run_id, user_pseudonym, deleted_at, deletion_arrived_at,"
            " erased_at, rows_deleted, rows_pseudonymized, dirty_days, files)"
            " values (%s, %s, %s, %s, clock_timestamp(), %s, %s, %s, %s)",
            (
                run_id,
                user.user_pseudonym,
                user.deleted_at,
                user.deletion_arrived_at,
                Json(user.rows_deleted),
                Json(user.rows_pseudonymized),
                user.dirty_days,
                Json(user.files),
            ),
        )


def _attach_files(
    files: Sequence[HeldFile], ids: dict[str, str], users: dict[str, UserErasure]
) -> None:
    """Each file on the log of the users it mentions (an unsearchable PDF: on every user's)."""
    for held in files:
        for user_id in held.user_ids or ids:
            users[ids[user_id]].files.append(held.as_log())


def erase(
    cur: cursor, run_id: str, *, dry_run: bool = False
) -> tuple[ErasureResult, list[HeldFile]]:
    """Erase the deleted users in the transaction of `cur` (the admin's).

    Returns the result and the files to remove once the transaction commits
    (`erasure_files.remove_files`); with `dry_run` the caller rolls back."""
    cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (_LOCK_KEY,))
    ensure_erasure_log(cur)
    cur.execute("set local row_security = off")  # a policy must not hide rows: fail instead
    tables = _user_tables(cur)
    if f"{RAW_SCHEMA}.users" not in tables:  # nothing landed yet: nobody asked
        return ErasureResult(run_id, dry_run, ()), []
    _lock(cur, [*tables, *_existing(cur, [QUARANTINE_TABLE, DIRTY_DAYS])])
    _select_targets(cur, [name for name in tables if name.startswith(f"{RAW_SCHEMA}.")])
    cur.execute(
        "select user_id, user_pseudonym, deleted_at, deletion_arrived_at from erasure_targets"
        " order by user_pseudonym"
    )
    targets = cur.fetchall()
    users = {
        pseudonym: UserErasure(pseudonym, deleted_at, arrived)
        for _user_id, pseudonym, deleted_at, arrived in targets
    }
    ids = {user_id: pseudonym for user_id, pseudonym, _deleted, _arrived in targets}
    files: list[HeldFile] = []
    if users:
        for pseudonym, days in _record_dirty_days(cur).items():
            users[pseudonym].dirty_days = days
        _erase_rows(cur, tables, users)
        _pseudonymize_ledgers(cur, users)
        files = erasure_files.files_holding(cur, ids)
        _attach_files(files, ids, users)
        erasure_files.withdraw_executions(cur, files)
    # Every target is logged, one whose only row was a late users version too.
    if not dry_run:
        _log(cur, run_id, users.values())
    return ErasureResult(run_id, dry_run, tuple(users.values())), files


def run_erasure(run_id: str, *, dry_run: bool = False) -> ErasureResult:
    """Erase every deleted user now, as the admin: one transaction (rolled
    back on a dry run), then the withdrawn files are removed."""
    with warehouse.connect(ERASER_ROLE) as conn:
        with conn.cursor() as cur:
            result, files = erase(cur, run_id, dry_run=dry_run)
        if dry_run:
            conn.rollback()
    if not dry_run:
        erasure_files.remove_files(files)
    return result


def read_log(limit: int | None = None) -> list[dict[str, object]]:
    """The erasure log, newest first (what `analytics-pipeline erasure log` prints)."""
    with warehouse.connect(ERASER_ROLE) as conn, conn.cursor() as cur:
        ensure_erasure_log(cur)
        cur.execute(
            f"select run_id, user_pseudonym, deleted_at, deletion_arrived_at, erased_at,"
            f" rows_deleted, rows_pseudonymized, dirty_days, files from {ERASURE_LOG}"
            " order by erased_at desc, erasure_id desc limit %s",
            (limit,),
        )
        names = [column.name for column in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


__all__ = [
    "ERASER_ROLE",
    "ERASURE_LOG",
    "ErasureResult",
    "UserErasure",
    "ensure_erasure_log",
    "erase",
    "read_log",
    "run_erasure",
]
