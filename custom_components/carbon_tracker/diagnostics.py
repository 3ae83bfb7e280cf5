"""Diagnostics of a config entry, by its kind."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .kinds import EntryKind, entry_kind
from .nodes.diagnostics import node_diagnostics


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConfigEntry
) -> dict[str, Any]:
    """What the entry's kind shows."""
    match entry_kind(entry.data):
        case EntryKind.TRACKING_NODE:
            diagnostics = node_diagnostics(hass, entry)
    return {"kind": entry_kind(entry.data).value, **diagnostics}
