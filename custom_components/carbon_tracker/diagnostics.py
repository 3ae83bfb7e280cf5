"""Diagnostics of a config entry, as its kind gives them (specs.py)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .runtime_data import CarbonTrackerConfigEntry
from .specs import spec_of


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CarbonTrackerConfigEntry
) -> dict[str, Any]:
    """What the entry's kind shows."""
    spec = spec_of(entry)
    return {"kind": spec.kind.value, **spec.diagnostics(hass, entry)}
