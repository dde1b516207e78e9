"""The landing sensor's decisions as a pure function of the time, the landed
files, the ledger and the files' past runs: new content, runs in progress,
retries with backoff, giving up, and starting over after a touch."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics_pipeline.ingest.landing_plan import (
    MAX_ATTEMPTS,
    Action,
    LandedFile,
    PastRun,
    RunState,
    plan,
    retry_delay,
)

NOW = dt.datetime(2026, 9, 1, 12, 0, tzinfo=dt.UTC)
FILE = LandedFile("agents", "/landing/agents/a.jsonl", "aa" * 32, mtime_ns=1_000)


def _run(attempt: int, state: RunState, ended: dt.datetime | None, mtime_ns: int = 1_000):
    created = (ended or NOW) - dt.timedelta(seconds=10)
    return PastRun(f"run{attempt}", attempt, mtime_ns, state, created, ended)


def _failed(attempt: int, minutes_ago: float, mtime_ns: int = 1_000) -> PastRun:
    return _run(attempt, RunState.FAILURE, NOW - dt.timedelta(minutes=minutes_ago), mtime_ns)


def test_retry_delays_grow_then_give_up():
    assert [retry_delay(n) for n in range(1, MAX_ATTEMPTS + 2)] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        None,
        None,
    ]
    assert MAX_ATTEMPTS == 4
    with pytest.raises(ValueError):
        retry_delay(0)


def test_new_content_is_requested_and_ingested_content_is_not():
    other = LandedFile("agents", "/landing/agents/b.jsonl", "bb" * 32, mtime_ns=2_000)
    (decision,) = plan(NOW, [FILE, other], ingested={other.ref}, runs={})
    assert (decision.file, decision.action, decision.attempt) == (FILE, Action.REQUEST, 1)
    assert plan(NOW, [FILE], ingested={FILE.ref}, runs={}) == []


def test_same_content_in_two_files_is_one_decision():
    copy = LandedFile("agents", "/landing/agents/copy.jsonl", FILE.sha256, mtime_ns=5)
    (decision,) = plan(NOW, [FILE, copy], ingested=set(), runs={})
    assert decision.file == FILE
    # The same bytes in another source are another content.
    elsewhere = LandedFile("users", "/landing/users/a.jsonl", FILE.sha256, mtime_ns=5)
    assert len(plan(NOW, [FILE, elsewhere], ingested=set(), runs={})) == 2


def test_a_run_in_progress_is_waited_for():
    runs = {FILE.content: [_run(1, RunState.IN_PROGRESS, None)]}
    (decision,) = plan(NOW, [FILE], ingested=set(), runs=runs)
    assert decision.action is Action.RUNNING


def test_a_failure_is_retried_after_its_delay():
    runs = {FILE.content: [_failed(1, minutes_ago=0.5)]}
    (waiting,) = plan(NOW, [FILE], ingested=set(), runs=runs)
    assert waiting.action is Action.WAIT
    assert waiting.next_try_at == NOW + dt.timedelta(seconds=30)
    assert [r.run_id for r in waiting.failures] == ["run1"]

    later = NOW + dt.timedelta(seconds=30)
    (retry,) = plan(later, [FILE], ingested=set(), runs=runs)
    assert (retry.action, retry.attempt) == (Action.REQUEST, 2)


def test_delays_follow_the_number_of_failures_in_a_row():
    runs = {FILE.content: [_failed(1, 40), _failed(2, 30), _failed(3, minutes_ago=29)]}
    (decision,) = plan(NOW, [FILE], ingested=set(), runs=runs)
    assert (decision.action, decision.attempt) == (Action.WAIT, 4)
    assert decision.next_try_at == NOW + dt.timedelta(minutes=1)  # 30 min after the 3rd


def test_gives_up_after_max_attempts_until_the_file_is_touched():
    failures = [_failed(n, 60 - n) for n in range(1, MAX_ATTEMPTS + 1)]
    (decision,) = plan(NOW, [FILE], ingested=set(), runs={FILE.content: failures})
    assert decision.action is Action.GIVE_UP
    assert len(decision.failures) == MAX_ATTEMPTS

    touched = LandedFile(FILE.source, FILE.path, FILE.sha256, mtime_ns=9_000)
    (again,) = plan(NOW, [touched], ingested=set(), runs={FILE.content: failures})
    # A new series of attempts; the attempt number keeps growing (unique run keys).
    assert (again.action, again.attempt, again.failures) == (Action.REQUEST, 5, ())


def test_a_success_ends_a_series_of_failures():
    """The ledger lost the content after a success (e.g. a reset): ingest it again."""
    runs = {
        FILE.content: [
            _failed(1, 50),
            _failed(2, 40),
            _run(3, RunState.SUCCESS, NOW - dt.timedelta(minutes=30)),
        ]
    }
    (decision,) = plan(NOW, [FILE], ingested=set(), runs=runs)
    assert (decision.action, decision.attempt, decision.failures) == (Action.REQUEST, 4, ())


def test_empty_files_sharing_a_content_come_up_one_after_the_other():
    """The ledger holds an empty file by its path: a second empty file of the
    same (empty) content is decided once the first is recorded, then neither."""
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    first = LandedFile("agents", "/landing/agents/a.jsonl", empty, mtime_ns=1)
    second = LandedFile("agents", "/landing/agents/b.jsonl", empty, mtime_ns=2)
    (decision,) = plan(NOW, [first, second], ingested=set(), runs={})
    assert (decision.file, decision.action, decision.attempt) == (first, Action.REQUEST, 1)
    runs = {first.content: [_run(1, RunState.SUCCESS, NOW - dt.timedelta(seconds=5))]}
    (decision,) = plan(NOW, [first, second], ingested={first.ref}, runs=runs)
    assert (decision.file, decision.action, decision.attempt) == (second, Action.REQUEST, 2)
    assert plan(NOW, [first, second], ingested={first.ref, second.ref}, runs=runs) == []
