"""`analytics-pipeline ui` as a user runs it after `analytics-pipeline demo`,
checked through the running webserver's GraphQL: schedules and sensors are
running, starting the UI launches no run, the time partitions begin on the
data's first day with no missing partition in the built range; Ctrl-C and
SIGTERM stop every process the command started.

One scratch ANALYTICS_HOME (its own embedded server) for the module, built in
a subprocess as the demo builds it (the demo's sample step: generated, its
first day recorded, landed; then raw, staging and intermediate models and the
daily partitions of daily_metrics), so the code location loads as it would
from a fresh clone."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests

from analytics_pipeline.settings import REPO_DIR

pytestmark = pytest.mark.integration

DAYS = 4
# Weeks before today: no schedule's period has data during the test (the
# demo's own sample ends yesterday; tests/test_demo_options.py).
END_DATE = dt.date(2026, 9, 30)
FIRST_DAY = END_DATE - dt.timedelta(days=DAYS - 1)
START_TIMEOUT = 240.0
STOP_TIMEOUT = 15.0
REPOSITORIES = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    schedules { name scheduleState { status } }
    sensors { name sensorState { status ticks(limit: 1) { status } } }
} } } }
"""
RUNS = "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }"
PARTITIONS = """
query($keys: [AssetKeyInput!]) { assetNodes(assetKeys: $keys) {
    assetKey { path }
    partitionKeys
    assetPartitionStatuses {
        ... on TimePartitionStatuses { ranges { status startKey endKey } }
    }
} }
"""


def _environment(home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANALYTICS_", "DAGSTER_"))
    }
    env.update(
        ANALYTICS_HOME=str(home),
        ANALYTICS_PG_DURABLE="0",
        PYTHONPATH=str(REPO_DIR),
    )
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "analytics_pipeline.cli", *args]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Ui:
    process: subprocess.Popen
    port: int
    startup_seconds: float

    def query(self, text: str, variables: dict | None = None) -> dict:
        response = requests.post(
            f"http://127.0.0.1:{self.port}/graphql",
            json={"query": text, "variables": variables or {}},
            timeout=60,
        )
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)


def _start_ui(home: Path, log: Path) -> Ui:
    port = _free_port()
    started = time.monotonic()
    with log.open("ab") as output:
        process = subprocess.Popen(
            _cli("ui", "--port", str(port)),
            env=_environment(home),
            cwd=REPO_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    ui = Ui(process, port, 0.0)
    while time.monotonic() - started < START_TIMEOUT:
        assert process.poll() is None, f"ui exited with {process.returncode}: see {log}"
        try:
            if ui.query("{ version }")["version"]:
                ui.startup_seconds = time.monotonic() - started
                print(f"ui answered GraphQL {ui.startup_seconds:.1f}s after the command started")
                return ui
        except (requests.ConnectionError, requests.Timeout, requests.HTTPError):
            pass
        time.sleep(0.5)
    _kill_tree(process)
    raise AssertionError(f"the webserver did not answer within {START_TIMEOUT}s: see {log}")


def _kill_tree(process: subprocess.Popen) -> None:
    try:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
    except psutil.Error:
        tree = []
    for item in tree:
        with contextlib.suppress(psutil.Error):
            item.kill()
    process.wait(timeout=30)


def _stop_and_wait(ui: Ui, signum: int) -> tuple[list[psutil.Process], float]:
    """Send `signum` to the command; (processes still alive after STOP_TIMEOUT, seconds)."""
    tree = [psutil.Process(ui.process.pid), *ui.descendants()]
    assert len(tree) >= 4, [p.cmdline() for p in tree]  # cli, dagster dev, webserver, daemon...
    started = time.monotonic()
    ui.process.send_signal(signum)
    _, alive = psutil.wait_procs(tree, timeout=STOP_TIMEOUT)
    return alive, time.monotonic() - started


def build() -> None:
    """Run in the scratch home (a subprocess): the demo's first steps (its own
    code: sample, first day recorded, landing), then raw, staging and
    intermediate models and the daily partitions of daily_metrics, in runs
    tagged as the demo's."""
    from analytics_pipeline.commands.demo import DemoOptions, land_sample
    from analytics_pipeline.commands.materialize import materialize
    from analytics_pipeline.dagster_instance import prepare_dagster_home

    prepare_dagster_home()
    land_sample(DemoOptions(workspaces=1, users=20, days=DAYS, bad_rows=0.0, end_date=END_DATE))
    tags = {"analytics/launched_by": "demo"}
    for selection in ("group:raw", "group:staging or group:intermediate"):
        assert materialize(selection, log_level="WARNING", tags=tags).success, selection
    assert materialize(
        "key:aggregates/daily_metrics",
        as_of=END_DATE.isoformat(),
        first_day=FIRST_DAY.isoformat(),
        log_level="WARNING",
        tags=tags,
    ).success


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("ui_home")
    log = home / "build.log"
    script = "from tests.orchestration.test_ui import build; build()"
    with log.open("wb") as output:
        built = subprocess.run(
            [sys.executable, "-c", script],
            env=_environment(home),
            cwd=REPO_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=900,
        )
    assert built.returncode == 0, log.read_text()[-3000:]
    try:
        yield home
    finally:
        subprocess.run(_cli("warehouse", "stop"), env=_environment(home), timeout=120)


@pytest.fixture(scope="module")
def ui(home: Path) -> Iterator[Ui]:
    ui = _start_ui(home, home / "ui.log")
    try:
        yield ui
    finally:
        if ui.process.poll() is None:
            _kill_tree(ui.process)


def _repository(ui: Ui) -> dict:
    (repository,) = ui.query(REPOSITORIES)["repositoriesOrError"]["nodes"]
    return repository


def test_every_schedule_and_sensor_runs_by_default(ui: Ui):
    repository = _repository(ui)
    schedules = {s["name"]: s["scheduleState"]["status"] for s in repository["schedules"]}
    sensors = {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]}
    assert {
        "daily_analytics_schedule",
        "hourly_metrics_schedule",
        "dbt_snapshots_schedule",
        "data_snapshots_hourly_schedule",
        "data_snapshots_daily_schedule",
        "data_snapshots_weekly_schedule",
        "data_snapshots_monthly_schedule",
    } <= set(schedules)
    assert set(schedules.values()) == {"RUNNING"}, schedules
    assert {
        "landing_files_sensor",
        "report_schedule_sensor",
        "automation_condition_sensor",
    } <= set(sensors)
    assert set(sensors.values()) == {"RUNNING"}, sensors


