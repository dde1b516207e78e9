"""A generated sample with bad rows, landed, then built by `analytics-pipeline
materialize` (a process of its own, as a user runs it) through the persistent
(PostgreSQL-backed) Dagster instance; then checked against independent
computations over the files and the raw tables, and the command's output and
its daily run of a day."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import ipaddress
import json
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pandas as pd
import psycopg2
import pyarrow.parquet as pq
import pytest
from dagster_postgres import PostgresRunStorage

from analytics_pipeline import warehouse
from analytics_pipeline.commands.demo import event_day_range
from analytics_pipeline.commands.materialize import all_asset_keys, materialize
from analytics_pipeline.dagster_instance import get_instance
from analytics_pipeline.dashboards.assets import DASHBOARDS_IN_TABLE
from analytics_pipeline.dbt.keys import table_asset_key
from analytics_pipeline.ingest.assets import EXTRACTED
from analytics_pipeline.ingest.contract import SOURCES, pack_sources
from analytics_pipeline.ingest.landing import ensure_landing_folders
from analytics_pipeline.learning.assets import SUBJECT_PERCENTILES, TOPIC_MASTERY
from analytics_pipeline.maintenance.erasure_assets import ERASURE
from analytics_pipeline.maintenance.retention_assets import RETENTION_KEY
from analytics_pipeline.reports.sources import REPORT_SOURCES
from analytics_pipeline.sample_data import FILE_PACKS, generate_sample, hospital
from analytics_pipeline.sample_data.summary import GenerationSummary
from analytics_pipeline.settings import REPO_DIR
from analytics_pipeline.warehouse.previews import PREVIEW_ROWS
from tests.command_line import assert_readable, materialized_since, run_cli
from tests.extract.expected import HOSPITAL_QUARANTINED
from tests.reference.hr import HR_KPIS
from tests.reference.oracle import preview_frame, significant_digits

DAILY_METRICS = dg.AssetKey(["aggregates", "daily_metrics"])
DAILY_SNAPSHOTS = dg.AssetKey(["snapshots", "data_snapshots_daily"])


@dataclass(frozen=True)
class CliBuild:
    """`analytics-pipeline materialize` of everything, as a user runs it."""

    result: subprocess.CompletedProcess
    started: float


def _hospital_url(warehouse_db: str):
    """The hospital's operational database the CLI build extracts (its own)."""
    return warehouse.database_url(f"hospital_{warehouse_db}")


@pytest.fixture(scope="module")
def cli_build(fresh_database) -> tuple[GenerationSummary, CliBuild]:
    landing = ensure_landing_folders()
    summary = generate_sample(
        landing, workspaces=2, users=120, days=21, seed=11, bad_rows=0.02, packs=FILE_PACKS
    )
    # The hospital pack's raw assets extract its operational database.
    hospital_url = _hospital_url(fresh_database)
    hospital.fill(hospital_url, departments=3, doctors=8, patients=200, days=21, seed=11)
    with psycopg2.connect(**warehouse.libpq_params(hospital_url)) as conn, conn.cursor() as cur:
        cur.execute(
            "delete from hospital.payments where id = (select max(id) from hospital.payments)"
        )
    started = dt.datetime.now(dt.UTC).timestamp()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANALYTICS_HOSPITAL_DATABASE_URL", hospital_url.render_as_string(False))
        return summary, CliBuild(run_cli("materialize"), started)


@pytest.fixture(scope="module")
def built(cli_build) -> GenerationSummary:
    summary, build = cli_build
    assert build.result.returncode == 0, build.result.stdout + build.result.stderr
    return summary


def _query_df(sql: str) -> pd.DataFrame:
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(sql)
        columns = [d.name for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns)


