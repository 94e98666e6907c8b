"""The computed status of a commitment (commitments/status.py): a pure function of the baseline,
the target, the figures and the day, checked on its edge cases with the numbers it returns."""

from datetime import date

import pytest

from partnerships.commitments.status import (
    PACE,
    Point,
    Verdict,
    assess,
    assess_action,
    assess_budget,
)

# Gianyar's target: 6.400 vulnerable workers at the end of 2024, 12.800 by the end of 2026.
START, DUE = date(2024, 12, 31), date(2026, 12, 31)


def gianyar(points, today=date(2026, 11, 30)):
    return assess(6400, START, 12800, DUE, [Point(d, v) for d, v in points], today)


def test_the_straight_line_and_the_share_of_the_way_are_returned_with_the_verdict():
    found = gianyar([(date(2026, 6, 30), 11400), (date(2026, 9, 30), 12100)])
    assert found.latest == Point(date(2026, 9, 30), 12100)
    # 699 of 730 days gone: the line expects 95.75% of the way, i.e. 6.400 + 0.9575 * 6.400
    assert found.expected_way == pytest.approx(699 / 730)
    assert found.expected == pytest.approx(6400 + 6400 * 699 / 730)
    assert found.way == pytest.approx((12100 - 6400) / 6400)
    # two figures, 700 apart over 92 days, carried 92 days on to the due date
    assert found.projected == pytest.approx(12100 + 700 * 92 / 92)
    assert found.trend_points == 2
    assert found.verdict == Verdict.ON_TRACK


def test_met_early_counts_as_met_before_the_due_date():
    found = gianyar([(date(2025, 12, 31), 9000), (date(2026, 3, 31), 12800)])
    assert found.verdict == Verdict.MET
    assert found.way == pytest.approx(1.0)
    assert found.today < found.due_on


def test_met_late_is_met_not_lapsed():
    found = gianyar([(date(2027, 1, 31), 13000)], today=date(2027, 2, 15))
    assert found.verdict == Verdict.MET


def test_no_figures_before_the_due_date_says_so_with_what_the_line_expects():
    found = gianyar([], today=date(2025, 12, 31))
    assert found.verdict == Verdict.NO_DATA
    assert found.latest is None and found.way is None and found.projected is None
    assert found.expected == pytest.approx(6400 + 6400 * 365 / 730)


def test_no_figures_after_the_due_date_is_lapsed():
    assert gianyar([], today=date(2027, 1, 1)).verdict == Verdict.LAPSED


def test_past_due_and_not_met_is_lapsed_with_the_share_reached():
    found = gianyar([(date(2026, 12, 31), 12000)], today=date(2027, 1, 1))
    assert found.verdict == Verdict.LAPSED
    assert found.way == pytest.approx(5600 / 6400)
    assert found.expected_way == 1.0  # the line ends at the due date


def test_due_today_is_not_lapsed_yet():
    # reached: met; short of it on the day itself: behind or at risk, never lapsed
    assert gianyar([(DUE, 12800)], today=DUE).verdict == Verdict.MET
    short = gianyar([(date(2026, 9, 30), 12000), (DUE, 12500)], today=DUE)
    assert short.expected_way == 1.0
    assert short.verdict == Verdict.AT_RISK  # 95% of the way, the trend stops short
    far = gianyar([(date(2026, 9, 30), 8000), (DUE, 8100)], today=DUE)
    assert far.verdict == Verdict.BEHIND


def test_a_falling_trend_projects_below_the_latest_figure_and_is_behind():
    # Sesetan: 2.000 BPU participants towards 2.600, the figures drifting down
    found = assess(
        2000,
        date(2024, 2, 5),
        2600,
        date(2027, 2, 4),
        [
            Point(date(2025, 6, 30), 2080),
            Point(date(2025, 12, 31), 2060),
            Point(date(2026, 6, 30), 2040),
        ],
        date(2026, 11, 30),
    )
    assert found.projected < found.latest.value
    assert found.verdict == Verdict.BEHIND


def test_ahead_of_the_line_but_the_trend_falls_short_is_at_risk():
    found = gianyar(
        [(date(2026, 3, 31), 12300), (date(2026, 6, 30), 12250), (date(2026, 9, 30), 12200)]
    )
    assert found.way >= PACE * found.expected_way
    assert found.projected < 12800
    assert found.verdict == Verdict.AT_RISK


