"""The erasure's parts that need no warehouse: which ids a rendered file
mentions, and how the code location runs the erasure."""

from __future__ import annotations

import dagster as dg
import openpyxl
import pytest

from analytics_pipeline.maintenance.erasure_files import ids_in_file

USER = "6f1c2a9e-0d1b-4c3e-9f5a-2b7d8e9f0a1b"


def test_a_text_file_mentions_only_whole_ids(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text(f"user_id,events\n{USER},3\nu-12,4\n")
    assert ids_in_file(path, {USER, "u-1", "u-12"}) == {USER, "u-12"}
    assert ids_in_file(path, {"u-1"}) == frozenset()  # a prefix of another id


def test_a_large_file_is_searched_in_blocks_across_their_borders(tmp_path, monkeypatch):
    from analytics_pipeline.maintenance import erasure_files

    monkeypatch.setattr(erasure_files, "_CHUNK_BYTES", 10)
    monkeypatch.setattr(erasure_files, "_OVERLAP_BYTES", 8)
    path = tmp_path / "report.csv"
    path.write_bytes(b"aaaa,xuser-1,b,user-1\n")  # the whole id lies across a border
    assert ids_in_file(path, {"user-1"}) == {"user-1"}
    path.write_bytes(b"abcdefghiXuser-1,")  # a block starts on an id's tail: not whole
    assert ids_in_file(path, {"user-1"}) == frozenset()


def test_the_sheets_of_an_xlsx_are_searched(tmp_path):
    path = tmp_path / "report.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["user_id", "events"])
    book.active.append([USER, 3])
    book.save(path)
    assert USER.encode() not in path.read_bytes()  # compressed: a byte search misses it
    assert ids_in_file(path, {USER}) == {USER}


def test_a_pdf_or_a_missing_file_mentions_nothing_it_can_tell(tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_text(f"%PDF-1.4 {USER}")
    # PDFs are withdrawn by their definition instead (erasure_files docstring).
    assert ids_in_file(pdf, {USER}) == frozenset()
    assert ids_in_file(tmp_path / "gone.csv", {USER}) == frozenset()


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from analytics_pipeline.definitions import defs

    return defs


def test_the_erasure_follows_the_raw_users_on_a_daily_utc_schedule(defs):
    from analytics_pipeline.maintenance.erasure_assets import ERASURE

    node = defs.resolve_asset_graph().get(ERASURE)
    assert node.group_name == "maintenance"
    assert dg.AssetKey(["raw", "users"]) in node.parent_keys
    schedule = defs.get_schedule_def("erasure_schedule")
    assert schedule.cron_schedule == "0 1 * * *"  # before the snapshots (01:30) and daily (02:00)
    assert schedule.execution_timezone == "UTC"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "erasure_job"


def test_no_build_runs_the_erasure():
    from analytics_pipeline.commands.build import UNPARTITIONED, _stages
    from analytics_pipeline.commands.materialize import all_asset_keys, resolve_selection
    from analytics_pipeline.maintenance.erasure_assets import ERASURE

    assert ERASURE not in resolve_selection(UNPARTITIONED)
    stages = _stages(all_asset_keys())
    assert stages["erasure"] == {ERASURE}  # the stage `build` never runs
    assert ERASURE not in stages["maintenance"]
    assert ERASURE not in stages["unpartitioned"]


def test_the_run_metadata_counts_users_rows_and_files():
    from analytics_pipeline.maintenance.erasure import ErasureResult, UserErasure
    from analytics_pipeline.maintenance.erasure_assets import erasure_metadata

    users = tuple(
        UserErasure(
            f"p{i}",
            None,
            None,
            rows_deleted={"raw.users": 2, "staging.stg_users": 1},
            rows_pseudonymized={"raw._quarantine": i},
            files=[{"path": "/reports/r/a.csv", "action": "removed"}],
        )
        for i in (1, 2)
    )
    metadata = erasure_metadata(ErasureResult("run", False, users))
    assert metadata["users_erased"].value == 2
    assert metadata["rows_erased"].value == 9
    assert metadata["files_withdrawn"].value == 1
    assert metadata["rows_per_table"].value.splitlines()[2:] == [
        "| raw._quarantine | 3 |",
        "| raw.users | 4 |",
        "| staging.stg_users | 2 |",
    ]