def _rows_in_file(path: Path) -> int:
    """Rows in a contract file, counted without the project's readers."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return pq.ParquetFile(path).metadata.num_rows
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        if ".csv" in name:
            return sum(1 for _ in csv.reader(handle)) - 1  # minus the header
        text = handle.read()
        if ".json" in name and text.lstrip().startswith("["):  # mongoexport --jsonArray
            return len(json.loads(text))
        return sum(1 for line in text.splitlines() if line.strip())


def test_every_asset_materialized_in_the_persistent_instance(built):
    instance = get_instance()
    assert isinstance(instance.run_storage, PostgresRunStorage)
    from analytics_pipeline.definitions import defs

    # dashboards/defined_in_table has a partition per dashboard defined only in the
    # control table: there is none here. Retention and the erasure run on their
    # schedules, not in a build (they delete).
    every_key = defs.resolve_asset_graph().get_all_asset_keys()
    for key in every_key - {DASHBOARDS_IN_TABLE, RETENTION_KEY, ERASURE}:
        assert instance.get_latest_materialization_event(key) is not None, key
    checks = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(
            dg.AssetKey(["staging", "stg_user_activity"]), "unique_stg_user_activity_event_id"
        ),
        limit=1,
    )
    assert checks and checks[0].status.value == "SUCCEEDED"


def test_nothing_is_lost(built, fresh_database):
    """Per file: rows in the file = rows landed from it + rows quarantined from it;
    per hospital table: its rows = rows landed from its extracts + quarantined."""
    files_sources = [name for name in SOURCES if name not in EXTRACTED]
    every_table = "".join(
        f"select _source_file as source_file from raw.{name} union all " for name in files_sources
    )
    landed = _query_df(
        f"select source_file, count(*) as n from ({every_table}"
        "select source_file from raw._quarantine) rows group by 1"
    ).set_index("source_file")["n"]
    landed = landed[~landed.index.str.contains("/extracts/")]
    files = [p for paths in built.files.values() for p in paths]
    assert len(files) == len(landed)
    for path in files:
        assert landed[str(path.resolve())] == _rows_in_file(path), path
    quarantined = _query_df("select source, count(*) as n from raw._quarantine group by 1")
    quarantined = dict(zip(quarantined.source, quarantined.n, strict=True))
    with psycopg2.connect(**warehouse.libpq_params(_hospital_url(fresh_database))) as conn:
        for name, spec in EXTRACTED.items():
            with conn.cursor() as cur:
                cur.execute(f"select count(*) from {spec.table}")
                (rows,) = cur.fetchone()
            (raw_rows,) = _query_df(f"select count(*) from raw.{name}").iloc[0]
            assert raw_rows + quarantined.get(name, 0) == rows > 0, name


def test_quarantine_holds_exactly_the_injected_bad_rows(built):
    got = _query_df("select source, count(*) as n from raw._quarantine group by 1")
    expected = {
        s: sum(kinds.values()) for s, kinds in built.bad_rows.items() if sum(kinds.values())
    } | HOSPITAL_QUARANTINED
    assert dict(zip(got.source, got.n, strict=True)) == expected
    assert min(expected.values()) > 0
    ledger = _query_df("select rows_read, rows_loaded, rows_quarantined from raw._ingest_batches")
    assert (ledger.rows_read == ledger.rows_loaded + ledger.rows_quarantined).all()


def _pandas_dedupe(source_name: str) -> pd.DataFrame:
    """The contract's dedupe rule, in pandas over the raw table."""
    source = SOURCES[source_name]
    raw = _query_df(f"select * from raw.{source_name}")
    order = ([source.version_column] if source.version_column else []) + [
        "_ingested_at",
        "_source_line",
    ]
    raw = raw.sort_values(order, ascending=False, kind="stable")
    return raw.drop_duplicates(list(source.key), keep="first")


@pytest.mark.parametrize("source_name", sorted(pack_sources(None)))  # packs: no staging yet
def test_staging_keeps_one_newest_row_per_key(built, source_name):
    source = SOURCES[source_name]
    expected = _pandas_dedupe(source_name)
    staged = _query_df(f"select * from staging.stg_{source_name}")
    keys = list(source.key)
    assert len(staged) == len(expected)
    merged = expected.merge(staged, on=keys, suffixes=("_raw", "_stg"), validate="one_to_one")
    assert len(merged) == len(expected)
    assert (merged["_batch_id_raw"] == merged["_batch_id_stg"]).all()
    if source.version_column:
        column = source.version_column
        assert (merged[f"{column}_raw"] == merged[f"{column}_stg"]).all()


