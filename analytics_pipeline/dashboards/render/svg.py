"""Charts as inline SVG for the dashboards' HTML, drawn by matplotlib.

matplotlib writes a standalone SVG document; inside an HTML page it needs
none of its prolog (XML declaration, DOCTYPE) nor its namespace declarations,
which are the only URLs in it (the HTML parser puts <svg> in the SVG namespace
itself). Its ids (`figure_1`, clip paths, markers) are prefixed with the
widget's id so that several charts on one page do not share them, and the
fixed size in points gives way to the page's width (the viewBox stays).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from analytics_pipeline.reports.render.chart import NO_SVG_METADATA

_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_SIZE = re.compile(r'(<svg\b[^>]*?)\s+width="[^"]*"\s+height="[^"]*"')
_IDS = re.compile(r'\bid="([^"]+)"')
_REFERENCES = re.compile(r'(xlink:href="#|href="#|url\(#)([^")]+)')


def inline_svg(document: str, prefix: str, label: str) -> str:
    """`document` (matplotlib's SVG) ready to sit in an HTML page: ids prefixed
    with `prefix`, sized by its container, labelled `label` for screen readers."""
    svg = _PROLOG.sub("", document, count=1)
    svg = _NAMESPACES.sub("", svg)
    svg = _SIZE.sub(r"\1", svg, count=1)
    svg = _IDS.sub(lambda m: f'id="{prefix}-{m[1]}"', svg)
    svg = _REFERENCES.sub(lambda m: f"{m[1].replace('xlink:', '')}{prefix}-{m[2]}", svg)
    return svg.replace(
        "<svg", f'<svg role="img" aria-label="{_attribute(label)}" class="chart-svg"', 1
    ).strip()


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def sparkline_svg(points: Sequence[tuple[date, object]]) -> str | None:
    """A small line of the values by day, without axes (None for fewer than two
    numeric points: no line to draw)."""
    numeric = [(day, float(value)) for day, value in points if _is_number(value)]
    if len(numeric) < 2:
        return None
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2.4, 0.5), dpi=72)
    FigureCanvasSVG(figure)
    axes = figure.add_axes((0.02, 0.08, 0.96, 0.84))
    days, values = zip(*numeric, strict=True)
    axes.plot(days, values, color="#2563eb", linewidth=1.5)
    axes.fill_between(days, values, min(values), color="#2563eb", alpha=0.12)
    axes.set_axis_off()
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "sparkline"}):
        figure.savefig(buffer, format="svg", transparent=True, metadata=NO_SVG_METADATA)
    return buffer.getvalue().decode("utf-8")


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | Decimal)
