"""Diagnostics of a declaration entry: its settings and its book's size; no person, no notes."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .runtime import DeclarationConfigEntry
from .settings import CONF_PERSON


def declaration_diagnostics(hass: HomeAssistant, entry: DeclarationConfigEntry) -> dict[str, Any]:
    """What the entry prices with and holds; the person's notes stay private."""
    described: dict[str, Any] = {
        # The person is HA's, not ours: who it is stays out of a shared file.
        "data": async_redact_data(dict(entry.data), {CONF_PERSON}),
        "options": dict(entry.options),
        "state": entry.state.value,
    }
    if entry.state is not ConfigEntryState.LOADED:
        # Diagnostics are most wanted when the entry did not load: its settings, then.
        return described
    runtime = entry.runtime_data
    settings = runtime.settings
    return {
        **described,
        "grid_factor": settings.grid_factor,
        "max_age_days": settings.max_age_days,
        "reminder": None if settings.reminder is None else settings.reminder.isoformat(),
        "own_activities": sorted(
            activity.id for activity in settings.activities.values() if activity.status == "U"
        ),
        "days_declared": len(runtime.book.days),
        "declared_total_kg": runtime.book.total,
        "last_declared": None
        if runtime.last_declared is None
        else runtime.last_declared.isoformat(),
    }
