"""A history priced at the intensity of its own hour: gaps, and agreement with a live node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import accumulate

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.carbon_tracker.core.hourly_intensity import (
    Gap,
    PricedAt,
    hour_factors,
)
from custom_components.carbon_tracker.core.pricing import priced_history, reading_scale
from custom_components.carbon_tracker.nodes.accumulator import CarbonAccumulator

START = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def hours(count: int) -> list[datetime]:
    return [START + index * HOUR for index in range(count)]


def test_each_hour_at_its_own_mean_and_the_gaps_said() -> None:
    span = hours(8)
    means = {span[2]: 0.2, span[3]: 0.3, span[6]: 0.6}
    factors, gaps = hour_factors(span, means, current=0.9)
    assert factors == [0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.6, 0.6]
    assert gaps == [
        Gap(span[0], span[2], PricedAt.NEXT_HOUR, 2),
        Gap(span[4], span[6], PricedAt.PREVIOUS_HOUR, 2),
        Gap(span[7], span[7] + HOUR, PricedAt.PREVIOUS_HOUR, 1),
    ]


def test_an_hour_before_the_history_carries_in() -> None:
    span = hours(3)
    factors, gaps = hour_factors(span, {START - 5 * HOUR: 0.4, span[1]: 0.1}, current=None)
    assert factors == [0.4, 0.1, 0.1]
    assert [gap.priced_at for gap in gaps] == [PricedAt.PREVIOUS_HOUR, PricedAt.PREVIOUS_HOUR]


def test_no_intensity_statistics_at_all_is_the_intensity_now() -> None:
    factors, gaps = hour_factors(hours(3), {}, current=0.25)
    assert factors == [0.25, 0.25, 0.25]
    assert gaps == [Gap(START, START + 3 * HOUR, PricedAt.CURRENT, 3)]
    with pytest.raises(ValueError, match="no intensity"):
        hour_factors(hours(3), {}, current=None)
    assert hour_factors([], {}, current=None) == ([], [])


@settings(max_examples=200, deadline=None)
@given(
    present=st.lists(st.booleans(), min_size=1, max_size=60),
    values=st.lists(st.floats(0.0, 2.0), min_size=60, max_size=60),
    current=st.floats(0.0, 2.0),
)
def test_every_hour_is_its_own_mean_or_in_exactly_one_gap(
    present: list[bool], values: list[float], current: float
) -> None:
    span = hours(len(present))
    means = {hour: values[index] for index, hour in enumerate(span) if present[index]}
    factors, gaps = hour_factors(span, means, current)
    assert len(factors) == len(span)
    in_gaps = [gap.start + index * HOUR for gap in gaps for index in range(gap.hours)]
    assert in_gaps == [hour for hour in span if hour not in means]
    for gap in gaps:
        assert gap.end == gap.start + gap.hours * HOUR
    for index, hour in enumerate(span):
        if hour in means:
            assert factors[index] == means[hour]
        elif any(known < hour for known in means):
            assert factors[index] == means[max(known for known in means if known < hour)]
        elif means:
            assert factors[index] == means[min(means)]
        else:
            assert factors[index] == current


@settings(max_examples=300, deadline=None)
@given(
    start=st.floats(0.0, 1e5),
    increases=st.lists(st.floats(0.0, 500.0), min_size=1, max_size=120),
    intensities=st.lists(st.floats(0.0, 1.5), min_size=120, max_size=120),
    unit=st.sampled_from(["Wh", "kWh", "MWh"]),
    per_unit=st.sampled_from(["kWh", "MWh"]),
)
def test_a_history_at_each_hours_intensity_is_what_a_live_node_counted(
    start: float, increases: list[float], intensities: list[float], unit: str, per_unit: str
) -> None:
    """The readings at each hour's end fed live to a node whose intensity was that hour's mean
    all hour, against the hourly sums priced at each hour's mean: the same kilograms, to 1e-9."""
    readings = list(accumulate(increases, initial=start))
    scale = reading_scale(False, unit, per_unit)
    assert scale is not None
    span = hours(len(increases))
    means = dict(zip(span, intensities, strict=False))
    factors, gaps = hour_factors(span, means, current=None)
    assert gaps == []
    live = CarbonAccumulator()
    live.reading(readings[0] * scale, 0.0, factors[0])
    for hour, reading in enumerate(readings[1:]):
        # The reading at the hour's end is priced at the intensity in force during the hour.
        live.reading(reading * scale, float(hour + 1) * 3600, factors[hour])
    history = priced_history(readings, scale, factors, carbon_source=False)
    assert abs(live.total - history[-1]) <= 1e-9


def test_a_factor_per_change_must_be_one_per_change() -> None:
    with pytest.raises(ValueError, match="2 factors for 3 changes"):
        priced_history([0.0, 1.0, 2.0, 3.0], 1.0, [0.5, 0.5], carbon_source=False)
