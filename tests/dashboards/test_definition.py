"""Dashboard definitions: the example files load, records read back to the
same definition, and every kind of mistake is named by its field path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from analytics_pipeline.dashboards.definition import (
    Cell,
    DashboardSpec,
    dashboard_to_record,
    load_dashboard_file,
    load_dashboard_files,
    parse_dashboard,
)
from analytics_pipeline.reports.definition import DateRange, DefinitionError, Filter
from analytics_pipeline.settings import REPO_DIR

DASHBOARDS_DIR = REPO_DIR / "dashboards"


def metric(widget_id: str = "runs", column: int = 1, **fields: Any) -> dict[str, Any]:
    return {
        "id": widget_id,
        "type": "metric",
        "title": "Runs",
        "layout": {"row": 1, "column": column, "width": 3},
        "metric": {
            "data_source": "analytics_metrics",
            "metric_name": "total_runs",
            "function": "sum",
        },
        **fields,
    }


def chart(**fields: Any) -> dict[str, Any]:
    return {
        "id": "trend",
        "type": "chart",
        "title": "Trend",
        "layout": {"row": 2, "column": 1, "width": 12, "height": 2},
        "query": {"data_source": "daily_metrics", "columns": ["metric_date", "dau"]},
        "chart": {"type": "line", "x": "metric_date", "y": ["dau"]},
        **fields,
    }


def table(**fields: Any) -> dict[str, Any]:
    return {
        "id": "agents",
        "type": "table",
        "title": "Agents",
        "layout": {"row": 4, "column": 1, "width": 6},
        "query": {"data_source": "top_agents", "columns": ["agent_name", "total_runs"]},
        "table": {"columns": [{"column": "total_runs", "label": "Runs", "format": "integer"}]},
        **fields,
    }


def dashboard(*widgets: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "id": "test_dashboard",
        "name": "Test dashboard",
        "workspace_id": None,
        "date_range": "last_7_days",
        "widgets": list(widgets or (metric(), chart(), table())),
        **fields,
    }


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionError) as caught:
        parse_dashboard(data)
    return list(caught.value.problems)


def test_the_example_loads_with_its_widgets_in_place() -> None:
    definition = load_dashboard_file(DASHBOARDS_DIR / "agent_platform_overview.yml")
    assert definition.workspace_id is None
    assert definition.role == "OWNER"
    assert definition.date_range == DateRange(relative="last_30_days")
    assert definition.schedule.formats == ("html", "pdf")
    assert [(w.id, w.type) for w in definition.widgets] == [
        ("active_users", "metric"),
        ("total_runs", "metric"),
        ("success_rate", "metric"),
        ("credits_consumed", "metric"),
        ("daily_activity", "chart"),
        ("top_agents_chart", "chart"),
        ("top_agents_table", "table"),
    ]
    runs = definition.widgets[1]
    assert runs.layout == Cell(row=1, column=4, width=3, height=1)
    # metric_name and period_type stand for filters on analytics_metrics' value
    assert runs.metric.column == "value"
    assert runs.metric.filters == (
        Filter("metric_name", "=", "total_runs"),
        Filter("period_type", "=", "day"),
    )
    assert definition.widgets[6].date_range == DateRange(relative="yesterday")
    assert definition.data_sources == (
        "agent_performance",
        "analytics_metrics",
        "daily_metrics",
        "top_agents",
    )
    assert [d.id for d in load_dashboard_files(DASHBOARDS_DIR)] == sorted(
        path.stem for path in DASHBOARDS_DIR.glob("*.yml")
    )


def test_a_record_reads_back_to_the_same_definition() -> None:
    for path in sorted(DASHBOARDS_DIR.glob("*.yml")):
        definition = load_dashboard_file(path)
        assert parse_dashboard(dashboard_to_record(definition)) == definition
    filtered = metric(
        metric={
            "data_source": "analytics_metrics",
            "metric_name": "events",
            "period_type": "week",
            "category": "activity",
            "function": "max",
            "filters": [{"column": "value", "operator": ">", "value": 0}],
            "format": "integer",
        }
    )
    definition = parse_dashboard(dashboard(filtered, chart(), role="MANAGER", workspace_id="w1"))
    assert definition.widgets[0].metric.filters == (
        Filter("metric_name", "=", "events"),
        Filter("period_type", "=", "week"),
        Filter("category", "=", "activity"),
        Filter("value", ">", 0),
    )
    assert parse_dashboard(dashboard_to_record(definition)) == definition


def test_problems_are_named_by_their_field_paths() -> None:
    bad_chart = chart(chart={"type": "donut", "x": "metric_date", "y": ["dau", "runs"]})
    assert problems(dashboard(metric(), bad_chart)) == [
        ("widgets[1].chart.type", "'donut' is not one of line, bar, stacked_bar, pie, area"),
    ]
    wrong_columns = chart(chart={"type": "line", "x": "day", "y": ["runs"]})
    assert problems(dashboard(metric(), wrong_columns)) == [
        ("widgets[1].chart.x", "'day' is not a result column (one of metric_date, dau)"),
        ("widgets[1].chart.y[0]", "'runs' is not a result column (one of metric_date, dau)"),
    ]
    assert problems(
        dashboard(metric(), chart(chart={"type": "line", "x": "metric_date", "y": ["dau", "runs"]}))
    ) == [("widgets[1].chart.y[1]", "'runs' is not a result column (one of metric_date, dau)")]


def test_every_problem_of_a_widget_is_reported_at_once() -> None:
    data = dashboard(
        metric(
            metric={
                "data_source": "daily_metrics",
                "metric_name": "dau",
                "function": "avg",
                "format": "ratio",
            }
        ),
        table(table={"columns": ["agent_name", "rank"]}, chart={"type": "bar"}),
        chart(query={"data_source": "daily_metrics", "columns": ["dau"], "date_range": "today"}),
    )
    assert problems(data) == [
        ("widgets[0].metric.format", "'ratio' is not one of integer, number, percent"),
        ("widgets[1].chart.x", "required"),
        ("widgets[1].chart.y", "required"),
        (
            "widgets[2].query.date_range",
            "not in a widget's query: set it on the widget (date_range), or on the dashboard",
        ),
        ("widgets[2].chart.x", "'metric_date' is not a result column (one of dau)"),
    ]
    del data["widgets"][0]["metric"]["format"]
    del data["widgets"][1]["chart"]
    data["widgets"][2]["query"] = {"data_source": "daily_metrics", "columns": ["metric_date"]}
    assert problems(data) == [
        ("widgets[0].metric.metric_name", "only for data_source analytics_metrics"),
        ("widgets[0].metric.column", "required for avg"),
        (
            "widgets[1].table.columns[1].column",
            "'rank' is not a result column (one of agent_name, total_runs)",
        ),
        ("widgets[2].chart.y[0]", "'dau' is not a result column (one of metric_date)"),
    ]


def test_widget_parts_follow_the_type() -> None:
    assert problems(dashboard({**metric(), "query": chart()["query"]}, chart())) == [
        ("widgets[0].query", "not used by metric widgets"),
    ]
    without_query = chart()
    del without_query["query"]
    assert problems(dashboard(metric(), without_query)) == [
        ("widgets[1].query", "required for chart widgets"),
    ]
    assert problems(dashboard(metric(), {**chart(), "type": "table"})) == [
        ("widgets[1].chart", "not used by table widgets"),
    ]
    assert problems(dashboard(metric(), {**chart(), "type": "gauge"})) == [
        ("widgets[1].type", "'gauge' is not one of metric, chart, table"),
    ]


def test_layouts_stay_inside_the_grid_and_do_not_overlap() -> None:
    assert problems(dashboard(metric(layout={"row": 1, "column": 11, "width": 3}))) == [
        (
            "widgets[0].layout.width",
            "column 11 + width 3 ends at column 13, outside the 12-column grid",
        ),
    ]
    assert problems(dashboard(metric(layout={"row": 0, "column": 13, "width": 3}))) == [
        ("widgets[0].layout.row", "0 is not between 1 and 100"),
        ("widgets[0].layout.column", "13 is not between 1 and 12"),
    ]
    overlapping = dashboard(
        metric(),
        metric("credits", column=4),
        metric("users", layout={"row": 1, "column": 3, "width": 2}),
        chart(layout={"row": 1, "column": 12, "width": 1, "height": 3}),
    )
    assert problems(overlapping) == [
        ("widgets[2].layout", "overlaps widgets[0] (runs)"),
        ("widgets[2].layout", "overlaps widgets[1] (credits)"),
    ]
    # side by side and one below another do not overlap
    parse_dashboard(dashboard(metric(), metric("credits", column=4), chart()))


def test_dashboard_level_problems() -> None:
    assert problems(dashboard(metric(), metric())) == [("widgets[1]", "duplicate 'runs'")]
    assert problems({**dashboard(), "widgets": []}) == [
        ("widgets", "a dashboard needs at least one widget")
    ]
    data = dashboard()
    del data["workspace_id"]
    del data["date_range"]
    assert problems({**data, "colour": "blue", "role": ""}) == [
        ("colour", "unknown field (expected " + ", ".join(DashboardSpec.model_fields) + ")"),
        ("role", "expected non-empty text, got str ''"),
        ("workspace_id", "required"),
        ("date_range", "required"),
    ]
    schedule = {"frequency": "daily", "time": "07:00", "timezone": "UTC", "formats": ["csv"]}
    assert problems(dashboard(schedule=schedule)) == [
        ("schedule.formats[0]", "'csv' is not one of html, pdf"),
    ]
    schedule["formats"] = []
    assert problems(dashboard(schedule=schedule)) == [
        ("schedule.formats", "name at least one of html, pdf"),
    ]


def test_a_workspace_dashboard_cannot_read_a_whole_hospital_table() -> None:
    hospital = chart(
        query={"data_source": "patient_analytics", "columns": ["metric_date", "total_patients"]},
        chart={"type": "bar", "x": "metric_date", "y": ["total_patients"]},
    )
    whole = metric(metric={"data_source": "lab_quality", "function": "count"})
    assert problems(dashboard(whole, hospital, workspace_id="cardiology")) == [
        (
            "widgets[0].metric.data_source",
            "lab_quality has no tenant column (it is about the whole company): only a "
            "dashboard without workspace_id may read it",
        ),
        (
            "widgets[1].query.data_source",
            "patient_analytics has no tenant column (it is about the whole hospital): only a "
            "dashboard without workspace_id may read it",
        ),
    ]
    parse_dashboard(dashboard(whole, hospital, workspace_id=None))


def test_a_file_names_itself_and_its_problems(tmp_path: Path) -> None:
    path = tmp_path / "other_name.yml"
    path.write_text(
        "id: test_dashboard\nname: x\nworkspace_id: null\ndate_range: today\n"
        "widgets: [{id: a, type: metric, title: A, layout: {row: 1, column: 1, width: 1},"
        " metric: {data_source: daily_metrics, function: count}}]\n"
    )
    with pytest.raises(DefinitionError) as caught:
        load_dashboard_file(path)
    assert (
        str(caught.value)
        == f"{path}: id: 'test_dashboard' differs from the file name 'other_name.yml'"
    )
    bad = copy.deepcopy(path.read_text()).replace("count", "median")
    path.write_text(bad)
    with pytest.raises(DefinitionError) as caught:
        load_dashboard_file(path)
    assert caught.value.fields == ("widgets[0].metric.function",)
