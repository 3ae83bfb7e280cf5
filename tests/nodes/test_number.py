"""Tests of the emission factor number: the node's keypad, its event and its logbook line."""

from __future__ import annotations

from collections.abc import Callable
import math
from typing import Any
from unittest.mock import patch

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.carbon_tracker.const import DOMAIN, EVENT_FACTOR_CHANGED
from custom_components.carbon_tracker.logbook import async_describe_events
from custom_components.carbon_tracker.nodes.factor_change import async_set_node_factor
from tests.common import approx, carbon, node_entry, options_typed_factor, set_meter, setup_node

NUMBER = "number.grid_energy_emission_factor"
INTENSITY = "sensor.grid_intensity"


async def set_factor(hass: HomeAssistant, value: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: NUMBER, ATTR_VALUE: value},
        blocking=True,
    )
    await hass.async_block_till_done()


def describer(hass: HomeAssistant) -> Callable[[Event], dict[str, Any]]:
    """The logbook describe callback the integration registers."""
    registered: list[tuple[str, str, Callable[[Event], dict[str, Any]]]] = []
    async_describe_events(hass, lambda *args: registered.append(args))
    described = {event_type: describe for domain, event_type, describe in registered}
    assert {domain for domain, _, _ in registered} == {DOMAIN}
    return described[EVENT_FACTOR_CHANGED]


async def test_number_shows_the_factor_with_its_unit(hass: HomeAssistant) -> None:
    set_meter(hass, 100)
    await setup_node(hass, node_entry())
    state = hass.states.get(NUMBER)
    assert state is not None
    assert float(state.state) == 0.5
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kg CO2e/kWh"
    assert state.attributes["min"] == 0.0
    assert state.attributes["max"] == 1_000_000.0
    assert state.attributes["mode"] == "box"
    entity = er.async_get(hass).async_get(NUMBER)
    assert entity is not None
    assert entity.entity_category == "config"


async def test_number_of_a_factor_per_mwh(hass: HomeAssistant) -> None:
    set_meter(hass, 100)
    await setup_node(hass, node_entry(factor_value=250.0, factor_unit="MWh"))
    state = hass.states.get(NUMBER)
    assert float(state.state) == 250.0
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kg CO2e/MWh"


async def test_setting_the_factor_persists_applies_from_now_and_confirms(
    hass: HomeAssistant,
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(port=3))
    node = entry.runtime_data
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)

    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)
    with patch.object(hass.config_entries, "async_reload") as reload:
        await set_factor(hass, 0.25)
    reload.assert_not_called()

    # Persisted.
    assert entry.options["factor_mode"] == "custom"
    assert entry.options["factor_value"] == 0.25
    assert entry.options["factor_unit"] == "kWh"
    assert entry.options["port"] == 3
    # Applied in place: same node, same sensor, same total.
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is node
    assert node.settings.static_factor == 0.25
    assert node.factor == 0.25
    assert node.changed_by is None
    assert carbon(hass) == approx(5.0)
    assert float(hass.states.get(NUMBER).state) == 0.25

    # Only later deltas are priced at the new factor.
    set_meter(hass, 120)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(7.5)

    assert len(events) == 1
    assert events[0].data == {
        "entry_id": entry.entry_id,
        "name": "Grid energy",
        "port": 3,
        "entity_id": NUMBER,
        "source": "sensor.grid_energy",
        "old_mode": "custom",
        "new_mode": "custom",
        "old_unit": "kg CO2e/kWh",
        "factor_id": None,
        "intensity_entity": None,
        "old_factor": 0.5,
        "new_factor": 0.25,
        "unit": "kg CO2e/kWh",
    }

    described = describer(hass)(events[0])
    assert described == {
        LOGBOOK_ENTRY_NAME: "Grid energy",
        LOGBOOK_ENTRY_MESSAGE: (
            "emission factor changed from 0.5 kg CO2e/kWh to 0.25 kg CO2e/kWh (port 3)"
        ),
        LOGBOOK_ENTRY_ENTITY_ID: NUMBER,
    }


async def test_the_node_follows_the_number(hass: HomeAssistant, grid_node: MockConfigEntry) -> None:
    assert grid_node.runtime_data.factor == 0.5
    await set_factor(hass, 0.125)
    assert grid_node.runtime_data.factor == 0.125
    assert float(hass.states.get(NUMBER).state) == 0.125


async def test_setting_a_library_factor_makes_it_custom(hass: HomeAssistant) -> None:
    set_meter(hass, 100)
    entry = await setup_node(
        hass, node_entry(factor_mode="library", factor_id="uk_desnz_2025_electricity")
    )
    assert float(hass.states.get(NUMBER).state) == 0.177
    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)
    await set_factor(hass, 0.2)
    assert entry.options["factor_mode"] == "custom"
    assert entry.options["factor_value"] == 0.2
    assert entry.options["factor_unit"] == "kWh"
    # The library row no longer describes the factor, so it is not kept beside it.
    assert "factor_id" not in entry.options
    assert entry.runtime_data.settings.static_factor == 0.2
    assert events[0].data["old_factor"] == 0.177
    assert events[0].data["new_factor"] == 0.2
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.0)


async def test_setting_zero_is_allowed(hass: HomeAssistant, grid_node: MockConfigEntry) -> None:
    entry = grid_node
    await set_factor(hass, 0)
    assert entry.options["factor_value"] == 0.0
    set_meter(hass, 150)
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0


