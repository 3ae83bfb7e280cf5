"""Tests of the integration's setup: the factor table, entry kinds and the 1.1 -> 1.2 migration."""

from __future__ import annotations

import threading
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.carbon_tracker import async_migrate_entry
from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.core import library_store
from custom_components.carbon_tracker.core.library_store import LIBRARY_KEY
from tests.common import KINDS_MENU, approx, carbon, set_meter


def v1_1_entry(**options: object) -> MockConfigEntry:
    """A node as version 1.1 wrote it: no kind, the limit without its unit."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Grid energy",
        data={"source": "sensor.grid_energy"},
        options={"port": 1, **options},
        version=1,
        minor_version=1,
    )


async def test_the_factor_table_is_read_once_off_the_event_loop(hass: HomeAssistant) -> None:
    readers: list[int] = []
    real_read = library_store._read

    def read() -> library_store.FactorTable:
        readers.append(threading.get_ident())
        return real_read()

    with patch.object(library_store, "_read", read):
        set_meter(hass, 100)
        for port in (1, 2):
            MockConfigEntry(
                domain=DOMAIN,
                data={"kind": "tracking_node", "source": f"sensor.meter_{port}"},
                options={
                    "port": port,
                    "factor_mode": "library",
                    "factor_id": "uk_desnz_2025_electricity",
                },
                minor_version=2,
            ).add_to_hass(hass)
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
    assert len(readers) == 1
    assert readers[0] != hass.loop_thread_id
    assert set(hass.data[LIBRARY_KEY].factors) >= {"uk_desnz_2025_electricity"}


async def test_a_1_1_node_gets_its_kind_and_the_limit_its_unit(hass: HomeAssistant) -> None:
    entry = v1_1_entry(
        factor_mode="custom", factor_value=0.5, factor_unit="MWh", max_delta_per_hour=2.0
    )
    entry.add_to_hass(hass)
    set_meter(hass, 100)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.minor_version == 3
    assert entry.data == {"kind": "tracking_node", "source": "sensor.grid_energy"}
    # The limit meant 2 MWh per hour (the factor's unit): it keeps meaning that.
    assert entry.options["max_delta_unit"] == "MWh"
    assert entry.runtime_data.accumulator.max_delta_per_hour == 2.0


async def test_a_1_1_node_on_a_retired_factor_moves_to_the_kept_one(hass: HomeAssistant) -> None:
    entry = v1_1_entry(factor_mode="library", factor_id="uk_desnz_2025_heat_gj")
    entry.add_to_hass(hass)
    set_meter(hass, 100)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.options["factor_id"] == "uk_desnz_2025_heat_kwh"
    set_meter(hass, 110)
    await hass.async_block_till_done()
    kept = hass.data[LIBRARY_KEY].factors["uk_desnz_2025_heat_kwh"].value
    assert carbon(hass) == approx(10 * kept)


async def test_a_1_1_carbon_node_limit_is_in_kilograms_of_carbon(hass: HomeAssistant) -> None:
    entry = v1_1_entry(factor_mode="carbon", max_delta_per_hour=5.0)
    entry.add_to_hass(hass)
    set_meter(hass, 1, unit="t CO2e")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.options["max_delta_unit"] == "kg CO2e"
    assert entry.runtime_data.accumulator.max_delta_per_hour == 5.0


async def test_a_1_1_live_intensity_node_takes_the_intensitys_unit(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.intensity", "200", {"unit_of_measurement": "g/MWh"})
    entry = v1_1_entry(
        factor_mode="entity", intensity_entity="sensor.intensity", max_delta_per_hour=1.0
    )
    entry.add_to_hass(hass)
    set_meter(hass, 100)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.options["max_delta_unit"] == "MWh"


async def test_a_1_1_live_intensity_node_whose_intensity_is_not_up_keeps_the_old_meaning(
    hass: HomeAssistant,
) -> None:
    entry = v1_1_entry(
        factor_mode="entity", intensity_entity="sensor.intensity", max_delta_per_hour=1.0
    )
    entry.add_to_hass(hass)
    set_meter(hass, 100)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert "max_delta_unit" not in entry.options
    assert entry.minor_version == 3


async def test_a_1_1_library_node_on_an_unknown_factor_keeps_its_limit_bare(
    hass: HomeAssistant,
) -> None:
    entry = v1_1_entry(factor_mode="library", factor_id="gone", max_delta_per_hour=1.0)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.minor_version == 3
    assert "max_delta_unit" not in entry.options
    # Migrated, then refused with the translated error that asks for another factor.
    assert entry.state is ConfigEntryState.SETUP_ERROR


async def test_an_entry_from_a_newer_version_is_not_loaded(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={"kind": "tracking_node"}, version=2)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


async def test_create_helper_starts_with_a_menu_of_kinds(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    assert result["type"] == "menu"
    assert result["menu_options"] == KINDS_MENU


async def test_an_up_to_date_entry_is_left_as_it_is(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, data={"kind": "tracking_node", "source": "sensor.x"}, minor_version=3
    )
    entry.add_to_hass(hass)
    assert await async_migrate_entry(hass, entry)
    assert entry.data == {"kind": "tracking_node", "source": "sensor.x"}


@pytest.mark.parametrize(
    ("options", "number"),
    [
        ({"factor_mode": "custom", "factor_value": 0.5, "factor_unit": "kWh"}, True),
        ({"factor_mode": "library", "factor_id": "uk_desnz_2025_electricity"}, True),
        ({"factor_mode": "entity", "intensity_entity": "sensor.grid_intensity"}, False),
    ],
)
async def test_a_1_2_node_keeps_its_factor_number(
    hass: HomeAssistant, options: dict[str, object], number: bool
) -> None:
    """Until 1.3 every fixed factor had a number entity; nodes made then keep it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Grid energy",
        data={"kind": "tracking_node", "source": "sensor.grid_energy"},
        options={"port": 1, **options},
        minor_version=2,
    )
    entry.add_to_hass(hass)
    set_meter(hass, 100)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == 3
    assert entry.options["factor_number"] is number
    assert (hass.states.get("number.grid_energy_emission_factor") is not None) is number


async def test_a_group_written_by_1_2_is_only_marked_current(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={"kind": "binding_group", "group_kind": "total_vs_sub"},
        options={"left": ["a"], "right": ["b"], "window": "day"},
        minor_version=2,
    )
    entry.add_to_hass(hass)
    assert await async_migrate_entry(hass, entry)
    assert entry.minor_version == 3
    assert entry.options == {"left": ["a"], "right": ["b"], "window": "day"}
