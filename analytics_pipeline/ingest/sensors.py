"""The landing sensor: one run per settled file in `landing/<source>/` whose
content the ingest ledger does not hold (an empty file: whose path it does not
hold); failed runs are retried with backoff
(`landing_plan`), and what is ignored, failed or given up is logged once."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Collection, Iterable

import dagster as dg

from analytics_pipeline.ingest import ledger
from analytics_pipeline.ingest.assets import raw_asset_key, raw_assets
from analytics_pipeline.ingest.landing import LandingScan, ensure_landing_folders, scan_landing
from analytics_pipeline.ingest.landing_cursor import LandingCursor
from analytics_pipeline.ingest.landing_plan import (
    MAX_ATTEMPTS,
    Action,
    Decision,
    LandedFile,
    PastRun,
    RunState,
    plan,
)
from analytics_pipeline.settings import get_settings

# Run tags: what a run ingests, filterable in the UI; the sensor finds a
# content's past runs by them.
TAG_SOURCE = "analytics/source"
TAG_FILE = "analytics/file"  # path under the landing folder, e.g. users/users_1.jsonl
TAG_SHA256 = "analytics/sha256"
TAG_ATTEMPT = "analytics/attempt"
TAG_MTIME = "analytics/file_mtime_ns"  # a touched file starts a new series of attempts

# Hashing new files stops after this much of a tick; the rest wait for the next
# tick, which keeps a large first drop within the sensor's evaluation timeout.
HASH_BUDGET_SECONDS = 20.0


@dg.sensor(
    name="landing_files_sensor",
    description="Ingests files dropped into $ANALYTICS_HOME/landing/<source>/: one run per "
    "file whose content raw._ingest_batches does not hold (an empty file: whose path); "
    "failed files are retried after 1, 5 and 30 minutes, then given up (touch the file "
    "to retry).",
    asset_selection=dg.AssetSelection.assets(*raw_assets),
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def landing_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    return evaluate_landing(context, dt.datetime.now(dt.UTC))


def evaluate_landing(context: dg.SensorEvaluationContext, now: dt.datetime) -> dg.SensorResult:
    """One tick of the landing sensor as of `now` (tests pass a later time)."""
    ensure_landing_folders()
    cursor = LandingCursor.from_json(context.cursor)
    scan = scan_landing(now.timestamp())
    _log_ignored(context.log, scan, cursor)
    files = _landed_files(context.log, scan, cursor)
    done = ledger.ingested(f.ref for f in files)
    runs = _past_runs(context.instance, {f.content for f in files if f.ref not in done})
    decisions = plan(now, files, done, runs)
    requests = []
    reported = set()
    for decision in decisions:
        if decision.failures:
            newest = decision.failures[-1].run_id
            reported.add(newest)
            if newest not in cursor.reported:
                _log_failure(context.log, context.instance, decision)
        if decision.action is Action.REQUEST:
            requests.append(_run_request(decision))
            _log_request(context.log, decision)
    cursor.reported = reported  # only the failures still pending: bounded
    return dg.SensorResult(run_requests=requests, cursor=cursor.to_json())


def _display(path: str) -> str:
    """A landed path as people know it: under the landing folder."""
    root = str(get_settings().landing_dir) + "/"
    return path.removeprefix(root)


def _log_ignored(log: logging.Logger, scan: LandingScan, cursor: LandingCursor) -> None:
    """Log each ignored path once, while it stays there."""
    present = set()
    for item in scan.ignored:
        key = str(item.path)
        present.add(key)
        if key not in cursor.logged:
            log.warning(f"ignoring {_display(key)}: {item.reason}")
    cursor.logged = present


def _landed_files(
    log: logging.Logger, scan: LandingScan, cursor: LandingCursor
) -> list[LandedFile]:
    """The settled files with their content hashes (cached in the cursor)."""
    started = time.monotonic()
    files, present, postponed = [], set(), 0
    for source, paths in scan.files.items():
        for path in paths:
            present.add(str(path))
            try:
                stat = path.stat()
                sha = cursor.cached_sha256(path, stat)
                if sha is None:
                    if time.monotonic() - started > HASH_BUDGET_SECONDS:
                        postponed += 1
                        continue
                    sha = cursor.hash_file(path, stat)
            except FileNotFoundError:
                continue  # renamed or removed since the scan
            if sha is None:
                continue  # changed while being hashed: the next tick sees it settled
            files.append(LandedFile(source, str(path), sha, stat.st_mtime_ns))
    cursor.forget_hashes_except(present)
    if postponed:
        log.info(f"{postponed} landed files wait for the next tick to be hashed")
    return files


def _past_runs(
    instance: dg.DagsterInstance, contents: Collection[tuple[str, str]]
) -> dict[tuple[str, str], list[PastRun]]:
    """The runs requested for each content, by their tags, with their states."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, sha in contents:
        by_source[source].append(sha)
    runs: dict[tuple[str, str], list[PastRun]] = defaultdict(list)
    for source, shas in by_source.items():
        records = instance.get_run_records(
            filters=dg.RunsFilter(tags={TAG_SOURCE: source, TAG_SHA256: sorted(shas)})
        )
        for record in records:
            tags = record.dagster_run.tags
            runs[(source, tags[TAG_SHA256])].append(_past_run(record))
    return runs


