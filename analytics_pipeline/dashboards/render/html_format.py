"""A dashboard as one self-contained HTML file.

Everything is inline: the CSS, every chart (an SVG drawn by matplotlib, its
text kept as text) and every sparkline; the page refers to no other file and
no URL, so it opens offline and makes no request. The grid is a CSS grid of
12 columns placed from each widget's layout; below 760 px wide the widgets
stack in one column in reading order (row by row, left to right).

Every widget is a `<section class="widget">` with `data-widget-id`,
`data-widget-type` and `data-has-data`; a metric card also has `data-value`,
`data-previous-value` and `data-change-percent` (exact numbers, empty when
missing), table cells `data-value`, charts `data-chart-type` and
`data-points`. An empty widget says "No data for this period".
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from analytics_pipeline.dashboards.data import DashboardData, MetricValue, WidgetRows
from analytics_pipeline.dashboards.definition import Widget
from analytics_pipeline.dashboards.numbers import raw_text
from analytics_pipeline.dashboards.render.sparkline import sparkline_svg
from analytics_pipeline.dashboards.render.svg import inline_svg
from analytics_pipeline.dashboards.render.views import (
    NO_DATA,
    Cell,
    chart_data,
    metric_view,
    period_text,
    reading_order,
    table_view,
)
from analytics_pipeline.reports.render.values import datetime_display

NARROW_MAX_WIDTH_PX = 760
_NUM = ' class="num"'
# A grid column is about 90 px wide on a 1280 px screen.
CHART_INCHES_PER_COLUMN = 1.25

_CSS = """
:root { color-scheme: light; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb;
  --card: #ffffff; --page: #f3f4f6; --up: #047857; --down: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { padding: 1.25rem 1.5rem 0.5rem; }
h1 { margin: 0 0 0.25rem; font-size: 1.6rem; }
.description { margin: 0 0 0.5rem; color: var(--muted); }
.about { display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem; margin: 0; color: var(--muted); }
.about div { display: flex; gap: 0.4rem; }
.about dt { font-weight: 600; }
.about dd { margin: 0; }
.grid { display: grid; grid-template-columns: repeat(12, minmax(0, 1fr));
  grid-auto-rows: minmax(8.5rem, auto); gap: 1rem; padding: 1rem 1.5rem 2rem; }
.widget { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 0.9rem 1rem; min-width: 0; overflow: hidden; display: flex; flex-direction: column; }
.widget h2 { margin: 0 0 0.5rem; font-size: 1rem; }
.widget .period { margin: auto 0 0; padding-top: 0.4rem; font-size: 0.8rem; color: var(--muted); }
.metric .value { margin: 0; font-size: 2rem; font-weight: 700; line-height: 1.1; }
.metric .previous { margin: 0.25rem 0; color: var(--muted); font-size: 0.9rem; }
.change { font-weight: 600; }
.change.up { color: var(--up); }
.change.down { color: var(--down); }
.sparkline svg { display: block; width: 100%; height: 2.5rem; }
.chart-svg { display: block; width: 100%; height: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.875rem; }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); text-align: left;
  white-space: nowrap; }
