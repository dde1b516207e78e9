"""The example dashboard rendered from a small built dataset: every metric
card's number equals a hand-written SQL query on the published table, the
charts and the table have the rows SQL says, the HTML refers to nothing
outside itself, the PDF (read back with pypdf) has the titles and values, the
execution records match the files, and an empty period says so per widget."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import psycopg2
import pypdf
import pytest
from psycopg2.extensions import connection

from analytics_pipeline import warehouse
from analytics_pipeline.dashboards.control import ensure_dashboard_tables, sync_dashboards
from analytics_pipeline.dashboards.definition import load_dashboard_file
from analytics_pipeline.dashboards.generation import generate_dashboard
from analytics_pipeline.settings import REPO_DIR
from tests.reports.test_delivery import parse as parse_message

pytestmark = pytest.mark.integration

EXAMPLE = load_dashboard_file(REPO_DIR / "dashboards" / "agent_platform_overview.yml")
SCHEDULED = datetime(2026, 3, 31, 7, tzinfo=UTC)  # today 2026-03-31: last_30_days = 03-01..03-30
FIRST_DAY = date(2026, 1, 20)
DAYS = [FIRST_DAY + timedelta(days=i) for i in range((date(2026, 3, 30) - FIRST_DAY).days + 1)]
WORKSPACES = ("w1", "w2", None)
METRICS = ("active_users", "total_runs", "success_rate", "credits_consumed", "events")
AGENTS = (("a1", "Writer"), ("a2", "Coder"), ("a3", "Researcher"))

DDL = """
create schema if not exists analytics;
create table analytics.analytics_metrics (
    metric_name text not null, metric_type text, category text, period_type text not null,
    period_start date not null, period_end date, workspace_id text, value numeric,
    previous_value numeric, change_percentage numeric);
create table analytics.daily_metrics (
    metric_date date not null, workspace_id text, dau bigint not null, total_runs bigint not null);
create table analytics.agent_performance (
    metric_date date not null, workspace_id text not null, agent_id text not null,
    agent_name text, total_runs bigint not null);
create table analytics.top_agents (
    as_of_date date not null, workspace_id text not null, rank integer not null,
    agent_id text not null, agent_name text, total_runs bigint not null,
    success_rate numeric, credits_consumed numeric not null);
