"""The region's entries through their lives: no MQTT yet, HA starting, outages, diagnostics,
deletion, and what a store or a broker may hand back."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import async_fire_mqtt_message
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, MqttMockHAClient

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import add_nodes, approx, meter_id, node_carbon_id, set_meter, setup_node
from tests.remote.conftest import (
    PREFIX,
    SITE,
    add_remote,
    publisher_entry,
    remote_entry,
    remote_total,
    settle,
    site_state,
)


async def test_without_mqtt_both_wait_and_retry(hass: HomeAssistant) -> None:
    nodes = await add_nodes(hass, 1)
    for entry in (publisher_entry([nodes[1]]), remote_entry()):
        entry.add_to_hass(hass)
        assert not await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        assert entry.reason == "Home Assistant's MQTT integration is not set up or not loaded yet"


async def test_a_publisher_added_while_ha_starts_publishes_once_it_has_started(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    nodes = await add_nodes(hass, 1)
    await add_remote(hass)
    hass.set_state(CoreState.starting)
    await setup_node(hass, publisher_entry([nodes[1]]))
    await settle(hass)
    assert not [call for call in mqtt_mock.async_publish.call_args_list if "/port/" in call.args[0]]
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await settle(hass)
    assert remote_total(hass, 1) == approx(0.0)


async def test_an_unavailable_port_keeps_its_last_published_state(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    nodes = await add_nodes(hass, 1)
    await add_remote(hass)
    await setup_node(hass, publisher_entry([nodes[1]]))
    set_meter(hass, 110, entity_id=meter_id(1))
    await settle(hass)
    assert remote_total(hass, 1) == approx(5.0)
    # The node's sensor unavailable (its entry unloads): nothing is published for it.
    calls = len(mqtt_mock.async_publish.call_args_list)
    assert await hass.config_entries.async_unload(nodes[1])
    await settle(hass)
    assert hass.states.get(node_carbon_id(1)).state == "unavailable"  # type: ignore[union-attr]
    port_calls = [
        call for call in mqtt_mock.async_publish.call_args_list[calls:] if "/port/" in call.args[0]
    ]
    assert port_calls == []
    assert remote_total(hass, 1) == approx(5.0)


async def test_a_broker_that_refuses_loses_nothing(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    """A publish that fails leaves the port marked: it goes with the next connection."""
    nodes = await add_nodes(hass, 1)
    await add_remote(hass)
    publisher = await setup_node(hass, publisher_entry([nodes[1]]))
    await settle(hass)
    runtime = publisher.runtime_data
    with patch(
        "custom_components.carbon_tracker.publisher.runtime.mqtt.async_publish",
        side_effect=HomeAssistantError("not connected"),
    ):
        set_meter(hass, 120, entity_id=meter_id(1))
        await settle(hass)
        runtime.async_connection_changed(False)
    assert remote_total(hass, 1) == approx(0.0)
    assert runtime.connected is False
    runtime.async_connection_changed(True)
    await settle(hass)
    assert remote_total(hass, 1) == approx(10.0)


async def test_diagnostics_of_both(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, mqtt_mock: MqttMockHAClient
) -> None:
    nodes = await add_nodes(hass, 1)
    remote = await add_remote(hass)
    publisher = await setup_node(hass, publisher_entry([nodes[1]]))
    await settle(hass)
    client_diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, publisher)
    assert client_diagnostics["data"] == {"kind": "site_publisher", "site_id": SITE}
    assert client_diagnostics["session"] == 1
    assert client_diagnostics["published"] == 1
    assert client_diagnostics["connected"] is True
    central = await get_diagnostics_for_config_entry(hass, hass_client, remote)
    assert central["online"] is True
    assert central["total_kg"] == 0.0
    assert central["ports"][0]["cycles"] == {nodes[1]: {"seq": [1, 1], "kg": 0.0}}
    assert central["refused_messages"] == 0
    # An entry that did not load: its settings, to see why.
    assert await hass.config_entries.async_unload(publisher.entry_id)
    assert await hass.config_entries.async_unload(remote.entry_id)
    for entry in (publisher, remote):
        described = await get_diagnostics_for_config_entry(hass, hass_client, entry)
        assert described["state"] == "not_loaded"
        assert "session" not in described
        assert "online" not in described


async def test_deleting_either_deletes_its_store(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, hass_storage: dict[str, Any]
) -> None:
    nodes = await add_nodes(hass, 1)
    remote = await add_remote(hass)
    publisher = await setup_node(hass, publisher_entry([nodes[1]]))
    await settle(hass)
    for entry, key in (
        (publisher, f"{DOMAIN}.publisher.{publisher.entry_id}"),
        (remote, f"{DOMAIN}.remote.{remote.entry_id}"),
    ):
        await hass.async_block_till_done()
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        assert key in hass_storage
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
        assert key not in hass_storage


async def test_a_stored_ledger_that_is_not_this_sites_is_not_used(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, hass_storage: dict[str, Any]
) -> None:
    for data in ({"site": "factory-b", "ports": []}, {"site": SITE, "ports": [{"port": "x"}]}):
        hass_storage[f"{DOMAIN}.remote.remote_{SITE}"] = {
            "version": 1,
            "minor_version": 1,
            "key": f"{DOMAIN}.remote.remote_{SITE}",
            "data": data,
        }
        entry = await add_remote(hass)
        async_fire_mqtt_message(hass, *site_state(1.0, (1, 1)))
        await settle(hass)
        assert remote_total(hass, 3) == approx(1.0)
        assert await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()


async def test_a_status_that_is_neither_online_nor_offline_changes_nothing(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    await add_remote(hass)
    async_fire_mqtt_message(hass, f"{PREFIX}/{SITE}/status", "online")
    async_fire_mqtt_message(hass, f"{PREFIX}/{SITE}/status", "rebooting")
    await settle(hass)
    state = hass.states.get("sensor.central_factory_a_site_emissions")
    assert state is not None
    assert state.attributes["online"] is True
