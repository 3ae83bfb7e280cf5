"""Fixtures shared by the tracking-node tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.common import node_entry, set_meter, setup_node

GRID_ENTRY_ID = "node_grid_energy"


@pytest.fixture
def only_platform() -> Iterator[Callable[[Platform], None]]:
    """Set a node up with one platform only (a snapshot covers one platform at a time)."""

    def choose(platform: Platform) -> None:
        patcher = patch("custom_components.carbon_tracker.nodes.setup.NODE_PLATFORMS", (platform,))
        patcher.start()
        chosen.append(patcher)

    chosen: list[Any] = []
    yield choose
    for patcher in chosen:
        patcher.stop()


@pytest.fixture
async def grid_node(hass: HomeAssistant) -> MockConfigEntry:
    """A node (port 1) at 0.5 kg CO2e/kWh on a kWh meter that reads 100, set up and counting."""
    set_meter(hass, 100)
    return await setup_node(hass, node_entry(entry_id=GRID_ENTRY_ID))
