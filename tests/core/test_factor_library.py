"""The built-in factor table: every row complete, sourced, and equal to its source or derivation.

No Home Assistant instance is needed: the table is plain data, so these tests run without ``hass``.
"""

from __future__ import annotations

from collections import Counter
import json
import re

from hypothesis import given, strategies as st
import pytest

from custom_components.carbon_tracker.core.factor_library import (
    LIBRARY_FILE,
    LibraryFactor,
    fits_device_class,
    load_library,
    load_retired_ids,
    meter_order,
)

STATUSES = {"V", "S", "U"}
GASES = {"CO2", "CO2e"}
# The units a factor may be priced in (mirrors FACTOR_PER_UNITS of core/carbon_units.py).
PER_UNITS = {"kWh", "MWh", "GJ", "MJ", "m³", "L", "gal", "kg", "t", "km", "mi"}
SCOPES = {"scope1", "scope2", "scope2_location", "scope2_market"}
ACTIVITIES = {"electricity", "heat", "gas", "liquid_fuel", "solid_fuel", "road_vehicle"}

# Each source family states its own gas basis: MEE and IPCC CO2 only, DESNZ and eGRID CO2e.
GAS_BY_FAMILY = {"cn_": "CO2", "ipcc2006_": "CO2", "uk_desnz_": "CO2e", "us_egrid_": "CO2e"}

# IPCC 2006 Vol. 2 Ch. 1: Table 1.4 CO2 EF (kg CO2 per GJ NCV, oxidation 1), Table 1.2 NCV
# (TJ/Gg = GJ/t), and the status the research note gives the EF (S when a second source has it).
IPCC = {
    "natural_gas": (56.1, 48.0, "S"),
    "diesel": (74.1, 43.0, "S"),
    "gasoline": (69.3, 44.3, "U"),
    "lpg": (63.1, 47.3, "U"),
    "coal": (94.6, 25.8, "S"),
    "fuel_oil": (77.4, 40.4, "U"),
}
# UK DESNZ 2025 density = kg CO2 per litre (or m³) / kg CO2 per tonne x 1000, both the CO2
# column ("kg CO2e of CO2 per unit") of the 2025 flat file: (unit, (ID, value), (ID, value)).
UK_2025_DENSITY = {
    "natural_gas": ("m³", ("1_100_1004_1_2", 2.0627), ("1_100_1004_15_2", 2570.42)),
    "diesel": ("L", ("1_101_1012_8_2", 2.62818), ("1_101_1012_15_2", 3164.33)),
    "gasoline": ("L", ("1_101_1018_8_2", 2.32567), ("1_101_1018_15_2", 3135.0)),
    "lpg": ("L", ("1_100_1003_8_2", 1.55491), ("1_100_1003_15_2", 2935.18)),
    "fuel_oil": ("L", ("1_101_1013_8_2", 3.16262), ("1_101_1013_15_2", 3216.38)),
}
RETIRED = {"uk_desnz_2025_heat_gj": "uk_desnz_2025_heat_kwh"}

DESNZ_UOM = {
    "kWh": "kWh",
    "kWh (Gross CV)": "kWh",
    "kWh (Net CV)": "kWh",
    "cubic metres": "m³",
    "litres": "L",
    "tonnes": "t",
    "km": "km",
}
DESNZ_ID_RE = re.compile(r"\bID (\d+(?:_\d+){4})\b")


def _sig4(value: float) -> float:
    """A derived value as the table stores it: rounded once, to 4 significant figures."""
    return float(f"{value:.4g}")


def _density(fuel: str) -> float:
    _, (_, per_volume), (_, per_tonne) = UK_2025_DENSITY[fuel]
    return per_volume / per_tonne * 1000


def _rows() -> list[dict]:
    return json.loads(LIBRARY_FILE.read_text(encoding="utf-8"))["factors"]


def test_json_keeps_its_layout() -> None:
    text = LIBRARY_FILE.read_text(encoding="utf-8")
    raw = json.loads(text)
    assert text == json.dumps(raw, indent=1, ensure_ascii=False) + "\n"
    assert set(raw) == {"version", "attribution", "retired", "factors"}


def test_every_row_is_complete_and_valid() -> None:
    rows = _rows()
    ids = Counter(row["id"] for row in rows)
    assert not [factor_id for factor_id, count in ids.items() if count > 1]
    library = load_library()
    assert len(library) == len(rows) >= 60
    for factor_id, factor in library.items():
        assert isinstance(factor, LibraryFactor)
        assert factor.id == factor_id
        assert factor.value > 0, factor_id
        assert factor.per_unit in PER_UNITS, factor_id
        assert factor.gas in GASES, factor_id
        assert factor.status in STATUSES, factor_id
        assert factor.scope in SCOPES, factor_id
        assert factor.activity in ACTIVITIES, factor_id
        assert factor.year is None or isinstance(factor.year, int), factor_id
        for text in (factor.name, factor.name_zh, factor.source, factor.region):
            assert text, factor_id
        # DESNZ covers the whole UK; no factor here is Great Britain only.
        assert factor.region != "GB", factor_id


