"""The shipped example reports (reports/*.yml), rendered the way the demo does
it on a generated dataset built by the real pipeline, with other workspace ids
than the demo's (another seed): every produced file is opened with an
independent reader (csv, json, openpyxl, pypdf) and its rows and totals
compared with a direct SQL query written here by hand; PDF and XLSX show
labels, percentages and workspace names, and an empty period says so.

The example dashboards (dashboards/*.yml) are checked here too, on the same
dataset (built once: it takes minutes): each HTML file in headless Chromium
(every widget there, each metric card's number equal to a query written here,
no request but the file, no console error, no horizontal scrolling on a
phone), each PDF read back with pypdf, and an empty period."""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import dagster as dg
import openpyxl
import psycopg2
import pypdf
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.commands.build import HOSPITAL
from analytics_pipeline.commands.dashboards import render_dashboard_now, sync_dashboard_files
from analytics_pipeline.commands.demo import (
    UNPARTITIONED,
    DemoOptions,
    materialize_reports,
    report_moment,
)
from analytics_pipeline.commands.materialize import materialize
from analytics_pipeline.dagster_instance import get_instance
from analytics_pipeline.dashboards.definition import DashboardDefinition, load_dashboard_files
from analytics_pipeline.dashboards.generation import generate_dashboard
from analytics_pipeline.dashboards.render.views import reading_order
from analytics_pipeline.hospital.published_tables import DAILY_AND_MONTHLY, DASHBOARD_METRICS
from analytics_pipeline.reports.definition import load_definition_file
from analytics_pipeline.reports.generation import generate_report
from analytics_pipeline.sample_data import FILE_PACKS, generate_sample
from analytics_pipeline.sample_data.hospital import fill
from analytics_pipeline.sample_data.hospital.operational import connect as connect_source
from analytics_pipeline.settings import get_settings
from tests.dashboards.browser import PHONE, chromium, visit

pytestmark = pytest.mark.integration

