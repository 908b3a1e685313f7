"""Small bar charts drawn on the server as SVG geometry, so pages need no JavaScript.

Templates draw the bars and always show the same figures as a table beside the chart (the
chart's text alternative); this module only does the arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    baseline: float
    maximum: int
    bars: list[Bar]


def bar_chart(points: list[tuple[str, int]], *, width: int = 600, height: int = 200,
              label_space: int = 40) -> BarChart:
    """Vertical bars for ``points`` (label, value); the tallest bar fills the plot area."""
    maximum = max((value for _, value in points), default=0)
    plot_height = height - label_space - 20
    baseline = height - label_space
    slot = width / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = (value / maximum * plot_height) if maximum else 0.0
        bars.append(Bar(label=label, value=value, x=round(index * slot + slot * 0.15, 1),
                        y=round(baseline - bar_height, 1), width=round(slot * 0.7, 1),
                        height=round(bar_height, 1)))
    return BarChart(width=width, height=height, baseline=baseline, maximum=maximum, bars=bars)


# Series are told apart by line pattern and marker as well as colour (WCAG 1.4.1); the
# colours keep at least 3:1 contrast against the white page.
SERIES_STYLES = [("#003c78", "", "circle"), ("#a3320b", "6 3", "square"),
                 ("#1d6b2f", "2 3", "diamond"), ("#5b2a86", "8 3 2 3", "triangle")]


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    dash: str
    marker: str
    points: str  # SVG polyline "x,y x,y ..."
    markers: list[tuple[float, float]]


@dataclass(frozen=True)
class Tick:
    label: str
    x: float


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: float
    top: float
    baseline: float
    maximum: int
    lines: list[Line]
    ticks: list[Tick]


def line_chart(labels: list[str], series: dict[str, list[int]], *, width: int = 640,
               height: int = 220, tick_every: int = 1) -> LineChart:
    """One line per series over the shared ``labels`` (oldest first); the highest value
    reaches the top of the plot area.  Only every ``tick_every``-th label, counted back from
    the newest, is written under the axis so they never overlap; the table beside the chart
    carries every point."""
    left, right, top, bottom = 40.0, 36.0, 10.0, 40.0  # room for the first and last labels
    baseline = height - bottom
    plot_width, plot_height = width - left - right, baseline - top
    # An empty queue still has a scale: 0 at the baseline and 1 at the top, not "0" twice.
    maximum = max((value for values in series.values() for value in values), default=0) or 1
    count = len(labels)

    def x_of(index: int) -> float:
        return round(left + (plot_width * index / (count - 1) if count > 1 else plot_width / 2), 1)

    def y_of(value: int) -> float:
        return round(baseline - value / maximum * plot_height, 1)

    lines = []
    for number, (name, values) in enumerate(series.items()):
        colour, dash, marker = SERIES_STYLES[number % len(SERIES_STYLES)]
        coordinates = [(x_of(index), y_of(value)) for index, value in enumerate(values)]
        lines.append(Line(name=name, colour=colour, dash=dash, marker=marker,
                          points=" ".join(f"{x},{y}" for x, y in coordinates),
                          markers=coordinates))
    every = max(1, tick_every)
    ticks = [Tick(label=labels[index], x=x_of(index))
             for index in range(count - 1, -1, -every)][::-1]
    return LineChart(width=width, height=height, left=left, top=top, baseline=baseline,
                     maximum=maximum, lines=lines, ticks=ticks)


# Parts of a stacked bar, told apart by the legend and the figures written in each part as
# well as by colour; each colour has at least 4.5:1 contrast with the white text on it.
STACK_COLOURS = ["#1d6b2f", "#003c78", "#5c6670"]


@dataclass(frozen=True)
class Segment:
    series: int       # index into the chart's series names
    value: int
    x: float
    width: float
    colour: str
    text: str         # the value, written inside the segment when it is wide enough ("" if not)


@dataclass(frozen=True)
class StackedRow:
    label: str
    total: int
    y: float
    segments: list[Segment]


@dataclass(frozen=True)
class StackedChart:
    width: int
    height: int
    left: float
    plot_width: float
    bar_height: float
    series: list[str]
    colours: list[str]
    rows: list[StackedRow]


def stacked_bars(rows: list[tuple[str, list[int]]], series: list[str], *, width: int = 600,
                 left: int = 170, bar_height: int = 22, gap: int = 10,
                 min_text_width: float = 28.0) -> StackedChart:
    """One horizontal bar per row, each as wide as the plot (shares of the row's total):
    rows of different sizes compare by their proportions; each part's count is written in it
    when there is room, and the table after the chart has every figure."""
    plot_width = width - left - 10
    top = 4.0
    stacked = []
    for number, (label, values) in enumerate(rows):
        total = sum(values)
        y = round(top + number * (bar_height + gap), 1)
        x = float(left)
        segments = []
        for index, value in enumerate(values):
            part = plot_width * value / total if total else 0.0
            if value:
                segments.append(Segment(
                    series=index, value=value, x=round(x, 1), width=round(part, 1),
                    colour=STACK_COLOURS[index % len(STACK_COLOURS)],
                    text=str(value) if part >= min_text_width else ""))
            x += part
        stacked.append(StackedRow(label=label, total=total, y=y, segments=segments))
    height = int(top * 2 + max(len(rows), 1) * (bar_height + gap))
    return StackedChart(width=width, height=height, left=float(left), plot_width=plot_width,
                        bar_height=float(bar_height), series=list(series),
                        colours=STACK_COLOURS[:len(series)], rows=stacked)
