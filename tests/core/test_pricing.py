"""One pricing rule: a history priced from the meter's hourly changes (backfill) and the same
readings fed live to a node give the same kilograms."""

from __future__ import annotations

from itertools import accumulate

from hypothesis import given, settings, strategies as st

from custom_components.carbon_tracker.core.pricing import (
    priced_history,
    priced_kg,
    reading_scale,
)
from custom_components.carbon_tracker.nodes.accumulator import CarbonAccumulator


def test_the_scale_of_a_reading() -> None:
    assert reading_scale(False, "Wh", "kWh") == 0.001
    assert reading_scale(False, "kWh", "kWh") == 1.0
    assert reading_scale(False, "m³", "kWh") is None  # another quantity
    assert reading_scale(False, "kWh", None) is None  # a live intensity not known yet
    assert reading_scale(True, "g CO2e", None) == 0.001  # a carbon meter: kilograms
    assert reading_scale(True, "kWh", None) is None
    assert priced_kg(2.0, 0.5, carbon_source=False) == 1.0
    assert priced_kg(2.0, 0.5, carbon_source=True) == 2.0


@settings(max_examples=300, deadline=None)
@given(
    start=st.floats(0.0, 1e5),
    increases=st.lists(st.floats(0.0, 500.0), min_size=1, max_size=200),
    unit=st.sampled_from(["Wh", "kWh", "MWh", "g CO2e", "kg CO2e"]),
    per_unit=st.sampled_from(["kWh", "MWh", "GJ"]),
    factor=st.floats(0.0, 5.0),
)
def test_history_and_live_give_the_same_kilograms(
    start: float, increases: list[float], unit: str, per_unit: str, factor: float
) -> None:
    """The readings a meter took, fed live to a node, against the same readings priced as the
    backfill prices the meter's hourly sums: the same kilograms to 1e-9 (the same operations in
    the same order, in fact: equal)."""
    readings = list(accumulate(increases, initial=start))
    carbon_source = "CO2e" in unit
    scale = reading_scale(carbon_source, unit, per_unit)
    assert scale is not None
    live_factor = 1.0 if carbon_source else factor  # a carbon meter's node prices at 1 kg/kg
    live = CarbonAccumulator()
    for second, reading in enumerate(readings):
        live.reading(reading * scale, float(second), live_factor)
    history = priced_history(readings, scale, factor, carbon_source)
    assert len(history) == len(increases)
    assert abs(live.total - history[-1]) <= 1e-9