th { font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.no-data { margin: auto 0; color: var(--muted); font-style: italic; }
.note { margin: 0.25rem 0 0; font-size: 0.8rem; color: var(--muted); }
footer { padding: 0 1.5rem 1.5rem; color: var(--muted); font-size: 0.8rem; }
"""


def render_html(data: DashboardData, generated_at: datetime, tenant: str) -> str:
    """The page (text); `tenant` is the workspace in words."""
    definition = data.definition
    ordered = reading_order(definition.widgets)
    about = [
        ("Workspace", tenant),
        ("Role", definition.role or "any"),
        ("Period", period_text(data.period)),
        ("Generated", datetime_display(generated_at)),
    ]
    about_html = "".join(
        f"<div><dt>{escape(key)}</dt><dd>{escape(value)}</dd></div>" for key, value in about
    )
    description = (
        f'<p class="description">{escape(definition.description)}</p>'
        if definition.description
        else ""
    )
    widgets = "\n".join(_widget(data, widget) for widget in ordered)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(definition.name)}</title>
<style>{_CSS}{_placement(ordered)}</style>
</head>
<body>
<header>
<h1>{escape(definition.name)}</h1>
{description}
<dl class="about">{about_html}</dl>
</header>
<main class="grid" data-dashboard-id="{escape(definition.id)}">
{widgets}
</main>
<footer>Dashboard {escape(definition.id)}, as of {data.reference_date.isoformat()}.</footer>
</body>
</html>
"""


def _placement(widgets: list[Widget]) -> str:
    """Each widget's grid cell on wide screens; on narrow ones they stack."""
    rules = "\n".join(
        f"#widget-{w.id} {{ grid-row: {w.layout.row} / span {w.layout.height}; "
        f"grid-column: {w.layout.column} / span {w.layout.width}; }}"
        for w in widgets
    )
    return (
        f"\n@media (min-width: {NARROW_MAX_WIDTH_PX + 1}px) {{\n{rules}\n}}\n"
        f"@media (max-width: {NARROW_MAX_WIDTH_PX}px) {{\n"
        ".grid { grid-template-columns: 1fr; padding: 0.75rem; }\n"
        "header { padding: 1rem 0.75rem 0; }\n}\n"
    )


def _widget(data: DashboardData, widget: Widget) -> str:
    result = data.widgets[widget.id]
    attributes = {
        "id": f"widget-{widget.id}",
        "class": f"widget {widget.type}",
        "data-widget-id": widget.id,
        "data-widget-type": widget.type,
        "data-has-data": "true" if result.has_data else "false",
    }
    if isinstance(result, MetricValue):
        attributes |= {
            "data-value": raw_text(result.value),
            "data-previous-value": raw_text(result.previous),
            "data-change-percent": raw_text(result.change_percent),
        }
        body = _metric(widget, result) if result.has_data else _no_data()
    else:
        body = _rows_body(data, widget, result) if result.has_data else _no_data()
    opening = " ".join(f'{name}="{escape(value)}"' for name, value in attributes.items())
    about = f'<p class="note">{escape(widget.description)}</p>\n' if widget.description else ""
    return (
        f"<section {opening}>\n<h2>{escape(widget.title)}</h2>\n{about}{body}\n"
        f'<p class="period">{escape(period_text(result.period))}</p>\n</section>'
    )


def _no_data() -> str:
    return f'<p class="no-data">{NO_DATA}</p>'


def _metric(widget: Widget, result: MetricValue) -> str:
    view = metric_view(widget, result)
    sparkline = sparkline_svg(result.sparkline)
    line = (
        f'<div class="sparkline">{inline_svg(sparkline, f"spark-{widget.id}", widget.title)}</div>'
        if sparkline
        else ""
    )
    return (
        f'<p class="value">{escape(view.value)}</p>\n'
        f'<p class="previous">Previous period: {escape(view.previous)} '
        f'<span class="change {view.direction}">{escape(view.change)}</span></p>\n{line}'
    )


def _rows_body(data: DashboardData, widget: Widget, result: WidgetRows) -> str:
    if widget.type == "chart":
        points = chart_data(data.definition, widget, result)
        svg = inline_svg(
            points.render_svg(*chart_size(widget), title=False),
            f"chart-{widget.id}",
            points.title(),
        )
        note = points.note()
        note_html = f'<p class="note">{escape(note)}</p>' if note else ""
        return (
            f'<figure class="chart" data-chart-type="{escape(widget.chart.type)}" '
            f'data-points="{points.points_plotted}" style="margin: 0">{svg}</figure>{note_html}'
        )
    view = table_view(data.definition, widget, result)
    # A header sits over its numbers: right-aligned above a column of numbers.
    numeric = [
        any(row[i].number for row in view.rows)
        and all(row[i].number or not row[i].raw for row in view.rows)
        for i in range(len(view.columns))
    ]
    header = "".join(
        f'<th scope="col"{_NUM if number else ""} data-column="{escape(column)}">'
        f"{escape(label)}</th>"
        for column, label, number in zip(view.columns, view.headers, numeric, strict=True)
    )
    rows = "\n".join(
        "<tr>"
        + "".join(_cell(cell, number) for cell, number in zip(row, numeric, strict=True))
        + "</tr>"
        for row in view.rows
    )
    return (
        f'<div class="table-wrap"><table data-rows="{len(view.rows)}">'
        f"<thead><tr>{header}</tr></thead>\n<tbody>\n{rows}\n</tbody></table></div>"
    )


def chart_size(widget: Widget) -> tuple[float, float]:
    """The chart's figure in inches (72 px each) for the widget's width: about
    the width it gets on a 1280 px screen, so that its text keeps about its
    point size there instead of shrinking in a narrow widget; a pie squarer."""
    width = max(4.5, widget.layout.width * CHART_INCHES_PER_COLUMN)
    ratio, lowest, highest = (0.8, 3.2, 4.5) if widget.chart.type == "pie" else (0.5, 3.0, 4.0)
    return width, min(max(width * ratio, lowest), highest)


def _cell(cell: Cell, numeric_column: bool) -> str:
    # A missing value in a column of numbers sits where its numbers do.
    number = _NUM if cell.number or numeric_column else ""
    return f'<td{number} data-value="{escape(cell.raw)}">{escape(cell.text)}</td>'
