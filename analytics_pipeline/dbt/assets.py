"""dbt as Dagster assets, split by how they run:

- `dbt_models`: models that rebuild as a whole (staging, intermediate);
- `dbt_daily_models`: models tagged `daily`, incremental on a daily partition
  whose window reaches dbt as vars (one dbt invocation per backfill);
- `dbt_snapshots`: `dbt snapshot` (type-2 history of mutable entities).

Each runs `dbt build` (or `snapshot`), so dbt tests run as asset checks, and
reports row counts (and previews of published tables).
"""
# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

import json

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from analytics_pipeline.dbt.partitions import daily_partitions, window_vars
from analytics_pipeline.dbt.previews import with_table_metadata
from analytics_pipeline.dbt.project import dbt_project, ensure_manifest, export_dbt_env
from analytics_pipeline.dbt.translator import AnalyticsDbtTranslator

DBT_PROJECT = dbt_project()
MANIFEST = ensure_manifest(DBT_PROJECT)
DAILY_SELECTOR = "tag:daily"


def _has_nodes(selector_tag: str, resource_type: str | None = None) -> bool:
    nodes = json.loads(MANIFEST.read_text())["nodes"].values()
    return any(
        (resource_type is None or n["resource_type"] == resource_type)
        and (selector_tag is None or selector_tag in n.get("tags", []))
        for n in nodes
    )


@dbt_assets(
    manifest=MANIFEST,
    project=DBT_PROJECT,
    dagster_dbt_translator=AnalyticsDbtTranslator(),
    select="fqn:*",
    exclude=f"{DAILY_SELECTOR} resource_type:snapshot",
    name="dbt_models",
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    export_dbt_env()
    yield from with_table_metadata(dbt.cli(["build"], context=context).stream(), context)


def _build_daily_models() -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=MANIFEST,
        project=DBT_PROJECT,
        dagster_dbt_translator=AnalyticsDbtTranslator(),
        select=DAILY_SELECTOR,
        name="dbt_daily_models",
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def dbt_daily_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        export_dbt_env()
        window = context.partition_time_window
        dbt_vars = window_vars(window.start, window.end)
        context.log.info(f"partition window as dbt vars: {dbt_vars}")
        args = ["build", "--vars", json.dumps(dbt_vars)]
        yield from with_table_metadata(dbt.cli(args, context=context).stream(), context)

    return dbt_daily_models


def _build_snapshots() -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=MANIFEST,
        project=DBT_PROJECT,
        dagster_dbt_translator=AnalyticsDbtTranslator(),
        select="resource_type:snapshot",
        name="dbt_snapshots",
    )
    def dbt_snapshots(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        export_dbt_env()
        yield from with_table_metadata(dbt.cli(["snapshot"], context=context).stream(), context)

    return dbt_snapshots


# A selection that matches no node cannot become an asset definition; the
# daily models and snapshots join the graph as soon as the project has them.
dbt_daily_models = _build_daily_models() if _has_nodes("daily") else None
dbt_snapshots = _build_snapshots() if _has_nodes(None, "snapshot") else None
DBT_ASSETS = [a for a in (dbt_models, dbt_daily_models, dbt_snapshots) if a is not None]
