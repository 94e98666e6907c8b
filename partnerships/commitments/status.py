"""Where a commitment stands on a given day, always with the numbers behind the verdict.

Pure functions of plain values (no database, no request), so every edge case is a unit test.

A target (and a budget line, read as rupiah disbursed from 0 on 1 January to the amount on
31 December of its fiscal year) is judged against the straight line from its baseline (value,
date) to its target (value, due date), and against where the recent trend leads:

- met: the latest accepted figure reaches the target (early, on time or late);
- lapsed: the due date has passed without it;
- no_data: nothing reported yet, and not yet due;
- on_track: at least PACE of the way the line expects by today, and the trend (least squares
  over the last TREND_POINTS figures) reaches the target by the due date;
- at_risk: one of those two holds;
- behind: neither.

A target may lie below its baseline (a metric that should fall); every comparison follows the
direction from baseline to target. Actions are done, overdue or due.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

PACE = 0.9  # share of the line's expected progress that still counts as keeping pace
TREND_POINTS = 4  # the recent trend: least squares over this many latest figures


class Verdict(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BEHIND = "behind"
    LAPSED = "lapsed"
    NO_DATA = "no_data"
    DONE = "done"
    OVERDUE = "overdue"
    DUE = "due"


@dataclass(frozen=True)
class Point:
    on: date
    value: float


@dataclass(frozen=True)
class Progress:
    """A target's verdict and every number it rests on."""

    verdict: Verdict
    today: date
    baseline: float
    baseline_on: date
    target: float
    due_on: date
    latest: Point | None
    expected: float  # the straight line's value today (at the due date once it has passed)
    way: float | None  # share of the distance from baseline to target covered (latest)
    expected_way: float  # share the straight line has covered by today, 0..1
    projected: float | None  # the recent trend carried to the due date
    trend_points: int  # how many points the trend rests on (the baseline counts)

    @property
    def rising(self) -> bool:
        return self.target >= self.baseline


@dataclass(frozen=True)
class ActionProgress:
    verdict: Verdict
    today: date
    due_on: date
    done_on: date | None

    @property
    def days(self) -> int:
        """Days until due (positive), or since it fell due (negative)."""
        return (self.due_on - self.today).days


def assess(
    baseline: float | Decimal,
    baseline_on: date,
    target: float | Decimal,
    due_on: date,
    points: list[Point],
    today: date,
) -> Progress:
    """The verdict for a target on `today`, from its accepted figures `points` (any order;
    figures after `today` cannot exist and are not looked at)."""
    baseline, target = float(baseline), float(target)
    points = sorted((p for p in points if p.on <= today), key=lambda p: p.on)
    rising = target >= baseline

    def reached(value: float) -> bool:
        return value >= target if rising else value <= target

    def share(value: float) -> float:
        if target == baseline:
            return 1.0 if reached(value) else 0.0
        return (value - baseline) / (target - baseline)

    span = (due_on - baseline_on).days
    elapsed = (min(today, due_on) - baseline_on).days
    expected_way = 1.0 if span <= 0 else min(max(elapsed / span, 0.0), 1.0)
    expected = baseline + (target - baseline) * expected_way
    latest = points[-1] if points else None
    way = share(latest.value) if latest else None
    trend = points[-TREND_POINTS:]
    if len(trend) == 1 and baseline_on < trend[0].on:
        trend = [Point(baseline_on, baseline), *trend]  # one figure: the line from the baseline
    projected = _project(trend, due_on)

    def verdict() -> Verdict:
        if latest is not None and reached(latest.value):
            return Verdict.MET
        if today > due_on:
            return Verdict.LAPSED
        if latest is None:
            return Verdict.NO_DATA
        on_pace = expected_way == 0 or way >= PACE * expected_way
        heading_there = projected is not None and reached(projected)
        if on_pace and heading_there:
            return Verdict.ON_TRACK
        return Verdict.AT_RISK if on_pace or heading_there else Verdict.BEHIND

    return Progress(
        verdict=verdict(),
        today=today,
        baseline=baseline,
        baseline_on=baseline_on,
        target=target,
        due_on=due_on,
        latest=latest,
        expected=expected,
        way=way,
        expected_way=expected_way,
        projected=projected,
        trend_points=len(trend) if projected is not None else 0,
    )


def _project(points: list[Point], on: date) -> float | None:
    """The least-squares line through `points`, read on the day `on`; None without a slope
    (fewer than two distinct days)."""
    if len({p.on for p in points}) < 2:
        return None
    origin = points[0].on
    xs = [(p.on - origin).days for p in points]
    ys = [p.value for p in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return mean_y + slope * ((on - origin).days - mean_x)


def assess_budget(amount: int, fiscal_year: int, points: list[Point], today: date) -> Progress:
    """A budget line: rupiah disbursed, from 0 on 1 January to `amount` on 31 December."""
    return assess(0, date(fiscal_year, 1, 1), amount, date(fiscal_year, 12, 31), points, today)


def assess_action(due_on: date, done_on: date | None, today: date) -> ActionProgress:
    if done_on is not None:
        verdict = Verdict.DONE
    elif today > due_on:
        verdict = Verdict.OVERDUE
    else:
        verdict = Verdict.DUE
    return ActionProgress(verdict=verdict, today=today, due_on=due_on, done_on=done_on)
