"""Logbook lines: factor changes, group alerts and personal declarations.

A factor change is the confirmation of a node's keypad; a day declared again says what it replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_ICON,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback

from .const import (
    DOMAIN,
    EVENT_FACTOR_CHANGED,
    EVENT_THRESHOLD_CLEARED,
    EVENT_THRESHOLD_CROSSED,
    FactorMode,
)
from .declarations.runtime import EVENT_DECLARED
from .texts import local_minute


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

    @callback
    def describe_alert(event: Event) -> dict[str, Any]:
        data = event.data
        crossed = event.event_type == EVENT_THRESHOLD_CROSSED
        error = data.get("error_kg")
        error_text = "unknown" if error is None else f"{error:+g} kg"
        what = "beyond its threshold" if crossed else "back within its threshold"
        return {
            LOGBOOK_ENTRY_NAME: data.get("name") or "Carbon Tracker",
            # A group's line has no entity to take an icon from: its own, as the events' meaning.
            LOGBOOK_ENTRY_ICON: "mdi:scale-unbalanced" if crossed else "mdi:scale-balance",
            LOGBOOK_ENTRY_MESSAGE: (
                f"error {error_text} {what} ({data.get('notation')}, "
                f"{data.get('window')} from {local_minute(data.get('window_start'))})"
            ),
        }

    async_describe_event(DOMAIN, EVENT_THRESHOLD_CROSSED, describe_alert)
    async_describe_event(DOMAIN, EVENT_THRESHOLD_CLEARED, describe_alert)

    @callback
    def describe_declaration(event: Event) -> dict[str, Any]:
        data = event.data
        previous = data.get("previous_kg")
        replaced = "" if previous is None else f", replacing {previous:g} kg"
        return {
            LOGBOOK_ENTRY_NAME: data.get("name") or "Carbon Tracker",
            LOGBOOK_ENTRY_MESSAGE: f"declared {data['kg']:g} kg for {data['date']}{replaced}",
            LOGBOOK_ENTRY_ENTITY_ID: data.get("person"),
        }

    async_describe_event(DOMAIN, EVENT_DECLARED, describe_declaration)


def _factor_text(mode: str | None, factor: float | None, unit: str | None) -> str:
    """How one side of a factor change reads."""
    if factor is not None:
        return f"{factor:g} {unit}" if unit else f"{factor:g}"
    if mode == FactorMode.ENTITY:
        return "a live intensity"
    if mode == FactorMode.CARBON:
        return "the meter's own carbon"
    return "none"
