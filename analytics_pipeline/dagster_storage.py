"""Dagster's PostgreSQL storages, keeping their connections open.

dagster-postgres opens a new connection for every read and write outside the
webserver (SQLAlchemy NullPool). A run writes an event per step, output,
materialization and dbt test, so a daily dbt run opened about 2,000
connections, each with a SCRAM-SHA-256 handshake (the warehouse refuses
password-less logins): 15 of its 50 seconds. These storages hold one
connection per storage and process (a few more while threads overlap),
checked before each use so that a restarted server costs one reconnect.
`dagster.yaml` names them (`dagster_instance.prepare_dagster_home`); the
webserver still swaps in its own pool, as it does for the stock classes.
"""

from __future__ import annotations

from typing import Any

from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage
from dagster_postgres.utils import (
    create_pg_engine,
    get_token_provider_from_config,
    pg_url_from_config,
)

# Connections beyond the one kept open, while several threads of a process
# write at once; they close when returned.
POOL_OVERFLOW = 8
# Reconnect after an hour, so a long-lived daemon does not hold one session forever.
POOL_RECYCLE_SECONDS = 3600


class _PooledConnections:
    """Replaces the storage's NullPool engine with a small pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unpooled = self._engine
        self._engine = create_pg_engine(
            self.postgres_url,
            self._token_provider,
            isolation_level="AUTOCOMMIT",
            pool_size=1,
            max_overflow=POOL_OVERFLOW,
            pool_recycle=POOL_RECYCLE_SECONDS,
            pool_pre_ping=True,
        )
        unpooled.dispose()

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        # The stock classmethods construct their own class by name, not `cls`.
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )


class PooledPostgresRunStorage(_PooledConnections, PostgresRunStorage):
    pass


class PooledPostgresEventLogStorage(_PooledConnections, PostgresEventLogStorage):
    pass


class PooledPostgresScheduleStorage(_PooledConnections, PostgresScheduleStorage):
    pass
