"""Where the warehouse is: one URL for ingest, dbt and the Python assets.

With `ANALYTICS_DATABASE_URL` set, that server is used as it is. Without it,
the embedded server is started on first use and the `analytics` database is
created on it.
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

DAGSTER_DB = "dagster"


def embedded_server(settings: Settings | None = None) -> EmbeddedServer:
    settings = settings or get_settings()
    return EmbeddedServer(settings.pgdata_dir, durable=settings.pg_durable)


def _normalize(url: str) -> URL:
    """Name the driver explicitly: SQLAlchemy 2.1 maps bare postgresql:// to psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    if not parsed.drivername.startswith("postgresql"):
        raise WarehouseError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    return parsed


def warehouse_url(settings: Settings | None = None) -> URL:
    """URL of the warehouse database, starting the embedded server if needed."""
    settings = settings or get_settings()
    if settings.database_url:
        return _normalize(settings.database_url)
    server = embedded_server(settings)
    server.start()
    url = make_url(server.url(settings.warehouse_db))
    _ensure_database(make_url(server.url("postgres")), settings.warehouse_db)
    return url


def dagster_storage_url(settings: Settings | None = None) -> URL:
    """URL of the Dagster instance database: its own database on the warehouse server."""
    settings = settings or get_settings()
    if settings.dagster_database_url:
        return _normalize(settings.dagster_database_url)
    base = warehouse_url(settings)
    maintenance = base.set(database="postgres")
    _ensure_database(maintenance, DAGSTER_DB)
    return base.set(database=DAGSTER_DB)


def _ensure_database(maintenance_url: URL, name: str) -> None:
    conn = psycopg2.connect(**libpq_params(maintenance_url))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                # Another process may create it concurrently.
                with suppress(psycopg2.errors.DuplicateDatabase):
                    cur.execute(f'create database "{name}"')
    finally:
        conn.close()


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
def connect(settings: Settings | None = None) -> Iterator[psycopg2.extensions.connection]:
    """A psycopg2 connection to the warehouse (for COPY and bulk work); commits on success."""
    conn = psycopg2.connect(**libpq_params(warehouse_url(settings)))
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


def engine(settings: Settings | None = None) -> sa.Engine:
    return _engine_for(warehouse_url(settings).render_as_string(hide_password=False))


def display_url(url: URL) -> str:
    """The URL as people read it: password hidden, socket path unescaped."""
    return unquote(url.render_as_string(hide_password=True))


def dbt_env(settings: Settings | None = None) -> dict[str, str]:
    """Environment variables read by dbt_project/profiles.yml."""
    url = warehouse_url(settings)
    params = libpq_params(url)
    return {
        "ANALYTICS_PG_HOST": params.get("host", "localhost"),
        "ANALYTICS_PG_PORT": params.get("port", "5432"),
        "ANALYTICS_PG_USER": params.get("user", "postgres"),
        "ANALYTICS_PG_PASSWORD": params.get("password", ""),
        "ANALYTICS_PG_DATABASE": params["dbname"],
        "ANALYTICS_PG_SSLMODE": params.get("sslmode", "prefer"),
    }
