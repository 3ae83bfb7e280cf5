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

from .const import DOMAIN, EVENT_FACTOR_CHANGED, FactorMode


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe factor changes."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        old = _factor_text(data.get("old_mode"), data.get("old_factor"), data.get("old_unit"))
        new = _factor_text(data.get("new_mode"), data.get("new_factor"), data.get("unit"))
        return {
            LOGBOOK_ENTRY_NAME: data.get("name") or "Carbon Tracker",
            LOGBOOK_ENTRY_MESSAGE: (
                f"emission factor changed from {old} to {new} (port {data['port']})"
            ),
            LOGBOOK_ENTRY_ENTITY_ID: data.get("entity_id"),
        }

    async_describe_event(DOMAIN, EVENT_FACTOR_CHANGED, describe)


def _factor_text(mode: str | None, factor: float | None, unit: str | None) -> str:
    """How one side of a factor change reads."""
    if factor is not None:
        return f"{factor:g} {unit}" if unit else f"{factor:g}"
    if mode == FactorMode.ENTITY:
        return "a live intensity"
    if mode == FactorMode.CARBON:
        return "the meter's own carbon"
    return "none"
