"""The landing sensor: a settled new file in `landing/<source>/` requests a run
that materializes the source's raw asset with exactly the new files."""

from __future__ import annotations

import json

import dagster as dg

from analytics_pipeline.ingest.assets import raw_asset_key, raw_assets
from analytics_pipeline.ingest.contract import SOURCES
from analytics_pipeline.ingest.landing import ensure_landing_folders, landed_files


def _file_identity(path) -> str:
    stat = path.stat()
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


@dg.sensor(
    name="landing_files_sensor",
    description="Ingests files dropped into $ANALYTICS_HOME/landing/<source>/.",
    asset_selection=dg.AssetSelection.assets(*raw_assets),
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def landing_files_sensor(context: dg.SensorEvaluationContext):
    ensure_landing_folders()
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    requests = []
    for source in SOURCES:
        new = [p for p in landed_files(source, settled_only=True) if str(p) not in seen]
        if not new:
            continue
        identities = [_file_identity(p) for p in new]
        for path, identity in zip(new, identities, strict=True):
            seen[str(path)] = identity
        requests.append(
            dg.RunRequest(
                run_key=f"{source}|" + "|".join(identities),
                asset_selection=[raw_asset_key(source)],
                run_config={
                    "ops": {
                        raw_asset_key(source).to_python_identifier(): {
                            "config": {"files": [str(p) for p in new]}
                        }
                    }
                },
                tags={"analytics/source": source, "analytics/files": str(len(new))},
            )
        )
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen))
