"""`analytics-pipeline demo`: warehouse, sample data, ingestion, every asset
materialized, and a summary of what is where."""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from analytics_pipeline import warehouse
from analytics_pipeline.commands.build import (  # noqa: F401 (re-exported: the tests build as the demo)
    LEARNING_HISTORY_DAYS,
    UNPARTITIONED,
    build,
    event_day_range,
    learning_days,
    materialize_dashboards,
    materialize_data_snapshots,
    materialize_learning,
    materialize_reports,
    report_moment,
)
from analytics_pipeline.commands.dashboards import latest_html_files
from analytics_pipeline.dagster_instance import prepare_dagster_home
from analytics_pipeline.ingest.contract import PACKS
from analytics_pipeline.ingest.landing import ensure_landing_folders
from analytics_pipeline.sample_data.generator import MANIFEST as SAMPLE_MANIFEST
from analytics_pipeline.settings import get_settings, record_data_start, record_hospital_database

SUMMARY_SCHEMAS = ("raw", "staging", "intermediate", "analytics", "snapshots")


HOSPITAL = "hospital"
HOSPITAL_DATABASE = "hospital_ops"  # the sample hospital's own database, beside the warehouse
HOSPITAL_PATIENTS = 3_000


@dataclass(frozen=True)
class DemoOptions:
    workspaces: int = 3
    users: int = 300
    days: int = 60
    seed: int = 7
    bad_rows: float = 0.01
    # The sample's last day; None: the one of the sample already generated
    # here, else yesterday (UTC), so that the partitions are green up to today.
    end_date: dt.date | None = None
    # Domain packs whose sources the sample includes (docs/contract.md): all of them.
    packs: tuple[str, ...] = PACKS


def sample_end_date(options: DemoOptions, sample_dir: Path) -> dt.date:
    """The last day of the demo's sample: as asked, else as the sample already
    generated (a rerun then adds nothing), else yesterday (UTC)."""
    if options.end_date is not None:
        return options.end_date
    manifest = sample_dir / SAMPLE_MANIFEST
    if manifest.exists():
        return dt.date.fromisoformat(json.loads(manifest.read_text())["parameters"]["end_date"])
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


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
    if HOSPITAL in options.packs:
        prepare_sample_hospital(options, step)

    outcome = build(tags={"analytics/launched_by": "demo"}, say=say, started=started)
    if not outcome.success:
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
    from analytics_pipeline.sample_data import FILE_PACKS, generate_sample

    settings = get_settings()
    landing = ensure_landing_folders()
    end_date = sample_end_date(options, settings.sample_dir)
    step(
        f"generating sample data ({options.workspaces} workspaces, {options.users} users, "
        f"{options.days} days to {end_date}, seed {options.seed}, bad rows "
        f"{options.bad_rows:.1%}) into {settings.sample_dir} ..."
    )
    summary = generate_sample(
        settings.sample_dir,
        workspaces=options.workspaces,
        users=options.users,
        days=options.days,
        seed=options.seed,
        bad_rows=options.bad_rows,
        end_date=end_date,
        packs=[pack for pack in options.packs if pack in FILE_PACKS],
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


def prepare_sample_hospital(options: DemoOptions, step: Callable[[str], None] = print) -> str:
    """The hospital pack's sample: its operational database (a database of its own
    on the warehouse server, filled once), recorded as the database the hospital
    raw assets extract from, as a deployment extracts the hospital's own. Its URL."""
    from analytics_pipeline.sample_data import hospital

    url = warehouse.database_url(HOSPITAL_DATABASE)
    end_date = sample_end_date(options, get_settings().sample_dir)
    if hospital.is_empty(url):
        step(f"filling the hospital's operational database {HOSPITAL_DATABASE} ...")
        rows = hospital.fill(
            url, patients=HOSPITAL_PATIENTS, days=options.days, end_date=end_date, seed=options.seed
        )
        step(f"wrote {sum(rows.values()):,} rows into {len(rows)} operational tables")
    text = url.render_as_string(hide_password=False)
    record_hospital_database(text)
    step(f"the hospital raw assets extract from {warehouse.display_url(url)}")
    return text


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


def table_counts() -> list[tuple[str, str, int]]:
    """(schema, table, rows) of every table in the project's schemas (a
    partitioned table once, its partitions' rows in it)."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            """select table_schema, table_name from information_schema.tables t
               where table_schema = any(%s) and table_type = 'BASE TABLE'
                 and not exists (select 1 from pg_class c
                                   join pg_namespace n on n.oid = c.relnamespace
                                  where n.nspname = t.table_schema
                                    and c.relname = t.table_name and c.relispartition)
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
        f"  dashboard files  {settings.home / 'dashboards'}/<dashboard id>/",
        *(f"    {dashboard_id:30} {path}" for dashboard_id, path in latest_html_files()),
        "",
        "Next:",
        "  make ui                                 open the Dagster UI (http://127.0.0.1:3000)",
        "  .venv/bin/analytics-pipeline warehouse psql     query the tables (as the admin)",
        "  .venv/bin/analytics-pipeline warehouse psql --role reader   as an analyst:"
        " set app.workspace_id first (README: Access and tenants)",
        "  .venv/bin/analytics-pipeline report list        the reports and their next runs",
        "  .venv/bin/analytics-pipeline dashboards serve   the dashboards in a browser"
        " (http://127.0.0.1:8050)",
    ]
    return "\n".join(lines)
