"""The dbt CLI resource of the dbt assets, without two costs per run that this
project has no use for.

dagster-dbt's DbtCliResource, on every run, asks the dbt executable for its
version (`dbt --version`: a second Python process, about 2.5 s) and builds a
dbt adapter inside the Dagster process (about 4.5 s: project, profile and
every macro loaded). The adapter serves `fetch_row_counts()` and
`fetch_column_metadata()` only, which these assets do not call (they count
rows themselves: dbt/metadata.py). The dbt executable is the one installed
beside this Python (dbt/project.py), so its version is the dbt-core package's.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence

from dagster_dbt import DbtCliResource
from packaging import version


class AnalyticsDbtCliResource(DbtCliResource):
    @property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None