def test_every_row_keeps_its_source_s_gas_basis() -> None:
    for factor_id, factor in load_library().items():
        family = [prefix for prefix in GAS_BY_FAMILY if factor_id.startswith(prefix)]
        assert len(family) == 1, f"{factor_id}: unknown source family"
        assert factor.gas == GAS_BY_FAMILY[family[0]], factor_id


def test_ipcc_per_gj_rows_say_they_are_per_gj_ncv() -> None:
    library = load_library()
    for fuel, (per_gj, _, status) in IPCC.items():
        factor = library[f"ipcc2006_{fuel}_gj"]
        assert factor.value == per_gj
        assert factor.per_unit == "GJ"
        assert factor.region == "global"
        assert factor.status == status
        assert "per GJ NCV" in factor.name
        assert "低位发热量" in factor.name_zh
        assert "net calorific value" in factor.source
    assert "10 %" in library["ipcc2006_natural_gas_gj"].source


def test_ipcc_per_mass_rows_are_factor_times_ipcc_ncv() -> None:
    library = load_library()
    for fuel, (per_gj, ncv, _) in IPCC.items():
        factor_id, per_kg = f"ipcc2006_{fuel}_kg", per_gj * ncv / 1000
        if fuel == "coal":
            factor_id, per_kg = "ipcc2006_coal_t", per_gj * ncv
        factor = library[factor_id]
        assert factor.value == _sig4(per_kg), factor_id
        assert factor.region == "global", factor_id
        assert f"NCV {ncv} TJ/Gg" in factor.source, factor_id
        # The calorific value comes from one transcription only, so the product is unverified.
        assert factor.status == "U", factor_id


def test_ipcc_per_volume_rows_are_factor_times_ncv_times_uk_2025_density() -> None:
    library = load_library()
    per_volume_ids = {
        factor_id
        for factor_id, factor in library.items()
        if factor_id.startswith("ipcc2006_") and factor.per_unit in {"L", "m³", "gal"}
    }
    assert per_volume_ids == {
        f"ipcc2006_{fuel}_{'m3' if unit == 'm³' else 'l'}"
        for fuel, (unit, _, _) in UK_2025_DENSITY.items()
    }
    for fuel, (unit, (volume_id, _), (tonne_id, _)) in UK_2025_DENSITY.items():
        per_gj, ncv, _ = IPCC[fuel]
        factor = library[f"ipcc2006_{fuel}_{'m3' if unit == 'm³' else 'l'}"]
        density = _density(fuel)
        assert factor.per_unit == unit
        assert factor.value == _sig4(per_gj * ncv / 1000 * density), factor.id
        # A UK density makes it a UK factor, said in its name and derivation.
        assert factor.region == "UK", factor.id
        assert "IPCC 2006 NCV factor x UK 2025 density" in factor.name, factor.id
        assert "英国2025年密度" in factor.name_zh, factor.id
        assert f"{density:.6f} kg/{unit}" in factor.source, factor.id
        assert volume_id in factor.source, factor.id
        assert tonne_id in factor.source, factor.id
        assert "DESNZ 2024" not in factor.source, factor.id
        assert factor.status == "U", factor.id


def test_documented_uk_densities_are_the_desnz_2025_ones(
    desnz_2025: dict[str, dict[str, str]],
) -> None:
    for fuel, (_, *pairs) in UK_2025_DENSITY.items():
        for factor_id, value in pairs:
            row = desnz_2025[factor_id]
            assert row["GHG/Unit"] == "kg CO2e of CO2 per unit", (fuel, factor_id)
            assert float(row["GHG Conversion Factor 2025"]) == value, (fuel, factor_id)


def test_desnz_rows_equal_the_official_2025_file(desnz_2025: dict[str, dict[str, str]]) -> None:
    desnz = {fid: f for fid, f in load_library().items() if fid.startswith("uk_desnz_2025")}
    assert desnz
    for factor_id, factor in desnz.items():
        ids = DESNZ_ID_RE.findall(factor.source)
        assert len(ids) == 1, factor_id
        row = desnz_2025[ids[0]]
        assert float(row["GHG Conversion Factor 2025"]) == factor.value, factor_id
        assert row["GHG/Unit"] == "kg CO2e", factor_id
        assert DESNZ_UOM[row["UOM"]] == factor.per_unit, factor_id
        assert row["Scope"].replace(" ", "").lower() == factor.scope[:6], factor_id


def test_desnz_rows_are_verified_uk_co2e() -> None:
    for factor_id, factor in load_library().items():
        if factor_id.startswith("uk_desnz_2025"):
            assert (factor.status, factor.region, factor.gas, factor.year) == (
                "V",
                "UK",
                "CO2e",
                2025,
            ), factor_id
            assert "OGL v3.0" in factor.source, factor_id


def test_retired_ids_point_at_kept_rows() -> None:
    library = load_library()
    retired = load_retired_ids()
    assert retired == RETIRED
    for old_id, kept_id in retired.items():
        assert old_id not in library
        assert kept_id in library
        assert kept_id not in retired
    assert load_retired_ids() is retired  # read once


