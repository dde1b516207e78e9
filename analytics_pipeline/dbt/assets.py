"""dbt as Dagster assets, split by how they run:

- `dbt_models`: models that rebuild as a whole (staging, intermediate);
- `dbt_daily_models`: models tagged `daily`, incremental on a daily partition
  whose window reaches dbt in the environment (one dbt invocation per backfill);
- `dbt_snapshots`: `dbt snapshot` (type-2 history of mutable entities);
- `dbt_mastery_history`: the snapshot of the Python asset topic_mastery and
  the mastery_progression mart over it (tag `mastery_history`), partitioned
  like the learning assets so that a daily run records each as-of date;
- `dbt_hospital_figures`, `dbt_hospital_published`: the hospital pack's
  intermediate models and exact figures (tag `hospital_figures`), rebuilt as
  of each date, and its published tables (tag `hospital_published`), after
  the Python asset between them that decides their hidden small cells
  (hospital/suppressed_cells), partitioned like it;
- `dbt_data_snapshots_<period>`: the data snapshots (tag `data_snapshots`),
  one incremental model per period type, each partitioned by its periods
  (hourly, daily, weekly, monthly), the window in the environment as for the
  daily models (the view data_snapshots over them is one of `dbt_models`).

Each runs `dbt build` (or `snapshot`), so dbt tests run as asset checks, and
reports row counts (and previews of published tables).
"""
# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

import json

import dagster as dg
from dagster_dbt import DbtCliInvocation, DbtCliResource, dbt_assets

from analytics_pipeline.dbt.metadata import with_table_metadata
from analytics_pipeline.dbt.project import (
    dbt_project,
    ensure_manifest,
    environment_set,
    prepare_dbt_invocation,
)
from analytics_pipeline.dbt.translator import AnalyticsDbtTranslator
from analytics_pipeline.dbt.window import window_environment
from analytics_pipeline.partitions import SNAPSHOT_PERIODS, daily_partitions, period_partitions

DBT_PROJECT = dbt_project()
MANIFEST = ensure_manifest(DBT_PROJECT)
DAILY_SELECTOR = "tag:daily"
# `dbt build` with the data tests (asset checks) but without dbt's unit tests:
# they test the models' SQL on fixed inputs, not the data, so they run in the
# test suite (tests/dbt/test_unit_tests.py), not in every scheduled run.
# `buildable`: a data test runs when each model it reads is selected or built
# before the selection; a relationships test from an unselected model (whose
# table may not exist yet) to a selected one waits for that model's own run.
BUILD = ["build", "--exclude-resource-type", "unit_test", "--indirect-selection", "buildable"]
MASTERY_HISTORY_SELECTOR = "tag:mastery_history"
DATA_SNAPSHOTS_SELECTOR = "tag:data_snapshots"
HOSPITAL_FIGURES_SELECTOR = "tag:hospital_figures"
HOSPITAL_PUBLISHED_SELECTOR = "tag:hospital_published"


def _has_nodes(
    selector_tag: str | None, resource_type: str | None = None, name: str | None = None
) -> bool:
    nodes = json.loads(MANIFEST.read_text())["nodes"].values()
    return any(
        (resource_type is None or n["resource_type"] == resource_type)
        and (selector_tag is None or selector_tag in n.get("tags", []))
        and (name is None or n["name"] == name)
        for n in nodes
    )


