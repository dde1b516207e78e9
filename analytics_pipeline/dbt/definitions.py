"""Dagster definitions of the dbt layer."""

import dagster as dg
from dagster_dbt import DbtCliResource

from analytics_pipeline.dbt.assets import DBT_ASSETS, DBT_PROJECT
from analytics_pipeline.dbt.project import dbt_executable
from analytics_pipeline.dbt.schedules import automation_condition_sensor, build_schedules

schedules, jobs = build_schedules()

defs = dg.Definitions(
    assets=DBT_ASSETS,
    schedules=schedules,
    jobs=jobs,
    sensors=[automation_condition_sensor],
    resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())},
)
