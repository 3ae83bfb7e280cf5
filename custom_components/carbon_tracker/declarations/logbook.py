"""A declaration's logbook line: a day declared, and what a day declared again replaced."""

from __future__ import annotations

from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, callback

from .runtime import EVENT_DECLARED


@callback
def describe_declaration(event: Event) -> dict[str, Any]:
    """The kilograms of the day, on the person."""
    data = event.data
    previous = data.get("previous_kg")
    replaced = "" if previous is None else f", replacing {previous:g} kg"
    return {
        LOGBOOK_ENTRY_NAME: data.get("name") or "Carbon Tracker",
        LOGBOOK_ENTRY_MESSAGE: f"declared {data['kg']:g} kg for {data['date']}{replaced}",
        LOGBOOK_ENTRY_ENTITY_ID: data.get("person"),
    }


DECLARATION_LOGBOOK = {EVENT_DECLARED: describe_declaration}
