"""`analytics-pipeline docs` builds the dbt docs site from the live warehouse."""

from __future__ import annotations

import json

from analytics_pipeline import warehouse
from analytics_pipeline.cli import main as cli_main
from analytics_pipeline.dbt.docs import docs_dir
from analytics_pipeline.ingest.schema import ensure_raw_schema


def test_docs_command_builds_site_with_catalog(empty_database, capsys):
    with warehouse.connect() as conn:
        ensure_raw_schema(conn)
    assert cli_main(["docs"]) == 0
    index = docs_dir() / "index.html"
    assert str(index) in capsys.readouterr().out
    assert index.stat().st_size > 100_000
    catalog = json.loads((docs_dir() / "catalog.json").read_text())
    assert "source.analytics_pipeline.raw.user_activity" in catalog["sources"]
    manifest = json.loads((docs_dir() / "manifest.json").read_text())
    stg = manifest["nodes"]["model.analytics_pipeline.stg_user_activity"]
    assert stg["description"] and stg["columns"]["event_id"]["description"]
