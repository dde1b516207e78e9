"""Rendering without a database: number formats, every chart type as inline
SVG with its text as text and ids of its own, text from the data escaped, and
the layout's CSS (grid cells on wide screens, one column on narrow ones)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from analytics_pipeline.dashboards.data import DashboardData, MetricValue, WidgetRows
from analytics_pipeline.dashboards.definition import parse_dashboard
from analytics_pipeline.dashboards.numbers import format_change, format_number, raw_text
from analytics_pipeline.dashboards.render.html_format import render_html
from analytics_pipeline.dashboards.render.svg import inline_svg
from tests.dashboards.test_generation import Widgets

PERIOD = (date(2026, 3, 1), date(2026, 3, 7))
GENERATED = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (Decimal("1234567.5"), "integer", "1,234,568"),
        (Decimal("-2.5"), "integer", "-3"),
        (Decimal("1234.5"), "number", "1,234.5"),
        (Decimal("1234.005"), "number", "1,234.01"),
        (Decimal("1200"), "number", "1,200"),
        (0.8125, "percent", "81.3%"),
        (Decimal("0.73000000000000000000"), "percent", "73.0%"),
        (None, "integer", "\u2013"),
        ("Writer", "integer", "Writer"),
        (date(2026, 3, 1), None, "2026-03-01"),
    ],
)
def test_number_formats(value: object, number_format: str | None, shown: str) -> None:
    assert format_number(value, number_format) == shown


def test_changes_and_raw_values() -> None:
    assert [format_change(v) for v in (Decimal("12.46"), Decimal("-3"), Decimal("0.01"))] == [
        "+12.5%",
        "-3.0%",
        "0.0%",
    ]
    assert format_change(None) == "\u2013"
    assert [raw_text(v) for v in (Decimal("1E+2"), 7, 0.5, None, "x")] == [
        "100",
        "7",
        "0.5",
        "",
        "x",
    ]


def chart_widget(widget_id: str, kind: str, row: int, y: list[str]) -> dict:
    return {
        "id": widget_id,
        "type": "chart",
        "title": f"{kind} <script>alert(1)</script>",
        "layout": {"row": row, "column": 1, "width": 12, "height": 2},
        "query": {
            "data_source": "agent_performance",
            "columns": [
                "agent_name",
                {"column": "total_runs", "label": "Runs & <retries>"},
                "failed_runs",
            ],
        },
        "chart": {"type": kind, "x": "agent_name", "y": y},
    }


DEFINITION = parse_dashboard(
    {
        "id": "every_chart",
        "name": "Every chart <b>",
        "description": "Charts & tables",
        "role": "MANAGER",
        "workspace_id": "w1",
        "date_range": "last_7_days",
        "widgets": [
            {
                "id": "runs",
                "type": "metric",
                "title": "Runs",
                "layout": {"row": 1, "column": 1, "width": 4},
                "metric": {
                    "data_source": "agent_performance",
                    "column": "total_runs",
                    "function": "sum",
                    "format": "integer",
                },
            },
            chart_widget("stacked", "stacked_bar", 2, ["total_runs", "failed_runs"]),
            chart_widget("pie", "pie", 4, ["total_runs"]) | {"description": "Runs by <agent>"},
            chart_widget("area", "area", 6, ["total_runs"]),
            chart_widget("bars", "bar", 8, ["total_runs", "failed_runs"]),
        ],
    }
)
ROWS = WidgetRows(
    ("agent_name", "total_runs", "failed_runs"),
    (("Writer <i>", 40, 3), ("Coder", 25, Decimal(5)), (None, 7, 0)),
    PERIOD,
)


def page() -> str:
    days = [PERIOD[0] + timedelta(days=i) for i in range(7)]
    metric = MetricValue(
        value=Decimal(72),
        previous=Decimal(60),
        change_percent=Decimal(20),
        sparkline=tuple((day, Decimal(i % 3 + 9)) for i, day in enumerate(days)),
        row_count=7,
        period=PERIOD,
        previous_period=(date(2026, 2, 22), date(2026, 2, 28)),
    )
    widgets = {"runs": metric} | {w.id: ROWS for w in DEFINITION.widgets[1:]}
    data = DashboardData(DEFINITION, date(2026, 3, 8), PERIOD, widgets)
    return render_html(data, GENERATED, "Acme (w1)")


def test_every_chart_type_is_inline_svg_with_text_as_text() -> None:
    html = page()
    parser = Widgets()
    parser.feed(html)
    assert parser.loads == []
    assert {
        w: parser.widgets[w]["figure"]["data-chart-type"] for w in list(parser.widgets)[1:]
    } == {
        "stacked": "stacked_bar",
        "pie": "pie",
        "area": "area",
        "bars": "bar",
    }
    assert [parser.widgets[w]["figure"]["data-points"] for w in ("stacked", "area", "bars")] == [
        "3",
        "3",
        "3",
    ]
    assert html.count("<svg") == 5  # four charts and the sparkline
    # the labels are <text> elements (not glyph outlines), escaped
    svg_texts = re.findall(r"<text\b[^>]*>([^<]*)</text>", html)
    assert "Runs &amp; &lt;retries&gt;" in svg_texts
    assert "Writer &lt;i&gt;" in svg_texts
    assert "DejaVuSans-" not in html  # no embedded glyphs
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    # every reference points at an id of the page
    for reference in re.findall(r'(?:href="#|url\(#)([^")]+)', html):
        assert reference in ids
    assert "http" not in html


def test_text_from_definitions_and_data_is_escaped() -> None:
    html = page()
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "stacked_bar &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>Every chart &lt;b&gt;</title>" in html
    assert "Acme (w1)" in html and "MANAGER" in html
    assert '<p class="note">Runs by &lt;agent&gt;</p>' in html


def test_the_grid_places_widgets_on_wide_screens_and_stacks_them_on_narrow_ones() -> None:
    html = page()
    wide, narrow = re.search(
        r"@media \(min-width: 761px\) \{(.*?)\n\}\n@media \(max-width: 760px\) \{(.*?)\n\}",
        html,
        re.DOTALL,
    ).groups()
    assert "#widget-runs { grid-row: 1 / span 1; grid-column: 1 / span 4; }" in wide
    assert "#widget-pie { grid-row: 4 / span 2; grid-column: 1 / span 12; }" in wide
    assert ".grid { grid-template-columns: 1fr;" in narrow
    assert "grid-template-columns: repeat(12, minmax(0, 1fr))" in html
    # the metric card: value, previous value and change as shown and as data
    runs = re.search(r'<section id="widget-runs"[^>]*>', html).group(0)
    assert 'data-value="72"' in runs and 'data-change-percent="20"' in runs
    assert 'Previous period: 60 <span class="change up">+20.0%</span>' in html


def test_inline_svg_drops_the_prolog_namespaces_and_size() -> None:
    document = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "x" "http://www.w3.org/x.dtd">\n'
        '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" height="5pt" '
        'viewBox="0 0 10 5" xmlns="http://www.w3.org/2000/svg"><defs><path id="m1"/></defs>'
        '<use xlink:href="#m1"/><g clip-path="url(#p2)"/></svg>'
    )
    assert inline_svg(document, "w", 'A "chart"') == (
        '<svg role="img" aria-label="A &quot;chart&quot;" class="chart-svg" viewBox="0 0 10 5">'
        '<defs><path id="w-m1"/></defs><use href="#w-m1"/><g clip-path="url(#w-p2)"/></svg>'
    )
