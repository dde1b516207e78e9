"""Dagster definitions of the dbt layer."""

import dagster as dg
from dagster_dbt import DbtCliResource

from analytics_pipeline.dbt.assets import DBT_PROJECT, dbt_models
from analytics_pipeline.dbt.project import dbt_executable

defs = dg.Definitions(
    assets=[dbt_models],
    resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())},
)
