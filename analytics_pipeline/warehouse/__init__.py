"""Where PostgreSQL is (the embedded server or ANALYTICS_DATABASE_URL) and
which role each component connects as."""

from analytics_pipeline.warehouse.connection import (
    admin_url,
    connect,
    dagster_storage_url,
    database_url,
    dbt_env,
    display_url,
    embedded_server,
    engine,
    libpq_params,
    provision,
    warehouse_url,
)
from analytics_pipeline.warehouse.embedded import WarehouseError
from analytics_pipeline.warehouse.provision import isolate_workspaces, set_workspace_scope
from analytics_pipeline.warehouse.roles import Role

__all__ = [
    "Role",
    "WarehouseError",
    "admin_url",
    "connect",
    "dagster_storage_url",
    "database_url",
    "dbt_env",
    "display_url",
    "embedded_server",
    "engine",
    "isolate_workspaces",
    "libpq_params",
    "provision",
    "set_workspace_scope",
    "warehouse_url",
]
