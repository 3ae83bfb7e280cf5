"""A site and its central in one Home Assistant, through HA's MQTT integration.

HA's test MQTT client delivers what is published to the subscriptions of the same hass, so a
site publisher and a remote site following it meet as they do through a broker (a real broker
and real processes: tests/live).
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import MqttMockPahoClient

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.core.region_wire import PortState, encode, state_topic
from tests.common import setup_node

SITE = "factory-a"
PREFIX = "carbon_tracker"
PORT_BASE = 1000


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's test MQTT client never closes its socket, so MQTT's one-second housekeeping timer
    outlives the test (HA's own MQTT tests allow it the same way)."""
    return True


@pytest.fixture
def mqtt_client_mock(mqtt_client_mock: MqttMockPahoClient) -> MqttMockPahoClient:
    """HA's test client, delivering what is published as a broker delivers it to subscribers
    already there: not flagged retained (the flag is for a new subscription's first copy)."""
    deliver = mqtt_client_mock.publish.side_effect

    def publish(topic: str, payload: Any, qos: int, retain: bool, *rest: Any) -> Any:
        return deliver(topic, payload, qos, False, *rest)

    mqtt_client_mock.publish.side_effect = publish
    return mqtt_client_mock


async def settle(hass: HomeAssistant) -> None:
    """Until the publisher's publishing (a background task) and what follows are done."""
    await hass.async_block_till_done(wait_background_tasks=True)


def publisher_entry(ports: list[str], *, site: str = SITE, **options: Any) -> MockConfigEntry:
    """A site publisher of these ports (entry ids)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Publisher {site}",
        data={"kind": "site_publisher", "site_id": site},
        options={"prefix": PREFIX, "ports": ports, **options},
        minor_version=3,
        entry_id=f"publisher_{site}",
    )


def remote_entry(*, site: str = SITE, **options: Any) -> MockConfigEntry:
    """The central's remote site following ``site``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Central {site}",
        data={"kind": "remote_site", "site_id": site},
        options={"prefix": PREFIX, "port_base": PORT_BASE, **options},
        minor_version=3,
        entry_id=f"remote_{site}",
    )


async def add_remote(hass: HomeAssistant, **options: Any) -> MockConfigEntry:
    """The remote site, set up."""
    return await setup_node(hass, remote_entry(**options))


def remote_port_entity(hass: HomeAssistant, port: int, site: str = SITE) -> str | None:
    """The central's sensor of a remote port, by its unique id."""
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"remote_{site}_port_{port}")


def remote_total(hass: HomeAssistant, port: int) -> float:
    """What the central shows for a remote port."""
    entity_id = remote_port_entity(hass, port)
    assert entity_id is not None, f"no sensor of remote port {port}"
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


def site_state(
    kg: float, seq: tuple[int, int], *, port: int = 3, cycle: str = "c1", site: str = SITE
) -> tuple[str, str]:
    """(topic, payload) of a state as a site publishes it."""
    state = PortState(site, port, cycle, seq, kg, "Grid", "2", "typed in")
    return state_topic(PREFIX, site, port, cycle), encode(state)
