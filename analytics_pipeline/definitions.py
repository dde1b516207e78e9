"""The Dagster code location: assembles each layer's definitions and what runs
them (orchestration)."""

import dagster as dg

from analytics_pipeline.alerts.definitions import defs as alert_defs
from analytics_pipeline.dashboards.definitions import defs as dashboard_defs
from analytics_pipeline.dbt.definitions import defs as dbt_defs
from analytics_pipeline.hospital.definitions import defs as hospital_defs
from analytics_pipeline.ingest.definitions import defs as ingest_defs
from analytics_pipeline.learning.definitions import defs as learning_defs
from analytics_pipeline.maintenance.definitions import defs as maintenance_defs
from analytics_pipeline.orchestration.definitions import defs as orchestration_defs
from analytics_pipeline.reports.definitions import defs as report_defs

defs = dg.Definitions.merge(
    ingest_defs,
    dbt_defs,
    learning_defs,
    hospital_defs,
    report_defs,
    dashboard_defs,
    alert_defs,
    maintenance_defs,
    orchestration_defs,
)
