"""Tests of the node runtime as the user meets it: readings in, carbon out, limits and labels."""

from __future__ import annotations

from datetime import timedelta
import logging
import math

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.carbon_tracker.const import EVENT_FACTOR_CHANGED
from tests.common import approx, carbon, node_entry, set_meter, setup_node

NUMBER = "number.grid_energy_emission_factor"


async def test_a_corrupted_register_leaves_the_total_finite_and_counting(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    set_meter(hass, 100)
    await setup_node(hass, node_entry(factor_value=1000.0))
    set_meter(hass, 1e308)
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    assert "no finite amount of carbon" in caplog.text
    set_meter(hass, 101)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(1000.0)
    assert math.isfinite(carbon(hass))


async def test_the_limit_keeps_its_unit_when_the_factor_unit_changes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """10 kWh per hour stays 10 kWh per hour after the factor moves from per kWh to per MWh."""
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(max_delta_per_hour=10, max_delta_unit="kWh"))
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "factor_value": 500.0, "factor_unit": "MWh"}
    )
    await hass.async_block_till_done()
    runtime = entry.runtime_data
    assert runtime.per_unit == "MWh"
    assert runtime.accumulator.max_delta_per_hour == pytest.approx(0.01)
    freezer.tick(timedelta(hours=1))
    set_meter(hass, 109)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(4.5)
    freezer.tick(timedelta(hours=1))
    # 20 kWh in an hour is above 10 kWh per hour: held, as it was before the unit change.
    set_meter(hass, 129)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(4.5)
    assert runtime.has_held_jump


async def test_a_limit_in_a_unit_the_factor_cannot_price_holds_nothing(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "custom_components.carbon_tracker")
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(max_delta_per_hour=1, max_delta_unit="m³"))
    assert entry.runtime_data.accumulator.max_delta_per_hour is None
    assert "does not apply" in caplog.text


async def test_a_co2_only_factor_is_labelled_co2_everywhere(hass: HomeAssistant) -> None:
    """China MEE factors are CO2 alone: number, factor in force and event say kg CO2/kWh."""
    set_meter(hass, 100)
    entry = await setup_node(
        hass, node_entry(factor_mode="library", factor_id="cn_mee_grid_national_2023")
    )
    assert entry.runtime_data.gas == "CO2"
    assert hass.states.get(NUMBER).attributes[ATTR_UNIT_OF_MEASUREMENT] == "kg CO2/kWh"
    assert entry.runtime_data.factor == 0.5306
    assert entry.runtime_data.factor_label == "kg CO2/kWh"

    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)
    await hass.services.async_call(
        "number", "set_value", {"entity_id": NUMBER, "value": 0.6}, blocking=True
    )
    await hass.async_block_till_done()
    # A typed-in factor is CO2e, and the labels follow.
    assert events[0].data["old_unit"] == "kg CO2/kWh"
    assert events[0].data["unit"] == "kg CO2e/kWh"
    assert hass.states.get(NUMBER).attributes[ATTR_UNIT_OF_MEASUREMENT] == "kg CO2e/kWh"
    assert entry.runtime_data.factor_label == "kg CO2e/kWh"
