"""The dbt resource skips `dbt --version` and the in-process adapter: the
version it reports is the executable's, and the assets use it."""

from __future__ import annotations

import re
import subprocess

from analytics_pipeline.dbt.project import dbt_executable, dbt_project
from analytics_pipeline.dbt.resource import AnalyticsDbtCliResource


def test_the_version_is_the_dbt_executables_and_no_adapter_is_built():
    resource = AnalyticsDbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())
    output = subprocess.run([dbt_executable(), "--version"], capture_output=True, text=True)
    (reported,) = re.findall(r"installed: (\d+\.\d+\.\d+)", output.stdout)[:1]
    assert str(resource._cli_version) == reported
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_the_code_location_runs_dbt_through_it():
    from analytics_pipeline.definitions import defs

    assert isinstance(defs.resources["dbt"], AnalyticsDbtCliResource)
