"""Diagnostics of a site publisher: its settings, session and what it has published."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from ..region import site_diagnostics
from .runtime import PublisherConfigEntry, PublisherRuntime


def publisher_diagnostics(hass: HomeAssistant, entry: PublisherConfigEntry) -> dict[str, Any]:
    """Settings, and the session and counters once loaded."""

    def counters(runtime: PublisherRuntime) -> dict[str, Any]:
        return {
            "session": runtime.session,
            "count": runtime.count,
            "published": runtime.published,
            "connected": runtime.connected,
        }

    return site_diagnostics(entry, counters)