async def test_setting_the_maximum_is_allowed(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    await set_factor(hass, 1_000_000)
    assert entry.options["factor_value"] == 1_000_000.0
    set_meter(hass, 100.5)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(500_000.0)


@pytest.mark.parametrize("value", [-1, -0.0001, 1_000_000.5, 2e6])
async def test_out_of_range_values_are_refused_by_the_number(
    hass: HomeAssistant, value: float
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)
    with pytest.raises(ServiceValidationError) as err:
        await set_factor(hass, value)
    # The number platform checks its own min/max before the integration is asked.
    assert err.value.translation_domain == NUMBER_DOMAIN
    assert err.value.translation_key == "out_of_range"
    assert entry.options["factor_value"] == 0.5
    assert entry.runtime_data.changed_by is None
    assert events == []
    assert float(hass.states.get(NUMBER).state) == 0.5


@pytest.mark.parametrize("value", [-1.0, math.inf, -math.inf, math.nan, 1_000_000.1])
async def test_set_node_factor_refuses_out_of_range(hass: HomeAssistant, value: float) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    with pytest.raises(ServiceValidationError) as err:
        async_set_node_factor(hass, entry, value, "number.x")
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "factor_out_of_range"
    assert err.value.translation_placeholders == {"value": str(value), "max": "1e+06"}
    assert entry.options["factor_value"] == 0.5
    assert entry.runtime_data.changed_by is None


async def test_set_node_factor_refuses_an_entity_mode_node(hass: HomeAssistant) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(factor_mode="entity", intensity_entity=INTENSITY))
    options = dict(entry.options)
    with pytest.raises(ServiceValidationError) as err:
        async_set_node_factor(hass, entry, 0.3, None)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "factor_not_settable"
    assert dict(entry.options) == options


async def test_set_node_factor_refuses_a_carbon_node(hass: HomeAssistant) -> None:
    set_meter(hass, 10, unit="kg CO2e")
    entry = await setup_node(hass, node_entry(factor_mode="carbon"))
    with pytest.raises(ServiceValidationError) as err:
        async_set_node_factor(hass, entry, 0.3, None)
    assert err.value.translation_key == "factor_not_settable"


async def test_set_node_factor_directly(hass: HomeAssistant, grid_node: MockConfigEntry) -> None:
    entry = grid_node
    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)
    async_set_node_factor(hass, entry, 2.0, None)
    await hass.async_block_till_done()
    assert entry.runtime_data.settings.static_factor == 2.0
    assert events[0].data["entity_id"] is None
    assert events[0].data["new_factor"] == 2.0
    set_meter(hass, 101)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.0)


@pytest.mark.parametrize(
    "options",
    [
        {"factor_mode": "entity", "intensity_entity": INTENSITY},
        {"factor_mode": "carbon"},
    ],
)
async def test_no_number_for_entity_or_carbon_modes(
    hass: HomeAssistant, options: dict[str, Any]
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(**options))
    registry = er.async_get(hass)
    assert (
        registry.async_get_entity_id(NUMBER_DOMAIN, DOMAIN, f"{entry.entry_id}_emission_factor")
        is None
    )
    assert hass.states.async_entity_ids(NUMBER_DOMAIN) == []


def test_logbook_message_formats_numbers_and_falls_back_to_a_name() -> None:
    registered: list[Any] = []
    async_describe_events(None, lambda *args: registered.append(args))  # type: ignore[arg-type]
    describe = registered[0][2]
    event = Event(
        EVENT_FACTOR_CHANGED,
        {
            "name": "",
            "port": 12,
            "entity_id": None,
            "old_factor": 0.233,
            "new_factor": 1e-05,
            "unit": "kg CO2e/m³",
        },
    )
    assert describe(event) == {
        LOGBOOK_ENTRY_NAME: "Carbon Tracker",
        LOGBOOK_ENTRY_MESSAGE: "emission factor changed from 0.233 to 1e-05 kg CO2e/m³ (port 12)",
        LOGBOOK_ENTRY_ENTITY_ID: None,
    }


async def test_setting_the_same_factor_changes_nothing_and_credits_nobody_later(
    hass: HomeAssistant,
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    options = dict(entry.options)
    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)
    await set_factor(hass, 0.5)
    assert dict(entry.options) == options
    assert events == []
    # A later change made elsewhere (e.g. the options flow) is not attributed to the number.
    hass.config_entries.async_update_entry(entry, options={**options, "factor_value": 0.9})
    await hass.async_block_till_done()
    assert len(events) == 1
    assert events[0].data["entity_id"] is None
    assert events[0].data["new_factor"] == 0.9


async def test_the_number_is_opt_in_and_follows_the_option(hass: HomeAssistant) -> None:
    """A node made by 1.3 has no number until its options ask for one; turning it off removes
    the number and its registry entry, and the carbon total carries on throughout."""
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(factor_number=False))
    assert hass.states.get(NUMBER) is None
    assert (
        er.async_get(hass).async_get_entity_id(
            "number", DOMAIN, f"{entry.entry_id}_emission_factor"
        )
        is None
    )

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"port": 1, "factor_number": True}
    )
    result = await options_typed_factor(hass, result)
    await hass.async_block_till_done()
    assert entry.options["factor_number"] is True
    number = hass.states.get(NUMBER)
    assert number is not None
    assert float(number.state) == 0.5

    set_meter(hass, 110)
    await hass.async_block_till_done()
    hass.config_entries.async_update_entry(entry, options={**entry.options, "factor_number": False})
    await hass.async_block_till_done()
    assert hass.states.get(NUMBER) is None
    assert (
        er.async_get(hass).async_get_entity_id(
            "number", DOMAIN, f"{entry.entry_id}_emission_factor"
        )
        is None
    )
    assert carbon(hass) == approx(5.0)
