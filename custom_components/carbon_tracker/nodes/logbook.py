"""A node's logbook line: a factor change, the confirmation of its keypad."""

from __future__ import annotations

from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, callback

from ..const import EVENT_FACTOR_CHANGED, FactorMode


@callback
def describe_factor_change(event: Event) -> dict[str, Any]:
    """From what to what the factor changed, on the node's port."""
    data = event.data
    old = _factor_text(data.get("old_mode"), data.get("old_factor"), data.get("old_unit"))
    new = _factor_text(data.get("new_mode"), data.get("new_factor"), data.get("unit"))
    return {
        LOGBOOK_ENTRY_NAME: data.get("name") or "Carbon Tracker",
        LOGBOOK_ENTRY_MESSAGE: f"emission factor changed from {old} to {new} (port {data['port']})",
        LOGBOOK_ENTRY_ENTITY_ID: data.get("entity_id"),
    }


def _factor_text(mode: str | None, factor: float | None, unit: str | None) -> str:
    """How one side of a factor change reads."""
    if factor is not None:
        return f"{factor:g} {unit}" if unit else f"{factor:g}"
    if mode == FactorMode.ENTITY:
        return "a live intensity"
    if mode == FactorMode.CARBON:
        return "the meter's own carbon"
    return "none"


NODE_LOGBOOK = {EVENT_FACTOR_CHANGED: describe_factor_change}
