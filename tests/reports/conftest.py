"""Fixtures of the report tests: a recorder, nodes and a group, and statistics imported for them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from homeassistant.components.recorder.models import StatisticMeanType
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from tests.common import add_nodes, node_carbon_id

HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(recorder_db_url: str, enable_custom_integrations: None) -> None:
    """The recorder's database must be prepared before hass starts: ask for it first."""


type ImportHours = Callable[[int, datetime, Iterable[float]], None]


@pytest.fixture
def import_hours(hass: HomeAssistant) -> ImportHours:
    """Import hourly statistics for the carbon sensor of the node with a port.

    ``kg_per_hour``: the carbon of each hour from ``start`` on (UTC); the sums run from 0.
    """

    def add(port: int, start: datetime, kg_per_hour: Iterable[float]) -> None:
        total = 0.0
        rows = []
        for index, kg in enumerate(kg_per_hour):
            total += kg
            rows.append({"start": start + index * HOUR, "state": total, "sum": total})
        async_import_statistics(
            hass,
            {
                "mean_type": StatisticMeanType.NONE,
                "has_sum": True,
                "name": None,
                "source": "recorder",
                "statistic_id": node_carbon_id(port),
                "unit_class": "mass",
                "unit_of_measurement": "kg",
            },
            rows,
        )

    return add


@pytest.fixture
async def report_nodes(recorder_mock: None, hass: HomeAssistant) -> dict[int, str]:
    """Nodes 1 to 3 with the recorder running."""
    nodes = await add_nodes(hass, 1, 2, 3)
    await async_wait_recording_done(hass)
    return nodes


async def recorded(hass: HomeAssistant) -> None:
    """Wait until the recorder has written what was imported."""
    await async_wait_recording_done(hass)
