"""Where the warehouse is, and who connects to it: each component as its own
role (`warehouse.roles`).

With `ANALYTICS_DATABASE_URL` set, that server is used and its account is the
admin; without it, the embedded server is started on first use and its
superuser is the admin. On first use in a process, the admin creates the
database (`analytics` by default), the roles and their privileges
(`warehouse.provision`); every role's URL is the admin URL with the role's
name and password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from urllib.parse import unquote

import psycopg2
import psycopg2.extensions
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from analytics_pipeline.settings import Settings, get_settings
from analytics_pipeline.warehouse.embedded import EmbeddedServer, WarehouseError
from analytics_pipeline.warehouse.provision import (
    SECURITY_SCHEMA,
    ensure_login_roles,
    hand_over_dagster_tables,
    provision_dagster_database,
    provision_warehouse,
)
from analytics_pipeline.warehouse.pseudonyms import install_pseudonyms, pseudonym_key
from analytics_pipeline.warehouse.roles import Role, role_passwords

DAGSTER_DB = "dagster"
# (admin URL, database) pairs this process has provisioned already.
_provisioned: set[tuple[str, str]] = set()


def embedded_server(settings: Settings | None = None) -> EmbeddedServer:
    settings = settings or get_settings()
    return EmbeddedServer(settings.pgdata_dir, durable=settings.pg_durable)


def _normalize(url: str, variable: str = "ANALYTICS_DATABASE_URL") -> URL:
    """Name the driver explicitly: SQLAlchemy 2.1 maps bare postgresql:// to psycopg 3."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise WarehouseError(f"{variable} is not a URL (postgresql://...)") from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    if not parsed.drivername.startswith("postgresql"):
        raise WarehouseError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    return parsed


def admin_url(settings: Settings | None = None) -> URL:
    """URL of the warehouse database as the admin, starting the embedded server
    if needed (the database itself may not exist yet)."""
    settings = settings or get_settings()
    if settings.database_url:
        return _normalize(settings.database_url)
    server = embedded_server(settings)
    server.start()
    return make_url(server.url(settings.warehouse_db))


def database_url(name: str, settings: Settings | None = None) -> URL:
    """Admin URL of database `name` on the warehouse server, created if missing:
    a database of its own beside the warehouse (e.g. a sample source system).
    Not provisioned for the pipeline's roles."""
    settings = settings or get_settings()
    admin = admin_url(settings)
    _ensure_database(admin.set(database="postgres"), name)
    return admin.set(database=name)


def warehouse_url(role: Role, settings: Settings | None = None) -> URL:
    """URL of the warehouse database for `role`, provisioning it on first use."""
    settings = settings or get_settings()
    admin = admin_url(settings)
    passwords = _provision(admin, settings)
    if role is Role.ADMIN:
        return admin
    return admin.set(username=role.role_name, password=passwords[role])


def dagster_storage_url(settings: Settings | None = None) -> URL:
    """URL of the Dagster instance database: ANALYTICS_DAGSTER_DATABASE_URL, or
    database `dagster` on the warehouse server, owned by the Dagster role."""
    settings = settings or get_settings()
    if settings.dagster_database_url:
        return _normalize(settings.dagster_database_url, "ANALYTICS_DAGSTER_DATABASE_URL")
    admin = admin_url(settings)
    passwords = _provision(admin, settings)
    key = (admin.set(database=DAGSTER_DB).render_as_string(hide_password=False), DAGSTER_DB)
    if key not in _provisioned:
        with _admin_connection(admin.set(database="postgres"), autocommit=True) as conn:
            provision_dagster_database(conn, DAGSTER_DB)
        with _admin_connection(admin.set(database=DAGSTER_DB)) as conn:
            hand_over_dagster_tables(conn)
        _provisioned.add(key)
    return admin.set(
        database=DAGSTER_DB, username=Role.DAGSTER.role_name, password=passwords[Role.DAGSTER]
    )


def provision(settings: Settings | None = None) -> None:
    """Provision the warehouse database now (also where this process did
    before: a recreated database)."""
    settings = settings or get_settings()
    _provision(admin_url(settings), settings, again=True)


