"""Diagnostics of a config entry, by its kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant

from .declarations.diagnostics import declaration_diagnostics
from .groups.diagnostics import group_diagnostics
from .kinds import EntryKind, entry_kind
from .logistics.diagnostics import logistics_diagnostics
from .nodes.diagnostics import node_diagnostics
from .reports.diagnostics import profile_diagnostics
from .runtime_data import CarbonTrackerConfigEntry

DIAGNOSTICS_BY_KIND: dict[EntryKind, Callable[[HomeAssistant, Any], dict[str, Any]]] = {
    EntryKind.TRACKING_NODE: node_diagnostics,
    EntryKind.BINDING_GROUP: group_diagnostics,
    EntryKind.REPORT_PROFILE: profile_diagnostics,
    EntryKind.LOGISTICS: logistics_diagnostics,
    EntryKind.DECLARATION: declaration_diagnostics,
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CarbonTrackerConfigEntry
) -> dict[str, Any]:
    """What the entry's kind shows."""
    kind = entry_kind(entry.data)
    return {"kind": kind.value, **DIAGNOSTICS_BY_KIND[kind](hass, entry)}
