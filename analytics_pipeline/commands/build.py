"""Build every asset, or a selection of them, in dependency order: the steps
that `analytics-pipeline materialize` and the demo share.

A Dagster run covers assets of one partitioning, so a build is a sequence of
runs, each over the selected assets of one stage:

1. raw: ingest the landing files;
2. the unpartitioned assets (staging, intermediate, dbt snapshots, the
   data_snapshots view);
3. the hospital pack's figures, small cells and published tables, one run
   per as-of date (the window's last day unless the caller names the days;
   analytics_metrics copies its KPIs);
4. the daily aggregates and marts, every day of the window in one run;
5. the data snapshots, each period type over its whole periods in the window;
6. learning and the mastery history, one run per as-of date, in order;
7. the alerts: sync the rules, evaluate each for the window's last day;
8. the reports: sync the definitions, render each for its latest scheduled time;
9. the dashboards: the same.

Maintenance (retention) runs after stage 2 when the selection names it; a
build of everything leaves it to its schedule.

The window is the days of the data (first to last day with activity) unless
the caller names the days.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from analytics_pipeline import warehouse
from analytics_pipeline.commands.materialize import (
    SelectionError,
    all_asset_keys,
    failure_details,
    failure_summary,
    materialize,
    partitioned_keys,
    resolve_selection,
)
from analytics_pipeline.settings import get_settings

RAW = "group:raw"
DAILY = "tag:daily"
DATA_SNAPSHOTS = "tag:data_snapshots"
# The Python learning assets and what dbt builds from them, partitioned by as-of date.
LEARNING = "group:learning or tag:mastery_history"
# The hospital pack's assets rebuilt as of each date: its figures (dbt), the
# small-cell rule (Python) and its published tables (dbt).
HOSPITAL = (
    "tag:hospital_figures or key:hospital/suppressed_cells or key:hospital/suppression_inputs"
    " or tag:hospital_published"
)
ALERTS = "group:alerts"
REPORTS = "group:reports"
DASHBOARDS = "group:dashboards"
# Maintenance deletes rather than builds: a build without a selection skips
# it; a selection naming it runs the retention, never the erasure (its
# schedule or `analytics-pipeline erasure run` does).
MAINTENANCE = "group:maintenance"
ERASURE = "key:maintenance/erasure"
# Everything but the raw assets, the (daily or periodic) partitioned assets,
# the alerts, reports and dashboards (judged or rendered for a time; built
# last) and maintenance.
UNPARTITIONED = (
    f"not {RAW} and not {DAILY} and not {DATA_SNAPSHOTS} and not group:learning"
    " and not tag:mastery_history and not tag:hospital_figures"
    " and not key:hospital/suppressed_cells and not key:hospital/suppression_inputs"
    " and not tag:hospital_published"
    f" and not {ALERTS} and not {REPORTS} and not {DASHBOARDS} and not {MAINTENANCE}"
)
# What the daily schedules build for one day: the daily job (aggregates, marts,
# learning, mastery history, the alert rules judged for the day) and the data
# snapshots of the periods ending that day.
DAILY_RUN = f"{DAILY} or {LEARNING} or {DATA_SNAPSHOTS} or {ALERTS}"
# As-of dates a whole build computes mastery for, so that mastery_progression has a history.
LEARNING_HISTORY_DAYS = 5

Say = Callable[[str], None]


@dataclass
class BuildOutcome:
    success: bool
    runs: int = 0
    assets: set[dg.AssetKey] = field(default_factory=set)


def learning_days(last_day: str, days: int) -> list[str]:
    """The `days` as-of dates ending `last_day`, oldest first."""
    last = dt.date.fromisoformat(last_day)
    return [(last - dt.timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def _days(first_day: str, last_day: str) -> list[str]:
    first, last = dt.date.fromisoformat(first_day), dt.date.fromisoformat(last_day)
    return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def build(
    keys: set[dg.AssetKey] | None = None,
    *,
    as_of: str | None = None,
    first_day: str | None = None,
    history_days: int = LEARNING_HISTORY_DAYS,
    tags: dict[str, str] | None = None,
    say: Say = print,
    started: float | None = None,
) -> BuildOutcome:
    """Materialize `keys` (every asset when None) stage by stage; stop at the
    first failed run (its failed steps are said).

    The daily window is first_day..as_of; without as_of it ends on the data's
    last day, without first_day it starts on as_of (or the data's first day).
    Learning runs for each day of the window when first_day is given, for as_of
    alone when only it is, else for the `history_days` days ending the window.
    """
    _check_days(as_of, first_day)  # before anything runs
    keys = without_maintenance(all_asset_keys()) if keys is None else set(keys)
    stages = _stages(keys)
    tags = tags or {}
    started = time.perf_counter() if started is None else started
    outcome = BuildOutcome(success=True)

    def step(message: str) -> None:
        say(f"[{time.perf_counter() - started:6.1f}s] {message}")

    def run(stage_keys: set[dg.AssetKey], **options) -> bool:
        result = materialize(
            " or ".join(f"key:{k.to_user_string()}" for k in sorted(stage_keys)),
            log_level="WARNING",
            tags=tags,
            **options,
        )
        outcome.runs += 1
        if not result.success:
            print(failure_details(result), file=sys.stderr)  # the log, in the CLI
            say(failure_summary(result))
            outcome.success = False
            return False
        outcome.assets |= stage_keys
        return True

    if stages["erasure"]:  # asked for by name
        step(
            f"not running {_count(stages['erasure'], 'maintenance')}: a build never erases;"
            " its schedule or `analytics-pipeline erasure run` does"
        )
    if stages["raw"]:
        step(f"ingesting the landing files ({_count(stages['raw'], 'raw')}) ...")
        if not run(stages["raw"]):
            return outcome
    if stages["unpartitioned"]:
        step(
            f"building {_count(stages['unpartitioned'], 'unpartitioned')} "
            "(staging, intermediate, snapshots; dbt build with tests) ..."
        )
        if not run(stages["unpartitioned"]):
            return outcome
    if stages["maintenance"]:
        step("running maintenance (retention, as of the newest event) ...")
        if not run(stages["maintenance"]):
            return outcome
    partitioned = (
        stages["daily"] | stages["data_snapshots"] | stages["learning"] | stages["hospital"]
    )
    if not (partitioned or stages["alerts"] or stages["reports"] or stages["dashboards"]):
        return outcome
    window = _window(as_of, first_day)
    if window is None:
        step("no activity in staging yet: nothing to build per day")
        return outcome
    first, last = window
    if stages["hospital"]:
        days = _days(first, last) if first_day is not None else [last]
        step(
            f"building {_count(stages['hospital'], 'hospital')} (figures, small cells, "
            f"published tables) as of {_span(days[0], days[-1])}, one run per day ..."
        )
        for day in days:
            if not run(stages["hospital"], as_of=day):
                return outcome
    if stages["daily"]:
        window_text = f"{first}..{last} in one run" if first != last else last
        step(f"building {_count(stages['daily'], 'daily-partitioned')}, {window_text} ...")
        if not run(stages["daily"], as_of=last, first_day=first):
            return outcome
    if stages["data_snapshots"]:
        step(f"building the data snapshots of the periods ending in {_span(first, last)} ...")
        if not _data_snapshots(stages["data_snapshots"], first, last, run):
            return outcome
    if stages["learning"]:
        if first_day is not None:
            days = _days(first, last)
        elif as_of is not None:
            days = [last]
        else:
            days = [d for d in learning_days(last, history_days) if d >= first]
        step(
            f"building {_count(stages['learning'], 'learning')} (mastery, gaps, readiness, "
            f"mastery history) as of {_span(days[0], days[-1])}, one run per day ..."
        )
        for day in days:
            if not run(stages["learning"], as_of=day):
                return outcome
    if stages["alerts"]:
        step(f"syncing the alert rules and evaluating them for {last} ...")
        # a run covers partitioned or unpartitioned assets: the sync runs first
        sync = {key for key in stages["alerts"] if not _is_partitioned(key)}
        if sync and not run(sync):
            return outcome
        rules = stages["alerts"] - sync
        if rules and not run(rules, as_of=last):
            return outcome
    if stages["reports"]:
        moment = report_moment(last)
        step(
            "syncing the report definitions and rendering the reports due by "
            f"{moment:%Y-%m-%d %H:%M} UTC ..."
        )
        outcome.success = materialize_reports(moment, tags, say, families=stages["reports"])
        outcome.runs += 1
        if not outcome.success:
            return outcome
        outcome.assets |= stages["reports"]
    if stages["dashboards"]:
        moment = report_moment(last)
        step(
            "syncing the dashboard definitions and rendering the dashboards due by "
            f"{moment:%Y-%m-%d %H:%M} UTC ..."
        )
        outcome.success = materialize_dashboards(moment, tags, say, keys=stages["dashboards"])
        outcome.runs += 1
        if outcome.success:
            outcome.assets |= stages["dashboards"]
    return outcome


def _stages(keys: set[dg.AssetKey]) -> dict[str, set[dg.AssetKey]]:
    stages = {
        name: keys & _resolve(selection)
        for name, selection in (
            ("raw", RAW),
            ("daily", DAILY),
            ("data_snapshots", DATA_SNAPSHOTS),
            ("learning", LEARNING),
            ("hospital", HOSPITAL),
            ("alerts", ALERTS),
            ("reports", REPORTS),
            ("dashboards", DASHBOARDS),
            ("maintenance", MAINTENANCE),
        )
    }
    stages["erasure"] = stages["maintenance"] & _resolve(ERASURE)  # never run by a build
    stages["maintenance"] -= stages["erasure"]
    stages["unpartitioned"] = keys - set().union(*stages.values())
    return stages


def _is_partitioned(key: dg.AssetKey) -> bool:
    return key in partitioned_keys()


def without_maintenance(keys: set[dg.AssetKey]) -> set[dg.AssetKey]:
    """What a build without a selection builds: every asset but maintenance."""
    return keys - _resolve(MAINTENANCE)


def _resolve(selection: str) -> set[dg.AssetKey]:
    try:
        return resolve_selection(selection)
    except SelectionError:  # e.g. a dbt project without daily models
        return set()


def _span(first: str, last: str) -> str:
    return first if first == last else f"{first}..{last}"


def _count(keys: set[dg.AssetKey], kind: str) -> str:
    return f"{len(keys)} {kind} asset{'s' if len(keys) != 1 else ''}"


def _window(as_of: str | None, first_day: str | None) -> tuple[str, str] | None:
    if as_of is not None:
        first = first_day or as_of
        return first, as_of
    data_first, data_last = event_day_range()
    if data_last is None:
        return None
    return first_day or data_first, data_last


def _check_days(as_of: str | None, first_day: str | None) -> None:
    if as_of is not None and first_day is not None and first_day > as_of:
        raise ValueError(f"--from {first_day} is after --as-of {as_of}")
    if first_day is not None:
        _check_partition_day(first_day, "--from")
    if as_of is not None:
        _check_partition_day(as_of, "--as-of")


def _check_partition_day(day: str, option: str) -> None:
    """A user error, said in one line, rather than Dagster's traceback."""
    start = get_settings().partition_start
    if day < start:
        raise ValueError(
            f"{option} {day} is before the first daily partition {start} "
            "(ANALYTICS_PARTITION_START)"
        )
    if day > dt.datetime.now(dt.UTC).date().isoformat():
        raise ValueError(f"{option} {day} is in the future")


def _data_snapshots(keys: set[dg.AssetKey], first_day: str, last_day: str, run) -> bool:
    from analytics_pipeline.dbt.assets import DATA_SNAPSHOT_ASSETS
    from analytics_pipeline.partitions import whole_period_key_range

    for asset in DATA_SNAPSHOT_ASSETS.values():
        if asset.key not in keys:
            continue
        window = whole_period_key_range(
            asset.partitions_def, dt.date.fromisoformat(first_day), dt.date.fromisoformat(last_day)
        )
        if window is None:
            continue  # no whole period in the window yet
        if not run({asset.key}, as_of=window[1], first_day=window[0]):
            return False
    return True


def materialize_data_snapshots(
    first_day: str, last_day: str, tags: dict[str, str], say: Say = print
) -> bool:
    """Each data_snapshots asset over its whole periods within first_day..last_day."""
    return build(
        _resolve(DATA_SNAPSHOTS), as_of=last_day, first_day=first_day, tags=tags, say=_quiet(say)
    ).success


def materialize_learning(days: list[str], tags: dict[str, str], say: Say = print) -> bool:
    """The learning assets and the mastery history, one run per as-of date (in
    order, so that each snapshot records that day's mastery)."""
    keys = _resolve(LEARNING)
    return all(build(keys, as_of=day, tags=tags, say=_quiet(say)).success for day in days)


def _quiet(say: Say) -> Say:
    """Say failures only (the step lines start with the elapsed time)."""
    return lambda message: None if message.startswith("[") else say(message)


def report_moment(last_day: str, now: dt.datetime | None = None) -> dt.datetime:
    """Reports are rendered as if it were noon (UTC) after the last data day, or
    now if that is earlier: a report is never rendered for a time still to come
    (the report sensor would then find the one due now not rendered)."""
    noon_after = dt.datetime.combine(
        dt.date.fromisoformat(last_day) + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC
    )
    return min(noon_after, now or dt.datetime.now(dt.UTC))


def materialize_reports(
    moment: dt.datetime,
    tags: dict[str, str],
    say: Say = print,
    families: set[dg.AssetKey] | None = None,
) -> bool:
    """Sync the definitions and render every report (of `families`, default
    all) for its latest scheduled time up to `moment`."""
    from analytics_pipeline.commands.reports import run_latest_scheduled, sync_reports
    from analytics_pipeline.reports.assets import REPORT_DEFINITIONS

    synced, message = sync_reports(tags)
    say(f"  {message}")
    if not synced:
        return False
    if families is not None:
        families = families - {REPORT_DEFINITIONS}
        if not families:
            return True
    return run_latest_scheduled(moment, tags, say, families=families)


def materialize_dashboards(
    moment: dt.datetime,
    tags: dict[str, str],
    say: Say = print,
    keys: set[dg.AssetKey] | None = None,
) -> bool:
    """Sync the dashboard definitions (their asset) and render every dashboard
    (of the assets `keys`, default all, those defined only in the table
    included) for its latest scheduled time up to `moment`."""
    from analytics_pipeline.commands.dashboards import render_latest_scheduled
    from analytics_pipeline.dashboards.assets import DASHBOARD_DEFINITIONS

    result = materialize(
        f"key:{DASHBOARD_DEFINITIONS.to_user_string()}", log_level="WARNING", tags=tags
    )
    if not result.success:
        say(failure_summary(result))
        return False
    metadata = result.asset_materializations_for_node(DASHBOARD_DEFINITIONS.to_python_identifier())[
        0
    ].metadata
    say("  " + ", ".join(f"{key}: {value.value}" for key, value in metadata.items()))
    only = None
    if keys is not None and keys != _resolve(DASHBOARDS):
        only = {key.path[-1] for key in keys - {DASHBOARD_DEFINITIONS}}
        if not only:
            return True
    return render_latest_scheduled(moment, tags, say, only=only)


def event_day_range() -> tuple[str, str] | tuple[None, None]:
    """First and last day with user activity or agent runs."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            "select to_regclass('staging.stg_user_activity') is not null"
            " and to_regclass('staging.stg_agent_runs') is not null"
        )
        if not cur.fetchone()[0]:
            raise ValueError(
                "staging is not built yet: run `analytics-pipeline materialize` without "
                "--as-of first, or give --as-of"
            )
        cur.execute(
            """select min(day)::date::text, max(day)::date::text from (
                   select occurred_at at time zone 'UTC' as day from staging.stg_user_activity
                   union all
                   select started_at at time zone 'UTC' from staging.stg_agent_runs
               ) days"""
        )
        return cur.fetchone()
