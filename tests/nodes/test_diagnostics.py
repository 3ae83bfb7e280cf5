"""Tests of the node's diagnostics."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.carbon_tracker.diagnostics import async_get_config_entry_diagnostics

from tests.common import CARBON, SOURCE, node_entry, set_meter, setup_node


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(port=4, max_delta_per_hour=50))
    baseline_at = hass.states.get(SOURCE).last_updated_timestamp
    # Less than the lifetime of the test client's access token.
    freezer.tick(timedelta(minutes=20))
    set_meter(hass, 110)
    await hass.async_block_till_done()
    counted_at = hass.states.get(SOURCE).last_updated_timestamp
    assert counted_at == pytest.approx(baseline_at + 1200.0, abs=1e-6)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics["entry"] == {
        "title": "Grid energy",
        "data": {"source": SOURCE},
        "options": {
            "port": 4,
            "factor_mode": "custom",
            "factor_value": 0.5,
            "factor_unit": "kWh",
            "max_delta_per_hour": 50,
        },
    }
    assert diagnostics["settings"] == {
        "source": SOURCE,
        "port": 4,
        "mode": "custom",
        "static_factor": 0.5,
        "per_unit": "kWh",
        "factor_id": None,
        "intensity_entity": None,
        "max_delta_per_hour": 50.0,
    }
    sensor = diagnostics["engine"]
    assert sensor["entity_id"] == CARBON
    assert sensor["factor_in_force"] == 0.5
    assert sensor["per_unit"] == "kWh"
    assert sensor["last_reading"] == 110.0
    assert sensor["last_reading_unit"] == "kWh"
    assert sensor["accumulator"] == {
        "total": pytest.approx(5.0, abs=1e-9),
        "baseline": 110.0,
        "baseline_at": pytest.approx(counted_at, abs=1e-6),
        "last_reset": None,
        "held_spike": None,
    }
    source_state = diagnostics["source_state"]
    assert source_state["entity_id"] == SOURCE
    assert source_state["state"] == "110"
    assert source_state["attributes"] == {
        "unit_of_measurement": "kWh",
        "state_class": "total_increasing",
    }


async def test_diagnostics_with_a_held_spike(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(max_delta_per_hour=1))
    freezer.tick(timedelta(hours=1))
    set_meter(hass, 150)
    await hass.async_block_till_done()
    at = hass.states.get(SOURCE).last_updated_timestamp

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    accumulator = diagnostics["engine"]["accumulator"]
    assert accumulator["total"] == 0.0
    assert accumulator["baseline"] == 100.0
    spike = accumulator["held_spike"]
    assert {key: spike[key] for key in ("reading", "delta", "at")} == {
        "reading": 150.0,
        "delta": 50.0,
        "at": at,
    }
    assert spike.get("last_reset") is None


async def test_diagnostics_without_source_and_without_sensor(hass: HomeAssistant) -> None:
    entry = await setup_node(
        hass, node_entry(factor_mode="library", factor_id="uk_desnz_2025_electricity")
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["source_state"] is None
    assert diagnostics["settings"]["mode"] == "library"
    assert diagnostics["settings"]["static_factor"] == 0.177
    assert diagnostics["settings"]["factor_id"] == "uk_desnz_2025_electricity"
    assert diagnostics["engine"]["last_reading"] is None
    assert diagnostics["engine"]["accumulator"]["baseline"] is None

    entry.runtime_data = None
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["engine"] is None


async def test_diagnostics_of_a_live_intensity_node(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.grid_intensity", "250", {"unit_of_measurement": "gCO2eq/kWh"})
    set_meter(hass, 100)
    entry = await setup_node(
        hass, node_entry(factor_mode="entity", intensity_entity="sensor.grid_intensity")
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["settings"]["mode"] == "entity"
    assert diagnostics["settings"]["static_factor"] is None
    assert diagnostics["settings"]["intensity_entity"] == "sensor.grid_intensity"
    assert diagnostics["engine"]["factor_in_force"] == pytest.approx(0.25, abs=1e-9)
    assert diagnostics["engine"]["per_unit"] == "kWh"
