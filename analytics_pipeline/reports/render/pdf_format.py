"""PDF: title block, chart, then the table paged with its header row repeated.

A PDF is for reading, so it holds at most ``max_table_rows`` rows of the table
(and the chart at most ``max_chart_points`` points, see ``chart``); it says how
many rows the result had and that the table is cut. The whole row stream is
still read once, for the count and the chart, in bounded memory.

Headers are the columns' labels, rates show as percentages with one decimal,
known ids as names (``ColumnStyle``); a result without rows says
``no_data`` (e.g. "No data for 2026-09-01 to 2026-09-30.") instead of a table.

Text uses DejaVu Sans, the font that ships inside matplotlib (no download), so
accented, Greek and Cyrillic text prints; Helvetica is the fallback.
"""

from __future__ import annotations

import functools
import importlib.util
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, LongTable, Paragraph, SimpleDocTemplate, Spacer, Table

from analytics_pipeline.reports.render.atomic import AtomicFile
from analytics_pipeline.reports.render.chart import ChartData, ChartSpec
from analytics_pipeline.reports.render.values import (
    ColumnStyle,
    display_text,
    percent_text,
    plain_styles,
)

DEFAULT_MAX_TABLE_ROWS = 5000
DEFAULT_MAX_CHART_POINTS = 2000
LANDSCAPE_FROM_COLUMNS = 7
TABLE_FONT_SIZE = 7.0
MAX_CELL_LINES = 4
_MARGIN = 15 * mm
_PAD = 3.0
_ELLIPSIS = "\u2026"
_CHART_ASPECT = 0.45  # height / width of the chart image


