"""Bootstrap of a warehouse database as the admin: the pipeline's roles, who
may do what (see `warehouse.roles`), and the function that puts workspace
row-level security on published tables. The landing tables themselves are
created by the admin when ingest first needs them (`ingest.schema`); the
default privileges set here grant them to the loader and the transformer. Idempotent; every step
runs in one transaction under an advisory lock, so concurrent first starts are
safe.
"""

from __future__ import annotations

import contextlib

import psycopg2
import psycopg2.errors
import psycopg2.extensions
from psycopg2 import sql

from analytics_pipeline.warehouse.roles import LOGIN_ROLES, Role

RAW_SCHEMA = "raw"
# Schemas the transformer owns (dbt creates more on demand: it may create schemas).
TRANSFORMER_SCHEMAS = ("staging", "intermediate", "analytics", "snapshots", "control")
# What the reader (analysts, report queries) sees: the published tables.
PUBLISHED_SCHEMA = "analytics"
SECURITY_SCHEMA = "security"
# The session setting a reader sets to scope its rows: a workspace id, or `*`
# for every workspace (the all-workspaces rows included).
WORKSPACE_SETTING = "app.workspace_id"
ALL_WORKSPACES = "*"
# The tenant column of a published table, the first of these it has: the core
# tables' workspace, the HR pack's organization or the hospital pack's
# department (each the tenant of its rows, scoped by the same
# `app.workspace_id` setting; hospital-wide tables have no department).
SCOPE_COLUMNS = ("workspace_id", "organization_id", "department_id")
SCOPE_COLUMN = SCOPE_COLUMNS[0]
_SCOPE_ARRAY = ", ".join(f"'{column}'" for column in SCOPE_COLUMNS)
READER_POLICY = "workspace_scope"
WRITER_POLICY = "pipeline_writes"

_LOADER = Role.LOADER.role_name
_TRANSFORMER = Role.TRANSFORMER.role_name
_READER = Role.READER.role_name

# Row-level security for one table (or every table of a schema): enabled and
# forced (the owner too is subject to it), the reader sees the rows of the
# workspace in app.workspace_id (none when unset), the transformer writes
# every row. A view gets security_invoker, so the tables' policies apply to
# whoever reads it. Skips what is already in place (no lock taken then).
_ISOLATION_FUNCTIONS = f"""
create or replace function {SECURITY_SCHEMA}.isolate_workspaces(target regclass)
returns boolean language plpgsql as $fn$
declare
    rel record;
    scope_column text;
begin
    select c.relkind, c.relrowsecurity, c.relforcerowsecurity,
           coalesce(c.reloptions, '{{}}') as options
      into rel
      from pg_class c
     where c.oid = target;
    select scope.name into scope_column
      from unnest(array[{_SCOPE_ARRAY}]) with ordinality as scope (name, rank)
     where exists (select 1 from pg_attribute
                    where attrelid = target and attname = scope.name
                      and attnum > 0 and not attisdropped)
     order by scope.rank
     limit 1;
    if scope_column is null then
        return false;
    end if;
    if rel.relkind = 'v' then
        if not 'security_invoker=true' = any(rel.options) then
            execute format('alter view %s set (security_invoker = true)', target);
        end if;
        return true;
    end if;
    if rel.relkind not in ('r', 'p') then
        return false;
    end if;
    if not rel.relrowsecurity then
        execute format('alter table %s enable row level security', target);
    end if;
    if not rel.relforcerowsecurity then
        execute format('alter table %s force row level security', target);
    end if;
    if not exists (select 1 from pg_policy
                    where polrelid = target and polname = '{READER_POLICY}') then
        execute format(
            'create policy {READER_POLICY} on %s for select to {_READER} using ('
            '%I::text = current_setting(%L, true) '
            'or current_setting(%L, true) = %L)',
            target, scope_column, '{WORKSPACE_SETTING}', '{WORKSPACE_SETTING}', '{ALL_WORKSPACES}');
    end if;
    if not exists (select 1 from pg_policy
                    where polrelid = target and polname = '{WRITER_POLICY}') then
        execute format(
            'create policy {WRITER_POLICY} on %s for all to {_TRANSFORMER} '
            'using (true) with check (true)', target);
    end if;
    return true;
end
$fn$;

create or replace function {SECURITY_SCHEMA}.isolate_workspaces_in(schema_name text)
returns integer language plpgsql as $fn$
declare
    target regclass;
    secured integer := 0;
begin
    for target in
        select c.oid::regclass from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = schema_name and c.relkind in ('r', 'p', 'v')
         order by c.relname
    loop
        if {SECURITY_SCHEMA}.isolate_workspaces(target) then
            secured := secured + 1;
        end if;
    end loop;
    return secured;
end
$fn$;
"""


