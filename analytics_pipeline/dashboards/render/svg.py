"""matplotlib's SVG documents made inline SVG for the dashboards' HTML.

matplotlib writes a standalone SVG document; inside an HTML page it needs
none of its prolog (XML declaration, DOCTYPE) nor its namespace declarations,
which are the only URLs in it (the HTML parser puts <svg> in the SVG namespace
itself). Its ids (`figure_1`, clip paths, markers) are prefixed with the
widget's id so that several charts on one page do not share them, and the
fixed size in points gives way to the page's width (the viewBox stays).
"""

from __future__ import annotations

import re

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
