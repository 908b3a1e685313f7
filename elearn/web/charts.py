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
