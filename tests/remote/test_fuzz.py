"""Fuzzing what reaches the central over MQTT: any payload on a site's topic, any field of a state.

Each message ends counted (a valid state, its cycle's latest) or refused and counted as refused,
never an internal error (HA's test harness fails a test on any exception a callback logs); the
remote port's total is always its cycles' latest valid states.
"""

from __future__ import annotations

import json
from math import fsum
from typing import Any

from homeassistant.core import HomeAssistant
from hypothesis import HealthCheck, event, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_mqtt_message
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from tests.common import approx
from tests.remote.conftest import add_remote, remote_total, settle, site_state
from tests.strategies import hostile, json_values

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIELDS = ("v", "site", "port", "cycle", "seq", "kg", "name", "scope", "factor")
TOPIC, GOOD = site_state(2.5, (1, 1))


@pytest.fixture
async def central(hass: HomeAssistant, mqtt_mock: MqttMockHAClient) -> MockConfigEntry:
    """A remote site that has heard one good state of port 3 (2.5 kg)."""
    entry = await add_remote(hass)
    async_fire_mqtt_message(hass, TOPIC, GOOD)
    await settle(hass)
    return entry


@FUZZ
@given(payload=st.binary(max_size=300) | json_values.map(json.dumps))
async def test_any_payload_on_a_site_topic(
    hass: HomeAssistant, central: MockConfigEntry, payload: bytes | str
) -> None:
    refused = central.runtime_data.refused
    async_fire_mqtt_message(hass, TOPIC, payload)
    await settle(hass)
    # Random bytes and JSON are never a state of this topic's site, port and cycle.
    assert central.runtime_data.refused == refused + 1
    assert remote_total(hass, 3) == approx(2.5)


@FUZZ
@given(field=st.sampled_from(FIELDS), value=hostile)
async def test_any_value_in_any_field_of_a_good_state(
    hass: HomeAssistant, central: MockConfigEntry, field: str, value: Any
) -> None:
    runtime = central.runtime_data
    held = runtime.ledger.ports[3].cycles["c1"]
    before, refused = (held.seq, held.kg), runtime.refused
    data = json.loads(GOOD)
    data["seq"] = [held.seq[0], held.seq[1] + 1]
    data[field] = value
    async_fire_mqtt_message(hass, TOPIC, json.dumps(data))
    await settle(hass)
    held = runtime.ledger.ports[3].cycles["c1"]
    if runtime.refused == refused + 1:
        event(f"refused: {runtime.last_refusal}")
        assert (held.seq, held.kg) == before
    else:
        # Taken: a valid state with a later seq, its kilograms now the port's.
        event("taken")
        assert held.seq > before[0]
        assert held.kg == data["kg"]
    assert runtime.ledger.ports[3].total == fsum([held.kg])
    assert remote_total(hass, 3) == approx(held.kg)
