"""Dagster definitions of the dbt layer: its assets and the dbt resource (the
schedules that run them: orchestration)."""

import dagster as dg

from analytics_pipeline.dbt.assets import DBT_ASSETS, DBT_PROJECT
from analytics_pipeline.dbt.project import dbt_executable
from analytics_pipeline.dbt.resource import AnalyticsDbtCliResource

defs = dg.Definitions(
    assets=DBT_ASSETS,
    resources={
        "dbt": AnalyticsDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())
    },
)