def test_no_row_is_a_pure_unit_duplicate_of_another() -> None:
    """Two rows that differ only by a fixed unit conversion (GJ/kWh, t/kg) are one factor."""
    scale = {"kWh": 1.0, "MWh": 1000.0, "MJ": 1 / 3.6, "GJ": 1000 / 3.6, "kg": 1.0, "t": 1000.0}
    dimension = {"kWh": "energy", "MWh": "energy", "MJ": "energy", "GJ": "energy"}
    dimension |= {"kg": "mass", "t": "mass"}
    seen: dict[tuple, list[tuple[str, float]]] = {}
    for factor in load_library().values():
        if factor.per_unit not in scale:
            continue
        key = (dimension[factor.per_unit], factor.activity, factor.region, factor.gas, factor.year)
        per_base = factor.value / scale[factor.per_unit]
        for other_id, other in seen.get(key, []):
            assert abs(per_base - other) > 1e-4 * other, (factor.id, other_id)
        seen.setdefault(key, []).append((factor.id, per_base))


def test_key_values() -> None:
    library = load_library()
    for factor_id, value in {
        "cn_mee_grid_national_2021": 0.5568,
        "cn_mee_grid_national_2022": 0.5366,
        "cn_mee_grid_national_2023": 0.5306,
        "cn_mee_grid_east_2023": 0.55,
        "cn_heat_default": 110.0,
        "ipcc2006_natural_gas_gj": 56.1,
        "ipcc2006_natural_gas_m3": 2.161,
        "ipcc2006_diesel_l": 2.646,
        "ipcc2006_gasoline_l": 2.277,
        "ipcc2006_lpg_kg": 2.985,
        "ipcc2006_coal_t": 2441.0,
        "ipcc2006_fuel_oil_l": 3.075,
        "uk_desnz_2025_electricity": 0.177,
        "uk_desnz_2025_heat_kwh": 0.17529,
        "uk_desnz_2025_natural_gas_m3": 2.06672,
        "uk_desnz_2025_diesel": 2.57082,
        "uk_desnz_2025_petrol": 2.06916,
        "us_egrid_2022_average": 0.3753,
    }.items():
        assert library[factor_id].value == value, factor_id


def test_labels_follow_the_language_and_mark_unverified_values() -> None:
    library = load_library()
    diesel = library["uk_desnz_2025_diesel"]
    assert diesel.label("en") == "UK diesel (average biofuel blend) 2025: 2.57082 kg CO2e/L"
    assert diesel.label("zh-Hans").startswith("英国柴油")
    assert library["ipcc2006_gasoline_l"].label("en") == (
        "Motor gasoline (IPCC 2006 NCV factor x UK 2025 density, per L): 2.277 kg CO2/L [U]"
    )
    gas_label = library["ipcc2006_natural_gas_gj"].label("zh")
    assert gas_label.startswith("天然气(IPCC 2006,每GJ,按低位发热量)")


@pytest.mark.parametrize(
    ("device_class", "factor_id", "fits"),
    [
        ("water", "uk_desnz_2025_natural_gas_m3", False),
        ("gas", "uk_desnz_2025_natural_gas_m3", True),
        ("gas", "ipcc2006_natural_gas_m3", True),
        ("gas", "ipcc2006_lpg_l", False),
        ("volume", "uk_desnz_2025_diesel", True),
        ("volume", "uk_desnz_2025_natural_gas_m3", False),
        ("distance", "uk_desnz_2025_car_diesel", True),
        ("distance", "uk_desnz_2025_electricity", False),
        ("energy", "uk_desnz_2025_electricity", True),
        ("energy", "uk_desnz_2025_heat_kwh", True),
        ("energy", "ipcc2006_coal_gj", True),
        ("weight", "ipcc2006_coal_t", True),
        (None, "ipcc2006_lpg_l", True),
        ("something_new", "ipcc2006_lpg_l", True),
    ],
)
def test_fits_device_class(device_class: str | None, factor_id: str, fits: bool) -> None:
    assert fits_device_class(load_library()[factor_id], device_class) is fits


@given(
    st.permutations(list(load_library().values())),
    st.sampled_from(["GJ", "kWh", "m³", "L", "km", None]),
)
def test_meter_order_keeps_every_factor_and_ranks_the_meters_kind_first(
    factors: list[LibraryFactor], unit: str | None
) -> None:
    """Nothing is dropped or added; the order only moves the likely kind (then the meter's own
    unit) forward; ties keep the order given."""
    ordered = meter_order(factors, unit)
    assert sorted(f.id for f in ordered) == sorted(f.id for f in factors)
    likely = {"GJ": "heat", "kWh": "electricity", "m³": "gas", "L": "liquid_fuel"}.get(unit or "")
    if likely is not None and any(f.activity == likely for f in factors):
        assert ordered[0].activity == likely
        first_other = next(i for i, f in enumerate(ordered) if f.activity != likely)
        assert all(f.activity != likely for f in ordered[first_other:])
    if likely is None:
        # Nothing known of the meter's kind: factors per its own unit first, else as given.
        own = [f for f in ordered if f.per_unit == unit]
        assert ordered[: len(own)] == own
        assert ordered[len(own) :] == [f for f in factors if f.per_unit != unit]