def test_staging_has_newest_versions_of_resent_rows(built):
    runs = _pandas_dedupe("agent_runs")
    resent = _query_df("select run_id from raw.agent_runs group by 1 having count(*) > 1")
    assert len(resent) > 10
    staged = _query_df("select run_id, status from staging.stg_agent_runs").set_index("run_id")
    newest = runs.set_index("run_id").loc[resent.run_id, "status"]
    assert (staged.loc[resent.run_id, "status"] == newest).all()
    assert (newest != "running").mean() > 0.5  # re-sends carry the final status


def _anonymize(value):
    try:
        address = ipaddress.ip_address(value.strip())
    except (ValueError, AttributeError):
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def test_ip_addresses_are_anonymized(built):
    raw = _pandas_dedupe("user_activity").set_index("event_id")["ip_address"]
    staged = _query_df("select event_id, ip_address from staging.stg_user_activity")
    staged = staged.set_index("event_id")["ip_address"]
    expected = raw.map(_anonymize)
    assert staged.isna().sum() == expected.isna().sum()
    assert (staged.dropna() == expected.loc[staged.dropna().index]).all()
    assert raw.dropna().map(lambda v: ":" in v).any()  # IPv6 present
    assert (raw.notna() & expected.isna()).any()  # non-addresses present, nulled


def _monday(day) -> dt.date:
    day = pd.Timestamp(day).date()  # pandas may hold dates as timestamps
    return day - dt.timedelta(days=day.weekday())


def test_data_snapshots_hold_each_periods_kpis(built):
    snaps = _query_df(
        "select snapshot_type, snapshot_date, period_end, workspace_id, data "
        "from analytics.data_snapshots"
    )
    assert set(snaps.snapshot_type) == {"hourly", "daily", "weekly", "monthly"}
    daily = _query_df(
        "select metric_date, workspace_id, events, dau, total_runs from analytics.daily_metrics"
    )
    got = snaps[snaps.snapshot_type == "daily"].copy()
    got["metric_date"] = got.snapshot_date.dt.tz_convert("UTC").dt.date
    merged = daily.merge(got, on=["metric_date", "workspace_id"], how="outer", indicator=True)
    assert (merged._merge == "both").all()
    assert (merged.events == merged.data.map(lambda d: d["events"])).all()
    assert (merged.dau == merged.data.map(lambda d: d["active_users"])).all()

    # Weekly: sums of the days and distinct users over the ISO week, in pandas.
    days = _query_df(
        "select user_id, workspace_id, activity_date from intermediate.int_user_activity_days"
    )
    days["week"] = days.activity_date.map(_monday)
    daily["week"] = daily.metric_date.map(_monday)
    weekly = snaps[snaps.snapshot_type == "weekly"]
    assert len(weekly) > 0
    for row in weekly.itertuples():
        week = row.snapshot_date.tz_convert("UTC").date()
        assert row.period_end - row.snapshot_date == pd.Timedelta(days=7)
        in_week = days[days.week == week]
        all_workspaces = pd.isna(row.workspace_id)
        if not all_workspaces:
            in_week = in_week[in_week.workspace_id == row.workspace_id]
        assert row.data["active_users"] == in_week.user_id.nunique()
        same_workspace = (
            daily.workspace_id.isna() if all_workspaces else daily.workspace_id == row.workspace_id
        )
        events = daily[(daily.week == week) & same_workspace]
        assert row.data["events"] == events.events.sum()


def test_analytics_metrics_holds_the_hr_pack_kpis(built):
    """The HR rows of analytics_metrics are int_hr_kpis' (tested against the
    reference in test_hr_metrics), every period and organization."""
    columns = "metric_name, metric_type, category, period_type, period_start, period_end, "
    columns += "workspace_id, value, previous_value, change_percentage"
    names = ", ".join(f"'{name}'" for name in HR_KPIS)
    copied = _query_df(
        f"select {columns} from analytics.analytics_metrics where metric_name in ({names})"
    )
    computed = _query_df(f"select {columns} from intermediate.int_hr_kpis")
    assert set(copied.metric_name) == set(HR_KPIS)
    keys = ["metric_name", "period_type", "period_start", "workspace_id"]
    pd.testing.assert_frame_equal(
        copied.sort_values(keys).reset_index(drop=True),
        computed.sort_values(keys).reset_index(drop=True),
    )


