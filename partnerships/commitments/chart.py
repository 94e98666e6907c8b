"""The line chart of a target: the figures reported against the straight line from baseline to
target, drawn as SVG on the server (no script; the same drawing can go into a PDF letter).
This module only computes coordinates; `commitments/_chart.html` draws them, with a title, a
description and the figures table as its text equivalent."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from partnerships.commitments.status import Point, Progress

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 16, 40  # room for the axis labels
# The widest a character of the 12-unit axis labels is drawn (a capital, a digit), so that the
# value labels right-aligned beside the axis always fit in the left margin.
CHAR_WIDTH, LABEL_GAP = 7.5, 6


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    line: tuple[tuple[float, float], tuple[float, float]]  # baseline → target
    figures: list[tuple[float, float]]  # polyline of the reported figures
    low: float  # value at the bottom of the plot
    high: float  # value at the top
    start: date
    end: date
    today_x: float | None  # the "today" marker, when today falls inside the chart
    bottom: float  # y of the time axis
    left: float  # x of the value axis
    high_label: str = ""
    low_label: str = ""


def draw(
    progress: Progress, points: list[Point], label: Callable[[float], str] | None = None
) -> Chart:
    """Coordinates for the target line and `points` (all accepted figures, oldest first);
    `label` writes the values at the top and bottom of the axis, and the left margin grows to
    hold them ("Rp2.580.480.000,00" is wider than LEFT)."""
    start = min([progress.baseline_on, *(p.on for p in points)])
    end = max([progress.due_on, *(p.on for p in points)])
    values = [progress.baseline, progress.target, *(p.value for p in points)]
    low, high = min(0.0, *values), max(values)
    if high == low:
        high = low + 1
    labels = (label(high), label(low)) if label else ("", "")
    left = max(LEFT, round(max(len(t) for t in labels) * CHAR_WIDTH) + 2 * LABEL_GAP)
    days = max((end - start).days, 1)
    plot_w, plot_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return round(left + plot_w * (day - start).days / days, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - (value - low) / (high - low)), 1)

    today = progress.today
    start_point = (x(progress.baseline_on), y(progress.baseline))
    end_point = (x(progress.due_on), y(progress.target))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        line=(start_point, end_point),
        figures=[(x(p.on), y(p.value)) for p in points],
        low=low,
        high=high,
        start=start,
        end=end,
        today_x=x(today) if start <= today <= end else None,
        bottom=TOP + plot_h,
        left=left,
        high_label=labels[0],
        low_label=labels[1],
    )
