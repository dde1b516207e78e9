"""The Dagster instance: runs, event logs, schedules and sensor state in
PostgreSQL (dagster-postgres), configured under $DAGSTER_HOME.

`dagster.yaml` holds no secret: the storage URL (with the Dagster role's
password) is read from the environment variable STORAGE_URL_VARIABLE, which
`prepare_dagster_home()` sets for this process and the ones it starts
(`dagster dev`, its daemon, code servers and run workers inherit it).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from analytics_pipeline import warehouse
from analytics_pipeline.settings import get_settings
from analytics_pipeline.warehouse.roles import write_private

STORAGE_URL_VARIABLE = "ANALYTICS_DAGSTER_STORAGE_URL"
STORAGE_CLASSES = {
    "run_storage": "PooledPostgresRunStorage",
    "event_log_storage": "PooledPostgresEventLogStorage",
    "schedule_storage": "PooledPostgresScheduleStorage",
}


def prepare_dagster_home() -> Path:
    """Write $DAGSTER_HOME/dagster.yaml (0600) and export DAGSTER_HOME and the
    storage URL variable."""
    settings = get_settings()
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    storage_url = warehouse.dagster_storage_url(settings).render_as_string(hide_password=False)
    config = {
        # dagster-postgres's storages with pooled connections (dagster_storage.py).
        **{
            key: {
                "module": "analytics_pipeline.dagster_storage",
                "class": class_name,
                "config": {"postgres_url": {"env": STORAGE_URL_VARIABLE}},
            }
            for key, class_name in STORAGE_CLASSES.items()
        },
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            # Two cores: more parallel dbt runs would only fight over them.
            "config": {"max_concurrent_runs": 2},
        },
        # DefaultRunLauncher plus a run worker health check (by pid): without
        # it, a run whose worker died after its code server did stays STARTED
        # and holds a slot of max_concurrent_runs for good.
        "run_launcher": {
            "module": "analytics_pipeline.dagster_run_launcher",
            "class": "PidCheckingRunLauncher",
        },
        # The daemon checks STARTED runs' workers every poll interval and marks
        # a run with a dead worker FAILURE; runs stuck starting or canceling
        # time out. No resume (the launcher cannot resume a run) and no runtime
        # cap (long backfills are legitimate).
        "run_monitoring": {
            "enabled": True,
            "start_timeout_seconds": 180,
            "cancel_timeout_seconds": 180,
            "max_resume_run_attempts": 0,
            "max_runtime_seconds": 0,
            "poll_interval_seconds": settings.run_monitoring_interval,
        },
        "telemetry": {"enabled": False},
    }
    target = home / "dagster.yaml"
    text = yaml.safe_dump(config, sort_keys=False)
    if not target.exists() or target.read_text() != text or target.stat().st_mode & 0o077:
        write_private(target, text)
    os.environ[STORAGE_URL_VARIABLE] = storage_url
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def get_instance():
    """The persistent Dagster instance (what `dagster dev` shows)."""
    import dagster as dg

    prepare_dagster_home()
    return dg.DagsterInstance.get()
