"""Tests for parsing carbon units and intensity units."""

from __future__ import annotations

import pytest

from custom_components.carbon_tracker.core.carbon_units import (
    IntensityUnit,
    carbon_unit_scale,
    factor_unit_label,
    parse_intensity_unit,
)

LB_IN_KG = 0.45359237


@pytest.mark.parametrize(
    ("unit", "kilograms"),
    [
        ("kg CO2e", 1.0),
        ("kgCO2e", 1.0),
        ("kg CO2", 1.0),
        ("kg co2-eq", 1.0),
        ("KG CO2_EQ", 1.0),
        ("kg CO2 equivalent", 1.0),
        ("  kg CO2e  ", 1.0),
        ("t CO2", 1000.0),
        ("tCO2e", 1000.0),
        ("kt CO2e", 1e6),
        ("g CO₂eq", 0.001),
        ("gCO2", 0.001),
        ("mg CO2e", 1e-6),
        ("lb CO2e", LB_IN_KG),
    ],
)
def test_carbon_unit_scale_of_carbon_units(unit: str, kilograms: float) -> None:
    assert carbon_unit_scale(unit) == kilograms


@pytest.mark.parametrize(
    "unit",
    ["kg", "t", "g", "kWh", "", None, "CO2e", "kg CO2e/kWh", "gCO2eq/kWh", "kg CH4", "MT CO2e"],
)
def test_carbon_unit_scale_rejects_non_carbon_units(unit: str | None) -> None:
    assert carbon_unit_scale(unit) is None


@pytest.mark.parametrize(
    ("unit", "parsed"),
    [
        ("gCO2eq/kWh", (0.001, "kWh", "CO2e")),
        ("g CO2e / kWh", (0.001, "kWh", "CO2e")),
        ("kg CO2e/MWh", (1.0, "MWh", "CO2e")),
        ("t CO2/MWh", (1000.0, "MWh", "CO2")),
        ("lb/MWh", (LB_IN_KG, "MWh", "CO2e")),
        ("lb CO2/MWh", (LB_IN_KG, "MWh", "CO2")),
        ("kg CO2e per m3", (1.0, "m³", "CO2e")),
        ("kg CO2e/m³", (1.0, "m³", "CO2e")),
        ("kgCO2e/Nm3", (1.0, "m³", "CO2e")),
        ("g/km", (0.001, "km", "CO2e")),
        ("g CO2/mi", (0.001, "mi", "CO2")),
        ("kg CO2e/GJ", (1.0, "GJ", "CO2e")),
        ("kg CO2e/MJ", (1.0, "MJ", "CO2e")),
        ("kg CO2e/litre", (1.0, "L", "CO2e")),
        ("kg CO2e/l", (1.0, "L", "CO2e")),
        ("kg CO2e/gal", (1.0, "gal", "CO2e")),
        ("kg CO2e/kg", (1.0, "kg", "CO2e")),
        ("kg CO2e/tonne", (1.0, "t", "CO2e")),
        ("mg CO2e/kWh", (1e-6, "kWh", "CO2e")),
        ("kt CO2e per GJ", (1e6, "GJ", "CO2e")),
        ("KG CO2E/KWH", (1.0, "kWh", "CO2e")),
    ],
)
def test_parse_intensity_unit(unit: str, parsed: tuple[float, str, str]) -> None:
    assert parse_intensity_unit(unit) == IntensityUnit(*parsed)


@pytest.mark.parametrize(
    "unit",
    ["kWh", "g/parsec", "", None, "kg CO2e", "CO2e/kWh", "per kWh", "kg CO2e/", "lbs/MWh"],
)
def test_parse_intensity_unit_rejects_unknown_units(unit: str | None) -> None:
    assert parse_intensity_unit(unit) is None


@pytest.mark.parametrize(
    ("per_unit", "label"),
    [("kWh", "kg CO2e/kWh"), ("MWh", "kg CO2e/MWh"), ("m³", "kg CO2e/m³"), ("km", "kg CO2e/km")],
)
def test_factor_unit_label(per_unit: str, label: str) -> None:
    assert factor_unit_label(per_unit) == label


def test_factor_unit_label_names_its_own_gas() -> None:
    assert factor_unit_label("kWh", "CO2") == "kg CO2/kWh"
    assert factor_unit_label("L", "CO2e") == "kg CO2e/L"


@pytest.mark.parametrize("gas", ["CO2", "CO2e"])
def test_parsed_per_unit_round_trips_through_the_label(gas: str) -> None:
    parsed = parse_intensity_unit(f"g {gas} per kWh")
    assert parsed == IntensityUnit(0.001, "kWh", gas)
    assert parse_intensity_unit(factor_unit_label(parsed.per_unit, parsed.gas)) == IntensityUnit(
        1.0, "kWh", gas
    )


def test_megagram_carbon_unit_is_not_read_as_milligram() -> None:
    """Mg is the SI megagram (a tonne): case-folding must not turn it into mg (1e9 too small)."""
    assert carbon_unit_scale("Mg CO2e") in (None, 1000.0)


def test_megagram_intensity_unit_is_not_read_as_milligram() -> None:
    """The same for the mass part of an intensity unit."""
    assert parse_intensity_unit("Mg CO2e/MWh") == IntensityUnit(1000.0, "MWh", "CO2e")


@pytest.mark.parametrize("unit", ["g/mWh", "g/mJ", "g/GWH"])
def test_per_unit_prefixes_are_case_sensitive(unit: str) -> None:
    """mWh is a milliwatt-hour: reading it as MWh would be off by 1e9."""
    assert parse_intensity_unit(unit) is None
