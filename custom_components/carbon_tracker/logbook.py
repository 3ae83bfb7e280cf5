"""Logbook lines for factor changes, the confirmation of the node's keypad."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_FACTOR_CHANGED


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe factor changes."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        return {
            LOGBOOK_ENTRY_NAME: data.get("name") or "Carbon Tracker",
            LOGBOOK_ENTRY_MESSAGE: (
                f"emission factor changed from {data['old_factor']:g} to "
                f"{data['new_factor']:g} {data['unit']} (port {data['port']})"
            ),
            LOGBOOK_ENTRY_ENTITY_ID: data.get("entity_id"),
        }

    async_describe_event(DOMAIN, EVENT_FACTOR_CHANGED, describe)