LAST_DAY = "2026-09-30"  # the sample generator's default end date
SEED = 11  # not the demo's seed: other workspace ids than the demo dataset's
# (report id, file format) -> the query its rows must equal, in order.
EXPECTED_SQL = {
    "daily_kpi_overview": """
        select metric_date, dau, new_users, returning_users, sessions, events, total_runs,
               success_rate, credits_consumed, error_rate
        from analytics.daily_metrics
        where workspace_id is null and metric_date between '2026-09-01' and '2026-09-30'
        order by metric_date""",
    "agent_performance_weekly": """
        select workspace_id, agent_name, agent_id, metric_date, total_runs, successful_runs,
               failed_runs, success_rate, avg_runtime_seconds, p95_runtime_seconds,
               credits_consumed, tokens_used, unique_users, avg_user_rating
        from analytics.agent_performance
        where metric_date between '2026-09-21' and '2026-09-27'
        order by workspace_id, agent_name, metric_date""",
    "cohort_retention_monthly": """
        select as_of_date, cohort_start, initial_users, day_1_retention, day_7_retention,
               day_14_retention, day_30_retention
        from analytics.user_cohorts
        where workspace_id is null and cohort_type = 'week' and as_of_date = '2026-09-30'
        order by cohort_start""",
    "exam_readiness_roster": """
        select workspace_id, user_id, predicted_score, readiness_level,
               percentile_in_workspace, coverage, attempted_examined_topics, examined_topics,
               as_of_date
        from analytics.exam_readiness
        where as_of_date = '2026-09-30'
        order by workspace_id, predicted_score desc, user_id""",
    "knowledge_gaps_by_severity": """
        select severity, count(*), count(distinct user_id), avg(mastery)
        from analytics.knowledge_gaps
        where as_of_date = '2026-09-30'
        group by severity
        order by avg(mastery)""",
    "workspace_activity_export": """
        select workspace_id, metric_date, user_id, events, sessions, session_seconds,
               page_views, feature_uses, distinct_features, agent_runs, credits_consumed,
               error_events, first_event_at, last_event_at
        from analytics.user_engagement_metrics
        where metric_date between '2026-09-24' and '2026-09-30'
        order by workspace_id, metric_date, user_id""",
    "hr_owner_business_health": """
        select metric_date, mrr, arr, customer_retention_rate, subscription_renewal_rate,
               average_user_satisfaction_score, nps_score, employee_turnover_rate,
               hiring_success_rate, time_to_hire_days
        from analytics.business_impact_metrics
        where organization_id is null and metric_date between '2026-09-01' and '2026-09-30'
        order by metric_date""",
    "hr_leader_report_generation": """
        select report_type, sum(reports_requested), sum(successful), sum(failed),
               sum(ai_tokens_used), sum(views), sum(downloads)
        from analytics.report_generation_stats
        where metric_date between '2026-09-21' and '2026-09-27'
        group by report_type
        order by sum(reports_requested) desc, report_type""",
    "hr_manager_team_engagement": """
        select organization_id, user_id, metric_date, login_count, session_duration_minutes,
               reports_viewed, reports_downloaded, ai_chat_sessions, employees_added,
               employees_updated, dashboard_visits
        from analytics.hr_user_engagement_metrics
        where metric_date between '2026-09-24' and '2026-09-30'
        order by organization_id, user_id, metric_date""",
    "hr_weekly_kpis": """
        select category, metric_name, period_start, value, previous_value, change_percentage
        from analytics.analytics_metrics
        where workspace_id is null and period_type = 'week'
            and period_start between '2026-09-21' and '2026-09-27'
            and category in ('user_management', 'report_generation', 'employee_management',
                             'ai_consultation', 'notification_interaction', 'analytics_viewing')
        order by category, metric_name""",
    "hospital_daily_operations": """
        select metric_date, total_appointments, completed_appointments, cancelled_appointments,
               no_show_appointments, completion_rate, no_show_rate, waiting_time_p50_minutes,
               unique_patients, suppressed_columns
        from analytics.appointment_analytics
        where department_id is null and metric_date between '2026-09-01' and '2026-09-30'
        order by metric_date""",
    "hospital_dashboard": """
        select category, metric_name, current_value, previous_value, change_percentage,
               suppressed_columns
        from analytics.hospital_dashboard_metrics
        where department_id is null and as_of_date = '2026-09-30'
        order by category, metric_name""",
    "hospital_monthly_summary": """
        select month_start, days_in_period, new_patients, active_patients_end,
               total_appointments, completed_appointments, cancelled_appointments,
               no_show_appointments, completion_rate, no_show_rate, unique_patients_seen,
               records_created, records_finalized, lab_tests_ordered, lab_tests_completed,
               billed_amount, collected_amount, outstanding_receivables_end, suppressed_columns
        from analytics.monthly_summary
        where month_start between '2026-08-01' and '2026-08-31'""",
    "hospital_lab_turnaround": """
        select test_type, metric_date, tests_ordered, tests_cancelled, tests_completed,
               pending_backlog, turnaround_p50_hours, turnaround_p90_hours, abnormal_rate,
               suppressed_columns
        from analytics.lab_tests_analytics
        where test_type is not null and metric_date between '2026-09-21' and '2026-09-27'
        order by test_type, metric_date""",
    "qms_quality_events_daily": """
        select department_id, module, metric_date, open_events, open_deviations, open_capas,
               open_complaints, open_critical, overdue_capas, opened_events, closed_events,
               capa_on_time_closure_rate, repeat_deviations
        from analytics.quality_kpis
        where metric_date = '2026-09-30'
        order by overdue_capas desc, department_id, module""",
    "qms_training_overdue": """
        select department_id, user_id, course_id, document_version_id, due_date, days_overdue
        from analytics.training_overdue
        where as_of_date = '2026-09-27'
        order by days_overdue desc, user_id, course_id""",
    "qms_training_compliance": """
        select department_id, metric_date, due_90d, compliant_90d, compliance_rate, overdue,
               completed_on_time
        from analytics.training_compliance
        where metric_date = '2026-09-30'
        order by compliance_rate asc nulls last, department_id""",
}
FORMATS = {
    "daily_kpi_overview": {"pdf", "json"},
    "agent_performance_weekly": {"xlsx"},
    "cohort_retention_monthly": {"pdf", "xlsx"},
    "exam_readiness_roster": {"csv"},
    "knowledge_gaps_by_severity": {"pdf", "csv"},
    "workspace_activity_export": {"csv"},
    "hr_owner_business_health": {"pdf", "json"},
    "hr_leader_report_generation": {"pdf", "xlsx"},
    "hr_manager_team_engagement": {"xlsx", "csv"},
    "hr_weekly_kpis": {"pdf", "csv"},
    "hospital_daily_operations": {"pdf", "csv"},
    "hospital_dashboard": {"pdf", "xlsx"},
    "hospital_monthly_summary": {"xlsx", "csv"},
    "hospital_lab_turnaround": {"pdf", "csv"},
    "qms_quality_events_daily": {"pdf", "csv"},
    "qms_training_overdue": {"pdf", "csv"},
    "qms_training_compliance": {"pdf", "csv"},
}
CHARTS = {
    "daily_kpi_overview",
    "cohort_retention_monthly",
    "knowledge_gaps_by_severity",
    "hr_owner_business_health",
    "hr_leader_report_generation",
    "hospital_daily_operations",
}


