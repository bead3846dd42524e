"""Accessible, server-rendered SVG charts: geometry here, markup in templates/charts/.

The charts have no viewBox: horizontal positions are percentages of the chart's width
and vertical ones are pixels, so a chart fills any screen while its text keeps its
size and stays legible on a phone. Colours come from CSS classes of the design system
(light and dark), never from attributes. Every number is formatted here, with a dot,
so that no locale can turn a coordinate into "12,5".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format

# Horizontal bars: a label line above each bar.
BAR_ROW = 46
BAR_LABEL_Y = 16
BAR_OFFSET = 24
BAR_HEIGHT = 14
# Weekly charts: the plot takes the left part, the axis values sit on the right.
PLOT_WIDTH = 90.0  # percent
PLOT_TOP = 12
PLOT_HEIGHT = 150
AXIS_LABELS_HEIGHT = 26
MAX_X_LABELS = 7


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def nice_ceiling(value: float) -> int:
    """The smallest round number at or above `value`: 1, 2, 3, 4, 5, 6, 8, 10, 15, 20,
    25, 30, 40, 50, 60, 80, 100, 150... (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        top = step * magnitude
        if top >= value and top == int(top):
            return int(top)
    return int(10 * magnitude)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    display: str
    variant: str
    width: str  # percent of the chart's width
    label_y: str
    bar_y: str


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    height: str
    bar_height: str


def bar_chart(
    *,
    id: str,
    title: str,
    description: str,
    items: Sequence[tuple[str, int, str, str]],
    scale_to: int | None = None,
) -> BarChart:
    """Horizontal bars from (label, value, shown value, colour variant) items.

    Bars are drawn against `scale_to` (e.g. the number who joined, for a funnel) or
    against the largest value.
    """
    top = max([scale_to or 0, *(value for _l, value, _d, _v in items)]) or 1
    bars = []
    for i, (label, value, display, variant) in enumerate(items):
        width = 100 * value / top
        if value and width < 0.8:
            width = 0.8  # a non-zero value stays visible
        bars.append(
            Bar(
                label=label,
                value=value,
                display=display,
                variant=variant,
                width=_num(width),
                label_y=str(i * BAR_ROW + BAR_LABEL_Y),
                bar_y=str(i * BAR_ROW + BAR_OFFSET),
            )
        )
    return BarChart(
        id=id,
        title=title,
        description=description,
        bars=bars,
        height=str(len(items) * BAR_ROW + 2),
        bar_height=str(BAR_HEIGHT),
    )


@dataclass(frozen=True)
class AxisLabel:
    text: str
    x: str
    anchor: str
    minor: bool = False  # hidden on narrow screens


@dataclass(frozen=True)
class GridLine:
    y: str
    text: str


def _spread(n: int, most: int) -> list[int]:
    """At most `most` indices out of `n`, evenly spaced, always the first and the last."""
    if n <= 1:
        return list(range(n))
    step = max(1, math.ceil((n - 1) / (most - 1)))
    indices = list(range(0, n, step))
    if indices[-1] != n - 1:
        if n - 1 - indices[-1] < step / 2 and len(indices) > 1:
            indices[-1] = n - 1  # too close to the previous label: move it to the end
        else:
            indices.append(n - 1)
    return indices


def _x_labels(starts: Sequence[date], slot: float) -> list[AxisLabel]:
    """Week labels: up to seven on a wide screen, every other one on a narrow screen.

    The first label starts at the left edge and the last ends at the right edge, so
    neither is cut off.
    """
    n = len(starts)
    wide = _spread(n, MAX_X_LABELS)
    # Every other label on a narrow screen, still ending with the last week.
    narrow = wide[::2]
    if narrow[-1:] != wide[-1:]:
        if len(narrow) > 1:
            narrow[-1] = wide[-1]
        else:
            narrow.append(wide[-1])
    labels = []
    for i in wide:
        text = date_format(starts[i], "j M")
        minor = i not in narrow
        if i == 0:
            labels.append(AxisLabel(text, _num(i * slot), "start", minor))
        elif i == n - 1:
            labels.append(AxisLabel(text, _num((i + 1) * slot), "end", minor))
        else:
            labels.append(AxisLabel(text, _num((i + 0.5) * slot), "middle", minor))
    return labels


@dataclass(frozen=True)
class Column:
    x: str
    width: str
    y: str
    height: str
    variant: str


@dataclass(frozen=True)
class ColumnChart:
    """Columns above a baseline (e.g. joined) and below it (e.g. left), per week."""

    id: str
    title: str
    description: str
    columns: list[Column]
    grid: list[GridLine]
    baseline_y: str
    x_labels: list[AxisLabel]
    labels_y: str
    height: str
    plot_width: str


def diverging_columns(
    *,
    id: str,
    title: str,
    description: str,
    starts: Sequence[date],
    up: Sequence[int],
    down: Sequence[int],
) -> ColumnChart:
    """Weekly columns: `up` values rise above the baseline, `down` values hang below it,
    both on the same scale."""
    up_max = nice_ceiling(max(up, default=0))
    down_max = nice_ceiling(max(down, default=0)) if any(down) else 0
    unit = PLOT_HEIGHT / (up_max + down_max)
    baseline = PLOT_TOP + up_max * unit
    n = max(len(starts), 1)
    slot = PLOT_WIDTH / n
    width = slot * 0.7
    columns = []
    for i, (u, d) in enumerate(zip(up, down, strict=True)):
        x = _num(i * slot + slot * 0.15)
        if u:
            columns.append(Column(x, _num(width), _num(baseline - u * unit), _num(u * unit), "up"))
        if d:
            columns.append(Column(x, _num(width), _num(baseline), _num(d * unit), "down"))
    grid = [GridLine(_num(PLOT_TOP), str(up_max)), GridLine(_num(baseline), "0")]
    if down_max:
        grid.append(GridLine(_num(baseline + down_max * unit), f"−{down_max}"))
    bottom = PLOT_TOP + PLOT_HEIGHT
    return ColumnChart(
        id=id,
        title=title,
        description=description,
        columns=columns,
        grid=grid,
        baseline_y=_num(baseline),
        x_labels=_x_labels(starts, slot),
        labels_y=str(bottom + 18),
        height=str(bottom + AXIS_LABELS_HEIGHT),
        plot_width=_num(PLOT_WIDTH),
    )


@dataclass(frozen=True)
class LineChart:
    """A line over weeks. The line lives in a nested, stretched coordinate system
    (0–1000 × 0–100) whose strokes do not scale, so it fills the width like the bars."""

    id: str
    title: str
    description: str
    points: str
    area: str
    grid: list[GridLine]
    x_labels: list[AxisLabel]
    labels_y: str
    plot_top: str
    plot_height: str
    plot_width: str
    height: str


def line_chart(
    *, id: str, title: str, description: str, starts: Sequence[date], values: Sequence[int]
) -> LineChart:
    top = nice_ceiling(max(values, default=0))
    n = len(values)
    xy = [(1000 * (i + 0.5) / n, 100 - 100 * value / top) for i, value in enumerate(values)]
    if n == 1:
        xy = [(0, xy[0][1]), (1000, xy[0][1])]
    points = " ".join(f"{_num(x)},{_num(y)}" for x, y in xy)
    area = f"{_num(xy[0][0])},100 {points} {_num(xy[-1][0])},100" if xy else ""
    slot = PLOT_WIDTH / max(n, 1)
    bottom = PLOT_TOP + PLOT_HEIGHT
    return LineChart(
        id=id,
        title=title,
        description=description,
        points=points,
        area=area,
        grid=[
            GridLine(_num(PLOT_TOP), str(top)),
            # A middle line only where it falls on a whole number.
            *([GridLine(_num(PLOT_TOP + PLOT_HEIGHT / 2), str(top // 2))] if top % 2 == 0 else []),
            GridLine(_num(bottom), "0"),
        ],
        x_labels=_x_labels(starts, slot),
        labels_y=str(bottom + 18),
        plot_top=str(PLOT_TOP),
        plot_height=str(PLOT_HEIGHT),
        plot_width=_num(PLOT_WIDTH),
        height=str(bottom + AXIS_LABELS_HEIGHT),
    )