@functools.cache
def pdf_fonts() -> tuple[str, str]:
    """(regular, bold) font names, registered with reportlab once."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.submodule_search_locations:
        ttf = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
        regular, bold = ttf / "DejaVuSans.ttf", ttf / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("ReportSans", str(regular)))
            pdfmetrics.registerFont(TTFont("ReportSans-Bold", str(bold)))
            return "ReportSans", "ReportSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _fit(text: str, width: float, font: str, size: float) -> str:
    """The longest prefix of one line that fits ``width``, with an ellipsis if cut."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # largest n with text[:n] + ellipsis fitting
        mid = (lo + hi + 1) // 2
        if pdfmetrics.stringWidth(text[:mid] + _ELLIPSIS, font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + _ELLIPSIS


def _cell_lines(text: str) -> list[str]:
    lines = text.splitlines() or [""]
    if len(lines) > MAX_CELL_LINES:
        lines = [*lines[: MAX_CELL_LINES - 1], lines[MAX_CELL_LINES - 1] + _ELLIPSIS]
    return lines


def _column_widths(
    header: Sequence[str], body: Sequence[Sequence[str]], available: float, fonts: tuple[str, str]
) -> list[float]:
    regular, bold = fonts
    natural = [pdfmetrics.stringWidth(h, bold, TABLE_FONT_SIZE) for h in header]
    for row in body:
        for c, text in enumerate(row):
            for line in _cell_lines(text):
                natural[c] = max(natural[c], pdfmetrics.stringWidth(line, regular, TABLE_FONT_SIZE))
    widths = [min(w + 2 * _PAD + 1, available * 0.4) for w in natural]
    total = sum(widths)
    if total > available:
        widths = [w * available / total for w in widths]
    return widths


def _about_text(value: object) -> str:
    """Markup for a title-block value (lists one item per line)."""
    if isinstance(value, list):
        return "<br/>".join(escape(display_text(v)) for v in value) or "none"
    if value is None:
        return "\u2014"
    return escape(display_text(value))


def _cell_text(style: ColumnStyle, value: object) -> str:
    if style.percent:
        return percent_text(value)
    return display_text(style.show(value))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def write_pdf(
    columns: Sequence[str],
    rows: Iterable[Sequence],
    out: AtomicFile,
    *,
    title: str,
    description: str | None,
    about: Sequence[tuple[str, object]],
    chart: ChartSpec | None,
    generated_at: datetime,
    max_table_rows: int = DEFAULT_MAX_TABLE_ROWS,
    max_chart_points: int = DEFAULT_MAX_CHART_POINTS,
    column_styles: Sequence[ColumnStyle] | None = None,
    no_data: str = "No data.",
) -> int:
    """Write the PDF to ``out``; return the number of rows in the stream."""
    if max_table_rows < 0:
        raise ValueError("max_table_rows must be >= 0")
    column_styles = list(column_styles or plain_styles(columns))
    chart_data = (
        None if chart is None else ChartData(chart, columns, max_chart_points, styles=column_styles)
    )
    shown: list[list[str]] = []
    numeric = [True] * len(columns)
    seen_value = [False] * len(columns)
    count = 0
    for row in rows:
        if count < max_table_rows:
            shown.append([_cell_text(s, v) for s, v in zip(column_styles, row, strict=True)])
            for c, value in enumerate(row):
                if value is not None:
                    seen_value[c] = True
                    numeric[c] = numeric[c] and _is_number(value)
        if chart_data is not None:
            chart_data.add(row)
        count += 1

    fonts = pdf_fonts()
    regular, bold = fonts
    pagesize = landscape(A4) if len(columns) >= LANDSCAPE_FROM_COLUMNS else A4
    available = pagesize[0] - 2 * _MARGIN
    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9, leading=12, spaceAfter=4),
        "label": ParagraphStyle("label", fontName=bold, fontSize=8.5, leading=11),
        "value": ParagraphStyle("value", fontName=regular, fontSize=8.5, leading=11),
    }

    story: list = [Paragraph(escape(title), styles["title"])]
    if description:
        story.append(Paragraph(escape(description), styles["body"]))
    block = [
        [Paragraph(escape(label), styles["label"]), Paragraph(_about_text(value), styles["value"])]
        for label, value in [*about, ("Rows", f"{count:,}")]
    ]
    story.append(
        Table(
            block,
            colWidths=[38 * mm, available - 38 * mm],
            hAlign="LEFT",
            style=[
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ],
        )
    )
    story.append(Spacer(1, 4 * mm))

    if chart_data is not None:
        png = chart_data.render_png()
        # At most about half a page tall, so the chart sits under the title block.
        height = min(available * _CHART_ASPECT, (pagesize[1] - 2 * _MARGIN) * 0.5)
        story.append(Image(io.BytesIO(png), width=height / _CHART_ASPECT, height=height))
        if note := chart_data.note():
            story.append(Paragraph(escape(note), styles["body"]))
        story.append(Spacer(1, 4 * mm))

    if count > len(shown):
        story.append(
            Paragraph(
                f"The table is truncated: it shows the first {len(shown):,} of {count:,} rows.",
                styles["body"],
            )
        )
    if count == 0:
        story.append(Paragraph(escape(no_data), styles["body"]))
    elif shown:
        header = [style.label for style in column_styles]
        story.append(pdf_table(header, shown, numeric, seen_value, available, fonts))

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawString(_MARGIN, _MARGIN / 2, _fit(title, available * 0.6, regular, 7))
        canvas.drawRightString(
            pagesize[0] - _MARGIN,
            _MARGIN / 2,
            f"generated {display_text(generated_at)} \u00b7 page {doc.page}",
        )
        canvas.restoreState()

    doc = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=title,
        subject=description or "",
        creator="analytics_pipeline",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return count


def pdf_table(
    columns: Sequence[str],
    shown: list[list[str]],
    numeric: list[bool],
    seen_value: list[bool],
    available: float,
    fonts: tuple[str, str],
) -> LongTable:
    regular, bold = fonts
    widths = _column_widths(columns, shown, available, fonts)
    room = [w - 2 * _PAD for w in widths]
    header = [_fit(name, room[c], bold, TABLE_FONT_SIZE) for c, name in enumerate(columns)]
    body = [
        [
            "\n".join(_fit(line, room[c], regular, TABLE_FONT_SIZE) for line in _cell_lines(text))
            for c, text in enumerate(row)
        ]
        for row in shown
    ]
    style = [
        ("FONT", (0, 0), (-1, 0), bold, TABLE_FONT_SIZE),
        ("FONT", (0, 1), (-1, -1), regular, TABLE_FONT_SIZE),
        ("LEADING", (0, 0), (-1, -1), TABLE_FONT_SIZE * 1.2),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde3ea")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f9")]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#7a8794")),
        ("BOX", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c0c8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    style += [
        ("ALIGN", (c, 0), (c, -1), "RIGHT")
        for c in range(len(columns))
        if numeric[c] and seen_value[c]
    ]
    return LongTable([header, *body], colWidths=widths, repeatRows=1, style=style, hAlign="LEFT")
