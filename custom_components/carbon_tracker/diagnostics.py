"""Diagnostics of a config entry, by its kind."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .kinds import EntryKind, entry_kind
from .nodes.diagnostics import node_diagnostics

DIAGNOSTICS_BY_KIND = {EntryKind.TRACKING_NODE: node_diagnostics}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConfigEntry
) -> dict[str, Any]:
    """What the entry's kind shows."""
    kind = entry_kind(entry.data)
    return {"kind": kind.value, **DIAGNOSTICS_BY_KIND[kind](hass, entry)}
