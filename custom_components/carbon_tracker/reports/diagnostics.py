"""Diagnostics of a report profile: its options and its last report (all its own)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.core import HomeAssistant

from .runtime import ReportProfileConfigEntry


def profile_diagnostics(hass: HomeAssistant, entry: ReportProfileConfigEntry) -> dict[str, Any]:
    """The profile's settings and its last report."""
    last = entry.runtime_data.last
    return {
        "options": dict(entry.options),
        "last_report": None if last is None else asdict(last),
    }