def test_published_tables_record_row_count_and_preview(built):
    instance = get_instance()
    for table in ("daily_metrics", "active_users", "user_cohorts"):
        event = instance.get_latest_materialization_event(table_asset_key("analytics", table))
        metadata = event.asset_materialization.metadata
        assert metadata["dagster/row_count"].value == len(
            _query_df(f"select 1 from analytics.{table}")
        )
        preview = metadata["preview"].value
        assert preview.splitlines()[0].startswith("| ") and len(preview.splitlines()) == 12


_WORKSPACE_SCOPED = """
select c.relname as name, c.relkind as kind, c.relrowsecurity as enabled,
       c.relforcerowsecurity as forced,
       coalesce(c.reloptions, '{}') @> array['security_invoker=true'] as invoker,
       array(select p.polname::text from pg_policy p where p.polrelid = c.oid
             order by 1) as policies
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where n.nspname = 'analytics' and c.relkind in ('r', 'p', 'v', 'm')
   and exists (select 1 from pg_attribute a where a.attrelid = c.oid
               and a.attname = 'workspace_id' and a.attnum > 0 and not a.attisdropped)
 order by 1
"""
# The HR pack's published tables: an HR organization is their tenant.
_ORGANIZATION_SCOPED = _WORKSPACE_SCOPED.replace("'workspace_id'", "'organization_id'")
# The hospital pack's tables with a department: the department is their tenant.
_DEPARTMENT_SCOPED = _WORKSPACE_SCOPED.replace("'workspace_id'", "'department_id'")


def test_analytics_metrics_holds_the_published_hospital_kpis(built):
    """The hospital rows of analytics_metrics are int_hospital_kpis' (the exact
    KPIs with their small cells hidden: tests/hospital), every period and
    department, hidden values null alike."""
    columns = "metric_name, metric_type, category, period_type, period_start, period_end, "
    columns += "workspace_id, value, previous_value, change_percentage"
    categories = "'patients', 'appointments', 'medical_records', 'lab_tests', 'revenue'"
    copied = _query_df(
        f"select {columns} from analytics.analytics_metrics where category in ({categories})"
    )
    published = _query_df(f"select {columns} from intermediate.int_hospital_kpis")
    assert len(copied) > 0
    keys = ["metric_name", "period_type", "period_start", "workspace_id"]
    pd.testing.assert_frame_equal(
        copied.sort_values(keys).reset_index(drop=True),
        published.sort_values(keys).reset_index(drop=True),
    )


def test_analytics_metrics_holds_every_qms_kpi_with_its_provenance(built):
    """The QMS rows of analytics_metrics are int_qms_kpis' (tests/test_qms_metrics.py
    proves those against the reference), the seed 001 columns filled."""
    columns = "metric_name, metric_type, category, period_type, period_start, period_end, "
    columns += "workspace_id, value, previous_value, change_percentage, metric_subcategory, "
    columns += "unit, department_id, module_name, entity_type, entity_id, calculation_method, "
    columns += "data_source"
    categories = "'quality', 'training', 'documents', 'organizational', 'compliance'"
    copied = _query_df(
        f"select {columns} from analytics.analytics_metrics where category in ({categories})"
    )
    built_kpis = _query_df(f"select {columns} from intermediate.int_qms_kpis")
    assert len(copied) > 1000 and copied.calculation_method.notna().all()
    keys = ["metric_name", "period_start", "workspace_id", "module_name", "entity_id"]
    pd.testing.assert_frame_equal(
        copied.sort_values(keys).reset_index(drop=True),
        built_kpis.sort_values(keys).reset_index(drop=True),
    )
    others = _query_df(
        "select count(*) as n from analytics.analytics_metrics "
        f"where category not in ({categories}) and calculation_method is not null"
    )
    assert int(others.n[0]) == 0


