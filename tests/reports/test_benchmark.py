"""The report benchmark runs a definition through the real query path: a small
run produces files with exactly the requested rows (the other workspace's rows
left out) in the dbt model's column layout."""

from __future__ import annotations

import csv
import json

import pytest

from analytics_pipeline.dbt.project import ensure_manifest
from analytics_pipeline.reports.benchmark import COLUMNS, SOURCE, benchmark_reports

pytestmark = pytest.mark.integration


def test_benchmark_csv_has_exactly_the_requested_rows(fresh_database, tmp_path) -> None:
    result = benchmark_reports(2_000, tmp_path, formats=("csv",))
    assert result.table_rows == 2_200
    (figures,) = result.formats
    assert figures["rows"] == 2_000
    assert figures["peak_rss_bytes"] >= figures["baseline_rss_bytes"] > 0
    with open(figures["path"], newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == [c for c in COLUMNS if c != SOURCE.workspace_column]
    assert len(rows) == 2_000
    assert len({(row[0], row[1]) for row in rows}) == 2_000  # one row per (day, user)


def test_benchmark_table_has_the_dbt_models_columns() -> None:
    manifest = json.loads(ensure_manifest().read_text())
    model = manifest["nodes"][f"model.analytics_pipeline.{SOURCE.table}"]
    assert list(COLUMNS) == list(model["columns"])
