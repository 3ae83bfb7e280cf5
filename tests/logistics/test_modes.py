"""The default transport modes against the DESNZ 2025 flat file they cite. No Home Assistant."""

from __future__ import annotations

import re

import pytest

from custom_components.carbon_tracker.logistics.modes import (
    DEFAULT_MODES,
    DESNZ_2025,
    MODES_BY_ID,
    TransportMode,
)

DESNZ_ID = re.compile(r"\b\d+(?:_\d+){4}\b")
UOM_OF_FIELD = {"kg_per_tonne_km": "tonne.km", "kg_per_vehicle_km": "km"}


def cited_ids(mode: TransportMode) -> list[str]:
    return DESNZ_ID.findall(mode.source)


def test_ids_are_unique_and_indexed() -> None:
    ids = [mode.id for mode in DEFAULT_MODES]
    assert len(ids) == len(set(ids))
    assert {mode.id: mode for mode in DEFAULT_MODES} == MODES_BY_ID


def test_inland_waterway_has_no_default_and_cites_no_desnz_row() -> None:
    mode = MODES_BY_ID["inland_waterway"]
    assert mode.kg_per_tonne_km is None
    assert mode.kg_per_vehicle_km is None
    assert cited_ids(mode) == []
    assert mode.source  # says why


@pytest.mark.parametrize(
    "mode", [m for m in DEFAULT_MODES if m.id != "inland_waterway"], ids=lambda m: m.id
)
def test_every_other_mode_has_a_positive_tonne_km_intensity_and_cites_desnz(
    mode: TransportMode,
) -> None:
    assert mode.kg_per_tonne_km is not None
    assert mode.kg_per_tonne_km > 0.0
    assert mode.kg_per_vehicle_km is None or mode.kg_per_vehicle_km > 0.0
    assert mode.source.startswith(DESNZ_2025)
    assert cited_ids(mode), mode.source
    assert mode.name
    assert mode.name_zh


@pytest.mark.parametrize("mode", DEFAULT_MODES, ids=lambda m: m.id)
def test_intensities_equal_the_cited_desnz_2025_exactly(
    mode: TransportMode, desnz_2025: dict[str, dict[str, str]]
) -> None:
    ids = cited_ids(mode)
    assert len(ids) == len(set(ids)), mode.source
    cited: dict[str, float] = {}
    for desnz_id in ids:
        assert desnz_id in desnz_2025, f"{mode.id}: {desnz_id} is not in the DESNZ 2025 file"
        row = desnz_2025[desnz_id]
        assert row["GHG/Unit"] == "kg CO2e", (desnz_id, row["GHG/Unit"])
        assert row["Level 1"] == "Freighting goods", (desnz_id, row["Level 1"])
        uom = row["UOM"]
        assert uom not in cited, f"{mode.id}: two cited rows in {uom}"
        cited[uom] = float(row["GHG Conversion Factor 2025"])
    # Each non-empty intensity is cited by exactly one row in its unit, with the same value;
    # each cited row is one of the mode's intensities.
    expected = {
        uom: getattr(mode, field)
        for field, uom in UOM_OF_FIELD.items()
        if getattr(mode, field) is not None
    }
    assert cited == expected
