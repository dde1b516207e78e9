"""The landing sensor requests a raw materialization for new settled files, once,
and the requested run ingests exactly those files."""

from __future__ import annotations

import json
import os
import time

import dagster as dg

from analytics_pipeline import warehouse
from analytics_pipeline.ingest.assets import raw_assets
from analytics_pipeline.ingest.landing import landing_folder
from analytics_pipeline.ingest.sensors import landing_files_sensor


def _write_agents(path, ids):
    path.write_text(
        "".join(
            json.dumps(
                {
                    "agent_id": i,
                    "workspace_id": "w1",
                    "name": i,
                    "created_at": "2026-09-01",
                    "updated_at": "2026-09-01",
                }
            )
            + "\n"
            for i in ids
        )
    )
    settled = time.time() - 60
    os.utime(path, (settled, settled))


def test_sensor_requests_new_files_once_and_run_ingests_them(empty_database, tmp_path, monkeypatch):
    monkeypatch.setenv("ANALYTICS_LANDING_DIR", str(tmp_path / "landing"))
    folder = landing_folder("agents")
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "agents_1.jsonl"
    _write_agents(first, ["a1", "a2"])
    (folder / "agents_2.jsonl.part").write_text("being written")  # ignored
    young = folder / "agents_3.jsonl"
    young.write_text("{}\n")  # not settled yet: the next tick takes it

    instance = dg.DagsterInstance.ephemeral()
    result = landing_files_sensor(dg.build_sensor_context(instance=instance))
    (request,) = result.run_requests
    assert request.asset_selection == [dg.AssetKey(["raw", "agents"])]
    config = request.run_config["ops"]["raw__agents"]["config"]
    assert config == {"files": [str(first)]}

    again = landing_files_sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor))
    assert again.run_requests == []
    young.unlink()

    run = dg.materialize(
        raw_assets,
        instance=instance,
        run_config=request.run_config,
        selection=request.asset_selection,
    )
    assert run.success
    (materialization,) = run.asset_materializations_for_node("raw__agents")
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert metadata["rows_loaded"] == 2
    assert metadata["dagster/row_count"] == 2
    assert metadata["files_loaded"] == 1
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute("select agent_id from raw.agents order by 1")
        assert cur.fetchall() == [("a1",), ("a2",)]
