"""dbt models as Dagster assets: `dbt build` runs models with their tests
(asset checks) and reports row counts."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from analytics_pipeline.dbt.project import dbt_project, ensure_manifest, export_dbt_env
from analytics_pipeline.dbt.translator import AnalyticsDbtTranslator

DBT_PROJECT = dbt_project()
MANIFEST = ensure_manifest(DBT_PROJECT)


@dbt_assets(
    manifest=MANIFEST,
    project=DBT_PROJECT,
    dagster_dbt_translator=AnalyticsDbtTranslator(),
    select="fqn:*",
    exclude="resource_type:snapshot",
    name="dbt_models",
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    export_dbt_env()
    yield from dbt.cli(["build"], context=context).stream().fetch_row_counts()
