"""One translator decides keys, groups and metadata of every dbt node."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

# First folder under models/ (or the resource type) -> Dagster group.
_LAYER_GROUPS = {
    "staging": "staging",
    "intermediate": "intermediate",
    "aggregates": "aggregates",
    "marts": "marts",
}


class AnalyticsDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True, enable_code_references=False
            )
        )

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "snapshot", "seed"):
            # schema/name: the asset key says where the table is.
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "snapshot":
            return "snapshots"
        fqn = dbt_resource_props.get("fqn", [])
        if resource_type == "model" and len(fqn) > 1:
            return _LAYER_GROUPS.get(fqn[1], fqn[1])
        return super().get_group_name(dbt_resource_props)

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition | None:
        # Staging follows newly landed raw data; later layers run on schedules.
        if self.get_group_name(dbt_resource_props) == "staging":
            return dg.AutomationCondition.eager()
        return None
