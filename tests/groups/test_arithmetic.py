"""Tests of a group's arithmetic against an exact oracle (fractions), and of its threshold."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, strategies as st
import pytest

from custom_components.carbon_tracker.core.comparison import GroupError, GroupKind, group_error
from custom_components.carbon_tracker.groups.arithmetic import (
    Alarm,
    Side,
    Threshold,
    Transition,
    WindowSums,
)


def test_increases_are_summed_per_side_from_each_members_baseline() -> None:
    sums = WindowSums(["forecast"], ["a", "b"])
    assert sums.update("a", 10.0) == 0.0  # baseline
    assert sums.update("b", 5.0) == 0.0
    sums.update("a", 12.5)
    sums.update("b", 6.0)
    sums.update("forecast", 1.0)
    sums.update("forecast", 4.0)
    assert sums.sum(Side.RIGHT) == 3.5
    assert sums.sum(Side.LEFT) == 3.0
    assert sums.seen(Side.LEFT)


def test_an_unavailable_member_catches_up_once_when_it_returns() -> None:
    """Its node counts the outage's consumption when the meter returns: once, in that window."""
    sums = WindowSums([], ["a"])
    sums.update("a", 10.0)
    # Unavailable: no update at all. Its node's total then jumps by what was consumed.
    sums.update("a", 16.0)
    assert sums.sum(Side.RIGHT) == 6.0


def test_a_new_window_starts_from_zero_at_each_members_last_total() -> None:
    sums = WindowSums(["f"], ["m"])
    sums.update("m", 1.0)
    sums.update("m", 3.0)
    sums.new_window()
    assert sums.sum(Side.RIGHT) == 0.0
    sums.update("m", 3.5)
    assert sums.sum(Side.RIGHT) == 0.5
    assert not sums.seen(Side.LEFT)


def test_a_member_that_started_again_counts_from_zero() -> None:
    sums = WindowSums([], ["m"])
    sums.update("m", 50.0)
    sums.update("m", 2.0)
    assert sums.sum(Side.RIGHT) == 2.0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_a_total_that_is_not_a_carbon_total_is_ignored(bad: float) -> None:
    sums = WindowSums([], ["m"])
    sums.update("m", 1.0)
    assert sums.update("m", bad) == 0.0
    sums.update("m", 2.0)
    assert sums.sum(Side.RIGHT) == 1.0


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c", "new window"]), st.integers(0, 10_000)),
        max_size=200,
    )
)
def test_window_sums_match_an_exact_oracle(updates: list[tuple[str, int]]) -> None:
    """Totals in grams that only grow (members counting up), windows ending anywhere: each
    window's sums and each side's cumulative sum (across windows) are exact."""
    sums = WindowSums(["a"], ["b", "c"])
    last: dict[str, int] = {}
    oracle = {Side.LEFT: Fraction(0), Side.RIGHT: Fraction(0)}
    cumulative = {Side.LEFT: Fraction(0), Side.RIGHT: Fraction(0)}
    totals: dict[str, int] = {}
    for member, step in updates:
        if member == "new window":
            sums.new_window()
            oracle = {Side.LEFT: Fraction(0), Side.RIGHT: Fraction(0)}
            continue
        totals[member] = totals.get(member, 0) + step
        kilograms = Fraction(totals[member], 1000)
        sums.update(member, float(kilograms))
        if member in last:
            added = kilograms - Fraction(last[member], 1000)
            side = Side.LEFT if member == "a" else Side.RIGHT
            oracle[side] += added
            cumulative[side] += added
        last[member] = totals[member]
    for side in Side:
        assert abs(Fraction(sums.sum(side)) - oracle[side]) < Fraction(1, 10**9)
        assert abs(Fraction(sums.cumulative(side)) - cumulative[side]) < Fraction(1, 10**9)


def test_a_restored_cumulative_sum_goes_on_and_a_restored_window_does_not_touch_it() -> None:
    sums = WindowSums(["a"], ["b"])
    sums.restore_cumulative(10.0, 20.0)
    sums.restore(1.0, 2.0, {"a": 5.0, "b": 7.0})
    sums.update("a", 6.5)
    sums.update("b", 7.25)
    assert (sums.sum(Side.LEFT), sums.sum(Side.RIGHT)) == (2.5, 2.25)
    assert (sums.cumulative(Side.LEFT), sums.cumulative(Side.RIGHT)) == (11.5, 20.25)


