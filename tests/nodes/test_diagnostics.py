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
from syrupy.assertion import SnapshotAssertion

from custom_components.carbon_tracker.diagnostics import async_get_config_entry_diagnostics
from tests.common import SOURCE, node_entry, set_meter, setup_node


@pytest.mark.freeze_time("2026-11-25 08:00:00+00:00")
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    # The meter's integration puts more on its state than the node reads: that is not shown.
    private = {"friendly_name": "Flat 3 main meter", "serial": "SN-12345", "ip": "10.0.0.7"}
    set_meter(hass, 100, device_class="energy", **private)
    entry = await setup_node(
        hass,
        node_entry(
            entry_id="node_grid_energy", port=4, max_delta_per_hour=50, max_delta_unit="kWh"
        ),
    )
    freezer.tick(timedelta(minutes=20))
    set_meter(hass, 110, device_class="energy", **private)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics == snapshot
    assert diagnostics["engine"]["accumulator"]["total"] == pytest.approx(5.0, abs=1e-9)
    shown = str(diagnostics)
    assert all(value not in shown for value in private.values())


@pytest.mark.freeze_time("2026-11-25 08:00:00+00:00")
async def test_diagnostics_with_a_held_jump(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, snapshot: SnapshotAssertion
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(
        hass, node_entry(entry_id="node_grid_energy", max_delta_per_hour=1, max_delta_unit="kWh")
    )
    freezer.tick(timedelta(hours=1))
    set_meter(hass, 150)
    await hass.async_block_till_done()

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["engine"] == snapshot
    assert diagnostics["engine"]["accumulator"]["held_spike"]["delta"] == 50.0


async def test_diagnostics_without_a_source(hass: HomeAssistant) -> None:
    entry = await setup_node(
        hass, node_entry(factor_mode="library", factor_id="uk_desnz_2025_electricity")
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["kind"] == "tracking_node"
    assert diagnostics["source_state"] is None
    assert diagnostics["settings"]["mode"] == "library"
    assert diagnostics["settings"]["static_factor"] == 0.177
    assert diagnostics["settings"]["factor_id"] == "uk_desnz_2025_electricity"
    assert diagnostics["engine"]["last_reading"] is None
    assert diagnostics["engine"]["accumulator"]["baseline"] is None


async def test_diagnostics_of_a_live_intensity_node(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.grid_intensity", "250", {"unit_of_measurement": "gCO2/kWh"})
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
    # The intensity names CO2 alone: so does the factor in force.
    assert diagnostics["engine"]["gas"] == "CO2"
    assert diagnostics["source_state"]["entity_id"] == SOURCE
