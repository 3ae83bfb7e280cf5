"""Tests of setting up, unloading and removing a node, and of its update listener."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.carbon_tracker.const import DOMAIN, EVENT_FACTOR_CHANGED, FactorMode
from custom_components.carbon_tracker.issues import SOURCE_MISSING, issue_id
from custom_components.carbon_tracker.nodes.settings import NodeSettings
from tests.common import (
    CARBON,
    SOURCE,
    approx,
    carbon,
    node_entry,
    register_source,
    set_meter,
    setup_node,
)

NUMBER = "number.grid_energy_emission_factor"
RENAMED = "sensor.main_meter"


def create_issue(hass: HomeAssistant, issue_id: str, entry: MockConfigEntry) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        data={"entry_id": entry.entry_id},
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="implausible_jump",
    )


async def update_options(hass: HomeAssistant, entry: MockConfigEntry, **changes: Any) -> None:
    hass.config_entries.async_update_entry(entry, options={**entry.options, **changes})
    await hass.async_block_till_done()


async def test_setup_unload_and_remove(hass: HomeAssistant, grid_node: MockConfigEntry) -> None:
    entry = grid_node
    assert entry.state is ConfigEntryState.LOADED
    node = entry.runtime_data
    assert node.settings == NodeSettings(
        source=SOURCE,
        port=1,
        mode=FactorMode.CUSTOM,
        static_factor=0.5,
        per_unit="kWh",
        gas="CO2e",
        factor_id=None,
        intensity_entity=None,
        max_delta_per_hour=None,
        max_delta_unit=None,
        factor_number=True,
    )
    assert hass.states.get(CARBON) is not None
    assert hass.states.get(NUMBER) is not None

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get(CARBON).state == STATE_UNAVAILABLE
    assert hass.states.get(NUMBER).state == STATE_UNAVAILABLE
    # No longer listening to the source.
    set_meter(hass, 200)
    await hass.async_block_till_done()
    assert hass.states.get(CARBON).state == STATE_UNAVAILABLE

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert carbon(hass) == approx(50.0)


async def test_remove_deletes_the_issues(hass: HomeAssistant, grid_node: MockConfigEntry) -> None:
    entry = grid_node
    other = await setup_node(hass, node_entry(source="sensor.other", port=2, title="Other"))
    for node in (entry, other):
        create_issue(hass, issue_id(SOURCE_MISSING, node.entry_id), node)
        create_issue(hass, f"implausible_jump_{node.entry_id}", node)
    issues = ir.async_get(hass)

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert hass.config_entries.async_get_entry(entry.entry_id) is None
    assert issues.async_get_issue(DOMAIN, f"source_missing_{entry.entry_id}") is None
    assert issues.async_get_issue(DOMAIN, f"implausible_jump_{entry.entry_id}") is None
    assert er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id) == []
    # The other node's issues stay.
    assert issues.async_get_issue(DOMAIN, f"source_missing_{other.entry_id}") is not None
    assert issues.async_get_issue(DOMAIN, f"implausible_jump_{other.entry_id}") is not None


def test_source_missing_issue_id() -> None:
    assert issue_id(SOURCE_MISSING, "abc") == "source_missing_abc"


async def test_renamed_source_is_followed(hass: HomeAssistant) -> None:
    register_source(hass)
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)

    er.async_get(hass).async_update_entity(SOURCE, new_entity_id=RENAMED)
    # The meter's integration re-adds it under its new id, with the same reading.
    hass.states.async_remove(SOURCE)
    set_meter(hass, 110, entity_id=RENAMED)
    await hass.async_block_till_done()

    assert entry.data["source"] == RENAMED
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.settings.source == RENAMED
    assert carbon(hass) == approx(5.0)
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"source_missing_{entry.entry_id}") is None

    set_meter(hass, 120, entity_id=RENAMED)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(10.0)

    # The old id means nothing any more.
    set_meter(hass, 500)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(10.0)

    # A second rename is followed too.
    # A second rename is followed too, and the meter keeps its baseline: what it counted while
    # it was being renamed (120 -> 122) is not lost.
    er.async_get(hass).async_update_entity(RENAMED, new_entity_id="sensor.house_meter")
    hass.states.async_remove(RENAMED)
    set_meter(hass, 122, entity_id="sensor.house_meter")
    await hass.async_block_till_done()
    assert entry.data["source"] == "sensor.house_meter"
    assert carbon(hass) == approx(11.0)
    set_meter(hass, 124, entity_id="sensor.house_meter")
    await hass.async_block_till_done()
    assert carbon(hass) == approx(12.0)


async def test_other_registry_changes_of_the_source_do_not_reload(hass: HomeAssistant) -> None:
    register_source(hass)
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    node = entry.runtime_data
    er.async_get(hass).async_update_entity(SOURCE, name="Main meter")
    await hass.async_block_till_done()
    assert entry.runtime_data is node
    assert entry.data["source"] == SOURCE


async def test_a_meter_moved_to_a_device_takes_the_node_with_it(hass: HomeAssistant) -> None:
    """The node had its own device; its meter joins a device: the node reloads onto it."""
    source = register_source(hass)
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    set_meter(hass, 110)
    await hass.async_block_till_done()
    devices = dr.async_get(hass)
    own = devices.async_get_device_by_identifier((DOMAIN, entry.entry_id), entry.entry_id)
    assert own is not None
    meter_device = devices.async_get_or_create(
        config_entry_id=source.config_entry_id, identifiers={("test", "meter")}, name="Meter"
    )
    er.async_get(hass).async_update_entity(SOURCE, device_id=meter_device.id)
    await hass.async_block_till_done()
    carbon_entry = er.async_get(hass).async_get(CARBON)
    assert carbon_entry is not None
    assert carbon_entry.device_id == meter_device.id
    assert devices.async_get_device_by_identifier((DOMAIN, entry.entry_id), entry.entry_id) is None
    # Nothing lost or doubled across the reload.
    assert carbon(hass) == approx(5.0)
    set_meter(hass, 112)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(6.0)


async def test_port_change_reloads_and_keeps_the_total(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    set_meter(hass, 110)
    await hass.async_block_till_done()
    node = entry.runtime_data
    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)

    await update_options(hass, entry, port=2)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not node
    assert entry.runtime_data.settings.port == 2
    assert carbon(hass) == approx(5.0)
    assert events == []

    set_meter(hass, 120)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(10.0)


async def test_limit_change_reloads(hass: HomeAssistant, grid_node: MockConfigEntry) -> None:
    entry = grid_node
    node = entry.runtime_data
    await update_options(hass, entry, max_delta_per_hour=3)
    assert entry.runtime_data is not node
    assert entry.runtime_data.accumulator.max_delta_per_hour == 3.0


async def test_title_only_change_does_not_reload(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    node = entry.runtime_data
    with patch.object(hass.config_entries, "async_reload") as reload:
        hass.config_entries.async_update_entry(entry, title="House")
        await hass.async_block_till_done()
    reload.assert_not_called()
    assert entry.runtime_data is node
    assert node.name == "House"
    assert entry.title == "House"
    # One update listener per entry: the node's device takes the title, then the node its name.
    assert len(entry.update_listeners) == 1
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, entry.entry_id), entry.entry_id
    )
    assert device is not None
    assert device.name == "House"


async def test_factor_change_from_the_options_is_applied_in_place(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    node = entry.runtime_data
    set_meter(hass, 110)
    await hass.async_block_till_done()
    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)

    await update_options(hass, entry, factor_value=2.0)
    assert entry.runtime_data is node
    assert node.settings.static_factor == 2.0
    assert float(hass.states.get(NUMBER).state) == 2.0
    assert len(events) == 1
    assert events[0].data["entity_id"] is None
    assert events[0].data["old_factor"] == 0.5
    assert events[0].data["new_factor"] == 2.0

    set_meter(hass, 111)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(7.0)


async def test_custom_to_library_factor_is_applied_in_place(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    node = entry.runtime_data
    await update_options(hass, entry, factor_mode="library", factor_id="uk_desnz_2025_electricity")
    assert entry.runtime_data is node
    assert node.settings.mode is FactorMode.LIBRARY
    assert node.settings.factor_id == "uk_desnz_2025_electricity"
    assert node.factor == 0.177
    assert node.gas == "CO2e"
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(1.77)


async def test_factor_changed_with_another_option_is_announced_once(
    hass: HomeAssistant,
) -> None:
    """Options that change the factor and the port reload the node, and still announce it."""
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)
    await update_options(hass, entry, factor_value=0.7, port=5)
    assert entry.runtime_data.settings.static_factor == 0.7
    assert entry.runtime_data.settings.port == 5
    assert len(events) == 1
    assert events[0].data["old_factor"] == 0.5
    assert events[0].data["new_factor"] == 0.7
    assert events[0].data["port"] == 5


async def test_a_switch_to_a_live_intensity_is_announced_once(hass: HomeAssistant) -> None:
    intensity = "sensor.grid_intensity"
    hass.states.async_set(intensity, "100", {"unit_of_measurement": "gCO2eq/kWh"})
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)
    await update_options(hass, entry, factor_mode="entity", intensity_entity=intensity)
    assert len(events) == 1
    assert events[0].data["new_mode"] == "entity"
    assert events[0].data["new_factor"] is None
    assert events[0].data["intensity_entity"] == intensity


async def test_options_without_a_factor_change_announce_nothing(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)
    await update_options(hass, entry, port=7)
    assert entry.runtime_data.settings.port == 7
    assert events == []


async def test_factor_unit_change_reloads_without_a_jump(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    set_meter(hass, 110)
    await hass.async_block_till_done()
    node = entry.runtime_data

    await update_options(hass, entry, factor_value=300.0, factor_unit="MWh")
    assert entry.runtime_data is not node
    assert entry.runtime_data.accumulator.baseline == approx(0.11)
    assert carbon(hass) == approx(5.0)
    set_meter(hass, 120)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(8.0)


async def test_switch_to_a_live_intensity_reloads(hass: HomeAssistant) -> None:
    intensity = "sensor.grid_intensity"
    hass.states.async_set(intensity, "100", {"unit_of_measurement": "gCO2eq/kWh"})
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    node = entry.runtime_data
    await update_options(hass, entry, factor_mode="entity", intensity_entity=intensity)
    assert entry.runtime_data is not node
    assert entry.runtime_data.settings.mode is FactorMode.ENTITY
    # The number of the old fixed factor is removed, not left behind unavailable.
    assert hass.states.get(NUMBER) is None
    assert er.async_get(hass).async_get(NUMBER) is None
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(1.0)


def test_differs_only_in_factor() -> None:
    base = NodeSettings(
        source=SOURCE,
        port=1,
        mode=FactorMode.CUSTOM,
        static_factor=0.5,
        per_unit="kWh",
        gas="CO2e",
        factor_id=None,
        intensity_entity=None,
        max_delta_per_hour=None,
        max_delta_unit=None,
    )
    assert base.differs_only_in_factor(replace(base, static_factor=0.6))
    assert base.differs_only_in_factor(
        replace(
            base,
            mode=FactorMode.LIBRARY,
            factor_id="uk_desnz_2025_electricity",
            static_factor=0.177,
        )
    )
    assert not base.differs_only_in_factor(replace(base, per_unit="MWh"))
    assert not base.differs_only_in_factor(replace(base, port=2))
    assert not base.differs_only_in_factor(replace(base, source="sensor.x"))
    assert not base.differs_only_in_factor(replace(base, max_delta_per_hour=1.0))
    entity = replace(
        base, mode=FactorMode.ENTITY, static_factor=None, per_unit=None, intensity_entity="sensor.i"
    )
    assert not base.differs_only_in_factor(entity)
    assert not entity.differs_only_in_factor(base)


async def test_unknown_library_factor_fails_setup_with_a_translated_error(
    hass: HomeAssistant,
) -> None:
    set_meter(hass, 100)
    entry = node_entry(factor_mode="library", factor_id="no_longer_in_the_table")
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason == (
        "The factor no_longer_in_the_table is not in the built-in table any more. "
        "Choose another factor in the node's options"
    )


async def test_a_node_keeps_its_own_device_across_restarts(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Without a meter device the node's own device stays, and no deprecated call is made."""
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    devices = dr.async_get(hass)
    own = devices.async_get_device_by_identifier((DOMAIN, entry.entry_id), entry.entry_id)
    assert own is not None
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert devices.async_get_device_by_identifier((DOMAIN, entry.entry_id), entry.entry_id) == own
    assert "deprecated" not in caplog.text


async def test_a_meter_missing_at_start_clears_its_repair_when_it_reads(
    hass: HomeAssistant,
) -> None:
    """The meter's integration comes up after HA started: once it reads, the repair is gone."""
    entry = await setup_node(hass, node_entry())
    await hass.async_start()
    await hass.async_block_till_done()
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, f"source_missing_{entry.entry_id}") is not None
    set_meter(hass, 100)
    await hass.async_block_till_done()
    assert issues.async_get_issue(DOMAIN, f"source_missing_{entry.entry_id}") is None
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)