def test_sign_conventions() -> None:
    forecast = group_error(GroupKind.FORECAST_VS_MEASURED, left_kg=100.0, right_kg=110.0)
    assert forecast == GroupError(10.0, 10.0, 100.0)
    remainder = group_error(GroupKind.TOTAL_VS_SUB, left_kg=100.0, right_kg=90.0)
    assert remainder == GroupError(10.0, 10.0, 100.0)
    assert group_error(GroupKind.TOTAL_VS_SUB, 0.0, 1.0).relative_pct is None


def test_the_threshold_line_ignores_small_errors() -> None:
    alarm = Alarm(Threshold(line_kg=5.0))
    assert alarm.evaluate(GroupError(4.9, 49.0, 10.0)) is None
    assert alarm.evaluate(GroupError(-5.1, -51.0, 10.0)) is Transition.CROSSED
    assert alarm.on


def test_between_the_line_and_the_alarm_preset_an_error_does_not_alarm() -> None:
    """A 0.3 kg line and a 2 kg preset: +0.7 kg is an error (beyond tolerance), not an alarm;
    +2.5 kg alarms; the hysteresis applies to the preset."""
    threshold = Threshold(line_kg=0.3, alarm_kg=2.0, hysteresis=0.1)
    alarm = Alarm(threshold)
    assert abs(0.7) > threshold.line_kg  # shown as an error: outside the tolerance
    assert alarm.evaluate(GroupError(0.7, 7.0, 10.0)) is None
    assert alarm.evaluate(GroupError(-2.5, -25.0, 10.0)) is Transition.CROSSED
    assert alarm.evaluate(GroupError(1.9, 19.0, 10.0)) is None  # within the hysteresis
    assert alarm.evaluate(GroupError(1.7, 17.0, 10.0)) is Transition.CLEARED
    # A preset alone alarms; with neither line nor preset, nothing alarms.
    assert Threshold(alarm_kg=2.0).beyond(GroupError(2.1, None, 0.0), already=False)
    assert not Threshold().beyond(GroupError(2.1, None, 0.0), already=False)


def test_a_relative_threshold_waits_for_the_minimum_amount() -> None:
    """An empty window at 00:01 must not alarm: 0.2 kg against 0.1 kg is 100 %, and nothing."""
    alarm = Alarm(Threshold(relative_pct=10.0, min_reference_kg=5.0))
    assert alarm.evaluate(group_error(GroupKind.FORECAST_VS_MEASURED, 0.1, 0.2)) is None
    assert alarm.evaluate(group_error(GroupKind.FORECAST_VS_MEASURED, 50.0, 56.0)) is (
        Transition.CROSSED
    )


def test_hysteresis_keeps_an_error_at_the_line_from_chattering() -> None:
    alarm = Alarm(Threshold(line_kg=10.0, hysteresis=0.2))
    transitions = [
        alarm.evaluate(GroupError(kilograms, None, 0.0))
        for kilograms in (10.5, 9.5, 10.5, 8.5, 7.9, 9.0, 10.1)
    ]
    assert transitions == [
        Transition.CROSSED,
        None,
        None,
        None,
        Transition.CLEARED,
        None,
        (Transition.CROSSED),
    ]


def test_both_limits_must_be_exceeded_when_both_are_set() -> None:
    threshold = Threshold(line_kg=1.0, relative_pct=10.0)
    assert not threshold.beyond(GroupError(2.0, 5.0, 40.0), already=False)
    assert not threshold.beyond(GroupError(0.5, 50.0, 1.0), already=False)
    assert threshold.beyond(GroupError(2.0, 20.0, 10.0), already=False)
    assert not Threshold().beyond(GroupError(1e9, 1e9, 1.0), already=False)


def test_a_member_reporting_the_same_total_adds_nothing() -> None:
    sums = WindowSums([], ["m"])
    sums.update("m", 4.0)
    assert sums.update("m", 4.0) == 0.0
    assert sums.sum(Side.RIGHT) == 0.0