def _query(text: str) -> list[tuple]:
    params = warehouse.libpq_params(warehouse.warehouse_url(warehouse.Role.ADMIN))
    with psycopg2.connect(**params) as conn, conn.cursor() as cur:
        cur.execute(text)
        return cur.fetchall()


@pytest.fixture(scope="module")
def produced(fresh_database, tmp_path_factory):
    """Build the pipeline on a sample of another seed than the demo's (with
    every domain pack, as the demo: the hospital's from its operational
    database) and render every example; returns {(report id, format):
    execution row}."""
    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, workspaces=3, users=90, days=35, seed=SEED, packs=FILE_PACKS)
    hospital = warehouse.database_url(f"hospital_{SEED}")
    fill(hospital, departments=3, doctors=8, patients=400, days=45, seed=SEED)
    tags = {"analytics/launched_by": "test"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANALYTICS_LANDING_DIR", str(out))
        patch.setenv("ANALYTICS_HOSPITAL_DATABASE_URL", hospital.render_as_string(False))
        assert materialize("group:raw", log_level="WARNING").success
    assert materialize(UNPARTITIONED, log_level="WARNING").success
    assert materialize(HOSPITAL, as_of=LAST_DAY, log_level="WARNING").success
    assert materialize(
        "tag:daily", as_of=LAST_DAY, first_day="2026-08-27", log_level="WARNING"
    ).success
    assert materialize("group:learning", as_of=LAST_DAY, log_level="WARNING").success
    assert materialize_reports(report_moment(LAST_DAY), tags, say=lambda _: None)
    rows = _query(
        "select report_id, format, status, file_path, record_count, file_size, error_message "
        "from control.report_executions"
    )
    return {(r[0], r[1]): r for r in rows}


def _same(expected: object, found: object) -> bool:
    """A database value against what an independent reader got back from a file."""
    if expected is None:
        return found in (None, "")
    if isinstance(found, str) and not isinstance(expected, str):
        found = _parse_text(found, expected)
    if isinstance(expected, Decimal | float) or isinstance(found, float):
        return math.isclose(float(expected), float(found), rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(expected, datetime):
        found = found if found.tzinfo else found.replace(tzinfo=UTC)
        return expected == found
    if isinstance(expected, date) and isinstance(found, datetime):
        return found.time().isoformat() == "00:00:00" and found.date() == expected
    return expected == found


def _parse_text(text: str, like: object) -> object:
    if isinstance(like, list):  # jsonb arrays (suppressed_columns)
        return json.loads(text)
    if isinstance(like, bool):
        return text == "true"
    if isinstance(like, datetime):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    if isinstance(like, date):
        return date.fromisoformat(text)
    if isinstance(like, int):
        return int(text)
    return Decimal(text)


def _assert_rows(expected: list[tuple], found: list[list]) -> None:
    assert len(found) == len(expected)
    for number, (want, got) in enumerate(zip(expected, found, strict=True), start=1):
        assert len(got) == len(want)
        for column, (a, b) in enumerate(zip(want, got, strict=True)):
            assert _same(a, b), f"row {number}, column {column}: {a!r} != {b!r}"


def _read_rows(path: Path) -> tuple[list, list[list]]:
    """Header and rows of a produced file, read by a library of its format."""
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            lines = list(csv.reader(handle))
        return lines[0], lines[1:]
    if path.suffix == ".json":
        document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        assert document["record_count"] == len(document["rows"])
        return document["columns"], document["rows"]
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True)["Data"]
        lines = [list(row) for row in sheet.iter_rows(values_only=True)]
        return lines[0], lines[1:]
    raise AssertionError(f"no table reader for {path}")


def test_the_demo_produces_every_example_in_every_format(produced):
    assert {(report, fmt) for report, fmts in FORMATS.items() for fmt in fmts} == set(produced)
    for (report, fmt), row in produced.items():
        assert row[2] == "completed", (report, fmt, row[6])
        path = Path(row[3])
        assert path.is_file() and path.stat().st_size == row[5]
        assert path.suffix == f".{fmt}" and path.parent.name == report


@pytest.mark.parametrize("report", sorted(EXPECTED_SQL))
def test_file_rows_equal_a_direct_query(produced, report):
    expected = _query(EXPECTED_SQL[report])
    assert expected, f"{report}: the dataset gives the example no rows to show"
    for fmt in sorted(FORMATS[report] - {"pdf"}):
        path = Path(produced[(report, fmt)][3])
        header, rows = _read_rows(path)
        if fmt == "xlsx" and header[0] == "Workspace":  # names for readers
            names = _names()
            _assert_rows([(names[row[0]], *row[1:]) for row in expected], rows)
        else:
            _assert_rows(expected, rows)
        assert produced[(report, fmt)][4] == len(expected)


def test_totals_of_the_aggregated_report_equal_the_source(produced):
    _header, rows = _read_rows(Path(produced[("knowledge_gaps_by_severity", "csv")][3]))
    (gaps, learners) = _query(
        "select count(*), count(distinct user_id) from analytics.knowledge_gaps "
        "where as_of_date = '2026-09-30'"
    )[0]
    assert sum(int(row[1]) for row in rows) == gaps
    assert max(int(row[2]) for row in rows) <= learners
    assert {row[0] for row in rows} <= {"critical", "high", "medium", "low"}


@pytest.mark.parametrize("report", sorted(CHARTS))
def test_pdfs_carry_title_date_range_chart_and_table(produced, report):
    reader = pypdf.PdfReader(produced[(report, "pdf")][3])
    text = "\n".join(page.extract_text() for page in reader.pages)
    expected = _query(EXPECTED_SQL[report])
    first_page = reader.pages[0]
    assert len(first_page.images) == 1  # the chart
    assert f"{len(expected)}" in text
    name = {"daily_kpi_overview": "Daily KPI overview"}.get(report)
    if name:
        assert name in text and "2026-09-01 to 2026-09-30" in text
    # The first table row's first cell appears in the text.
    assert str(expected[0][0]) in text


def test_report_materializations_show_file_rows_and_preview(produced):
    instance = get_instance()
    for family, report in (("dashboard", "daily_kpi_overview"), ("table", "exam_readiness_roster")):
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(
                asset_key=dg.AssetKey(["reports", family]), asset_partitions=[report]
            ),
            limit=1,
        ).records
        metadata = records[0].asset_materialization.metadata
        fmt = sorted(FORMATS[report])[0]
        assert metadata[f"{fmt}_path"].value == produced[(report, fmt)][3]
        assert metadata[f"{fmt}_rows"].value == produced[(report, fmt)][4]
        assert metadata[f"{fmt}_size_bytes"].value == produced[(report, fmt)][5]
        assert metadata["preview"].value.startswith("| ")


