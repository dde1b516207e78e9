"""What the landing sensor does with each landed file: a pure function of the
time, the files (by content), the ledger and the file's past runs.

A content the ledger holds is done. Otherwise it gets a run, unless one is in
progress, or its last runs failed: then it is retried after a growing delay
(`retry_delay`), and given up after `MAX_ATTEMPTS` failures in a row. Touching
or copying the file again (a new mtime) starts a new series of attempts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

# Waits after the 1st, 2nd, 3rd failure in a row; the next failure gives up.
RETRY_DELAYS = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def retry_delay(failures: int) -> dt.timedelta | None:
    """How long to wait after `failures` failed attempts in a row; None: give up."""
    if failures < 1:
        raise ValueError(f"failures must be at least 1, got {failures}")
    if failures > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[failures - 1]


@dataclass(frozen=True)
class LandedFile:
    source: str
    path: str
    sha256: str
    mtime_ns: int

    @property
    def content(self) -> tuple[str, str]:
        return (self.source, self.sha256)

    @property
    def ref(self) -> tuple[str, str, str]:
        """(source, sha256, path): how the ledger tells empty files apart."""
        return (self.source, self.sha256, self.path)


class RunState(Enum):
    IN_PROGRESS = "in progress"
    SUCCESS = "success"
    FAILURE = "failure"  # failed or canceled


@dataclass(frozen=True)
class PastRun:
    """A run the sensor requested for a content, as the Dagster instance knows it."""

    run_id: str
    attempt: int
    file_mtime_ns: int | None  # of the file when the run was requested
    state: RunState
    created_at: dt.datetime
    ended_at: dt.datetime | None


class Action(Enum):
    REQUEST = "request"  # request a run now (attempt `attempt`)
    RUNNING = "running"  # a run is queued or in progress
    WAIT = "wait"  # failed; retry at `next_try_at`
    GIVE_UP = "give up"  # failed MAX_ATTEMPTS times in a row


@dataclass(frozen=True)
class Decision:
    file: LandedFile
    action: Action
    attempt: int  # of the run to request now or at `next_try_at`
    failures: tuple[PastRun, ...]  # the failed attempts in a row, oldest first
    next_try_at: dt.datetime | None = None


def plan(
    now: dt.datetime,
    files: Iterable[LandedFile],
    ingested: Collection[tuple[str, str, str]],
    runs: Mapping[tuple[str, str], Sequence[PastRun]],
) -> list[Decision]:
    """A decision for every landed file the ledger does not hold (`ingested`:
    their `ref`s), one per content at a time: the first file of a content, when
    several files hold the same bytes. Empty files share contents but the ledger
    holds each by its path, so the next one of a content comes up on a later tick."""
    decisions = []
    seen: set[tuple[str, str]] = set()
    for file in files:
        if file.ref in ingested or file.content in seen:
            continue
        seen.add(file.content)
        decisions.append(_decide(now, file, runs.get(file.content, ())))
    return decisions


def _decide(now: dt.datetime, file: LandedFile, runs: Sequence[PastRun]) -> Decision:
    runs = sorted(runs, key=lambda r: (r.created_at, r.attempt))
    # Attempt numbers keep growing over the content's life, so run keys are unique.
    attempt = max((r.attempt for r in runs), default=0) + 1
    if any(r.state is RunState.IN_PROGRESS for r in runs):
        return Decision(file, Action.RUNNING, attempt, ())
    failures = _failures_in_a_row(file, runs)
    if not failures:
        return Decision(file, Action.REQUEST, attempt, ())
    delay = retry_delay(len(failures))
    if delay is None:
        return Decision(file, Action.GIVE_UP, attempt, failures)
    last = failures[-1]
    next_try_at = (last.ended_at or last.created_at) + delay
    action = Action.REQUEST if now >= next_try_at else Action.WAIT
    return Decision(file, action, attempt, failures, next_try_at)


def _failures_in_a_row(file: LandedFile, runs: Sequence[PastRun]) -> tuple[PastRun, ...]:
    """The failed runs since the last success, for the file as it is now: a run
    requested before the file was touched or copied again does not count."""
    failures: list[PastRun] = []
    for run in runs:
        if run.state is RunState.SUCCESS:
            failures = []  # the ledger lost the content since (e.g. a reset): start over
        elif run.state is RunState.FAILURE and run.file_mtime_ns == file.mtime_ns:
            failures.append(run)
    return tuple(failures)
