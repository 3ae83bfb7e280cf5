"""Fixtures shared by the binding-group tests."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.common import add_nodes, group_entry, setup_node


@pytest.fixture
async def nodes(hass: HomeAssistant) -> dict[int, str]:
    """Four nodes, ports 1 to 4, each on a meter reading 100 kWh (0.5 kg CO2e/kWh)."""
    return await add_nodes(hass, 1, 2, 3, 4)


@pytest.fixture
async def total_group(hass: HomeAssistant, nodes: dict[int, str]) -> MockConfigEntry:
    """Group 1 (day window): node 1 is the total meter, nodes 2 and 3 its sub-meters."""
    return await setup_node(
        hass,
        group_entry(left=[nodes[1]], right=[nodes[2], nodes[3]], group_number=1, threshold_kg=2.0),
    )
