"""Dagster's DefaultRunLauncher, plus a health check of its run workers for the
run monitoring daemon, so a run whose worker died is marked failed.

In Dagster 1.13 the DefaultRunLauncher cannot check its run workers
(`supports_check_run_worker_health` is False). Run monitoring then only times
out runs that are starting or canceling. Only the code server that spawned a
worker notices when it dies, and only while that server is still running. If
the worker outlives its code server (dagster dev restarted, code server killed
or out of memory, machine rebooted) and then dies, nothing marks its run
failed. It stays STARTED and holds one of the QueuedRunCoordinator's slots for
good.

This launcher checks the process itself. The RUN_START event records the pid
of the process that executes the run. The worker is alive while that pid
exists, is not a zombie, and belongs to a process created before the event (a
reused pid does not).
"""

from __future__ import annotations

import json
import socket

import psutil
from dagster import DagsterEventType, DagsterRun, DefaultRunLauncher
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG

# A process created this long after the run started cannot be its worker.
# The margin absorbs the coarse process start times some platforms report.
_CREATE_TIME_SLACK_SECONDS = 2.0
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class PidCheckingRunLauncher(DefaultRunLauncher):
    """Launches runs on the code servers the way DefaultRunLauncher does, and
    reports a run worker as failed once its process is gone."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        # The monitoring daemon marks a run failed on any status other than
        # RUNNING or SUCCESS, UNKNOWN included. So a run this host cannot judge
        # is reported RUNNING.
        if not _launched_on_this_host(run):
            return CheckRunHealthResult(
                WorkerStatus.RUNNING, "run worker not on this host: not checked"
            )
        start = self._instance.event_log_storage.get_logs_for_run(
            run.run_id, of_type=DagsterEventType.RUN_START, limit=1
        )
        pid = start[0].dagster_event.pid if start and start[0].dagster_event else None
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "run worker pid not recorded")
        return _process_health(pid, start[0].timestamp)


def _launched_on_this_host(run: DagsterRun) -> bool:
    """Whether the run was launched on a code server of this host, so its
    worker's pid means something here. Runs executed in process (CLI
    `materialize`) carry no gRPC tag and are not judged."""
    text = run.tags.get(GRPC_INFO_TAG)
    if not text:
        return False
    try:
        info = json.loads(text)
    except ValueError:
        return False
    if info.get("socket"):  # a Unix socket is always local
        return True
    return info.get("host") in _LOCAL_HOSTS | {socket.gethostname()}


def _process_health(pid: int, started_at: float) -> CheckRunHealthResult:
    try:
        process = psutil.Process(pid)
        created = process.create_time()
        status = process.status()
    except psutil.NoSuchProcess:
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker process {pid} is gone")
    except psutil.AccessDenied:
        # Another user's process exists under that pid: it may be the worker.
        return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker process {pid} exists")
    if status == psutil.STATUS_ZOMBIE:
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker process {pid} exited")
    if created > started_at + _CREATE_TIME_SLACK_SECONDS:
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"run worker process {pid} is gone (the pid now belongs to a newer process)",
        )
    return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker process {pid} is running")
