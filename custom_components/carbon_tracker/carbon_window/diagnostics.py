"""Diagnostics of a carbon-aware window: its options, and the window and forecast it read."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .runtime import CarbonWindowConfigEntry


def window_diagnostics(hass: HomeAssistant, entry: CarbonWindowConfigEntry) -> dict[str, Any]:
    """The options, and (when loaded) the window found and the forecast's extent."""
    found: dict[str, Any] = {"options": dict(entry.options), "state": entry.state.value}
    if entry.state is ConfigEntryState.LOADED:
        found.update(entry.runtime_data.describe())
    return found
