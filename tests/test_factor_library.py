"""The built-in factor table: every row complete, sourced and usable."""

from __future__ import annotations

import json

import pytest

from custom_components.carbon_tracker.factor_library import (
    LIBRARY_FILE,
    fits_device_class,
    load_library,
)
from custom_components.carbon_tracker.factor_units import FACTOR_PER_UNITS

ACTIVITIES = {"electricity", "heat", "gas", "liquid_fuel", "solid_fuel", "road_vehicle"}


def test_every_row_is_complete_and_sourced() -> None:
    rows = json.loads(LIBRARY_FILE.read_text(encoding="utf-8"))["factors"]
    library = load_library()
    assert len(library) == len(rows) >= 60
    for factor in library.values():
        assert factor.value > 0
        assert factor.per_unit in FACTOR_PER_UNITS
        assert factor.gas in {"CO2", "CO2e"}
        assert factor.status in {"V", "S", "U"}
        assert factor.activity in ACTIVITIES
        assert factor.source
        assert factor.name
        assert factor.name_zh


def test_the_issue_s_minimum_table_is_there() -> None:
    library = load_library()
    for factor_id, value in {
        "cn_mee_grid_national_2021": 0.5568,
        "cn_mee_grid_national_2022": 0.5366,
        "cn_mee_grid_national_2023": 0.5306,
        "cn_mee_grid_east_2023": 0.5500,
        "ipcc2006_natural_gas_gj": 56.1,
        "ipcc2006_diesel_l": 2.646,
        "ipcc2006_gasoline_l": 2.291,
        "ipcc2006_lpg_kg": 2.985,
        "ipcc2006_coal_t": 2441.0,
        "ipcc2006_fuel_oil_l": 3.075,
        "uk_desnz_2025_electricity": 0.177,
        "uk_desnz_2025_natural_gas_m3": 2.06672,
        "uk_desnz_2025_diesel": 2.57082,
        "uk_desnz_2025_petrol": 2.06916,
        "us_egrid_2022_average": 0.3753,
        "cn_heat_default": 110.0,
    }.items():
        assert library[factor_id].value == value, factor_id
    # Official DESNZ values are read from the official file: verified.
    assert all(f.status == "V" for f in library.values() if f.id.startswith("uk_desnz_2025"))


def test_labels_follow_the_language_and_mark_unverified_values() -> None:
    library = load_library()
    diesel = library["uk_desnz_2025_diesel"]
    assert diesel.label("en") == "UK diesel (average biofuel blend) 2025: 2.57082 kg CO2e/L"
    assert diesel.label("zh-Hans").startswith("英国柴油")
    assert library["ipcc2006_gasoline_l"].label("en").endswith("[U]")


@pytest.mark.parametrize(
    ("device_class", "factor_id", "fits"),
    [
        ("water", "uk_desnz_2025_natural_gas_m3", False),
        ("gas", "uk_desnz_2025_natural_gas_m3", True),
        ("gas", "ipcc2006_lpg_l", False),
        ("volume", "uk_desnz_2025_diesel", True),
        ("volume", "uk_desnz_2025_natural_gas_m3", False),
        ("distance", "uk_desnz_2025_car_diesel", True),
        ("distance", "uk_desnz_2025_electricity", False),
        ("energy", "uk_desnz_2025_electricity", True),
        ("energy", "ipcc2006_coal_gj", True),
        ("weight", "ipcc2006_coal_t", True),
        (None, "ipcc2006_lpg_l", True),
        ("something_new", "ipcc2006_lpg_l", True),
    ],
)
def test_fits_device_class(device_class: str | None, factor_id: str, fits: bool) -> None:
    assert fits_device_class(load_library()[factor_id], device_class) is fits
