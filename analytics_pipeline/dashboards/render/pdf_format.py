"""A dashboard as a PDF (reportlab): the title block, then the widgets in
reading order (row by row, left to right). Metric cards of one grid row sit
side by side (with their sparklines); a chart is matplotlib's PNG as in the report PDFs; a table is
the report PDFs' table (at most MAX_TABLE_ROWS rows, saying so when cut). An
empty widget says "No data for this period"."""

from __future__ import annotations

import io
from datetime import datetime
from itertools import groupby
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from analytics_pipeline.dashboards.data import DashboardData, MetricValue, WidgetRows
from analytics_pipeline.dashboards.definition import Widget
from analytics_pipeline.dashboards.render.sparkline import sparkline_png
from analytics_pipeline.dashboards.render.views import (
    NO_DATA,
    chart_data,
    metric_view,
    period_text,
    reading_order,
    table_view,
)
from analytics_pipeline.reports.render.atomic import AtomicFile
from analytics_pipeline.reports.render.pdf_format import pdf_fonts, pdf_table
from analytics_pipeline.reports.render.values import datetime_display

MAX_TABLE_ROWS = 500
METRICS_PER_LINE = 4
_MARGIN = 14 * mm
_CHART_ASPECT = 0.42
_SPARK_WIDTH = 48 * mm


def write_dashboard_pdf(
    data: DashboardData, out: AtomicFile, generated_at: datetime, tenant: str
) -> None:
    definition = data.definition
    regular, bold = pdf_fonts()
    pagesize = landscape(A4)
    available = pagesize[0] - 2 * _MARGIN
    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=18, leading=22, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9, leading=12, spaceAfter=3),
        "muted": ParagraphStyle(
            "muted", fontName=regular, fontSize=8, leading=10, textColor=colors.HexColor("#6b7280")
        ),
        "heading": ParagraphStyle(
            "heading", fontName=bold, fontSize=11.5, leading=14, spaceBefore=6, spaceAfter=3
        ),
        "value": ParagraphStyle("value", fontName=bold, fontSize=20, leading=24),
    }
    story: list = [Paragraph(escape(definition.name), styles["title"])]
    if definition.description:
        story.append(Paragraph(escape(definition.description), styles["body"]))
    about = (
        f"Workspace: {tenant} \u00b7 Role: {definition.role or 'any'} \u00b7 "
        f"Period: {period_text(data.period)} \u00b7 Generated: {datetime_display(generated_at)}"
    )
    story += [Paragraph(escape(about), styles["muted"]), Spacer(1, 4 * mm)]

    ordered = reading_order(definition.widgets)
    for is_metric, group in groupby(ordered, key=lambda w: w.type == "metric"):
        widgets = list(group)
        if is_metric:
            for start in range(0, len(widgets), METRICS_PER_LINE):
                story.append(
                    _metric_line(data, widgets[start : start + METRICS_PER_LINE], styles, available)
                )
            continue
        for widget in widgets:
            result = data.widgets[widget.id]
            assert isinstance(result, WidgetRows)
            parts: list = [Paragraph(escape(widget.title), styles["heading"])]
            if widget.description:
                parts.append(Paragraph(escape(widget.description), styles["muted"]))
            if not result.has_data:
                parts.append(Paragraph(NO_DATA, styles["body"]))
            elif widget.type == "chart":
                points = chart_data(definition, widget, result)
                height = available * _CHART_ASPECT * 0.8
                png = points.render_png(width_in=10.0, height_in=10.0 * _CHART_ASPECT)
                parts.append(Image(io.BytesIO(png), width=height / _CHART_ASPECT, height=height))
                if note := points.note():
                    parts.append(Paragraph(escape(note), styles["muted"]))
            else:
                parts += _table(data, widget, result, styles, available, (regular, bold))
            parts.append(Paragraph(escape(period_text(result.period)), styles["muted"]))
            # A chart stays on one page with its title; a table may run on.
            story += [KeepTogether(parts)] if widget.type == "chart" else parts

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawString(_MARGIN, _MARGIN / 2, definition.name)
        canvas.drawRightString(
            pagesize[0] - _MARGIN,
            _MARGIN / 2,
            f"generated {datetime_display(generated_at)} \u00b7 page {doc.page}",
        )
        canvas.restoreState()

    doc = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=definition.name,
        subject=definition.description,
        creator="analytics_pipeline",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def _metric_line(
    data: DashboardData, widgets: list[Widget], styles: dict, available: float
) -> Table:
    """Up to METRICS_PER_LINE metric cards side by side."""
    cards = []
    for widget in widgets:
        result = data.widgets[widget.id]
        assert isinstance(result, MetricValue)
        card: list = [Paragraph(escape(widget.title), styles["heading"])]
        if result.has_data:
            view = metric_view(widget, result)
            card += [
                Paragraph(escape(view.value), styles["value"]),
                Paragraph(
                    escape(f"Previous period: {view.previous} ({view.change})"), styles["body"]
                ),
            ]
            png = sparkline_png(result.sparkline)
            if png is not None:
                card.append(Image(io.BytesIO(png), width=_SPARK_WIDTH, height=_SPARK_WIDTH / 4.8))
            card.append(Paragraph(escape(view.period), styles["muted"]))
        else:
            card += [
                Paragraph(NO_DATA, styles["body"]),
                Paragraph(escape(period_text(result.period)), styles["muted"]),
            ]
        cards.append(card)
    width = available / METRICS_PER_LINE
    return Table(
        [cards],
        colWidths=[width] * len(cards),
        hAlign="LEFT",
        style=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BOX", (0, 0), (-1, -1), 0.4, colors.HexColor("#d1d5db")),
            ("INNERGRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#d1d5db")),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ],
    )


def _table(
    data: DashboardData,
    widget: Widget,
    result: WidgetRows,
    styles: dict,
    available: float,
    fonts: tuple[str, str],
) -> list:
    view = table_view(data.definition, widget, result)
    shown = view.rows[:MAX_TABLE_ROWS]
    columns = range(len(view.columns))
    numeric = [all(row[c].number or not row[c].raw for row in shown) for c in columns]
    seen = [any(row[c].raw for row in shown) for c in columns]
    parts: list = []
    if len(view.rows) > len(shown):
        parts.append(
            Paragraph(
                f"The table shows the first {len(shown):,} of {len(view.rows):,} rows.",
                styles["muted"],
            )
        )
    texts = [[cell.text for cell in row] for row in shown]
    parts.append(pdf_table(list(view.headers), texts, numeric, seen, available, fonts))
    return parts
