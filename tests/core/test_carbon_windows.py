"""The lowest-carbon window of a forecast: the formats read, gaps, ties, and an exact oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.carbon_tracker.core.carbon_windows import (
    ForecastError,
    Slot,
    Window,
    best_window,
    parse_forecast,
)

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HALF_HOUR = timedelta(minutes=30)


def half_hours(values: list[float | None], start: datetime = T0) -> list[Slot]:
    return [
        Slot(start + index * HALF_HOUR, start + (index + 1) * HALF_HOUR, value)
        for index, value in enumerate(values)
        if value is not None
    ]


# --- the formats ------------------------------------------------------------------------------


def test_carbon_intensity_uk_rates() -> None:
    rates = [
        {"from": "2026-03-28T22:00:00Z", "to": "2026-03-28T22:30:00Z", "intensity_forecast": 120},
        {"from": "2026-03-28T22:30:00Z", "to": "2026-03-28T23:00:00Z", "intensity_forecast": 80},
    ]
    assert parse_forecast(rates, zone=LONDON, today=date(2026, 3, 28)) == half_hours([120, 80])


def test_carbon_intensity_uk_forecast_and_target_timeframes() -> None:
    forecast = [{"from": T0, "to": T0 + HALF_HOUR, "intensity": 50, "index": "low"}]
    assert parse_forecast(forecast, zone=LONDON, today=T0.date()) == half_hours([50])
    source = [
        {"start": "2026-03-28T22:00:00+00:00", "end": "2026-03-28T22:30:00+00:00", "value": 7}
    ]
    assert parse_forecast(source, zone=LONDON, today=T0.date()) == half_hours([7])


def test_energi_data_service_clock_keys_of_today_in_local_time() -> None:
    copenhagen = ZoneInfo("Europe/Copenhagen")
    emissions = {"00:00": 100, "00:05": 90, "00:10": 95}
    slots = parse_forecast(emissions, zone=copenhagen, today=date(2026, 6, 1))
    start = datetime(2026, 5, 31, 22, 0, tzinfo=UTC)  # midnight in Copenhagen (CEST)
    assert slots == [
        Slot(start, start + 5 * MINUTE, 100.0),
        Slot(start + 5 * MINUTE, start + 10 * MINUTE, 90.0),
        Slot(start + 10 * MINUTE, start + 15 * MINUTE, 95.0),
    ]


def test_a_time_without_an_offset_is_in_has_time_zone() -> None:
    copenhagen = ZoneInfo("Europe/Copenhagen")
    items = [{"start": "2026-06-01T00:00:00", "end": "2026-06-01T00:30:00", "value": 3}]
    start = datetime(2026, 5, 31, 22, 0, tzinfo=UTC)
    assert parse_forecast(items, zone=copenhagen, today=date(2026, 6, 1)) == [
        Slot(start, start + HALF_HOUR, 3.0)
    ]


def test_a_single_clock_key_has_no_step_to_last_for() -> None:
    assert parse_forecast({"00:00": 5}, zone=UTC, today=T0.date()) == []
    assert parse_forecast({"00:00": "n/a", "00:30": 5, "01:00": 6}, zone=UTC, today=T0.date()) == [
        Slot(
            datetime(2026, 3, 28, 0, 30, tzinfo=UTC), datetime(2026, 3, 28, 1, 0, tzinfo=UTC), 5.0
        ),
        Slot(
            datetime(2026, 3, 28, 1, 0, tzinfo=UTC), datetime(2026, 3, 28, 1, 30, tzinfo=UTC), 6.0
        ),
    ]


def test_a_slot_without_a_usable_intensity_is_a_gap_and_overlaps_are_cut() -> None:
    items = [
        {"from": T0, "to": T0 + HALF_HOUR, "intensity": "n/a"},
        {"from": T0 + HALF_HOUR, "to": T0 + 2 * HALF_HOUR, "intensity": -3},
        {"from": T0 + HALF_HOUR, "to": T0 + 2 * HALF_HOUR, "intensity": True},
        {"from": T0 + HALF_HOUR, "to": T0 + 2 * HALF_HOUR, "intensity": None},
        {"from": T0 + HALF_HOUR, "to": T0, "intensity": 4},
        {"from": T0 + 2 * HALF_HOUR, "to": T0 + 4 * HALF_HOUR, "intensity": 10},
        {"from": T0 + 3 * HALF_HOUR, "to": T0 + 5 * HALF_HOUR, "intensity": 20},
        {"from": T0 + 3 * HALF_HOUR, "to": T0 + 4 * HALF_HOUR, "intensity": 30},
    ]
    assert parse_forecast(items, zone=UTC, today=T0.date()) == [
        Slot(T0 + 2 * HALF_HOUR, T0 + 4 * HALF_HOUR, 10.0),
        Slot(T0 + 4 * HALF_HOUR, T0 + 5 * HALF_HOUR, 20.0),
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("120", "forecast_unknown_format"),
        ([{"when": "x", "intensity": 1}], "forecast_unknown_format"),
        ([3], "forecast_unknown_format"),
        ({"noon": 3}, "forecast_unknown_format"),
        ([{"from": "soon", "to": "later", "intensity": 1}], "forecast_bad_time"),
        ([{"from": 1, "to": 2, "intensity": 1}], "forecast_bad_time"),
    ],
)
def test_what_is_not_a_forecast_is_said(value: object, reason: str) -> None:
    with pytest.raises(ForecastError) as caught:
        parse_forecast(value, zone=UTC, today=T0.date())
    assert caught.value.reason == reason


# --- the window -------------------------------------------------------------------------------


def test_the_lowest_window_may_straddle_slots_and_midnight() -> None:
    slots = half_hours([300, 200, 100, 100, 50, 400, 400])
    window = best_window(slots, T0, timedelta(hours=1), timedelta(hours=3.5))
    # Hours: 250, 150, 100, then 23:30-00:30 at (100 + 50) / 2, across midnight.
    assert window == Window(T0 + 3 * HALF_HOUR, T0 + 5 * HALF_HOUR, 75.0)


def test_now_inside_a_slot_and_ties_go_to_the_earliest() -> None:
    slots = half_hours([10, 10, 10, 10])
    now = T0 + 7 * MINUTE
    assert best_window(slots, now, HALF_HOUR, timedelta(hours=2)) == Window(
        now, now + HALF_HOUR, 10.0
    )


def test_a_gap_disqualifies_every_window_across_it() -> None:
    slots = half_hours([100, None, 1, 100])
    # An hour: 22:00-23:00 crosses the gap, so do the others but 23:00-00:00 (1 and 100).
    assert best_window(slots, T0, timedelta(hours=1), timedelta(hours=2)) == Window(
        T0 + 2 * HALF_HOUR, T0 + 4 * HALF_HOUR, 50.5
    )
    # A feed that ends too soon has no window at all.
    assert best_window(half_hours([5]), T0, timedelta(hours=1), timedelta(hours=2)) is None
    assert best_window([], T0, HALF_HOUR, timedelta(hours=2)) is None
    assert best_window(half_hours([5, 5]), T0, timedelta(hours=2), timedelta(hours=1)) is None


def test_across_the_spring_change_the_window_is_in_real_hours() -> None:
    """The night the UK clocks go forward (01:00 -> 02:00 on 2026-03-29): half-hours in UTC run
    on without a gap; a 2-hour window is 4 real half-hours, whatever the wall clock says."""
    slots = half_hours([9, 9, 9, 9, 1, 1, 1, 1, 9, 9])
    window = best_window(slots, T0, timedelta(hours=2), timedelta(hours=5))
    assert window == Window(T0 + 4 * HALF_HOUR, T0 + 8 * HALF_HOUR, 1.0)
    assert window.start.astimezone(LONDON).hour == 0
    assert window.end.astimezone(LONDON).hour == 3  # 00:00 GMT to 03:00 BST: two real hours


@st.composite
def forecasts(draw: st.DrawFn) -> tuple[list[Slot], int, int, int]:
    """Slots on whole minutes (with gaps), a start, a length and a horizon in minutes."""
    slots = []
    at = 0
    for _ in range(draw(st.integers(0, 12))):
        at += draw(st.sampled_from([0, 0, 0, 5, 30]))  # now and then a gap
        width = draw(st.sampled_from([5, 15, 30, 60]))
        value = draw(st.integers(0, 500))
        slots.append(Slot(T0 + at * MINUTE, T0 + (at + width) * MINUTE, float(value)))
        at += width
    now = draw(st.integers(-30, 120))
    length = draw(st.integers(1, 180))
    horizon = draw(st.integers(length, 600))
    return slots, now, length, horizon


def oracle(slots: list[Slot], now: int, length: int, horizon: int) -> tuple[int, Fraction] | None:
    """Every whole-minute start, each window's exact mean: the lowest, the earliest of ties."""
    per_minute: dict[int, int] = {}
    for slot in slots:
        first = round((slot.start - T0) / MINUTE)
        last = round((slot.end - T0) / MINUTE)
        for minute in range(first, last):
            per_minute[minute] = int(slot.intensity)
    best: tuple[int, Fraction] | None = None
    for start in range(now, now + horizon - length + 1):
        minutes = range(start, start + length)
        if not all(minute in per_minute for minute in minutes):
            continue
        mean = Fraction(sum(per_minute[minute] for minute in minutes), length)
        if best is None or mean < best[1]:
            best = (start, mean)
    return best


@settings(max_examples=1000, deadline=None)
@given(forecasts())
def test_the_window_is_the_exact_oracles(case: tuple[list[Slot], int, int, int]) -> None:
    slots, now, length, horizon = case
    found = best_window(slots, T0 + now * MINUTE, length * MINUTE, horizon * MINUTE)
    expected = oracle(slots, now, length, horizon)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert found.start == T0 + expected[0] * MINUTE
    assert found.end == found.start + length * MINUTE
    assert abs(Fraction(found.mean) - expected[1]) <= Fraction(1, 10**6)
