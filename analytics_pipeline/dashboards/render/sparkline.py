"""A metric card's sparkline: its values by day as a small line without axes,
drawn by matplotlib (SVG with no date or creator for the HTML, PNG for the
PDF). None for fewer than two numeric points: no line to draw."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from analytics_pipeline.reports.render.chart import NO_SVG_METADATA

_COLOR = "#2563eb"


def sparkline_svg(points: Sequence[tuple[date, object]]) -> str | None:
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    figure = _figure(points)
    if figure is None:
        return None
    FigureCanvasSVG(figure)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "sparkline"}):
        figure.savefig(buffer, format="svg", transparent=True, metadata=NO_SVG_METADATA)
    return buffer.getvalue().decode("utf-8")


def sparkline_png(points: Sequence[tuple[date, object]], dpi: int = 150) -> bytes | None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = _figure(points, dpi)
    if figure is None:
        return None
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", transparent=True, metadata={"Software": None})
    return buffer.getvalue()


def _figure(points: Sequence[tuple[date, object]], dpi: int = 72):
    numeric = [(day, float(value)) for day, value in points if _is_number(value)]
    if len(numeric) < 2:
        return None
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2.4, 0.5), dpi=dpi)
    axes = figure.add_axes((0.02, 0.08, 0.96, 0.84))
    days, values = zip(*numeric, strict=True)
    axes.plot(days, values, color=_COLOR, linewidth=1.5)
    axes.fill_between(days, values, min(values), color=_COLOR, alpha=0.12)
    axes.set_axis_off()
    return figure


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | Decimal)