def test_every_example_alert_rule_was_judged_on_the_built_tables(built):
    """The demo's alert evaluations: one per example rule for the last day, its
    value what a hand-written query of the published table gives."""
    history = _query_df(
        "select alert_rule_id, period_end, metric_value, row_count, status "
        "from control.alert_history"
    )
    rules = sorted(p.stem for p in (REPO_DIR / "alerts").glob("*.yml"))
    assert sorted(set(history["alert_rule_id"])) == rules
    (day,) = set(history["period_end"])
    week = day - dt.timedelta(days=6)
    expected = {
        "agent_success_rate_low": "select avg(value), count(*) from analytics.analytics_metrics "
        "where metric_name = 'success_rate' and period_type = 'day' and period_start = %(day)s "
        "and workspace_id is null",
        "no_activity": "select count(*), count(*) from analytics.daily_metrics "
        "where metric_date = %(day)s and workspace_id is null",
        "agent_runs_drop": "select sum(total_runs), count(*) from analytics.daily_metrics "
        "where metric_date between %(week)s and %(day)s and workspace_id is null",
        "hourly_error_events": "select sum(error_events), count(*) from analytics.hourly_metrics "
        "where metric_date = %(day)s and workspace_id is null",
        "qms_overdue_capas": "select sum(overdue_capas), count(*) from analytics.quality_kpis "
        "where metric_date = %(day)s",
    }
    for rule_id, statement in expected.items():
        value, rows = _query_df(statement % {"day": f"'{day}'", "week": f"'{week}'"}).iloc[0]
        for got in history[history["alert_rule_id"] == rule_id].itertuples():
            assert got.row_count == rows, rule_id
            assert got.metric_value == (None if rows == 0 else Decimal(str(value))), rule_id


def test_every_published_table_with_a_workspace_has_forced_row_security(built):
    scoped = _query_df(_WORKSPACE_SCOPED)
    assert "data_snapshots" in set(scoped.name)
    organizations = _query_df(_ORGANIZATION_SCOPED)
    departments = _query_df(_DEPARTMENT_SCOPED)
    # Every report source with a tenant is among them: the check covers the
    # published tables (the hospital-wide ones have no tenant column).
    tenanted = {name for name, source in REPORT_SOURCES.items() if source.workspace_column}
    assert tenanted <= set(scoped.name) | set(organizations.name) | set(departments.name)
    assert "business_impact_metrics" in set(organizations.name)
    assert "appointment_analytics" in set(departments.name)
    assert {"quality_kpis", "training_overdue", "qms_kpi_records"} <= set(departments.name)
    for row in [*scoped.itertuples(), *organizations.itertuples(), *departments.itertuples()]:
        if row.kind == "v":
            assert row.invoker, f"view analytics.{row.name} is not security_invoker"
        else:
            assert row.kind in ("r", "p"), f"analytics.{row.name}: cannot carry row security"
            assert row.enabled and row.forced, f"analytics.{row.name}: row security off"
            assert list(row.policies) == ["pipeline_writes", "workspace_scope"], row.name


def test_reader_gets_no_row_of_another_workspace_from_any_published_table(built):
    tables = list(_query_df(_WORKSPACE_SCOPED).name)
    workspaces = sorted(_query_df("select workspace_id from staging.stg_workspaces").workspace_id)
    assert len(workspaces) == 2
    with warehouse.connect(warehouse.Role.READER) as conn, conn.cursor() as cur:
        for table in tables:
            totals = _query_df(
                f"select workspace_id, count(*) as n from analytics.{table} group by 1"
            )
            by_workspace = {w: int(n) for w, n in zip(totals.workspace_id, totals.n, strict=True)}
            count = f"select count(*) from analytics.{table}"
            cur.execute(count)
            assert cur.fetchone() == (0,), f"{table}: rows without a scope"
            for workspace in workspaces:
                warehouse.set_workspace_scope(cur, workspace)
                cur.execute(
                    "select count(*), count(*) filter (where workspace_id is distinct from %s) "
                    f"from analytics.{table}",
                    (workspace,),
                )
                assert cur.fetchone() == (by_workspace.get(workspace, 0), 0), (table, workspace)
            warehouse.set_workspace_scope(cur, None)
            cur.execute(count)
            assert cur.fetchone() == (sum(by_workspace.values()),), table
            conn.rollback()  # the scope lasts one transaction


