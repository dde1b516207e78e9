"""Re-checking a rendered file against its execution record: the same bytes
are OK, other bytes CHANGED (of the same size or not), no file MISSING."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from analytics_pipeline.reports.executions import Execution
from analytics_pipeline.reports.verification import CHANGED, MISSING, OK, check_file

CONTENT = b"metric_date,dau\n2026-03-01,3\n"
SHA = hashlib.sha256(CONTENT).hexdigest()


def _execution(path: Path | None) -> Execution:
    moment = datetime(2026, 3, 1, 6, tzinfo=UTC)
    return Execution(
        id=1,
        report_id="kpi",
        scheduled_for=moment,
        format="csv",
        status="completed",
        attempts=1,
        started_at=moment,
        completed_at=moment,
        file_path=path,
        file_size=len(CONTENT),
        sha256=SHA,
        record_count=1,
        generation_time_ms=5,
        parameters={},
        data_range=None,
        error_message=None,
        executed_by="tests",
        delivery_status="skipped",
        delivered_at=None,
        delivery_error=None,
        recipients=None,
    )


def test_the_recorded_bytes_are_ok(tmp_path: Path) -> None:
    path = tmp_path / "kpi.csv"
    path.write_bytes(CONTENT)
    check = check_file(_execution(path))
    assert (check.status, check.size, check.sha256, check.detail) == (OK, 29, SHA, "")


def test_other_bytes_of_the_same_size_are_changed(tmp_path: Path) -> None:
    path = tmp_path / "kpi.csv"
    path.write_bytes(CONTENT.replace(b"3", b"9"))
    check = check_file(_execution(path))
    new = hashlib.sha256(CONTENT.replace(b"3", b"9")).hexdigest()
    assert (check.status, check.size, check.sha256) == (CHANGED, 29, new)
    assert check.detail == f"same size (29 bytes); sha256 {new[:12]}…, recorded {SHA[:12]}…"


def test_a_file_of_another_size_is_changed_and_says_both_sizes(tmp_path: Path) -> None:
    path = tmp_path / "kpi.csv"
    path.write_bytes(CONTENT + b"2026-03-02,4\n")
    check = check_file(_execution(path))
    new = hashlib.sha256(CONTENT + b"2026-03-02,4\n").hexdigest()
    assert (check.status, check.size) == (CHANGED, 42)
    assert check.detail == f"size 42 bytes, recorded 29; sha256 {new[:12]}…, recorded {SHA[:12]}…"


def test_an_absent_file_a_directory_and_no_path_are_missing(tmp_path: Path) -> None:
    for path in (tmp_path / "gone.csv", tmp_path, None):
        check = check_file(_execution(path))
        assert (check.status, check.size, check.sha256, check.detail) == (
            MISSING,
            None,
            None,
            "no such file",
        )


def test_a_record_with_another_size_but_the_same_hash_is_changed(tmp_path: Path) -> None:
    # Cannot happen with honest records; a hand-edited row must not pass as OK.
    path = tmp_path / "kpi.csv"
    path.write_bytes(CONTENT)
    check = check_file(replace(_execution(path), file_size=31))
    assert check.status == CHANGED
    assert check.detail.startswith("size 29 bytes, recorded 31; ")
