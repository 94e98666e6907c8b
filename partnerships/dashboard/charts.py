"""Bar charts for the dashboard as coordinates; dashboard/_bars.html draws them as SVG on the
server (no script, no stylesheet: the same drawing can go into a PDF), with a title, a
description and a table holding the same numbers as its text equivalent."""

from collections.abc import Callable
from dataclasses import dataclass

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 150, 20, 10, 30  # room for the labels and the axis


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    value: float
    label: str  # the series it belongs to, for its tooltip
    text: str  # the value as people read it


@dataclass(frozen=True)
class Group:
    label: str
    y: float  # baseline of the group's label
    bars: list[Bar]


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: float
    bottom: float
    high: float  # the value at the right end of the axis
    high_text: str
    groups: list[Group]
    series: list[tuple[str, str]]  # (label, colour) for the legend


def horizontal(
    groups: list[tuple[str, list[float]]],
    series: list[tuple[str, str]],
    fmt: Callable[[float], str],
    *,
    bar: int = 14,
    gap: int = 12,
) -> BarChart:
    """One group of bars per (label, values); values[i] is drawn in series[i]'s colour."""
    high = max([v for _, values in groups for v in values] + [0]) or 1
    plot_w = WIDTH - LEFT - RIGHT
    n = len(series)
    step = n * bar + gap
    height = TOP + step * max(len(groups), 1) + BOTTOM + 22  # + the legend
    drawn = []
    for i, (label, values) in enumerate(groups):
        top = TOP + i * step
        bars = [
            Bar(
                x=LEFT,
                y=top + j * bar,
                width=round(plot_w * max(value, 0) / high, 1),
                height=bar - 2,
                colour=series[j][1],
                value=value,
                label=series[j][0],
                text=fmt(value),
            )
            for j, value in enumerate(values)
        ]
        drawn.append(Group(label=label, y=top + (n * bar) / 2 + 4, bars=bars))
    return BarChart(
        width=WIDTH,
        height=height,
        left=LEFT,
        bottom=TOP + step * max(len(groups), 1),
        high=high,
        high_text=fmt(high),
        groups=drawn,
        series=series,
    )