def _ident(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def ensure_login_roles(
    conn: psycopg2.extensions.connection, passwords: dict[Role, str], reset: set[Role]
) -> None:
    """Create the login roles (with SCRAM verifiers computed here, so no
    password crosses the wire or reaches a server log); set the password of
    an existing role only when it was just generated."""
    with conn.cursor() as cur:
        for role in LOGIN_ROLES:
            name = role.role_name
            verifier = psycopg2.extensions.encrypt_password(
                passwords[role], name, conn, "scram-sha-256"
            )
            cur.execute("select 1 from pg_roles where rolname = %s", (name,))
            exists = cur.fetchone() is not None
            if not exists:
                cur.execute("savepoint create_role")
                try:
                    cur.execute(
                        sql.SQL("create role {} login password {}").format(
                            _ident(name), sql.Literal(verifier)
                        )
                    )
                except psycopg2.errors.DuplicateObject:  # created concurrently (another database)
                    cur.execute("rollback to savepoint create_role")
                    exists = True
                cur.execute("release savepoint create_role")
            if exists and role in reset:
                cur.execute(
                    sql.SQL("alter role {} login password {}").format(
                        _ident(name), sql.Literal(verifier)
                    )
                )


def provision_warehouse(conn: psycopg2.extensions.connection, database: str) -> None:
    """Privileges of the warehouse database (connected as the admin)."""
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('analytics_pipeline.provision'))")
        db = _ident(database)
        loader, transformer, reader = _ident(_LOADER), _ident(_TRANSFORMER), _ident(_READER)
        statements = [
            sql.SQL("revoke all on database {} from public").format(db),
            sql.SQL("grant connect, temporary on database {} to {}, {}").format(
                db, loader, transformer
            ),
            # dbt creates the schemas of new models itself.
            sql.SQL("grant create on database {} to {}").format(db, transformer),
            sql.SQL("grant connect on database {} to {}").format(db, reader),
            sql.SQL("revoke create on schema public from public"),
        ]
        for statement in statements:
            cur.execute(statement)
    with conn.cursor() as cur:
        raw = _ident(RAW_SCHEMA)
        cur.execute(sql.SQL("create schema if not exists {}").format(raw))
        for statement in (
            "revoke all on schema {raw} from public",
            "grant usage on schema {raw} to {loader}, {transformer}",
            "grant select, insert on all tables in schema {raw} to {loader}",
            "grant select on all tables in schema {raw} to {transformer}",
            "alter default privileges in schema {raw} grant select, insert on tables to {loader}",
            "alter default privileges in schema {raw} grant select on tables to {transformer}",
        ):
            cur.execute(sql.SQL(statement).format(raw=raw, loader=loader, transformer=transformer))
        for schema in TRANSFORMER_SCHEMAS:
            _ensure_owned_schema(cur, schema, _TRANSFORMER)
        published = _ident(PUBLISHED_SCHEMA)
        for statement in (
            "grant usage on schema {published} to {reader}",
            "grant select on all tables in schema {published} to {reader}",
            "alter default privileges for role {transformer} in schema {published} "
            "grant select on tables to {reader}",
        ):
            cur.execute(
                sql.SQL(statement).format(
                    published=published, reader=reader, transformer=transformer
                )
            )
        security = _ident(SECURITY_SCHEMA)
        cur.execute(sql.SQL("create schema if not exists {}").format(security))
        cur.execute(_ISOLATION_FUNCTIONS)
        for statement in (
            "revoke all on schema {security} from public",
            "grant usage on schema {security} to {transformer}",
            "revoke execute on all functions in schema {security} from public",
            "grant execute on all functions in schema {security} to {transformer}",
        ):
            cur.execute(sql.SQL(statement).format(security=security, transformer=transformer))