@dbt_assets(
    manifest=MANIFEST,
    project=DBT_PROJECT,
    dagster_dbt_translator=AnalyticsDbtTranslator(),
    select="fqn:*",
    exclude=(
        f"{DAILY_SELECTOR} resource_type:snapshot {MASTERY_HISTORY_SELECTOR} "
        f"{DATA_SNAPSHOTS_SELECTOR} {HOSPITAL_FIGURES_SELECTOR} {HOSPITAL_PUBLISHED_SELECTOR}"
    ),
    name="dbt_models",
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    prepare_dbt_invocation()
    yield from with_table_metadata(dbt.cli(BUILD, context=context).stream(), context)


def _build_partitioned_run(
    context: dg.AssetExecutionContext, dbt: DbtCliResource
) -> DbtCliInvocation:
    """`dbt build` of the run's models with its partition window in the environment."""
    prepare_dbt_invocation()
    window = context.partition_time_window
    environment = window_environment(window.start, window.end)
    context.log.info(f"partition window for dbt: {environment}")
    with environment_set(environment):  # dbt starts within cli(), with a copy
        return dbt.cli(BUILD, context=context)


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
        invocation = _build_partitioned_run(context, dbt)
        yield from with_table_metadata(invocation.stream(), context)

    return dbt_daily_models


def _build_data_snapshots(period: str) -> dg.AssetsDefinition:
    """The data snapshot model of one period type, partitioned by its periods:
    a run (or a backfill, in one run) rebuilds the periods of its window."""

    @dbt_assets(
        manifest=MANIFEST,
        project=DBT_PROJECT,
        dagster_dbt_translator=AnalyticsDbtTranslator(),
        select=f"{DATA_SNAPSHOTS_SELECTOR},data_snapshots_{period}",
        name=f"dbt_data_snapshots_{period}",
        partitions_def=period_partitions(period),
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def dbt_data_snapshots(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        invocation = _build_partitioned_run(context, dbt)
        yield from with_table_metadata(invocation.stream(), context)

    return dbt_data_snapshots


def _build_snapshots() -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=MANIFEST,
        project=DBT_PROJECT,
        dagster_dbt_translator=AnalyticsDbtTranslator(),
        select="resource_type:snapshot",
        exclude=MASTERY_HISTORY_SELECTOR,
        name="dbt_snapshots",
    )
    def dbt_snapshots(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        prepare_dbt_invocation()
        yield from with_table_metadata(dbt.cli(["snapshot"], context=context).stream(), context)

    return dbt_snapshots


def _build_per_date(selector: str, name: str, as_of_window: bool) -> dg.AssetsDefinition:
    """The models of `selector` as a dbt asset of their own, daily partitioned,
    one run per date: models that a daily Python asset reads, or that read
    it (in one asset with each other they would make a cycle of steps).
    `as_of_window`: the partition's window reaches dbt (their as-of date)."""

    @dbt_assets(
        manifest=MANIFEST,
        project=DBT_PROJECT,
        dagster_dbt_translator=AnalyticsDbtTranslator(),
        select=selector,
        name=name,
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.multi_run(1),
    )
    def _dbt_per_date(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        if as_of_window:
            invocation = _build_partitioned_run(context, dbt)
        else:
            prepare_dbt_invocation()
            invocation = dbt.cli(BUILD, context=context)
        yield from with_table_metadata(invocation.stream(), context)

    return _dbt_per_date


# A selection that matches no node cannot become an asset definition; the
# daily models and snapshots join the graph as soon as the project has them.
dbt_daily_models = _build_daily_models() if _has_nodes("daily") else None
dbt_snapshots = _build_snapshots() if _has_nodes(None, "snapshot") else None
dbt_mastery_history = (
    _build_per_date(MASTERY_HISTORY_SELECTOR, "dbt_mastery_history", as_of_window=False)
    if _has_nodes("mastery_history")
    else None
)
dbt_hospital_figures = (
    _build_per_date(HOSPITAL_FIGURES_SELECTOR, "dbt_hospital_figures", as_of_window=True)
    if _has_nodes("hospital_figures")
    else None
)
dbt_hospital_published = (
    _build_per_date(HOSPITAL_PUBLISHED_SELECTOR, "dbt_hospital_published", as_of_window=False)
    if _has_nodes("hospital_published")
    else None
)
# period -> its data snapshot asset definition (key snapshots/data_snapshots_<period>).
DATA_SNAPSHOT_ASSETS = {
    period: _build_data_snapshots(period)
    for period in SNAPSHOT_PERIODS
    if _has_nodes("data_snapshots", "model", f"data_snapshots_{period}")
}
DBT_ASSETS = [
    a
    for a in (
        dbt_models,
        dbt_daily_models,
        dbt_snapshots,
        dbt_mastery_history,
        dbt_hospital_figures,
        dbt_hospital_published,
    )
    if a is not None
] + list(DATA_SNAPSHOT_ASSETS.values())
