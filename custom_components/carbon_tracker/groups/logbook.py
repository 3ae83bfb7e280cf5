"""A group's logbook lines: its threshold crossed and cleared."""

from __future__ import annotations

from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ICON,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, callback

from ..const import EVENT_THRESHOLD_CLEARED, EVENT_THRESHOLD_CROSSED
from ..texts import local_minute


@callback
def describe_alert(event: Event) -> dict[str, Any]:
    """The error, which way it crossed, the group's notation and window (local time)."""
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


GROUP_LOGBOOK = {EVENT_THRESHOLD_CROSSED: describe_alert, EVENT_THRESHOLD_CLEARED: describe_alert}