def test_a_partition_run_previews_that_days_rows(built):
    """A one-day run of a daily model previews rows of that day only (the table
    holds every day)."""
    first_day, _ = event_day_range()
    day = (dt.date.fromisoformat(first_day) + dt.timedelta(days=7)).isoformat()
    assert materialize("key:aggregates/daily_metrics", as_of=day, log_level="WARNING").success
    event = get_instance().get_latest_materialization_event(
        dg.AssetKey(["aggregates", "daily_metrics"])
    )
    frame = preview_frame(event.asset_materialization.metadata["preview"].value)
    that_day = _query_df(f"select 1 from analytics.daily_metrics where metric_date = '{day}'")
    assert len(frame) == min(PREVIEW_ROWS, len(that_day)) > 0
    assert set(frame["metric_date"]) == {day}
    assert max(significant_digits(c) for c in frame["bounce_rate"]) <= 4


def test_data_snapshot_previews_are_markdown_tables_newest_first(built):
    event = get_instance().get_latest_materialization_event(
        dg.AssetKey(["snapshots", "data_snapshots_daily"])
    )
    preview = event.asset_materialization.metadata["preview"]
    assert isinstance(preview, dg.MarkdownMetadataValue)
    frame = preview_frame(preview.value)
    assert {"snapshot_date", "workspace_id", "active_users", "bounce_rate"} <= set(frame.columns)
    assert list(frame["snapshot_date"]) == sorted(frame["snapshot_date"], reverse=True)
    assert max(significant_digits(c) for c in frame["bounce_rate"]) <= 4


def test_data_snapshot_checks_ran_and_passed(built):
    """The dbt tests of each period model (grain unique, key not null) ran as
    asset checks of its materialization and passed."""
    storage = get_instance().event_log_storage
    for kind in ("hourly", "daily", "weekly", "monthly"):
        model = f"data_snapshots_{kind}"
        for check in (
            f"{model}_grain_unique",
            f"not_null_{model}_snapshot_date",
            f"accepted_values_{model}_snapshot_type__{kind}",
        ):
            key = dg.AssetCheckKey(dg.AssetKey(["snapshots", model]), check)
            (record,) = storage.get_asset_check_execution_history(key, limit=1)
            assert record.status.value == "SUCCEEDED", key


def _tick(name: str, moment: dt.datetime) -> tuple[list[str], str | None]:
    from analytics_pipeline.definitions import defs

    with dg.build_schedule_context(
        scheduled_execution_time=moment, repository_def=defs.get_repository_def()
    ) as context:
        result = defs.get_schedule_def(name).evaluate_tick(context)
    return [r.partition_key for r in result.run_requests or []], result.skip_message


