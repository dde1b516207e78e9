"""One translator decides keys, groups and metadata of every dbt node."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from analytics_pipeline import groups
from analytics_pipeline.warehouse.provision import PUBLISHED_SCHEMA

# Aggregates and marts are rebuilt by the 02:00 UTC daily schedule: a table not
# materialized for longer than a day and a bit shows as stale in the UI.
PUBLISHED_FRESHNESS = dg.FreshnessPolicy.time_window(
    warn_window=dt.timedelta(hours=26), fail_window=dt.timedelta(hours=30)
)

# A partitioned model names the date column of its rows in its config
# (`meta={'partition_column': ...}`, plus `partition_end_column` when a row
# covers a period [start, end] of days, or `partition_time_window: true` when
# the column is a timestamp within the partition's exact time window, e.g. an
# hour); `preview_json_column` names a json column whose keys the preview shows
# as columns. The spec carries them as metadata so previews select the rows of
# the partition just built.
PARTITION_COLUMNS = (
    "partition_column",
    "partition_end_column",
    "partition_time_window",
    "preview_json_column",
)

# dagster-dbt puts the DbtProject object into every spec's metadata; the UI
# shows it as "[DbtProject] (unserializable)". Without it, runs use the
# resource's project_dir (the same project). The manifest and translator
# entries stay: dagster-dbt needs them at run time and the UI hides them.
_DROPPED_METADATA = ("dagster_dbt/project",)

# First folder under models/ (or the resource type) -> Dagster group.
_LAYER_GROUPS = {
    "staging": groups.STAGING,
    "intermediate": groups.INTERMEDIATE,
    "aggregates": groups.AGGREGATES,
    "marts": groups.MARTS,
    "data_snapshots": groups.SNAPSHOTS,  # beside the dbt (type-2) snapshots
    "hr": groups.HR,  # the HR platform pack, all its layers: keys `hr/<model>`
    "hospital": groups.HOSPITAL,  # the hospital pack's models: keys `hospital/<model>`
    "qms": groups.QMS,  # the quality management pack, all its layers: keys `qms/<model>`
}


def is_published(dbt_resource_props: Mapping[str, Any]) -> bool:
    """A model of the published schema (analytics): an aggregate, a mart, a
    data snapshot; analysts and reports read these."""
    return (
        dbt_resource_props.get("resource_type") == "model"
        and dbt_resource_props.get("schema") == PUBLISHED_SCHEMA
    )


class AnalyticsDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True, enable_code_references=False
            )
        )

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "snapshot", "seed"):
            # <group>/<table>: the key says the layer, as the group does (the
            # schema is in the metadata: aggregates and marts share `analytics`).
            group = self.get_group_name(dbt_resource_props)
            return dg.AssetKey([group, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        metadata = {k: v for k, v in spec.metadata.items() if k not in _DROPPED_METADATA}
        spec = spec.replace_attributes(metadata=metadata)
        props = manifest["nodes"].get(unique_id, {})
        # A view holds no rows of its own: its tables carry the freshness.
        if is_published(props) and props.get("config", {}).get("materialized") != "view":
            spec = spec.replace_attributes(freshness_policy=PUBLISHED_FRESHNESS)
        return spec

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        metadata = dict(super().get_metadata(dbt_resource_props))
        meta = dbt_resource_props.get("config", {}).get("meta", {})
        metadata.update({key: meta[key] for key in PARTITION_COLUMNS if meta.get(key)})
        if dbt_resource_props["resource_type"] in ("model", "snapshot", "seed"):
            # Where the table is (the key names the layer), as the Python assets say it.
            metadata["table"] = f"{dbt_resource_props['schema']}.{dbt_resource_props['name']}"
        return metadata

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "snapshot":
            return groups.SNAPSHOTS
        fqn = dbt_resource_props.get("fqn", [])
        if resource_type == "model" and len(fqn) > 1:
            return _LAYER_GROUPS.get(fqn[1], fqn[1])
        return super().get_group_name(dbt_resource_props)

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition | None:
        # Staging follows newly landed raw data; later layers run on schedules.
        fqn = dbt_resource_props.get("fqn", [])
        pack_staging = (
            len(fqn) > 2
            and fqn[1] in (groups.HR, groups.HOSPITAL, groups.QMS)
            and fqn[2] == "staging"
        )
        if self.get_group_name(dbt_resource_props) == groups.STAGING or pack_staging:
            return dg.AutomationCondition.eager()
        return None
