"""Geometry of the server-drawn SVG line chart (the template draws it; no script needed)."""

from __future__ import annotations

from dataclasses import dataclass

# Tableau 10: strong, distinct on white (the label colours are pale backgrounds for text).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    color: str
    points: str  # "x,y x,y ..." for <polyline points>
    total: int


@dataclass(frozen=True, slots=True)
class LineChart:
    width: int
    height: int
    left: int
    top: int
    plot_height: int
    y_max: int
    x_labels: list[tuple[float, str]]  # (x, text)
    lines: list[Line]


def line_chart(
    labels: list[str], series: dict[str, list[int]], *, width: int = 640, height: int = 220
) -> LineChart:
    """One polyline per series over ``labels`` (days), y from 0 to the largest value."""
    left, top, bottom, right = 40, 10, 30, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = max([1, *(v for values in series.values() for v in values)])
    step = plot_w / max(1, len(labels) - 1)

    def point(i: int, value: int) -> str:
        return f"{left + i * step:.1f},{top + plot_h - value / y_max * plot_h:.1f}"

    lines = [
        Line(name, PALETTE[n % len(PALETTE)], " ".join(point(i, v) for i, v in enumerate(values)),
             sum(values))
        for n, (name, values) in enumerate(series.items())
    ]  # fmt: skip
    every = max(1, -(-len(labels) // 8))  # at most 8 labels under the axis
    x_labels = [(left + i * step, text) for i, text in enumerate(labels) if i % every == 0]
    return LineChart(width, height, left, top, plot_h, y_max, x_labels, lines)
