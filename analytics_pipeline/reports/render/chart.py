"""Report charts: gather points from a one-pass row stream in bounded memory,
then draw them with matplotlib: a PNG (Agg canvas) for PDFs, an SVG with its
text kept as text for HTML (dashboards).

- line, area, bar: x = ``chart_x`` (the row number without one), one series per
  ``chart_y`` column; area fills each series to zero (overlaid, not stacked).
- stacked_bar: as bar, the series stacked on each other (dashboards; report
  definitions do not offer it).
- scatter: ``chart_x`` against the first ``chart_y`` column.
- pie: the first ``chart_y`` column summed per ``chart_x`` value; the 11
  largest slices are drawn and the rest make one "Other" slice; values <= 0
  cannot be pie slices and are left out (the note says so).

Point limit: line, area, bar and scatter keep 1 row in k, k a power of two
doubled each time the kept points exceed ``max_points`` (deterministic, evenly
spread, at most ``max_points`` kept). A pie keeps at most ``max_points``
distinct labels; rows with labels first seen after that go to "Other".

Titles, axes and legends use the columns' labels (``ColumnStyle``); a y axis
whose series are all rates is marked in percent.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from analytics_pipeline.reports.render.values import (
    ColumnStyle,
    display_text,
    plain_styles,
    utc_naive,
)

CHART_TYPES = ("line", "bar", "pie", "area", "scatter", "stacked_bar")
PIE_SLICES = 11
OTHER = "Other"
NULL_LABEL = "(null)"
_MAX_TICKS = 15
NO_SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


@dataclass(frozen=True)
class ChartSpec:
    kind: str
    x: str | None
    y: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in CHART_TYPES:
            raise ValueError(f"chart type {self.kind!r} is not one of {', '.join(CHART_TYPES)}")
        if not self.y:
            raise ValueError("a chart needs at least one y column (chart_y)")
        if self.kind == "pie" and self.x is None:
            raise ValueError("a pie chart needs a label column (chart_x)")

    @property
    def series(self) -> tuple[str, ...]:
        """The y columns actually drawn (pie and scatter use the first only)."""
        return self.y[:1] if self.kind in ("pie", "scatter") else self.y

    def check_columns(self, columns: Sequence[str]) -> None:
        missing = [c for c in (self.x, *self.y) if c is not None and c not in columns]
        if missing:
            raise ValueError(f"chart columns not in the result: {', '.join(missing)}")


def _x_value(value: object) -> object:
    """Plot coordinate or category: numbers -> float, dates stay, rest -> text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return display_text(value)
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, datetime):
        return utc_naive(value)
    if isinstance(value, date):
        return value
    return display_text(value)


def _y_value(value: object) -> float:
    if isinstance(value, int | float | Decimal):
        return float(value)
    return math.nan


