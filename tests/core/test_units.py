"""Tests of converting readings into the unit a factor is priced per."""

from __future__ import annotations

import pytest

from custom_components.carbon_tracker.core.units import reading_multiplier, unit_is_trackable


@pytest.mark.parametrize(
    ("source_unit", "per_unit", "multiplier"),
    [
        ("kWh", "kWh", 1.0),
        ("Wh", "kWh", 0.001),
        ("MWh", "kWh", 1000.0),
        ("kWh", "GJ", 0.0036),
        ("L", "m³", 0.001),
        ("m³", "L", 1000.0),
        ("mi", "km", 1.609344),
        ("g", "kg", 0.001),
        # HA has no tonne: it is converted through kilograms both ways.
        ("t", "kg", 1000.0),
        ("kg", "t", 0.001),
        ("t", "t", 1.0),
        ("lb", "t", 0.00045359237),
    ],
)
def test_reading_multiplier(source_unit: str, per_unit: str, multiplier: float) -> None:
    assert reading_multiplier(source_unit, per_unit) == pytest.approx(multiplier, rel=1e-12)


@pytest.mark.parametrize(
    ("source_unit", "per_unit"),
    [("kWh", "m³"), ("t", "kWh"), ("km", "L"), (None, "kWh"), ("kg CO2e", "kg"), ("W", "kWh")],
)
def test_units_of_different_kinds_do_not_convert(source_unit: str | None, per_unit: str) -> None:
    assert reading_multiplier(source_unit, per_unit) is None


@pytest.mark.parametrize("unit", ["kWh", "GJ", "m³", "gal", "kg", "t", "km", "kg CO2e", "t CO2"])
def test_trackable_units(unit: str) -> None:
    assert unit_is_trackable(unit)


@pytest.mark.parametrize("unit", [None, "", "W", "°C", "kg/h", "ppm"])
def test_untrackable_units(unit: str | None) -> None:
    assert not unit_is_trackable(unit)