def _workspace_ids(folder: Path, seed: int) -> set[str]:
    summary = generate_sample(folder, workspaces=3, users=10, days=1, seed=seed)
    ids = set()
    for path in summary.files["workspaces"]:
        with path.open(encoding="utf-8") as lines:
            ids |= {json.loads(line)["workspace_id"] for line in lines if line.strip()}
    return ids


def test_the_dataset_has_other_workspaces_than_the_demo(produced, tmp_path):
    demo = _workspace_ids(tmp_path / "demo", DemoOptions().seed)
    here = set(_names())
    assert here and not here & demo


def _names() -> dict[str, str]:
    return dict(
        _query(
            "select distinct on (workspace_id) workspace_id, workspace_name "
            "from analytics.workspace_summary order by workspace_id, as_of_date desc"
        )
    )


def test_xlsx_has_labels_percent_formats_and_workspace_names(produced):
    path = produced[("agent_performance_weekly", "xlsx")][3]
    sheet = openpyxl.load_workbook(path)["Data"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Workspace", "Agent", "Agent id"]
    assert "Success rate" in header and "success_rate" not in header
    rate = header.index("Success rate")
    rates = [row[rate] for row in sheet.iter_rows(min_row=2) if row[rate].value is not None]
    assert rates and {cell.number_format for cell in rates} == {"0.0%"}
    assert all(isinstance(cell.value, int | float) for cell in rates)  # numbers, not text
    names = _names()
    shown = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    expected = _query(EXPECTED_SQL["agent_performance_weekly"])
    assert shown == {names[row[0]] for row in expected}


def test_hr_examples_name_the_organization_not_a_workspace(produced):
    path = produced[("hr_manager_team_engagement", "xlsx")][3]
    sheet = openpyxl.load_workbook(path)["Data"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Organization", "User id", "Metric date"]
    assert "Minutes in sessions" in header and "AI consultations" in header
    about = openpyxl.load_workbook(path)["About"]
    labels = {row[0] for row in about.iter_rows(values_only=True)}
    assert "Organization" in labels and "Workspace" not in labels


def test_pdf_shows_labels_and_percentages(produced):
    reader = pypdf.PdfReader(produced[("daily_kpi_overview", "pdf")][3])
    lines = [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]
    assert "Daily active users" in lines and "Success rate" in lines and "Error rate" in lines
    assert "dau" not in lines and "success_rate" not in lines
    first = _query(EXPECTED_SQL["daily_kpi_overview"])[0]
    rate = first[7]  # success_rate of the first day
    if rate is not None:
        shown = (Decimal(rate) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        assert f"{shown}%" in lines
    assert any(line.endswith("%") for line in lines)
    generated = lines[lines.index("Generated at (UTC)") + 1]
    assert datetime.strptime(generated, "%Y-%m-%d %H:%M:%S UTC")  # no microseconds
    gaps = pypdf.PdfReader(produced[("knowledge_gaps_by_severity", "pdf")][3])
    text = "\n".join(page.extract_text() for page in gaps.pages)
    assert "Mean mastery" in text and "Learners" in text and "avg_mastery" not in text


def test_an_example_for_an_empty_period_says_no_data(produced):
    definition = load_definition_file(
        get_settings().report_definitions_dir / "daily_kpi_overview.yml"
    )
    params = warehouse.libpq_params(warehouse.warehouse_url(warehouse.Role.TRANSFORMER))
    reader = warehouse.libpq_params(warehouse.warehouse_url(warehouse.Role.READER))
    with psycopg2.connect(**params) as conn, psycopg2.connect(**reader) as query_conn:
        result = generate_report(
            conn,
            definition,
            datetime(2027, 1, 1, 6, 0, tzinfo=UTC),  # 30 days with no data
            formats=["pdf", "json"],
            query_conn=query_conn,
        )
    assert not result.failed
    files = {o.format: o.execution.file_path for o in result.outcomes}
    message = "No data for 2026-12-02 to 2026-12-31."
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(files["pdf"]).pages)
    assert message in text
    document = json.loads(files["json"].read_text())
    assert (document["rows"], document["record_count"], document["note"]) == ([], 0, message)


def _hospital_private_values() -> set[str]:
    """Names, MRNs and contact details of the sample hospital's patients."""
    with connect_source(warehouse.database_url(f"hospital_{SEED}")) as conn, conn.cursor() as cur:
        cur.execute(
            "select mrn, first_name, last_name, phone, email, address from hospital.patients"
        )
        return {value for row in cur.fetchall() for value in row if value and len(value) >= 4}


def _columns_of(query: str) -> list[str]:
    params = warehouse.libpq_params(warehouse.warehouse_url(warehouse.Role.ADMIN))
    with psycopg2.connect(**params) as conn, conn.cursor() as cur:
        cur.execute(f"select * from ({query}) as report limit 0")
        return [column.name for column in cur.description]


def test_hospital_report_files_hold_no_identifier_and_no_small_count(produced):
    counts = {c for table in DAILY_AND_MONTHLY for c in table.counts}
    count_metrics = {m for m, metric in DASHBOARD_METRICS.items() if metric.kind == "count"}
    private = _hospital_private_values()
    assert len(private) > 1000
    checked = 0
    for report in (r for r in EXPECTED_SQL if r.startswith("hospital_")):
        columns = _columns_of(EXPECTED_SQL[report])
        for fmt in FORMATS[report]:
            path = Path(produced[(report, fmt)][3])
            if fmt == "pdf":
                text = "".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
            else:
                _, rows = _read_rows(path)
                text = json.dumps(rows, default=str)
                for row in rows:
                    cells = dict(zip(columns, row, strict=True))
                    shown = {c for c in counts if c in cells}
                    if cells.get("metric_name") in count_metrics:
                        shown |= {"current_value", "previous_value"}
                    for column in shown:
                        value = cells[column]
                        checked += value not in (None, "")
                        assert value in (None, "") or not 1 <= float(value) <= 4, (report, column)
            assert not [value for value in private if value in text], (report, fmt)
    assert checked > 100


# -- the example dashboards (dashboards/*.yml), on the same dataset ------------
#
# Rendered by the CLI's code (sync, then render as of the day after the data),
# opened in headless Chromium (tests/dashboards/browser.py) and read back
# from the PDF with pypdf.

DASHBOARD_AS_OF = date(2026, 10, 1)  # last_30_days: 2026-09-01 .. 2026-09-30
PERIODS = {
    "value": ("2026-09-01", "2026-09-30"),
    "previous": ("2026-08-02", "2026-08-31"),  # the 30 days before
}
# dashboard id -> metric widget id -> (number format, SQL over {start}..{end})
METRIC_SQL = {
    "agent_platform_overview": {
        "active_users": (
            "number",
            "avg(value) from analytics.analytics_metrics where "
            "metric_name = 'active_users' and period_type = 'day' and "
            "workspace_id is null and period_start between {start} and {end}",
        ),
        "total_runs": (
            "integer",
            "sum(value) from analytics.analytics_metrics where "
            "metric_name = 'total_runs' and period_type = 'day' and "
            "workspace_id is null and period_start between {start} and {end}",
        ),
        "success_rate": (
            "percent",
            "avg(value) from analytics.analytics_metrics where "
            "metric_name = 'success_rate' and period_type = 'day' and "
            "workspace_id is null and period_start between {start} and {end}",
        ),
        "credits_consumed": (
            "number",
            "sum(value) from analytics.analytics_metrics where "
            "metric_name = 'credits_consumed' and period_type = 'day' and "
            "workspace_id is null and period_start between {start} and {end}",
        ),
    },
    "learner_progress": {
        "study_minutes": (
            "integer",
            "sum(study_minutes) from analytics.daily_user_stats "
            "where stat_date between {start} and {end}",
        ),
        "questions_answered": (
            "integer",
            "sum(attempts) from analytics.daily_user_stats "
            "where stat_date between {start} and {end}",
        ),
        "correct_answers": (
            "integer",
            "sum(correct_attempts) from analytics.daily_user_stats "
            "where stat_date between {start} and {end}",
        ),
        "active_learners": (
            "integer",
            "count(distinct user_id) from analytics.daily_user_stats "
            "where stat_date between {start} and {end}",
        ),
    },
    "hospital_operations": {
        "appointments": (
            "integer",
            "sum(total_appointments) from analytics.appointment_analytics "
            "where department_id is null and metric_date between {start} and {end}",
        ),
        "bookings": (
            "integer",
            "sum(bookings_made) from analytics.appointment_analytics "
            "where department_id is null and metric_date between {start} and {end}",
        ),
        "billed": (
            "number",
            "sum(billed_amount) from analytics.revenue_analytics "
            "where department_id is null and metric_date between {start} and {end}",
        ),
        "collected": (
            "number",
            "sum(collected_amount) from analytics.revenue_analytics "
            "where department_id is null and metric_date between {start} and {end}",
        ),
    },
    "qms_quality_overview": {
        "events_opened": (
            "integer",
            "sum(opened_events) from analytics.quality_kpis "
            "where metric_date between {start} and {end}",
        ),
        "events_closed": (
            "integer",
            "sum(closed_events) from analytics.quality_kpis "
            "where metric_date between {start} and {end}",
        ),
        "trainings_completed": (
            "integer",
            "sum(completed) from analytics.training_compliance "
            "where metric_date between {start} and {end}",
        ),
        "oos_results": (
            "integer",
            "sum(value) from analytics.analytics_metrics where "
            "metric_name = 'qms_oos_results' and period_type = 'day' and "
            "workspace_id is null and period_start between {start} and {end}",
        ),
    },
    "hr_owner_overview": {
        "mrr": (
            "number",
            "avg(mrr) from analytics.business_impact_metrics "
            "where organization_id is null and metric_date between {start} and {end}",
        ),
        "retention": (
            "percent",
            "avg(customer_retention_rate) from "
            "analytics.business_impact_metrics where organization_id is null "
            "and metric_date between {start} and {end}",
        ),
        "nps": (
            "number",
            "avg(nps_score) from analytics.business_impact_metrics "
            "where organization_id is null and metric_date between {start} and {end}",
        ),
        "active_users": (
            "number",
            "avg(active_users_count) from "
            "analytics.platform_adoption_metrics where organization_id is null "
            "and metric_date between {start} and {end}",
        ),
    },
    "hr_leader_overview": {
        "reports_requested": (
            "integer",
            "sum(reports_requested) from "
            "analytics.report_generation_stats "
            "where metric_date between {start} and {end}",
        ),
        "reports_generated": (
            "integer",
            "sum(successful) from analytics.report_generation_stats "
            "where metric_date between {start} and {end}",
        ),
        "chat_sessions": (
            "integer",
            "sum(sessions) from analytics.ai_chat_analytics "
            "where metric_date between {start} and {end}",
        ),
        "notifications_sent": (
            "integer",
            "sum(sent) from analytics.notification_delivery_metrics "
            "where organization_id is null "
            "and metric_date between {start} and {end}",
        ),
    },
    "hr_manager_overview": {
        "logins": (
            "integer",
            "sum(login_count) from analytics.hr_user_engagement_metrics "
            "where metric_date between {start} and {end}",
        ),
        "reports_viewed": (
            "integer",
            "sum(reports_viewed) from analytics.hr_user_engagement_metrics "
            "where metric_date between {start} and {end}",
        ),
        "employees_added": (
            "integer",
            "sum(employees_added) from "
            "analytics.hr_user_engagement_metrics "
            "where metric_date between {start} and {end}",
        ),
        "active_users": (
            "integer",
            "count(distinct user_id) from "
            "analytics.hr_user_engagement_metrics "
            "where metric_date between {start} and {end}",
        ),
    },
}


def _dashboards() -> dict[str, DashboardDefinition]:
    return {d.id: d for d in load_dashboard_files(get_settings().dashboard_definitions_dir)}


def _metric_expected(dashboard_id: str, widget_id: str, period: str) -> Decimal | None:
    _fmt, text = METRIC_SQL[dashboard_id][widget_id]
    start, end = PERIODS[period]
    ((value,),) = _query(f"select {text.format(start=repr(start), end=repr(end))}")
    return None if value is None else Decimal(value)


def _shown(value: Decimal, number_format: str) -> str:
    """A number as a reader sees it, written out here from the README's rules."""
    if number_format == "percent":
        return f"{(value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    if number_format == "integer":
        return f"{value.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
    text = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@pytest.fixture(scope="module")
def dashboards(produced):
    """Every example synced and rendered as the CLI does (`dashboards sync`,
    `dashboards render ID --as-of 2026-10-01`): {id: {format: path}}."""
    sync_dashboard_files()
    files = {}
    for dashboard_id in _dashboards():
        run = render_dashboard_now(dashboard_id, as_of=DASHBOARD_AS_OF)
        assert not run.failed, [(o.format, o.message) for o in run.failed]
        files[dashboard_id] = {o.format: o.execution.file_path for o in run.outcomes}
    return files


@pytest.fixture(scope="module")
def browser():
    with chromium() as running:
        yield running


def test_every_example_dashboard_has_its_card_queries_here(dashboards):
    definitions = _dashboards()
    assert set(METRIC_SQL) == set(definitions) == set(dashboards)
    for dashboard_id, definition in definitions.items():
        cards = {w.id: w.metric.format for w in definition.widgets if w.type == "metric"}
        assert cards == {w: fmt for w, (fmt, _) in METRIC_SQL[dashboard_id].items()}
        assert set(dashboards[dashboard_id]) == {"html", "pdf"}


@pytest.mark.parametrize("dashboard_id", sorted(METRIC_SQL))
def test_dashboard_in_a_browser(dashboards, browser, dashboard_id, tmp_path):
    definition = _dashboards()[dashboard_id]
    path = dashboards[dashboard_id]["html"]
    with visit(browser, path) as page:
        assert page.requests == [path.resolve().as_uri()]  # the file itself, nothing else
        assert page.errors == []
        found = page.page.eval_on_selector_all(
            "[data-widget-id]",
            "nodes => nodes.map(n => [n.dataset.widgetId, n.dataset.widgetType, "
            "n.dataset.hasData, n.querySelector('h2').innerText])",
        )
        assert found == [[w.id, w.type, "true", w.title] for w in reading_order(definition.widgets)]
        for widget in definition.widgets:
            card = page.page.locator(f'[data-widget-id="{widget.id}"]')
            if widget.type == "chart":
                figure = card.locator("figure.chart")
                assert figure.get_attribute("data-chart-type") == widget.chart.type
                assert int(figure.get_attribute("data-points")) > 0
                assert card.locator("svg").count() == 1
            elif widget.type == "table":
                assert card.locator("tbody tr").count() > 0
                assert card.locator("th").all_inner_texts() == [
                    widget.label(c.column) for c in widget.table_columns
                ]
            else:
                number_format = widget.metric.format
                value = _metric_expected(dashboard_id, widget.id, "value")
                previous = _metric_expected(dashboard_id, widget.id, "previous")
                assert value is not None, f"{widget.id}: no value to show"
                assert Decimal(card.get_attribute("data-value")) == value
                shown = card.locator(".value").inner_text()
                assert shown == _shown(value, number_format), widget.id
                if previous is None:
                    assert card.get_attribute("data-previous-value") == ""
                else:
                    assert Decimal(card.get_attribute("data-previous-value")) == previous
                    assert _shown(previous, number_format) in card.locator(".previous").inner_text()
                assert card.locator(".sparkline svg").count() == 1, f"{widget.id}: no sparkline"
        page.page.screenshot(path=tmp_path / f"{dashboard_id}.png", full_page=True)
    with visit(browser, path, PHONE) as phone:
        assert phone.errors == []
        assert phone.scroll_width <= PHONE[0]
        phone.page.screenshot(path=tmp_path / f"{dashboard_id}_phone.png", full_page=True)


def _pdf_text(path: Path) -> str:
    """The PDF's text with every run of white space one space (titles wrap in cards)."""
    return " ".join("\n".join(p.extract_text() for p in pypdf.PdfReader(path).pages).split())


@pytest.mark.parametrize("dashboard_id", sorted(METRIC_SQL))
def test_dashboard_pdf_shows_titles_and_card_values(dashboards, dashboard_id):
    definition = _dashboards()[dashboard_id]
    text = _pdf_text(dashboards[dashboard_id]["pdf"])
    assert definition.name in text and "2026-09-01 to 2026-09-30" in text
    for widget in definition.widgets:
        assert " ".join(widget.title.split()) in text, widget.id
    for widget_id, (number_format, _) in METRIC_SQL[dashboard_id].items():
        value = _metric_expected(dashboard_id, widget_id, "value")
        assert _shown(value, number_format) in text, widget_id
    assert "No data for this period" not in text


def test_an_example_dashboard_for_an_empty_period_says_no_data(dashboards, browser):
    definition = _dashboards()["learner_progress"]
    params = warehouse.libpq_params(warehouse.warehouse_url(warehouse.Role.TRANSFORMER))
    reader = warehouse.libpq_params(warehouse.warehouse_url(warehouse.Role.READER))
    with psycopg2.connect(**params) as conn, psycopg2.connect(**reader) as query_conn:
        run = generate_dashboard(
            conn,
            definition,
            datetime(2026, 1, 1, 7, 0, tzinfo=UTC),  # months before the first event
            formats=["html", "pdf"],
            query_conn=query_conn,
        )
    assert not run.failed
    files = {o.format: o.execution.file_path for o in run.outcomes}
    with visit(browser, files["html"]) as page:
        assert page.errors == []
        widgets = page.page.locator("[data-widget-id]")
        assert widgets.count() == len(definition.widgets)
        for i in range(widgets.count()):
            widget = widgets.nth(i)
            assert widget.get_attribute("data-has-data") == "false"
            assert widget.locator(".no-data").inner_text() == "No data for this period"
    text = _pdf_text(files["pdf"])
    assert text.count("No data for this period") == len(definition.widgets)
