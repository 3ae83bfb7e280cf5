"""Tests of the logbook lines: factor changes, group alerts and declarations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant
import pytest

from custom_components.carbon_tracker.const import EVENT_FACTOR_CHANGED
from custom_components.carbon_tracker.declarations.runtime import EVENT_DECLARED
from custom_components.carbon_tracker.logbook import async_describe_events


def describe(hass: HomeAssistant) -> Callable[[Event], dict[str, Any]]:
    registered: list[Any] = []
    async_describe_events(hass, lambda *args: registered.append(args))
    return registered[0][2]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"old_mode": "library", "old_factor": 0.5306, "old_unit": "kg CO2/kWh"},
            "emission factor changed from 0.5306 kg CO2/kWh to a live intensity (port 2)",
        ),
        (
            {"old_mode": "carbon", "old_factor": None, "old_unit": None},
            "emission factor changed from the meter's own carbon to a live intensity (port 2)",
        ),
        (
            {"old_mode": None, "old_factor": None, "old_unit": None},
            "emission factor changed from none to a live intensity (port 2)",
        ),
        (
            {"old_mode": "custom", "old_factor": 2.0, "old_unit": None},
            "emission factor changed from 2 to a live intensity (port 2)",
        ),
    ],
)
async def test_each_side_of_a_change_reads_as_what_it_is(
    hass: HomeAssistant, change: dict[str, Any], message: str
) -> None:
    data = {"name": "Boiler", "port": 2, "new_mode": "entity", "new_factor": None, "unit": None}
    described = describe(hass)(Event(EVENT_FACTOR_CHANGED, {**data, **change}))
    assert described[LOGBOOK_ENTRY_NAME] == "Boiler"
    assert described[LOGBOOK_ENTRY_MESSAGE] == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kg": 2.5, "previous_kg": None}, "declared 2.5 kg for 2026-11-20"),
        ({"kg": 3.546, "previous_kg": 5.0}, "declared 3.546 kg for 2026-11-20, replacing 5 kg"),
    ],
)
async def test_a_declaration_says_what_it_replaced(
    hass: HomeAssistant, data: dict[str, Any], message: str
) -> None:
    """A day declared again names the figure it replaced, on the person's logbook."""
    registered: list[Any] = []
    async_describe_events(hass, lambda *args: registered.append(args))
    describe_declaration = next(args[2] for args in registered if args[1] == EVENT_DECLARED)
    described = describe_declaration(
        Event(
            EVENT_DECLARED,
            {"name": "Alex", "person": "person.alex", "date": "2026-11-20", **data},
        )
    )
    assert described[LOGBOOK_ENTRY_NAME] == "Alex"
    assert described[LOGBOOK_ENTRY_MESSAGE] == message
    assert described[LOGBOOK_ENTRY_ENTITY_ID] == "person.alex"
