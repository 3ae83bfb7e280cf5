"""Diagnostics of a site publisher: its settings, session and what it has published."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .runtime import PublisherConfigEntry


def publisher_diagnostics(hass: HomeAssistant, entry: PublisherConfigEntry) -> dict[str, Any]:
    """Settings (no secret: the broker's are HA's MQTT integration's) and the counters."""
    described: dict[str, Any] = {
        "data": dict(entry.data),
        "options": dict(entry.options),
        "state": entry.state.value,
    }
    if entry.state is not ConfigEntryState.LOADED:
        return described
    runtime = entry.runtime_data
    return {
        **described,
        "session": runtime.session,
        "count": runtime.count,
        "published": runtime.published,
        "connected": runtime.connected,
    }
