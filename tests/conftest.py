"""Test fixtures: a real embedded PostgreSQL server per test session (per xdist
worker), and a fresh database for each test module that asks for one."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Settings read when the project's modules are imported (at collection, before
# any fixture: the time partitions' first day, the hospital's database) must
# not come from this checkout's .analytics, where `make demo` records them.
os.environ["ANALYTICS_HOME"] = tempfile.mkdtemp(prefix="analytics_home_import_")
os.environ.pop("ANALYTICS_PARTITION_START", None)
os.environ.pop("ANALYTICS_HOSPITAL_DATABASE_URL", None)

from analytics_pipeline import warehouse  # noqa: E402


@pytest.fixture(scope="session")
def analytics_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An ANALYTICS_HOME of the session's own, with its own embedded server."""
    home = tmp_path_factory.mktemp("analytics_home")
    saved = {k: os.environ.get(k) for k in _ENV_KEYS}
    os.environ["ANALYTICS_HOME"] = str(home)
    os.environ["ANALYTICS_PG_DURABLE"] = "0"  # tests need no crash safety
    os.environ.pop("ANALYTICS_DATABASE_URL", None)
    os.environ.pop("ANALYTICS_DAGSTER_DATABASE_URL", None)
    os.environ.pop("DAGSTER_HOME", None)
    os.environ.pop("ANALYTICS_LANDING_DIR", None)
    os.environ["ANALYTICS_WAREHOUSE_DB"] = "analytics"
    try:
        yield home
    finally:
        warehouse.embedded_server().stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_ENV_KEYS = (
    "ANALYTICS_HOME",
    "ANALYTICS_PG_DURABLE",
    "ANALYTICS_DATABASE_URL",
    "ANALYTICS_DAGSTER_DATABASE_URL",
    "ANALYTICS_WAREHOUSE_DB",
    "ANALYTICS_LANDING_DIR",
    "DAGSTER_HOME",
)


@contextmanager
def _use_new_database() -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    previous = os.environ.get("ANALYTICS_WAREHOUSE_DB")
    os.environ["ANALYTICS_WAREHOUSE_DB"] = name
    warehouse.warehouse_url(warehouse.Role.ADMIN)  # creates it
    try:
        yield name
    finally:
        os.environ["ANALYTICS_WAREHOUSE_DB"] = previous or "analytics"


@pytest.fixture(scope="module")
def fresh_database(analytics_home: Path) -> Iterator[str]:
    """Point the warehouse at a new, empty database for the module's tests."""
    with _use_new_database() as name:
        yield name


@pytest.fixture
def empty_database(analytics_home: Path) -> Iterator[str]:
    """Point the warehouse at a new, empty database for one test."""
    with _use_new_database() as name:
        yield name


@pytest.fixture
def restored_env(analytics_home, monkeypatch):
    """For the benchmarks, which point this process at their scratch database
    (settings and dbt's profile variables): put them back afterwards."""
    for key in ("ANALYTICS_WAREHOUSE_DB", "ANALYTICS_DATABASE_URL", *warehouse.dbt_env()):
        if key in os.environ:
            monkeypatch.setenv(key, os.environ[key])
        else:
            monkeypatch.delenv(key, raising=False)
