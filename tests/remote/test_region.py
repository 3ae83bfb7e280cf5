"""A site publishes its ports, the central counts them: each kilogram once, through HA's MQTT."""

from __future__ import annotations

import json
import logging

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_fire_mqtt_message
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.core.region_wire import decode
from custom_components.carbon_tracker.reports.build import node_info
from tests.common import (
    add_nodes,
    approx,
    group_entry,
    meter_id,
    node_carbon_id,
    node_entry,
    set_meter,
    setup_node,
    state_number,
)
from tests.remote.conftest import (
    PREFIX,
    SITE,
    add_remote,
    publisher_entry,
    remote_port_entity,
    remote_total,
    settle,
    site_state,
)


def published(mqtt_mock: MqttMockHAClient) -> list[tuple[str, str, int, bool]]:
    """(topic, payload, qos, retain) of every publish so far."""
    return [
        (call.args[0], call.args[1], call.args[2], call.args[3])
        for call in mqtt_mock.async_publish.call_args_list
    ]


async def test_a_sites_ports_reach_the_central_exactly(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    nodes = await add_nodes(hass, 1, 2)
    remote = await add_remote(hass)
    publisher = await setup_node(hass, publisher_entry([nodes[1], nodes[2]]))
    await settle(hass)

    # On connection: the site is online, every port is published, retained, QoS 1.
    sent = published(mqtt_mock)
    assert (f"{PREFIX}/{SITE}/status", "online", 1, True) in sent
    states = [decode(PREFIX, topic, payload) for topic, payload, _, _ in sent if "/port/" in topic]
    assert {(state.port, state.cycle, state.kg) for state in states} == {
        (1, "node_1", 0.0),
        (2, "node_2", 0.0),
    }
    assert all(qos == 1 and retain for topic, _, qos, retain in sent if "/port/" in topic)
    assert {state.seq[0] for state in states} == {1}  # the first session

    # The meter counts at the site; the central follows to the gram.
    set_meter(hass, 112.5, entity_id=meter_id(1))
    set_meter(hass, 101.25, entity_id=meter_id(2))
    await settle(hass)
    assert state_number(hass, node_carbon_id(1)) == approx(6.25)
    assert remote_total(hass, 1) == approx(6.25)
    assert remote_total(hass, 2) == approx(0.625)
    site_total = hass.states.get("sensor.central_factory_a_site_emissions")
    assert site_total is not None
    assert float(site_total.state) == approx(6.875)
    assert site_total.attributes["online"] is True
    port_state = hass.states.get(remote_port_entity(hass, 1) or "")
    assert port_state is not None
    assert port_state.attributes["central_port"] == 1001
    assert port_state.attributes["site_port"] == 1
    assert port_state.attributes["scope"] == "2"
    assert port_state.attributes["factor"] == "typed in"
    assert port_state.attributes["state_class"] == "total"
    assert port_state.attributes["unit_of_measurement"] == "kg"
    assert port_state.name == "Central factory-a Port 1001 · Meter 1"

    # The site stops cleanly: it says it is offline.
    assert await hass.config_entries.async_unload(publisher.entry_id)
    await settle(hass)
    assert (f"{PREFIX}/{SITE}/status", "offline", 1, True) in published(mqtt_mock)
    site_total = hass.states.get("sensor.central_factory_a_site_emissions")
    assert site_total is not None
    assert site_total.attributes["online"] is False
    assert remote.state is ConfigEntryState.LOADED


async def test_a_restarted_site_publishes_in_a_new_session_and_nothing_is_counted_twice(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    nodes = await add_nodes(hass, 1)
    await add_remote(hass)
    publisher = await setup_node(hass, publisher_entry([nodes[1]]))
    set_meter(hass, 110.0, entity_id=meter_id(1))
    await settle(hass)
    assert remote_total(hass, 1) == approx(5.0)

    assert await hass.config_entries.async_reload(publisher.entry_id)
    await settle(hass)
    last = [
        decode(PREFIX, topic, payload)
        for topic, payload, _, _ in published(mqtt_mock)
        if "/port/" in topic
    ][-1]
    assert last.seq[0] == 2
    assert last.kg == approx(5.0)
    assert remote_total(hass, 1) == approx(5.0)


async def test_a_node_created_again_on_the_port_is_a_new_cycle(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    """What the old node counted stays counted; the new one adds from zero."""
    nodes = await add_nodes(hass, 1)
    await add_remote(hass)
    publisher = await setup_node(hass, publisher_entry([nodes[1]]))
    set_meter(hass, 120.0, entity_id=meter_id(1))
    await settle(hass)
    assert remote_total(hass, 1) == approx(10.0)

    await hass.config_entries.async_remove(nodes[1])
    again = await setup_node(
        hass,
        node_entry(source=meter_id(1), port=1, title="Meter 1", entry_id="node_1_again"),
    )
    hass.config_entries.async_update_entry(
        publisher, options={**publisher.options, "ports": [again.entry_id]}
    )
    await settle(hass)
    set_meter(hass, 124.0, entity_id=meter_id(1))
    await settle(hass)
    assert remote_total(hass, 1) == approx(12.0)
    port_state = hass.states.get(remote_port_entity(hass, 1) or "")
    assert port_state is not None
    assert port_state.attributes["cycles"] == 2


async def test_duplicates_late_and_retained_copies_change_nothing(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    await add_remote(hass)
    # Live states, one late and one twice (QoS 1 delivers at least once).
    for kg, seq in ((1.5, (1, 1)), (2.5, (1, 3)), (2.0, (1, 2)), (2.5, (1, 3))):
        async_fire_mqtt_message(hass, *site_state(kg, seq))
        await settle(hass)
    assert remote_total(hass, 3) == approx(2.5)
    # An old state delivered again as a retained copy (after a reconnection).
    async_fire_mqtt_message(hass, *site_state(1.5, (1, 1)), retain=True)
    await settle(hass)
    assert remote_total(hass, 3) == approx(2.5)
    # A session after a restart comes after all the old states.
    async_fire_mqtt_message(hass, *site_state(2.75, (2, 1)))
    await settle(hass)
    assert remote_total(hass, 3) == approx(2.75)


@pytest.mark.parametrize(
    "bad",
    [
        # Another site's state on this site's topic: a site writes only its own.
        (
            site_state(5.0, (1, 9))[0],
            site_state(5.0, (1, 9), site="factory-b")[1],
            "foreign_payload",
        ),
        (site_state(5.0, (1, 9))[0], b"{", "not_json"),
        (site_state(5.0, (1, 9))[0], b"x" * 5000, "oversized"),
        (
            site_state(5.0, (1, 9))[0],
            json.dumps({**json.loads(site_state(5.0, (1, 9))[1]), "kg": -5}),
            "bad_field",
        ),
    ],
    ids=["foreign", "not json", "oversized", "negative"],
)
async def test_a_bad_message_is_refused_logged_and_never_counted(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    caplog: pytest.LogCaptureFixture,
    bad: tuple[str, str | bytes, str],
) -> None:
    topic, payload, reason = bad
    await add_remote(hass)
    async_fire_mqtt_message(hass, *site_state(1.0, (1, 1)))
    await settle(hass)
    with caplog.at_level(logging.WARNING):
        async_fire_mqtt_message(hass, topic, payload)
        await settle(hass)
    assert remote_total(hass, 3) == approx(1.0)
    site_total = hass.states.get("sensor.central_factory_a_site_emissions")
    assert site_total is not None
    assert site_total.attributes["refused_messages"] == 1
    assert site_total.attributes["last_refusal"] == reason
    assert f"refused: {reason}" in caplog.text


async def test_the_central_keeps_what_it_counted_across_a_restart(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, hass_storage: dict
) -> None:
    remote = await add_remote(hass)
    async_fire_mqtt_message(hass, *site_state(40.0, (1, 9), cycle="old"))
    async_fire_mqtt_message(hass, *site_state(2.0, (1, 10), cycle="new"))
    await settle(hass)
    assert remote_total(hass, 3) == approx(42.0)
    assert await hass.config_entries.async_reload(remote.entry_id)
    await settle(hass)
    # The old cycle's state is not delivered again (its topic is gone): the store kept it.
    async_fire_mqtt_message(hass, *site_state(2.0, (1, 10), cycle="new"), retain=True)
    await settle(hass)
    assert remote_total(hass, 3) == approx(42.0)
    stored = hass_storage[f"{DOMAIN}.remote.{remote.entry_id}"]["data"]
    assert {port["port"] for port in stored["ports"]} == {3}
    assert er.async_get(hass).async_get_entity_id("sensor", DOMAIN, "remote_factory-a_port_3")


async def test_a_groups_sides_reach_the_central_as_sides_not_counted_again(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    """A site publishes its ports and its group's sides (kilograms since the group began);
    the central shows each side with its role, and the site's total counts the ports once."""
    nodes = await add_nodes(hass, 1, 2)
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2]], entry_id="grp"))
    await add_remote(hass)
    await setup_node(
        hass,
        publisher_entry(
            [nodes[1], nodes[2]],
            group_sides=["grp-left", "grp-right"],
            side_ports={"grp-left": 901, "grp-right": 902},
        ),
    )
    await settle(hass)
    set_meter(hass, 112.5, entity_id=meter_id(1))
    set_meter(hass, 101.25, entity_id=meter_id(2))
    await settle(hass)
    sides = {
        state.port: state
        for state in (
            decode(PREFIX, topic, payload)
            for topic, payload, _, _ in published(mqtt_mock)
            if "/port/90" in topic
        )
    }
    assert {(port, state.cycle, state.role) for port, state in sides.items()} == {
        (901, "grp-left", "total"),
        (902, "grp-right", "subs"),
    }
    assert remote_total(hass, 901) == approx(6.25)
    assert remote_total(hass, 902) == approx(0.625)
    side = hass.states.get(remote_port_entity(hass, 901) or "")
    assert side is not None
    assert side.attributes["group_side"] == "total"
    assert side.attributes["central_port"] == 1901
    site_total = hass.states.get("sensor.central_factory_a_site_emissions")
    assert site_total is not None
    assert float(site_total.state) == approx(6.875)
    # The central's report lists the sides and counts only the ports.
    info = node_info(hass, f"remote_{SITE}#901")
    assert info is not None
    assert (info.group_side, info.site) == ("total", SITE)