def test_time_based_schedules_wait_for_their_periods_data(built):
    """A tick whose period the data reaches asks for that period; a tick after
    the data ends is skipped with the reason, instead of an empty run."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(
            "select greatest((select max(occurred_at) from staging.stg_user_activity),"
            " (select max(started_at) from staging.stg_agent_runs))"
        )
        (newest,) = cur.fetchone()
    last = newest.astimezone(dt.UTC).date()
    next_day = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    hour = newest.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    expected = {  # schedule: (a tick within the data -> its partition, a tick after it)
        "daily_analytics_schedule": (next_day + dt.timedelta(hours=2), last.isoformat()),
        "hourly_metrics_schedule": (hour + dt.timedelta(minutes=10), last.isoformat()),
        "data_snapshots_hourly_schedule": (
            hour + dt.timedelta(hours=1, minutes=20),
            f"{hour:%Y-%m-%d-%H:%M}",
        ),
        "data_snapshots_daily_schedule": (next_day + dt.timedelta(hours=2.5), last.isoformat()),
    }
    for name, (moment, partition) in expected.items():
        assert _tick(name, moment) == ([partition], None), name
        later = moment + dt.timedelta(days=2)
        requested, reason = _tick(name, later)
        assert requested == [] and reason.startswith("waiting for data from"), (name, reason)
        assert f"the newest event is at {newest.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" in reason


def test_a_data_snapshot_run_rebuilds_only_its_partitions_periods(built):
    """An hourly run deletes and rebuilds the rows of its hour (from the
    aggregates) and leaves every other frozen period as it was; its preview
    shows that hour's rows."""
    table = "analytics.data_snapshots_hourly"
    hours = sorted(_query_df(f"select distinct snapshot_date from {table}").snapshot_date)
    hour = hours[len(hours) // 2]
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(f"update {table} set data = data || '{{\"frozen\": true}}'")
    try:
        key = f"{hour.tz_convert('UTC'):%Y-%m-%d-%H:%M}"
        assert materialize(
            "key:snapshots/data_snapshots_hourly", partition_key=key, log_level="WARNING"
        ).success
        rows = _query_df(f"select snapshot_date, data from {table}")
        marked = rows.data.map(lambda d: "frozen" in d)
        assert not marked[rows.snapshot_date == hour].any()  # rebuilt
        assert marked[rows.snapshot_date != hour].all()  # untouched
        assert len(rows) == len(_query_df(f"select 1 from {table}"))
    finally:
        with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
            cur.execute(f"update {table} set data = data - 'frozen'")
    event = get_instance().get_latest_materialization_event(
        dg.AssetKey(["snapshots", "data_snapshots_hourly"])
    )
    frame = preview_frame(event.asset_materialization.metadata["preview"].value)
    assert len(frame) > 0
    assert (pd.to_datetime(frame["snapshot_date"], utc=True) == hour).all()

    # The view publishes the rebuilt hour's rows.
    def count(relation: str, condition: str = "") -> int:
        where = f"snapshot_date = '{hour.isoformat()}'{condition}"
        return int(_query_df(f"select count(*) as n from {relation} where {where}").n.iloc[0])

    assert count("analytics.data_snapshots", " and snapshot_type = 'hourly'") == count(table) > 0


# Last in this module: it rebuilds learning as of the first day.
def test_materialize_builds_everything_then_the_daily_run_of_a_day(cli_build, built):
    _, build = cli_build
    started, result = build.started, build.result
    log = assert_readable(result)
    text = log.read_text()
    assert "Running with dbt=" in text and "Completed successfully" in text
    steps = [x for x in result.stdout.splitlines() if x.startswith("[")]
    assert len(steps) >= 6 and "done:" in steps[-1], result.stdout
    # Stages, one line per report and dashboard file, the table counts' header.
    assert len(result.stdout.splitlines()) < 80, result.stdout
    for key in all_asset_keys() - {DASHBOARDS_IN_TABLE, RETENTION_KEY, ERASURE}:
        assert materialized_since(key, started), key
    first_day, last_day = event_day_range()
    assert materialized_since(TOPIC_MASTERY, started, last_day)
    assert not materialized_since(TOPIC_MASTERY, started, first_day)  # history: last days

    # --as-of D: what the daily schedules build for D, D's learning included.
    started = dt.datetime.now(dt.UTC).timestamp()
    result = run_cli("materialize", "--as-of", first_day)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_readable(result)
    for key in (TOPIC_MASTERY, DAILY_METRICS, DAILY_SNAPSHOTS):
        assert materialized_since(key, started, first_day), key
    assert not materialized_since(dg.AssetKey(["staging", "stg_users"]), started)

    # A part of a multi-asset: expanded, said in one line (topic_mastery is
    # as of first_day now, and readiness reads it).
    started = dt.datetime.now(dt.UTC).timestamp()
    result = run_cli("materialize", "--select", "key:learning/exam_readiness", "--as-of", first_day)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sum("note:" in x for x in result.stdout.splitlines()) == 1
    assert materialized_since(SUBJECT_PERCENTILES, started, first_day)

    # Selections the user got wrong: one line each, exit 2.
    for selection in ("key:no/such_asset", "key:(", "group:nothing"):
        result = run_cli("materialize", "--select", selection)
        assert result.returncode == 2, (selection, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert selection in result.stderr
