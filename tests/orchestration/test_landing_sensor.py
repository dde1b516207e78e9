"""The landing sensor through a real Dagster instance and the real warehouse:
one run per settled file whose content the ledger does not hold; failed files
retried with backoff and given up; ignored things logged once; and the raw
asset loading each file on its own."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import os
import time
from pathlib import Path

import dagster as dg

from analytics_pipeline import warehouse
from analytics_pipeline.ingest import ingest_files
from analytics_pipeline.ingest.assets import raw_assets
from analytics_pipeline.ingest.contract import SOURCES
from analytics_pipeline.ingest.landing import landing_folder
from analytics_pipeline.ingest.landing_plan import MAX_ATTEMPTS
from analytics_pipeline.ingest.loader import file_sha256
from analytics_pipeline.ingest.sensors import evaluate_landing, landing_files_sensor


def _agents_jsonl(ids) -> str:
    return "".join(
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


def _settle(path: Path, seconds_ago: float = 60) -> Path:
    settled = time.time() - seconds_ago
    os.utime(path, (settled, settled))
    return path


def _write_agents(path: Path, ids, seconds_ago: float = 60) -> Path:
    path.write_text(_agents_jsonl(ids))
    return _settle(path, seconds_ago)


def _write_corrupt_gz(path: Path) -> Path:
    """A gzip file cut short: reading it raises EOFError."""
    whole = gzip.compress(_agents_jsonl([f"c{i}" for i in range(200)]).encode())
    path.write_bytes(whole[: len(whole) // 2])
    return _settle(path)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname} {record.getMessage()}")


def _tick(
    instance: dg.DagsterInstance, cursor: str | None = None, now: dt.datetime | None = None
) -> tuple[dg.SensorResult, list[str]]:
    """One sensor evaluation (as of `now`, default the real time) and its log lines."""
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    records = _Records()
    context.log.addHandler(records)
    result = landing_files_sensor(context) if now is None else evaluate_landing(context, now)
    return result, records.messages


def _launch(instance: dg.DagsterInstance, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    """Run a request as the daemon would: its config, selection and tags."""
    return dg.materialize(
        raw_assets,
        instance=instance,
        run_config=request.run_config,
        selection=request.asset_selection,
        tags=request.tags,
        raise_on_error=False,
    )


def _query(sql: str, params=()) -> list[tuple]:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _agents_folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("ANALYTICS_LANDING_DIR", str(tmp_path / "landing"))
    folder = landing_folder("agents")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_one_run_per_new_settled_file_and_the_run_ingests_it(empty_database, tmp_path, monkeypatch):
    folder = _agents_folder(tmp_path, monkeypatch)
    first = _write_agents(folder / "agents_1.jsonl", ["a1", "a2"])
    second = _write_agents(folder / "agents_2.jsonl", ["a3"])
    (folder / "agents_3.jsonl.part").write_text("being written")  # silently ignored
    young = folder / "agents_4.jsonl"
    young.write_text("{}\n")  # not settled yet: a later tick takes it

    instance = dg.DagsterInstance.ephemeral()
    result, log = _tick(instance)
    assert [r.run_config["ops"]["raw__agents"]["config"] for r in result.run_requests] == [
        {"files": [str(first)]},
        {"files": [str(second)]},
    ]
    request = result.run_requests[0]
    sha = file_sha256(first)
    assert request.asset_selection == [dg.AssetKey(["raw", "agents"])]
    assert request.run_key == f"agents|{sha}|1"
    assert request.tags == {
        "analytics/source": "agents",
        "analytics/file": "agents/agents_1.jsonl",
        "analytics/sha256": sha,
        "analytics/attempt": "1",
        "analytics/file_mtime_ns": str(first.stat().st_mtime_ns),
    }
    assert not any("agents_3" in line for line in log)

    # Before the runs exist the same run keys come again (Dagster skips them).
    again, _ = _tick(instance, result.cursor)
    assert [r.run_key for r in again.run_requests] == [r.run_key for r in result.run_requests]

    young.unlink()
    runs = [_launch(instance, r) for r in result.run_requests]
    assert all(run.success for run in runs)
    (materialization,) = runs[0].asset_materializations_for_node("raw__agents")
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert (metadata["rows_loaded"], metadata["files_loaded"], metadata["files_failed"]) == (
        2,
        1,
        0,
    )
    assert _query("select agent_id from raw.agents order by 1") == [("a1",), ("a2",), ("a3",)]

    done, _ = _tick(instance, result.cursor)
    assert done.run_requests == []
    # The cursor caches each file's hash by (path, size, mtime_ns), only for files present.
    second.unlink()
    cursor = json.loads(_tick(instance, done.cursor)[0].cursor)
    assert cursor["hashes"] == {str(first): [first.stat().st_size, first.stat().st_mtime_ns, sha]}


def test_content_changed_under_the_same_name_is_ingested(empty_database, tmp_path, monkeypatch):
    folder = _agents_folder(tmp_path, monkeypatch)
    path = _write_agents(folder / "agents.jsonl", ["a1"])
    instance = dg.DagsterInstance.ephemeral()
    result, _ = _tick(instance)
    (request,) = result.run_requests
    assert _launch(instance, request).success

    _write_agents(path, ["a1", "b1", "b2"], seconds_ago=30)  # new content, same name
    changed, _ = _tick(instance, result.cursor)
    (request,) = changed.run_requests
    assert request.tags["analytics/sha256"] == file_sha256(path)
    assert request.run_key == f"agents|{file_sha256(path)}|1"
    assert _launch(instance, request).success
    assert _query("select agent_id, count(*) from raw.agents group by 1 order by 1") == [
        ("a1", 2),
        ("b1", 1),
        ("b2", 1),
    ]
    assert _tick(instance, changed.cursor)[0].run_requests == []


def test_files_already_in_the_ledger_request_nothing(empty_database, tmp_path, monkeypatch):
    """As after a UI restart with a fresh cursor: no run for content already loaded."""
    folder = _agents_folder(tmp_path, monkeypatch)
    paths = [_write_agents(folder / f"agents_{n}.jsonl", [f"a{n}"]) for n in range(3)]
    ingest_files("agents", paths)
    copy = _write_agents(folder / "agents_copy.jsonl", ["a0"])  # same bytes as agents_0
    assert file_sha256(copy) == file_sha256(paths[0])

    result, log = _tick(dg.DagsterInstance.ephemeral())
    assert result.run_requests == []
    assert log == []


def test_a_corrupt_file_fails_alone_and_is_retried_after_the_backoff(
    empty_database, tmp_path, monkeypatch
):
    folder = _agents_folder(tmp_path, monkeypatch)
    corrupt = _write_corrupt_gz(folder / "agents_1.jsonl.gz")
    _write_agents(folder / "agents_2.jsonl", ["v1", "v2"])
    instance = dg.DagsterInstance.ephemeral()

    first, _ = _tick(instance)
    by_file = {r.tags["analytics/file"]: r for r in first.run_requests}
    assert set(by_file) == {"agents/agents_1.jsonl.gz", "agents/agents_2.jsonl"}
    failed = _launch(instance, by_file["agents/agents_1.jsonl.gz"])
    assert not failed.success
    assert failed.asset_materializations_for_node("raw__agents") == []
    assert _launch(instance, by_file["agents/agents_2.jsonl"]).success
    assert _query("select agent_id from raw.agents order by 1") == [("v1",), ("v2",)]
    ((reason, sha),) = _query("select reason, file_sha256 from raw._ingest_failures")
    assert reason.startswith("EOFError") and sha == file_sha256(corrupt)

    # Right after the failure: no request; one log line names file, attempt and next try.
    waiting, log = _tick(instance, first.cursor)
    assert waiting.run_requests == []
    (line,) = log
    assert line.startswith("WARNING agents/agents_1.jsonl.gz")
    assert f"failed on attempt 1 (run {failed.run_id})" in line
    assert "EOFError" in line
    assert "failure 1 of 4, next try at " in line
    assert _tick(instance, waiting.cursor)[1] == []  # logged once

    # A minute after the failure the sensor requests attempt 2.
    record = instance.get_run_record_by_id(failed.run_id)
    after_backoff = dt.datetime.fromtimestamp(record.end_time, dt.UTC) + dt.timedelta(minutes=1)
    retry, log = _tick(instance, waiting.cursor, now=after_backoff)
    (request,) = retry.run_requests
    assert request.run_key == f"agents|{file_sha256(corrupt)}|2"
    assert request.tags["analytics/attempt"] == "2"
    assert log == [
        f"INFO retrying: agents/agents_1.jsonl.gz (sha256 {sha[:12]}): requesting "
        f"run {request.run_key}"
    ]


def test_gives_up_after_the_last_attempt_and_a_touch_retries(empty_database, tmp_path, monkeypatch):
    folder = _agents_folder(tmp_path, monkeypatch)
    corrupt = _write_corrupt_gz(folder / "agents.jsonl.gz")
    instance = dg.DagsterInstance.ephemeral()
    cursor, now = None, dt.datetime.now(dt.UTC)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result, _ = _tick(instance, cursor, now=now)
        (request,) = result.run_requests
        assert request.tags["analytics/attempt"] == str(attempt)
        assert not _launch(instance, request).success
        cursor, now = result.cursor, now + dt.timedelta(hours=1)

    gave_up, log = _tick(instance, cursor, now=now)
    assert gave_up.run_requests == []
    (line,) = log
    assert line.startswith("ERROR gave up on agents/agents.jsonl.gz")
    assert "4 attempts in a row failed" in line and "touch it" in line
    later, log = _tick(instance, gave_up.cursor, now=now + dt.timedelta(days=1))
    assert (later.run_requests, log) == ([], [])

    _settle(corrupt, seconds_ago=10)  # touched: a new series of attempts
    touched, _ = _tick(instance, later.cursor, now=now)
    (request,) = touched.run_requests
    assert request.run_key == f"agents|{file_sha256(corrupt)}|{MAX_ATTEMPTS + 1}"


def test_unknown_folders_and_unsupported_files_are_logged_once(
    empty_database, tmp_path, monkeypatch
):
    folder = _agents_folder(tmp_path, monkeypatch)
    (folder.parent / "agent").mkdir()  # a typo of a source name
    (folder / "agents.json").write_text("[]")  # a MongoDB export, which agents does not map
    (folder / "agents.xml").write_text("")  # not a contract format
    (folder / ".hidden.jsonl").write_text("")  # the writer protocol: silent
    (folder / "agents.csv.tmp").write_text("")

    result, log = _tick(dg.DagsterInstance.ephemeral())
    assert result.run_requests == []
    assert sorted(log) == [
        "WARNING ignoring agent: not a source folder: files go into landing/<source>/ where "
        f"<source> is one of {', '.join(sorted(SOURCES))}",
        "WARNING ignoring agents/agents.json: agents.json: agents does not accept MongoDB "
        "exports (.json); the sources that do: hr_report_access_logs, hr_chat_sessions, "
        "hr_dashboard_interactions, hr_activity_logs",
        "WARNING ignoring agents/agents.xml: agents.xml: unsupported file type; expected "
        ".jsonl, .ndjson, .csv or .json (a MongoDB export), optionally .gz, or .parquet",
    ]
    again, log = _tick(dg.DagsterInstance.ephemeral(), result.cursor)
    assert log == []

    # Removed and back: logged again (the cursor only remembers what is there).
    (folder / "agents.json").unlink()
    gone, _ = _tick(dg.DagsterInstance.ephemeral(), again.cursor)
    (folder / "agents.json").write_text("[]")
    _, log = _tick(dg.DagsterInstance.ephemeral(), gone.cursor)
    assert len(log) == 1 and "agents/agents.json" in log[0]


def test_a_run_for_content_already_ingested_does_not_materialize(
    empty_database, tmp_path, monkeypatch
):
    folder = _agents_folder(tmp_path, monkeypatch)
    path = _write_agents(folder / "agents.jsonl", ["a1"])
    instance = dg.DagsterInstance.ephemeral()
    (request,) = _tick(instance)[0].run_requests
    ingest_files("agents", [path])  # e.g. the CLI got there first

    run = _launch(instance, request)
    assert run.success
    assert run.asset_materializations_for_node("raw__agents") == []
    assert instance.get_latest_materialization_event(dg.AssetKey(["raw", "agents"])) is None


def test_manual_materialization_loads_the_valid_files_and_fails_for_the_corrupt_one(
    empty_database, tmp_path, monkeypatch
):
    folder = _agents_folder(tmp_path, monkeypatch)
    corrupt = _write_corrupt_gz(folder / "agents_1.jsonl.gz")
    _write_agents(folder / "agents_2.jsonl", ["v1"])
    _write_agents(folder / "agents_3.jsonl", ["v2"])
    instance = dg.DagsterInstance.ephemeral()

    # No config, as from the UI: every file in the landing folder.
    run = dg.materialize(
        raw_assets, instance=instance, selection=["raw/agents"], raise_on_error=False
    )
    assert not run.success
    (materialization,) = run.asset_materializations_for_node("raw__agents")
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert (metadata["files_loaded"], metadata["files_failed"], metadata["rows_loaded"]) == (
        2,
        1,
        2,
    )
    (failure,) = metadata["failures"]
    assert failure["file"] == str(corrupt) and failure["reason"].startswith("EOFError")
    assert _query("select agent_id from raw.agents order by 1") == [("v1",), ("v2",)]
    assert _query("select source, source_file, file_sha256 from raw._ingest_failures") == [
        ("agents", str(corrupt), file_sha256(corrupt))
    ]
    (step_failure,) = [e for e in run.all_events if e.event_type_value == "STEP_FAILURE"]
    description = step_failure.step_failure_data.user_failure_data.description
    assert description.startswith(f"1 of 3 files failed to load: {corrupt}: EOFError")


def _empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return _settle(path)


def test_empty_files_are_each_ingested_once_and_reported_as_empty(
    empty_database, tmp_path, monkeypatch
):
    """Two empty files share their (empty) content: each gets one run, is
    recorded under its own name, observed as "empty", and then left alone."""
    folder = _agents_folder(tmp_path, monkeypatch)
    first = _empty_file(folder / "agents_1.jsonl")
    second = _empty_file(folder / "agents_2.jsonl")
    empty_sha = file_sha256(first)
    instance = dg.DagsterInstance.ephemeral()

    tick, _ = _tick(instance)
    (request,) = tick.run_requests
    assert (request.tags["analytics/file"], request.run_key) == (
        "agents/agents_1.jsonl",
        f"agents|{empty_sha}|1",
    )
    run = _launch(instance, request)
    assert run.success
    assert run.asset_materializations_for_node("raw__agents") == []
    (observation,) = run.asset_observations_for_node("raw__agents")
    assert observation.metadata["files_empty"].value == 1
    (file,) = observation.metadata["files"].value
    assert (file["file"], file["status"], file["rows_read"]) == (str(first.resolve()), "empty", 0)

    tick, _ = _tick(instance, tick.cursor)
    (request,) = tick.run_requests
    assert (request.tags["analytics/file"], request.run_key) == (
        "agents/agents_2.jsonl",
        f"agents|{empty_sha}|2",
    )
    assert _launch(instance, request).success

    for _ in range(2):  # no loop: both are in the ledger
        tick, log = _tick(instance, tick.cursor)
        assert tick.run_requests == []
    assert _query(
        "select source_file, rows_read, rows_loaded, rows_quarantined "
        "from raw._ingest_batches order by source_file"
    ) == [(str(first.resolve()), 0, 0, 0), (str(second.resolve()), 0, 0, 0)]


def test_a_run_loading_rows_and_an_empty_file_lists_both_in_its_materialization(
    empty_database, tmp_path, monkeypatch
):
    folder = _agents_folder(tmp_path, monkeypatch)
    empty = _empty_file(folder / "agents_0.jsonl")
    full = _write_agents(folder / "agents_1.jsonl", ["a1", "a2"])
    run = dg.materialize(raw_assets, selection=[dg.AssetKey(["raw", "agents"])])
    (materialization,) = run.asset_materializations_for_node("raw__agents")
    metadata = materialization.metadata
    assert (
        metadata["files_loaded"].value,
        metadata["files_empty"].value,
        metadata["files_skipped"].value,
        metadata["rows_read"].value,
    ) == (1, 1, 0, 2)
    assert [(f["file"], f["status"], f["rows_read"]) for f in metadata["files"].value] == [
        (str(empty.resolve()), "empty", 0),
        (str(full.resolve()), "loaded", 2),
    ]
    assert run.asset_observations_for_node("raw__agents") == []