def test_behind_the_line_but_a_steep_trend_reaching_it_is_at_risk():
    found = gianyar([(date(2026, 6, 30), 8000), (date(2026, 9, 30), 10500)])
    assert found.way < PACE * found.expected_way
    assert found.projected >= 12800
    assert found.verdict == Verdict.AT_RISK


def test_one_figure_is_a_trend_from_the_baseline():
    found = gianyar([(date(2025, 12, 31), 9600)], today=date(2026, 1, 15))
    assert found.trend_points == 2
    # 3.200 in a year from the baseline: another 3.200 by the due date a year later
    assert found.projected == pytest.approx(12800)
    assert found.verdict == Verdict.ON_TRACK


def test_only_the_last_four_figures_make_the_trend():
    early = [(date(2025, m, 28), 6400 + 100 * m) for m in (1, 2, 3, 4, 5, 6)]
    late = [(date(2026, m, 28), 10000 + 700 * i) for i, m in enumerate((5, 6, 7, 8))]
    found = gianyar(early + late)
    assert found.trend_points == 4
    assert found.projected > 12800  # the early slow months do not drag the projection down


def test_figures_dated_after_today_are_not_counted():
    found = gianyar([(date(2026, 9, 30), 12100), (date(2026, 12, 15), 13000)])
    assert found.latest.on == date(2026, 9, 30)
    assert found.verdict != Verdict.MET


def test_a_target_below_its_baseline_is_met_by_going_down():
    # a metric that should fall (uninsured workers, say): 5.000 to 3.000 over two years
    def falling(points, today=date(2026, 11, 30)):
        return assess(5000, START, 3000, DUE, [Point(d, v) for d, v in points], today)

    assert falling([(date(2026, 9, 30), 2900)]).verdict == Verdict.MET
    on_track = falling([(date(2026, 6, 30), 3500), (date(2026, 9, 30), 3200)])
    assert on_track.way == pytest.approx((3200 - 5000) / (3000 - 5000))
    assert on_track.projected < 3200
    assert on_track.verdict == Verdict.ON_TRACK
    going_up = falling([(date(2026, 6, 30), 4900), (date(2026, 9, 30), 5100)])
    assert going_up.way < 0
    assert going_up.verdict == Verdict.BEHIND
    assert falling([(date(2026, 9, 30), 3100)], today=date(2027, 1, 1)).verdict == Verdict.LAPSED


def test_a_budget_line_is_disbursed_along_its_fiscal_year():
    amount = 12800 * 16800 * 12  # Rp2.580.480.000
    quarters = [
        Point(date(2026, 3, 31), amount / 4),
        Point(date(2026, 6, 30), amount / 2),
        Point(date(2026, 9, 30), amount * 3 / 4),
    ]
    found = assess_budget(amount, 2026, quarters, date(2026, 11, 30))
    assert (found.baseline, found.baseline_on) == (0, date(2026, 1, 1))
    assert (found.target, found.due_on) == (amount, date(2026, 12, 31))
    assert found.way == pytest.approx(0.75)
    assert found.verdict == Verdict.AT_RISK  # a quarter behind the line, the pace reaches it
    paid = assess_budget(amount, 2026, [Point(date(2026, 10, 31), amount)], date(2026, 11, 30))
    assert paid.verdict == Verdict.MET
    unpaid = assess_budget(amount, 2025, quarters[:1], date(2026, 11, 30))
    assert unpaid.verdict == Verdict.LAPSED


def test_actions_are_done_overdue_or_due():
    today = date(2026, 11, 30)
    done = assess_action(date(2020, 3, 31), date(2020, 3, 1), today)
    assert done.verdict == Verdict.DONE
    overdue = assess_action(date(2020, 3, 31), None, today)
    assert (overdue.verdict, overdue.days) == (Verdict.OVERDUE, -(today - date(2020, 3, 31)).days)
    due = assess_action(date(2026, 12, 10), None, today)
    assert (due.verdict, due.days) == (Verdict.DUE, 10)
    assert assess_action(today, None, today).verdict == Verdict.DUE
