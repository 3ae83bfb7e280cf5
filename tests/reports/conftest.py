"""Fixtures of the report tests: a recorder, nodes and a group, and statistics imported for them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from itertools import accumulate

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from tests.common import add_nodes, import_hourly_sums, node_carbon_id

HOUR = timedelta(hours=1)


type ImportHours = Callable[[int, datetime, Iterable[float]], None]


@pytest.fixture
def import_hours(hass: HomeAssistant) -> ImportHours:
    """Import hourly statistics for the carbon sensor of the node with a port.

    ``kg_per_hour``: the carbon of each hour from ``start`` on (UTC); the sums run from 0.
    """

    def add(port: int, start: datetime, kg_per_hour: Iterable[float]) -> None:
        sums = accumulate(kg_per_hour)
        import_hourly_sums(
            hass, node_carbon_id(port), [(start + i * HOUR, t) for i, t in enumerate(sums)]
        )

    return add


@pytest.fixture
async def report_nodes(recorder_mock: None, hass: HomeAssistant) -> dict[int, str]:
    """Nodes 1 to 3 with the recorder running."""
    nodes = await add_nodes(hass, 1, 2, 3)
    await async_wait_recording_done(hass)
    return nodes