class ChartData:
    """What the chart needs from the rows, gathered as they stream by."""

    def __init__(
        self,
        spec: ChartSpec,
        columns: Sequence[str],
        max_points: int = 2000,
        styles: Sequence[ColumnStyle] | None = None,
    ) -> None:
        if max_points < 2:
            raise ValueError("max_points must be at least 2")
        spec.check_columns(columns)
        self.spec = spec
        styled = dict(zip(columns, styles or plain_styles(columns), strict=True))
        self._x_style = None if spec.x is None else styled[spec.x]
        self._y_styles = [styled[c] for c in spec.series]
        self.max_points = max_points
        self.rows_seen = 0
        self.stride = 1
        self._x_index = None if spec.x is None else list(columns).index(spec.x)
        self._y_index = [list(columns).index(c) for c in spec.series]
        self._points: list[tuple] = []
        self._slices: dict[str, float] = {}
        self._other = 0.0

    def add(self, row: Sequence) -> None:
        if self.spec.kind == "pie":
            self._add_slice(row)
        elif self.rows_seen % self.stride == 0:
            x = (
                self.rows_seen + 1.0
                if self._x_index is None
                else _x_value(self._x_style.show(row[self._x_index]))
            )
            self._points.append((x, *(_y_value(row[i]) for i in self._y_index)))
            if len(self._points) > self.max_points:
                del self._points[1::2]
                self.stride *= 2
        self.rows_seen += 1

    def _add_slice(self, row: Sequence) -> None:
        value = _y_value(row[self._y_index[0]])
        if math.isnan(value):
            return
        raw = row[self._x_index]
        label = NULL_LABEL if raw is None else display_text(self._x_style.show(raw))
        if label in self._slices:
            self._slices[label] += value
        elif len(self._slices) < self.max_points:
            self._slices[label] = value
        else:
            self._other += value

    @property
    def points(self) -> list[tuple]:
        """The kept (x, y1, ...) points, in row order (line, area, bar, scatter)."""
        return list(self._points)

    @property
    def points_plotted(self) -> int:
        """Points drawn: the kept points, or a pie's slices ("Other" included)."""
        if self.spec.kind == "pie":
            return len(self.pie_slices())
        return len(self._points)

    def note(self) -> str | None:
        """A sentence for the reader when the chart is not every row as-is."""
        spec = self.spec
        if spec.kind == "pie":
            dropped = sum(1 for v in self._slices.values() if v <= 0)
            text = f"Pie: sum of {self._y_styles[0].label} per {self._x_label}."
            if dropped:
                text += f" {dropped} label(s) with a total <= 0 are not shown."
            return text
        if self.stride > 1:
            return (
                f"Chart: 1 row in {self.stride:,} plotted "
                f"({self.points_plotted:,} of {self.rows_seen:,} rows)."
            )
        return None

    def pie_slices(self) -> list[tuple[str, float]]:
        """(label, total) for the drawn slices, largest first, "Other" last."""
        positive = sorted(
            ((k, v) for k, v in self._slices.items() if v > 0), key=lambda kv: (-kv[1], kv[0])
        )
        shown = positive[:PIE_SLICES]
        other = self._other + sum(v for _, v in positive[PIE_SLICES:])
        if other > 0:
            shown.append((OTHER, other))
        return shown

    @property
    def _x_label(self) -> str:
        return "Row" if self._x_style is None else self._x_style.label

    def title(self) -> str:
        series = [style.label for style in self._y_styles]
        if self.spec.kind == "scatter":
            return f"{series[0]} vs {self._x_label}"
        return f"{', '.join(series)} by {self._x_label}"

    def render_png(self, width_in: float = 10.0, height_in: float = 4.5, dpi: int = 120) -> bytes:
        """Draw the chart (Agg canvas, no display, no pyplot global state)."""
        # matplotlib is imported here so that loading the package stays light.
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        figure = self._figure(width_in, height_in, dpi)
        FigureCanvasAgg(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", facecolor="white", metadata={"Software": None})
        return buffer.getvalue()

    def render_svg(
        self, width_in: float = 8.0, height_in: float = 3.6, *, title: bool = True
    ) -> str:
        """Draw the chart as an SVG document whose text stays text (searchable,
        selectable, no embedded glyph paths); no date or creator in it, so the
        same points give the same bytes."""
        import matplotlib
        from matplotlib.backends.backend_svg import FigureCanvasSVG

        figure = self._figure(width_in, height_in, 72, title=title)
        FigureCanvasSVG(figure)
        buffer = io.BytesIO()
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "chart"}):
            figure.savefig(buffer, format="svg", facecolor="white", metadata=NO_SVG_METADATA)
        return buffer.getvalue().decode("utf-8")

    def _figure(self, width_in: float, height_in: float, dpi: int, *, title: bool = True):
        from matplotlib.figure import Figure

        figure = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
        axes = figure.add_subplot()
        if title:
            axes.set_title(self.title())
        drawn = self._draw_pie(axes) if self.spec.kind == "pie" else self._draw_xy(axes)
        if not drawn:
            axes.set_axis_off()
            axes.text(0.5, 0.5, "No data to plot", ha="center", va="center")
        return figure

    def _draw_pie(self, axes) -> bool:
        slices = self.pie_slices()
        if not slices:
            return False
        labels, values = zip(*slices, strict=True)
        axes.pie(values, labels=labels, autopct="%1.1f%%", startangle=90, counterclock=False)
        axes.set_aspect("equal")
        return True

    def _draw_xy(self, axes) -> bool:
        spec = self.spec
        points = self._points
        xs = [p[0] for p in points]
        present = [x for x in xs if x is not None]
        bars = spec.kind in ("bar", "stacked_bar")
        if not bars and present and all(type(x) is float for x in present):
            axis = "numeric"
        elif not bars and present and all(isinstance(x, date) for x in present):
            axis = "time"
        else:
            axis = "category"
        if axis == "category":
            labels = [NULL_LABEL if x is None else display_text(x) for x in xs]
            positions: list = list(range(len(points)))
        else:
            # A column has one type, so the x values compare with each other.
            points = sorted((p for p in points if p[0] is not None), key=lambda p: p[0])
            positions = [p[0] for p in points]
        if not points:
            return False

        series = spec.series
        stacked = [0.0] * len(points)
        for i, name in enumerate(style.label for style in self._y_styles):
            ys = [p[1 + i] for p in points]
            if spec.kind == "line":
                axes.plot(positions, ys, label=name, marker="o" if len(ys) <= 40 else None)
            elif spec.kind == "area":
                (line,) = axes.plot(positions, ys, label=name)
                axes.fill_between(positions, ys, alpha=0.3, color=line.get_color())
            elif spec.kind == "scatter":
                axes.scatter(positions, ys, s=12, label=name)
            elif spec.kind == "stacked_bar":
                heights = [0.0 if math.isnan(y) else y for y in ys]
                axes.bar(positions, heights, width=0.8, bottom=stacked, label=name)
                stacked = [base + height for base, height in zip(stacked, heights, strict=True)]
            else:
                width = 0.8 / len(series)
                offset = (i - (len(series) - 1) / 2) * width
                axes.bar([p + offset for p in positions], ys, width=width, label=name)

        if axis == "category":
            step = max(1, math.ceil(len(labels) / _MAX_TICKS))
            axes.set_xticks(positions[::step], labels[::step], rotation=30, ha="right")
        elif axis == "time":
            from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

            locator = AutoDateLocator()
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        axes.set_xlabel(self._x_label)
        if spec.kind == "scatter" or len(series) == 1:
            axes.set_ylabel(self._y_styles[0].label)
        else:
            axes.legend()
        if all(style.percent for style in self._y_styles):
            from matplotlib.ticker import PercentFormatter

            axes.yaxis.set_major_formatter(PercentFormatter(1.0))
        axes.grid(True, alpha=0.3)
        return True
