"""Run monitoring marks a run with a dead run worker FAILURE, so runs queued
behind it are launched again. Uses the real Dagster instance on PostgreSQL and
real `dagster-daemon` processes.

The scenario seen in production: `dagster dev` goes down hard (daemon and code
server killed) while two runs execute. Their run workers live on. Later they
are killed with `kill -9`. The code server that spawned them, the only process
that would have noticed, is gone, so both runs stay STARTED. With
max_concurrent_runs 2 the queue then launches nothing. When `dagster dev`
comes back, run monitoring must fail both runs within seconds, and the queued
run must start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import dagster as dg
import psutil
import pytest
from dagster._cli.job import _create_run
from dagster._core.launcher import WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

import analytics_pipeline
from analytics_pipeline import warehouse
from analytics_pipeline.dagster_instance import get_instance
from analytics_pipeline.dagster_run_launcher import _launched_on_this_host, _process_health

REPO_DIR = Path(analytics_pipeline.__file__).resolve().parent.parent
LOCATION_FILE = Path(__file__).with_name("run_monitoring_location.py")
LOCATION_NAME = "run_monitoring"
DEADLINE = 120.0  # seconds for each step; a loaded 2-core machine is slow
Status = dg.DagsterRunStatus


@pytest.fixture
def dagster_home(empty_database, tmp_path, monkeypatch) -> Path:
    # The test's own Dagster database: the daemons must see only its runs.
    url = warehouse.admin_url().render_as_string(hide_password=False)
    monkeypatch.setenv("ANALYTICS_DAGSTER_DATABASE_URL", url)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("ANALYTICS_RUN_MONITORING_INTERVAL", "1")
    # Daemons, code servers and run workers import this checkout's package.
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_DIR), path])))
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(
        "load_from:\n"
        "  - python_file:\n"
        f"      relative_path: {LOCATION_FILE}\n"
        f"      location_name: {LOCATION_NAME}\n"
    )
    return workspace


def test_dead_run_workers_are_failed_and_the_queue_moves_on(dagster_home, tmp_path):
    workspace = dagster_home
    with get_instance() as instance, _daemons(workspace, tmp_path) as start_daemon:
        assert instance.run_monitoring_enabled
        first = start_daemon()
        with _run_submitter(instance, workspace) as submit:
            sleepers = [submit("sleeper_job"), submit("sleeper_job")]
            _wait_for(
                lambda: all(_status(instance, r) == Status.STARTED for r in sleepers),
                "both sleeper runs STARTED",
                tmp_path,
            )
            workers = {run_id: _worker_pid(instance, run_id) for run_id in sleepers}
            family = psutil.Process(first.pid).children(recursive=True)
            assert set(workers.values()) <= {p.pid for p in family}

            # dagster dev dies hard: daemon and code server, not the run workers.
            keep = set(workers.values())
            for pid in workers.values():
                keep |= {p.pid for p in psutil.Process(pid).children(recursive=True)}
            _kill([psutil.Process(first.pid)] + [p for p in family if p.pid not in keep])
            # Then the orphaned run workers are killed.
            _kill([psutil.Process(pid) for pid in workers.values() if psutil.pid_exists(pid)])

            waiting = submit("quick_job")
        assert _status(instance, waiting) == Status.QUEUED

        start_daemon()  # dagster dev is back
        _wait_for(
            lambda: all(_status(instance, r) == Status.FAILURE for r in sleepers),
            "both runs with a dead worker FAILURE",
            tmp_path,
        )
        for run_id, pid in workers.items():
            (failure,) = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
            assert f"run worker process {pid} is gone" in failure.message
        _wait_for(
            lambda: _status(instance, waiting) == Status.SUCCESS,
            "the queued run launched and SUCCESS",
            tmp_path,
        )
        # It was held back until the dead runs had been failed (2 slots, both taken).
        waiting_record = instance.get_run_record_by_id(waiting)
        assert waiting_record.start_time >= max(
            instance.get_run_record_by_id(r).end_time for r in sleepers
        )


# -- helpers -------------------------------------------------------------------


@contextmanager
def _daemons(workspace: Path, log_dir: Path) -> Iterator[Callable[[], subprocess.Popen]]:
    """Start `dagster-daemon run` processes, each in its own process group; at
    the end kill every group, with all code servers and run workers in it."""
    started: list[subprocess.Popen] = []
    daemon = Path(sys.executable).with_name("dagster-daemon")

    def start() -> subprocess.Popen:
        log = open(log_dir / f"daemon_{len(started) + 1}.log", "wb")  # noqa: SIM115
        with log:
            process = subprocess.Popen(
                [str(daemon), "run", "-w", str(workspace)],
                cwd=log_dir,
                env=dict(os.environ),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def _run_submitter(instance: dg.DagsterInstance, workspace: Path) -> Iterator[Callable[[str], str]]:
    """submit(job name) -> run id: create the run from the workspace's code
    location and submit it to the QueuedRunCoordinator, as `dagster job launch`
    does (its internal `_create_run`, so one code server serves every submit)."""
    mine = {p.pid for p in psutil.Process().children()}
    with WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=[str(workspace)])) as context:
        request = context.create_request_context()
        location = request.get_code_location(LOCATION_NAME)
        (repository,) = location.get_repositories().values()

        def submit(job_name: str) -> str:
            run = _create_run(
                instance=instance,
                code_location=location,
                remote_repo=repository,
                remote_job=repository.get_full_job(job_name),
                run_config={},
                tags=None,
                op_selection=None,
                run_id=None,
            )
            instance.submit_run(run.run_id, request)
            return run.run_id

        try:
            yield submit
        finally:
            # The context asks its code server to shut down; make sure it did.
            spawned = [p for p in psutil.Process().children() if p.pid not in mine]
    _, alive = psutil.wait_procs(spawned, timeout=15)
    _kill(alive)


def _kill(processes: list[psutil.Process]) -> None:
    for process in processes:
        with suppress(psutil.NoSuchProcess):
            process.kill()
    _, alive = psutil.wait_procs(processes, timeout=15)
    assert not alive, f"still alive after SIGKILL: {alive}"


def _status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    run = instance.get_run_by_id(run_id)
    assert run is not None
    return run.status


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int:
    """The pid of the run worker: the process that wrote the run's RUN_START."""
    (start,) = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_START)
    assert start.dagster_event is not None and start.dagster_event.pid
    return start.dagster_event.pid