def _past_run(record: dg.RunRecord) -> PastRun:
    run = record.dagster_run
    if run.status == dg.DagsterRunStatus.SUCCESS:
        state = RunState.SUCCESS
    elif run.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
        state = RunState.FAILURE
    else:
        state = RunState.IN_PROGRESS
    mtime = run.tags.get(TAG_MTIME)
    return PastRun(
        run_id=run.run_id,
        attempt=int(run.tags.get(TAG_ATTEMPT, 0)),
        file_mtime_ns=int(mtime) if mtime else None,
        state=state,
        created_at=record.create_timestamp,
        ended_at=dt.datetime.fromtimestamp(record.end_time, dt.UTC) if record.end_time else None,
    )


def run_key(file: LandedFile, attempt: int) -> str:
    return f"{file.source}|{file.sha256}|{attempt}"


def _run_request(decision: Decision) -> dg.RunRequest:
    file = decision.file
    key = raw_asset_key(file.source)
    return dg.RunRequest(
        run_key=run_key(file, decision.attempt),
        asset_selection=[key],
        run_config={"ops": {key.to_python_identifier(): {"config": {"files": [file.path]}}}},
        tags={
            TAG_SOURCE: file.source,
            TAG_FILE: _display(file.path),
            TAG_SHA256: file.sha256,
            TAG_ATTEMPT: str(decision.attempt),
            TAG_MTIME: str(file.mtime_ns),
        },
    )


def _log_request(log: logging.Logger, decision: Decision) -> None:
    file = decision.file
    what = "retrying" if decision.failures else "new content"
    log.info(
        f"{what}: {_display(file.path)} (sha256 {file.sha256[:12]}): requesting run "
        f"{run_key(file, decision.attempt)}"
    )


def _log_failure(log: logging.Logger, instance: dg.DagsterInstance, decision: Decision) -> None:
    file, failed = decision.file, decision.failures[-1]
    what = (
        f"{_display(file.path)} (sha256 {file.sha256[:12]}) failed on attempt {failed.attempt} "
        f"(run {failed.run_id}): {_failure_reason(instance, failed.run_id)}"
    )
    if decision.action is Action.GIVE_UP:
        log.error(
            f"gave up on {what}. {len(decision.failures)} attempts in a row failed; fix the "
            f"file and copy it in again, or touch it, to try again"
        )
    else:
        when = f"{decision.next_try_at:%Y-%m-%d %H:%M:%S} UTC"
        log.warning(
            f"{what}; failure {len(decision.failures)} of {MAX_ATTEMPTS}, next try at {when}"
        )


def _failure_reason(instance: dg.DagsterInstance, run_id: str) -> str:
    """The failed run's error in one line, from its event log."""
    events = instance.all_logs(
        run_id,
        of_type={
            dg.DagsterEventType.STEP_FAILURE,
            dg.DagsterEventType.RUN_FAILURE,
            dg.DagsterEventType.RUN_CANCELED,
        },
    )
    messages = _failure_messages(e.dagster_event for e in events if e.dagster_event)
    return " ".join(messages[0].split()) if messages else "see the run's logs"


def _failure_messages(events: Iterable[dg.DagsterEvent]) -> list[str]:
    """Step failures first (the asset's own description), then the run's end."""
    steps, runs = [], []
    for event in events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            if data.user_failure_data and data.user_failure_data.description:
                steps.append(data.user_failure_data.description)
            elif data.error:
                steps.append(data.error.message)
        elif event.message:
            runs.append(event.message)
    return steps + runs