def test_starting_the_ui_launches_no_run(ui: Ui):
    """The data ends weeks before today: the sensors find nothing to do, and a
    schedule that ticks meanwhile skips its period (no data for it)."""
    deadline = time.monotonic() + 180
    while True:
        sensors = _repository(ui)["sensors"]
        ticked = {s["name"] for s in sensors if s["sensorState"]["ticks"]}
        if ticked >= {s["name"] for s in sensors}:
            break
        assert time.monotonic() < deadline, f"sensors without a tick: {sensors}"
        time.sleep(2)
    runs = ui.query(RUNS)["runsOrError"]["results"]
    launched = [
        (run["runId"], {t["key"]: t["value"] for t in run["tags"]})
        for run in runs
        if {"key": "analytics/launched_by", "value": "demo"} not in run["tags"]
    ]
    assert launched == [], json.dumps(launched, indent=1)


def test_partitions_begin_on_the_datas_first_day_and_none_is_missing(ui: Ui):
    keys = [
        {"path": ["aggregates", "daily_metrics"]},
        {"path": ["snapshots", "data_snapshots_hourly"]},
    ]
    nodes = {
        "/".join(n["assetKey"]["path"]): n
        for n in ui.query(PARTITIONS, {"keys": keys})["assetNodes"]
    }
    daily = nodes["aggregates/daily_metrics"]
    assert daily["partitionKeys"][0] == FIRST_DAY.isoformat()
    built = {(FIRST_DAY + dt.timedelta(days=n)).isoformat() for n in range(DAYS)}
    materialized = set()
    for status in daily["assetPartitionStatuses"]["ranges"]:
        if status["status"] == "MATERIALIZED":
            first = daily["partitionKeys"].index(status["startKey"])
            last = daily["partitionKeys"].index(status["endKey"])
            materialized |= set(daily["partitionKeys"][first : last + 1])
    missing_before_end = [
        key for key in daily["partitionKeys"] if key <= END_DATE.isoformat() and key not in built
    ]
    assert missing_before_end == []
    assert built <= materialized, sorted(built - materialized)
    hourly = nodes["snapshots/data_snapshots_hourly"]
    assert hourly["partitionKeys"][0] == f"{FIRST_DAY.isoformat()}-00:00"


def test_ctrl_c_stops_every_process_the_command_started(ui: Ui):
    alive, seconds = _stop_and_wait(ui, signal.SIGINT)
    assert alive == [], [p.cmdline() for p in alive]
    print(f"stopped on SIGINT in {seconds:.1f}s")


def test_sigterm_stops_every_process_the_command_started(home: Path, ui: Ui):
    assert ui.process.poll() is not None  # the module's UI is stopped by the test above
    second = _start_ui(home, home / "ui-sigterm.log")
    try:
        alive, seconds = _stop_and_wait(second, signal.SIGTERM)
        assert alive == [], [p.cmdline() for p in alive]
        print(f"stopped on SIGTERM in {seconds:.1f}s")
    finally:
        if second.process.poll() is None:
            _kill_tree(second.process)