"""


def _value(metric: str, day: int, workspace: int) -> Decimal:
    if metric == "success_rate":
        return Decimal(50 + (day * 7 + workspace * 3) % 45) / 100
    if metric == "credits_consumed":
        return Decimal(day * 13 % 97) + Decimal(workspace) / 4
    if metric == "total_runs":
        return Decimal((day * 17 + workspace * 2) % 71 + 3)
    return Decimal((day * 11 + workspace * 5) % 83 + 1)


def _build(conn: connection) -> None:
    metric_rows, daily_rows, agent_rows, top_rows = [], [], [], []
    for d, day in enumerate(DAYS):
        for w, workspace in enumerate(WORKSPACES):
            for metric in METRICS:
                metric_rows.append((metric, "day", day, workspace, _value(metric, d, w)))
            daily_rows.append((day, workspace, (d * 3 + w) % 17 + 1, (d * 5 + w) % 23))
            if workspace is None:
                continue
            for a, (agent_id, name) in enumerate(AGENTS):
                agent_rows.append((day, workspace, agent_id, name, (d + a * 7 + w) % 9))
            for rank, (agent_id, name) in enumerate(AGENTS, start=1):
                top_rows.append(
                    (day, workspace, rank, agent_id, name, 100 * w - rank + d, Decimal("0.8125"), 3)
                )
        # week rows of the same metrics must not count in the daily cards
        if day.weekday() == 0:
            metric_rows.append(("total_runs", "week", day, None, Decimal(100000)))
    with conn.cursor() as cur:
        cur.execute(DDL)
        cur.executemany(
            "insert into analytics.analytics_metrics (metric_name, period_type, period_start,"
            " workspace_id, value) values (%s, %s, %s, %s, %s)",
            metric_rows,
        )
        cur.executemany("insert into analytics.daily_metrics values (%s, %s, %s, %s)", daily_rows)
        cur.executemany(
            "insert into analytics.agent_performance values (%s, %s, %s, %s, %s)", agent_rows
        )
        cur.executemany(
            "insert into analytics.top_agents values (%s, %s, %s, %s, %s, %s, %s, %s)", top_rows
        )
    conn.commit()


@pytest.fixture(scope="module")
def conn(fresh_database: str) -> Iterator[connection]:
    connection = psycopg2.connect(**warehouse.libpq_params(warehouse.admin_url()))
    _build(connection)
    ensure_dashboard_tables(connection)
    sync_dashboards(connection, [EXAMPLE])
    try:
        yield connection
    finally:
        connection.close()


def sql_one(conn: connection, statement: str, params: tuple = ()) -> Any:
    with conn.cursor() as cur:
        cur.execute(statement, params)
        (value,) = cur.fetchone()
    conn.rollback()
    return value


def metric_sql(
    conn: connection,
    function: str,
    metric: str,
    start: str,
    end: str,
    workspace: str | None = None,
) -> Decimal:
    scope = "workspace_id is null" if workspace is None else "workspace_id = %s"
    return sql_one(
        conn,
        f"select {function}(value) from analytics.analytics_metrics"
        f" where metric_name = %s and period_type = 'day' and {scope}"
        " and period_start between %s and %s",
        (metric, *([workspace] if workspace else []), start, end),
    )


class Widgets(HTMLParser):
    """The page's widget sections (their data attributes and text), table
    cells, and every attribute that could load something."""

    def __init__(self) -> None:
        super().__init__()
        self.widgets: dict[str, dict[str, Any]] = {}
        self.current: str | None = None
        self.loads: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("src", "href", "xlink:href", "action", "srcset"):
            if name in attributes and not (attributes[name] or "").startswith("#"):
                self.loads.append((tag, name))
        if tag in ("link", "script", "img", "iframe", "object", "embed"):
            self.loads.append((tag, "element"))
        if tag == "section" and "data-widget-id" in attributes:
            self.current = attributes["data-widget-id"]
            self.widgets[self.current] = {**attributes, "text": "", "cells": [], "figure": None}
        elif self.current and tag == "td":
            self.widgets[self.current]["cells"].append(attributes["data-value"])
        elif self.current and tag == "figure":
            self.widgets[self.current]["figure"] = attributes
        elif self.current and tag == "tr":
            self.widgets[self.current].setdefault("rows", 0)
            self.widgets[self.current]["rows"] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current:
            self.widgets[self.current]["text"] += data


def parse(path: Path) -> Widgets:
    parser = Widgets()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def run(conn: connection) -> Any:
    result = generate_dashboard(conn, EXAMPLE, SCHEDULED, smtp_env={})
    assert [(o.format, o.status, o.message) for o in result.outcomes] == [
        ("html", "completed", None),
        ("pdf", "completed", None),
    ]
    assert result.thumbnail == (result.outcomes[0].execution.file_path.with_suffix(".preview.png"))
    return result


def test_each_metric_card_equals_its_sql(conn: connection, run: Any) -> None:
    html = run.outcomes[0].execution.file_path
    widgets = parse(html).widgets
    cards = {
        "active_users": "avg",
        "total_runs": "sum",
        "success_rate": "avg",
        "credits_consumed": "sum",
    }
    for widget_id, function in cards.items():
        card = widgets[widget_id]
        value = metric_sql(conn, function, widget_id, "2026-03-01", "2026-03-30")
        previous = metric_sql(conn, function, widget_id, "2026-01-30", "2026-02-28")
        assert (card["data-widget-type"], card["data-has-data"]) == ("metric", "true")
        assert Decimal(card["data-value"]) == value, widget_id
        assert Decimal(card["data-previous-value"]) == previous, widget_id
        assert Decimal(card["data-change-percent"]) == (value - previous) / previous * 100
    # the readable numbers: runs as an integer, the rate as a percentage
    runs = metric_sql(conn, "sum", "total_runs", "2026-03-01", "2026-03-30")
    assert f"{runs:,}" in widgets["total_runs"]["text"]
    rate = metric_sql(conn, "avg", "success_rate", "2026-03-01", "2026-03-30")
    shown = (rate * 100).quantize(Decimal("0.1"))
    assert f"{shown}%" in widgets["success_rate"]["text"]
    assert widgets["total_runs"]["text"].count("Previous period") == 1


def test_every_widget_is_on_the_page_with_the_rows_sql_gives(conn: connection, run: Any) -> None:
    widgets = parse(run.outcomes[0].execution.file_path).widgets
    assert list(widgets) == [w.id for w in EXAMPLE.widgets]  # reading order = file order here
    assert {w: widgets[w]["data-widget-type"] for w in widgets} == {
        w.id: w.type for w in EXAMPLE.widgets
    }
    days = sql_one(
        conn,
        "select count(*) from analytics.daily_metrics where workspace_id is null"
        " and metric_date between '2026-03-01' and '2026-03-30'",
    )
    assert widgets["daily_activity"]["figure"]["data-points"] == str(days) == "30"
    assert widgets["daily_activity"]["figure"]["data-chart-type"] == "line"
    agents = sql_one(
        conn,
        "select count(distinct agent_name) from analytics.agent_performance"
        " where metric_date between '2026-03-01' and '2026-03-30'",
    )
    assert widgets["top_agents_chart"]["figure"]["data-points"] == str(agents) == "3"
    # the table: top_agents of yesterday, every workspace, by runs
    with conn.cursor() as cur:
        cur.execute(
            "select workspace_id, rank, agent_name, total_runs, success_rate, credits_consumed"
            " from analytics.top_agents where as_of_date = '2026-03-30'"
            " order by total_runs desc, workspace_id, rank limit 20"
        )
        expected = [str(v) for row in cur.fetchall() for v in row]
    conn.rollback()
    assert widgets["top_agents_table"]["cells"] == expected
    assert "81.3%" in widgets["top_agents_table"]["text"]  # success_rate 0.8125 as a percent
    # charts are inline SVG with their text as text
    page = run.outcomes[0].execution.file_path.read_text(encoding="utf-8")
    assert page.count("<svg") == 2 + 4  # two charts, four sparklines
    assert "Active users" in re.sub(r"\s+", " ", page.split('id="widget-daily_activity"')[1])


def test_the_page_refers_to_nothing_outside_itself(run: Any) -> None:
    path = run.outcomes[0].execution.file_path
    page = path.read_text(encoding="utf-8")
    assert "http" not in page
    assert "//" not in re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL).replace(
        "<!DOCTYPE", ""
    ).replace("//-", "")
    assert parse(path).loads == []
    assert "@import" not in page and "url(" not in page.replace("url(#", "")
    assert '<meta name="viewport"' in page
    assert "@media (max-width: 760px)" in page


def test_pdf_text_has_the_titles_and_values(conn: connection, run: Any) -> None:
    reader = pypdf.PdfReader(run.outcomes[1].execution.file_path)
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert sum(len(page.images) for page in reader.pages) == 2 + 4  # charts, sparklines
    for title in [EXAMPLE.name, *(w.title for w in EXAMPLE.widgets)]:
        assert title in text
    runs = metric_sql(conn, "sum", "total_runs", "2026-03-01", "2026-03-30")
    assert f"{runs:,}" in text
    credits = metric_sql(conn, "sum", "credits_consumed", "2026-03-01", "2026-03-30")
    assert f"{credits.quantize(Decimal('0.01')):,}".rstrip("0").rstrip(".") in text
    assert "Workspace: all workspaces" in text


def test_execution_records_match_the_files(conn: connection, run: Any) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "select format, status, file_path, file_size, sha256, data_range, parameters,"
            " delivery_status, delivery_error"
            " from control.dashboard_executions where dashboard_id = %s and scheduled_for = %s"
            " order by format",
            (EXAMPLE.id, SCHEDULED),
        )
        rows = cur.fetchall()
    conn.rollback()
    assert [row[:2] for row in rows] == [("html", "completed"), ("pdf", "completed")]
    for _, _, path, size, sha256, data_range, parameters, delivery, error in rows:
        assert (delivery, error) == (
            "skipped",
            "no SMTP server configured (ANALYTICS_SMTP_HOST is unset)",
        )
        content = Path(path).read_bytes()
        assert (len(content), hashlib.sha256(content).hexdigest()) == (size, sha256)
        assert Path(path).name.startswith("agent_platform_overview_20260331T070000Z.")
        assert data_range == {"start": "2026-03-01", "end": "2026-03-30"}
        assert parameters["reference_date"] == "2026-03-31"
    # the same scheduled time again: nothing re-rendered
    again = generate_dashboard(conn, EXAMPLE, SCHEDULED, smtp_env={})
    assert [o.status for o in again.outcomes] == ["skipped", "skipped"]
    assert again.delivery is None


def test_an_empty_period_says_so_in_every_widget(conn: connection) -> None:
    scheduled = datetime(2026, 7, 1, 7, tzinfo=UTC)  # no data in June
    result = generate_dashboard(conn, EXAMPLE, scheduled, smtp_env={})
    assert [o.status for o in result.outcomes] == ["completed", "completed"]
    html = result.outcomes[0].execution.file_path
    widgets = parse(html).widgets
    assert list(widgets) == [w.id for w in EXAMPLE.widgets]
    for widget_id, widget in widgets.items():
        assert widget["data-has-data"] == "false", widget_id
        assert "No data for this period" in widget["text"], widget_id
        assert widget["figure"] is None and widget["cells"] == []
    assert widgets["total_runs"]["data-value"] == ""
    assert "<svg" not in html.read_text(encoding="utf-8")
    pdf = result.outcomes[1].execution.file_path
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert re.sub(r"\s+", " ", text).count("No data for this period") == len(EXAMPLE.widgets)
    assert result.thumbnail is None  # no chart with data: no preview image


def test_a_workspace_dashboard_reads_its_workspace_only(conn: connection) -> None:
    mine = replace(EXAMPLE, id="agent_platform_w2", workspace_id="w2", schedule=None)
    sync_dashboards(conn, [mine])
    result = generate_dashboard(conn, mine, SCHEDULED, formats=["html"])
    widgets = parse(result.outcomes[0].execution.file_path).widgets
    runs = metric_sql(conn, "sum", "total_runs", "2026-03-01", "2026-03-30", workspace="w2")
    assert Decimal(widgets["total_runs"]["data-value"]) == runs
    assert runs != metric_sql(conn, "sum", "total_runs", "2026-03-01", "2026-03-30")
    assert set(widgets["top_agents_table"]["cells"][::6]) == {"w2"}


def test_the_files_are_mailed_to_the_recipients(conn: connection, start_server: Any) -> None:
    settings, mailbox = start_server()
    schedule = replace(EXAMPLE.schedule, recipients=("owner@example.com", "cfo@example.com"))
    mailed = replace(EXAMPLE, schedule=schedule)
    scheduled = SCHEDULED + timedelta(days=1)
    env = {"ANALYTICS_SMTP_HOST": settings.host, "ANALYTICS_SMTP_PORT": str(settings.port)}
    result = generate_dashboard(conn, mailed, scheduled, smtp_env=env)
    assert result.delivery.status == "sent"
    (envelope,) = mailbox.messages
    assert sorted(envelope.rcpt_tos) == ["cfo@example.com", "owner@example.com"]
    message = parse_message(envelope)
    assert message["Subject"] == "Agent platform overview (2026-04-01 07:00 UTC)"
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    files = {o.execution.file_path.name: o.execution.file_path for o in result.outcomes}
    assert set(attachments) == set(files)
    for name, part in attachments.items():
        assert part.get_content_type() == (
            "text/html" if name.endswith(".html") else "application/pdf"
        )
        assert part.get_payload(decode=True) == files[name].read_bytes()
    with conn.cursor() as cur:
        cur.execute(
            "select format, delivery_status, recipients from control.dashboard_executions"
            " where scheduled_for = %s order by format",
            (scheduled,),
        )
        assert cur.fetchall() == [
            ("html", "sent", ["owner@example.com", "cfo@example.com"]),
            ("pdf", "sent", ["owner@example.com", "cfo@example.com"]),
        ]
    conn.rollback()