def _provision(admin: URL, settings: Settings, again: bool = False) -> dict[Role, str]:
    """Database, roles and privileges, once per process; the roles' passwords."""
    passwords, generated = role_passwords(settings.home)
    database = admin.database or "postgres"
    key = (admin.render_as_string(hide_password=False), database)
    if key in _provisioned and not generated and not again:
        return passwords
    _ensure_database(admin.set(database="postgres"), database)
    with _admin_connection(admin) as conn:
        ensure_login_roles(conn, passwords, generated)
        provision_warehouse(conn, database)
        with conn.cursor() as cur:
            install_pseudonyms(
                cur, pseudonym_key(settings), SECURITY_SCHEMA, Role.TRANSFORMER.role_name
            )
    _provisioned.add(key)
    return passwords


@contextmanager
def _admin_connection(url: URL, autocommit: bool = False):
    try:
        conn = psycopg2.connect(**libpq_params(url))
    except psycopg2.OperationalError as exc:
        raise WarehouseError(
            f"cannot connect to {display_url(url)} as the admin: {_first_line(exc)}"
        ) from None
    try:
        conn.autocommit = autocommit
        yield conn
        if not autocommit:
            conn.commit()
    except psycopg2.errors.InsufficientPrivilege as exc:
        conn.rollback()
        raise WarehouseError(
            f"{display_url(url)}: the account may not set up the pipeline's roles "
            f"({_first_line(exc)}); it needs CREATEROLE and ownership of the database"
        ) from None
    except BaseException:
        if not conn.closed and not autocommit:
            conn.rollback()
        raise
    finally:
        conn.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _ensure_database(maintenance_url: URL, name: str) -> None:
    with _admin_connection(maintenance_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (name,))
        if cur.fetchone() is None:
            # Another process may create it concurrently.
            with suppress(psycopg2.errors.DuplicateDatabase):
                cur.execute(f'create database "{name}"')


def libpq_params(url: URL) -> dict[str, str]:
    """Keyword arguments for psycopg2.connect (socket directory as host included)."""
    params: dict[str, str] = {"dbname": url.database or "postgres"}
    if url.username:
        params["user"] = url.username
    if url.password:
        params["password"] = url.password
    if url.port:
        params["port"] = str(url.port)
    host = url.host or url.query.get("host")
    if isinstance(host, tuple):
        host = host[0]
    if host:
        params["host"] = host
    for key, value in url.query.items():
        if key != "host":
            params[key] = value if isinstance(value, str) else value[0]
    return params


@contextmanager
def connect(
    role: Role, settings: Settings | None = None
) -> Iterator[psycopg2.extensions.connection]:
    """A psycopg2 connection to the warehouse as `role`; commits on success."""
    conn = psycopg2.connect(**libpq_params(warehouse_url(role, settings)))
    try:
        yield conn
        conn.commit()
    except BaseException:
        # A lost connection cannot roll back (the server already did); its
        # error must not replace the one that got us here.
        with suppress(psycopg2.Error):
            conn.rollback()
        raise
    finally:
        conn.close()


@lru_cache(maxsize=8)
def _engine_for(url: str) -> sa.Engine:
    return sa.create_engine(url, pool_pre_ping=True)


def engine(role: Role, settings: Settings | None = None) -> sa.Engine:
    return _engine_for(warehouse_url(role, settings).render_as_string(hide_password=False))


def display_url(url: URL) -> str:
    """The URL as people read it: password hidden, socket path unescaped."""
    return unquote(url.render_as_string(hide_password=True))


def dbt_env(settings: Settings | None = None) -> dict[str, str]:
    """Environment variables read by dbt_project/profiles.yml: dbt runs as the transformer."""
    url = warehouse_url(Role.TRANSFORMER, settings)
    params = libpq_params(url)
    return {
        "ANALYTICS_PG_HOST": params.get("host", "localhost"),
        "ANALYTICS_PG_PORT": params.get("port", "5432"),
        "ANALYTICS_PG_USER": params.get("user", "postgres"),
        "ANALYTICS_PG_PASSWORD": params.get("password", ""),
        "ANALYTICS_PG_DATABASE": params["dbname"],
        "ANALYTICS_PG_SSLMODE": params.get("sslmode", "prefer"),
    }
