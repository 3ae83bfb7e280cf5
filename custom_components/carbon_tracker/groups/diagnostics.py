"""Diagnostics of a binding group: its options and its window's state (all its own)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .runtime import BindingGroupConfigEntry


def group_diagnostics(hass: HomeAssistant, entry: BindingGroupConfigEntry) -> dict[str, Any]:
    """The group's settings and live state."""
    runtime = entry.runtime_data
    return {
        "options": dict(entry.options),
        "members": [
            {"entry_id": member.entry_id, "port": member.port, "entity_id": member.entity_id}
            for member in runtime.members.values()
        ],
        "state": runtime.describe(),
    }