def _wait_for(condition: Callable[[], bool], what: str, log_dir: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            logs = "".join(
                f"\n--- {log.name} (end)\n" + log.read_text(errors="replace")[-3000:]
                for log in sorted(log_dir.glob("daemon_*.log"))
            )
            pytest.fail(f"not within {DEADLINE:.0f}s: {what}{logs}")
        time.sleep(0.5)


# -- the health check's judgement, process by process --------------------------


def test_health_check_tells_live_dead_and_reused_pids():
    now = time.time()
    assert _process_health(os.getpid(), now).status == WorkerStatus.RUNNING
    # The pid exists, but its process was created long after the run started.
    reused = _process_health(os.getpid(), psutil.Process().create_time() - 60)
    assert reused.status == WorkerStatus.FAILED
    assert "newer process" in (reused.msg or "")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    gone = _process_health(child.pid, now)
    assert gone.status == WorkerStatus.FAILED
    assert gone.msg == f"run worker process {child.pid} is gone"


def test_only_runs_on_local_code_servers_are_judged():
    def run(tags: dict[str, str]) -> dg.DagsterRun:
        return dg.DagsterRun(job_name="job", run_id="r1", tags=tags)

    assert _launched_on_this_host(run({GRPC_INFO_TAG: '{"host": "localhost", "port": 4000}'}))
    assert _launched_on_this_host(run({GRPC_INFO_TAG: '{"host": "x", "socket": "/tmp/s"}'}))
    assert not _launched_on_this_host(run({GRPC_INFO_TAG: '{"host": "code.internal"}'}))
    assert not _launched_on_this_host(run({}))  # executed in process (CLI materialize)
