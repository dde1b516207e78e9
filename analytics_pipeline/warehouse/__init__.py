"""Where PostgreSQL is: the embedded server or ANALYTICS_DATABASE_URL."""

from analytics_pipeline.warehouse.connection import (
    connect,
    dagster_storage_url,
    dbt_env,
    display_url,
    embedded_server,
    engine,
    libpq_params,
    warehouse_url,
)
from analytics_pipeline.warehouse.embedded import WarehouseError

__all__ = [
    "WarehouseError",
    "connect",
    "dagster_storage_url",
    "dbt_env",
    "display_url",
    "embedded_server",
    "engine",
    "libpq_params",
    "warehouse_url",
]