def _ensure_owned_schema(cur: psycopg2.extensions.cursor, schema: str, owner: str) -> None:
    """Create `schema` owned by `owner`, or hand it and everything in it over
    (databases built before the roles existed belong to the admin)."""
    cur.execute("select pg_get_userbyid(nspowner) from pg_namespace where nspname = %s", (schema,))
    row = cur.fetchone()
    if row is None:
        cur.execute(
            sql.SQL("create schema {} authorization {}").format(_ident(schema), _ident(owner))
        )
        return
    if row[0] != owner:
        cur.execute(sql.SQL("alter schema {} owner to {}").format(_ident(schema), _ident(owner)))
    _hand_over_objects(cur, schema, owner)


_RELATION_KINDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view"}


def _hand_over_objects(cur: psycopg2.extensions.cursor, schema: str, owner: str) -> None:
    cur.execute(
        """select c.relname, c.relkind from pg_class c
             join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm')
              and pg_get_userbyid(c.relowner) <> %s""",
        (schema, owner),
    )
    for name, kind in cur.fetchall():
        cur.execute(
            sql.SQL("alter {} {} owner to {}").format(
                sql.SQL(_RELATION_KINDS[kind]), sql.Identifier(schema, name), _ident(owner)
            )
        )
    cur.execute(
        """select p.oid::regprocedure::text from pg_proc p
             join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = %s and pg_get_userbyid(p.proowner) <> %s""",
        (schema, owner),
    )
    for (signature,) in cur.fetchall():
        cur.execute(
            sql.SQL("alter routine {} owner to {}").format(sql.SQL(signature), _ident(owner))
        )


def provision_dagster_database(conn: psycopg2.extensions.connection, database: str) -> None:
    """The Dagster instance's database, owned by its role (autocommit connection
    to the maintenance database, as the admin)."""
    role = _ident(Role.DAGSTER.role_name)
    with conn.cursor() as cur:
        cur.execute(
            "select pg_get_userbyid(datdba) from pg_database where datname = %s", (database,)
        )
        row = cur.fetchone()
        if row is None:
            with contextlib.suppress(psycopg2.errors.DuplicateDatabase):  # made concurrently
                cur.execute(sql.SQL("create database {} owner {}").format(_ident(database), role))
        elif row[0] != Role.DAGSTER.role_name:
            cur.execute(sql.SQL("alter database {} owner to {}").format(_ident(database), role))
        cur.execute(sql.SQL("revoke all on database {} from public").format(_ident(database)))


def hand_over_dagster_tables(conn: psycopg2.extensions.connection) -> None:
    """Tables an older version created in the Dagster database as the admin
    become the Dagster role's (connected to that database as the admin)."""
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('analytics_pipeline.provision'))")
        cur.execute(
            "select exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')"
            " and pg_get_userbyid(c.relowner) <> %s)",
            (Role.DAGSTER.role_name,),
        )
        if cur.fetchone()[0]:
            _hand_over_objects(cur, "public", Role.DAGSTER.role_name)


def isolate_workspaces(conn: psycopg2.extensions.connection, table: str) -> bool:
    """Put workspace row-level security on a published table the caller (the
    transformer) owns; False when it has no workspace column."""
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("select {}.isolate_workspaces(%s::regclass)").format(_ident(SECURITY_SCHEMA)),
            (table,),
        )
        return cur.fetchone()[0]


def set_workspace_scope(cur: psycopg2.extensions.cursor, workspace_id: str | None) -> None:
    """Scope the reader's rows to one workspace (None: every workspace) for the
    rest of the current transaction."""
    scope = ALL_WORKSPACES if workspace_id is None else workspace_id
    cur.execute("select set_config(%s, %s, true)", (WORKSPACE_SETTING, scope))
