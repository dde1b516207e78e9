"""`analytics-pipeline demo`: warehouse, sample data, ingestion, every asset
materialized, and a summary of what is where."""

from __future__ import annotations

import datetime as dt
import filecmp
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from analytics_pipeline import warehouse
from analytics_pipeline.dagster_instance import prepare_dagster_home
from analytics_pipeline.ingest.landing import ensure_landing_folders
from analytics_pipeline.materialize import failure_summary, materialize, partitioned_keys
from analytics_pipeline.settings import get_settings, record_data_start

# Everything but the raw assets, the (daily or periodic) partitioned assets and
# the reports (partitioned by definition; the demo runs them last).
UNPARTITIONED = (
    "not group:raw and not tag:daily and not tag:data_snapshots and not group:learning"
    " and not tag:mastery_history and not group:reports"
)
SUMMARY_SCHEMAS = ("raw", "staging", "intermediate", "analytics", "snapshots")
# The Python learning assets and what dbt builds from them, partitioned by as-of date.
LEARNING = "group:learning or tag:mastery_history"
# As-of dates the demo computes mastery for, so that mastery_progression has a history.
LEARNING_HISTORY_DAYS = 5


def learning_days(last_day: str, days: int) -> list[str]:
    """The `days` as-of dates ending `last_day`, oldest first."""
    last = dt.date.fromisoformat(last_day)
    return [(last - dt.timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


@dataclass(frozen=True)
class DemoOptions:
    workspaces: int = 3
    users: int = 300
    days: int = 60
    seed: int = 7
    bad_rows: float = 0.01


def run_demo(options: DemoOptions, say: Callable[[str], None] = print) -> bool:
    """Run the whole demo; returns False if a materialization failed."""
    started = time.perf_counter()
    settings = get_settings()

    def step(message: str) -> None:
        say(f"[{time.perf_counter() - started:6.1f}s] {message}")

    step("starting the warehouse ...")
    url = warehouse.warehouse_url(warehouse.Role.ADMIN)
    step(f"warehouse ready: {warehouse.display_url(url)}")
    prepare_dagster_home()

    land_sample(options, step)

    step("ingesting the landing files (raw assets) ...")
    demo_tags = {"analytics/launched_by": "demo"}
    result = materialize("group:raw", log_level="WARNING", tags=demo_tags)
    if not result.success:
        say(failure_summary(result))
        return False
    step("ingested; building dbt models and running their tests (dbt build) ...")
    unpartitioned = UNPARTITIONED if partitioned_keys() else "not group:raw"
    result = materialize(unpartitioned, log_level="WARNING", tags=demo_tags)
    if not result.success:
        say(failure_summary(result))
        return False
    if partitioned_keys():
        first_day, last_day = event_day_range()
        step(f"building the daily partitions {first_day}..{last_day} in one run ...")
        result = materialize(
            "tag:daily", as_of=last_day, first_day=first_day, log_level="WARNING", tags=demo_tags
        )
        if not result.success:
            say(failure_summary(result))
            return False
        step("building the periodic data snapshots over the same days ...")
        if not materialize_data_snapshots(first_day, last_day, demo_tags, say):
            return False
        history_days = learning_days(last_day, LEARNING_HISTORY_DAYS)
        step(
            "computing mastery, knowledge gaps and exam readiness (and the mastery history) "
            f"as of {history_days[0]}..{history_days[-1]}, one run per day ..."
        )
        if not materialize_learning(history_days, demo_tags, say):
            return False
        moment = report_moment(last_day)
        step(
            "syncing reports/*.yml and rendering every report for its latest scheduled time "
            f"up to {moment.isoformat()} ..."
        )
        if not materialize_reports(moment, demo_tags, say):
            return False
    step("every asset materialized")
    say("")
    say(render_summary(settings))
    return True


def land_sample(options: DemoOptions, step: Callable[[str], None] = print) -> None:
    """Generate the sample into $ANALYTICS_HOME/sample, record its first day
    as where the time partitions start, and copy it into the landing folders.
    Runs before the definitions load (the first materialize), so that they
    start there."""
    from analytics_pipeline.sample_data import generate_sample

    settings = get_settings()
    landing = ensure_landing_folders()
    step(
        f"generating sample data ({options.workspaces} workspaces, {options.users} users, "
        f"{options.days} days, seed {options.seed}, bad rows {options.bad_rows:.1%}) "
        f"into {settings.sample_dir} ..."
    )
    summary = generate_sample(
        settings.sample_dir,
        workspaces=options.workspaces,
        users=options.users,
        days=options.days,
        seed=options.seed,
        bad_rows=options.bad_rows,
    )
    files = sum(len(paths) for paths in summary.files.values())
    step(f"wrote {files} files, {sum(summary.rows_written.values()):,} rows")
    record_data_start(dt.date.fromisoformat(summary.parameters["start_date"]))
    step(
        f"time partitions start on {get_settings().partition_start} (the data's first day, "
        f"recorded in {settings.partition_start_file})"
    )
    copied = _copy_to_landing(summary.files, landing)
    step(f"copied {copied} new files into {landing}")


def materialize_learning(days: list[str], tags: dict[str, str], say=print) -> bool:
    """The learning assets and the mastery history, one run per as-of date (in
    order, so that each snapshot records that day's mastery)."""
    for day in days:
        result = materialize(LEARNING, as_of=day, log_level="WARNING", tags=tags)
        if not result.success:
            say(failure_summary(result))
            return False
    return True


def report_moment(last_day: str) -> dt.datetime:
    """The demo renders reports as if it were noon (UTC) after the last data day."""
    return dt.datetime.combine(
        dt.date.fromisoformat(last_day) + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC
    )


def materialize_reports(moment: dt.datetime, tags: dict[str, str], say=print) -> bool:
    from analytics_pipeline.reports.commands import run_latest_scheduled, sync_reports

    synced, message = sync_reports(tags)
    say(f"  {message}")
    return synced and run_latest_scheduled(moment, tags, say)


def _copy_to_landing(files: dict[str, list[Path]], landing: Path) -> int:
    """Copy generated files into the landing folders (the user's own files there
    are left alone; a file already landed with the same content is not copied)."""
    copied = 0
    for source, paths in files.items():
        for path in paths:
            target = landing / source / path.name
            if target.exists() and filecmp.cmp(path, target, shallow=False):
                continue
            temporary = target.with_name(target.name + ".part")
            shutil.copyfile(path, temporary)
            temporary.rename(target)  # the sensor never sees a half-written file
            copied += 1
    return copied


def materialize_data_snapshots(
    first_day: str, last_day: str, tags: dict[str, str], say: Callable[[str], None] = print
) -> bool:
    """Each data_snapshots asset over its whole periods within first_day..last_day."""
    import datetime as dt

    from analytics_pipeline.snapshots.assets import SNAPSHOT_ASSETS, partition_key_range

    for kind, asset in SNAPSHOT_ASSETS.items():
        keys = partition_key_range(
            asset, dt.date.fromisoformat(first_day), dt.date.fromisoformat(last_day)
        )
        if keys is None:
            continue  # no whole period in the data yet
        selection = f"key:{asset.key.to_user_string()}"
        result = materialize(
            selection, as_of=keys[1], first_day=keys[0], log_level="WARNING", tags=tags
        )
        if not result.success:
            say(f"data_snapshots_{kind}: " + failure_summary(result))
            return False
    return True


def event_day_range() -> tuple[str, str]:
    """First and last day with user activity or agent runs (the demo's partitions)."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            """select min(day)::date::text, max(day)::date::text from (
                   select occurred_at at time zone 'UTC' as day from staging.stg_user_activity
                   union all
                   select started_at at time zone 'UTC' from staging.stg_agent_runs
               ) days"""
        )
        return cur.fetchone()


def table_counts() -> list[tuple[str, str, int]]:
    """(schema, table, rows) of every table in the project's schemas."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            """select table_schema, table_name from information_schema.tables
               where table_schema = any(%s) and table_type = 'BASE TABLE'
               order by 1, 2""",
            (list(SUMMARY_SCHEMAS),),
        )
        tables = cur.fetchall()
        counts = []
        for schema, table in tables:
            cur.execute(f'select count(*) from "{schema}"."{table}"')
            counts.append((schema, table, cur.fetchone()[0]))
        return counts


def quarantine_by_source() -> list[tuple[str, int]]:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute("select source, count(*) from raw._quarantine group by 1 order by 1")
        return cur.fetchall()


def render_summary(settings) -> str:
    lines = ["Rows per table:"]
    for schema, table, rows in table_counts():
        lines.append(f"  {schema + '.' + table:<42} {rows:>12,}")
    quarantined = quarantine_by_source()
    lines.append("Quarantined rows (raw._quarantine, with reasons):")
    lines += [f"  {source:<42} {rows:>12,}" for source, rows in quarantined] or ["  none"]
    lines += [
        "",
        "Where things are:",
        f"  warehouse        {warehouse.display_url(warehouse.admin_url())}",
        f"  analytics home   {settings.home}",
        f"  landing folders  {settings.landing_dir}/<source>/  (drop files here)",
        f"  dagster home     {settings.dagster_home}",
        f"  report files     {settings.home / 'reports'}/<report id>/",
        "",
        "Next:",
        "  make ui                                 open the Dagster UI (http://127.0.0.1:3000)",
        "  .venv/bin/analytics-pipeline warehouse psql     query the tables (as the admin)",
        "  .venv/bin/analytics-pipeline warehouse psql --role reader   as an analyst:"
        " set app.workspace_id first (README: Access and tenants)",
        "  .venv/bin/analytics-pipeline report list        the reports and their next runs",
    ]
    return "\n".join(lines)
