"""Diagnostics of a remote site: its settings, ports and what was refused."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .runtime import RemoteSiteConfigEntry


def remote_diagnostics(hass: HomeAssistant, entry: RemoteSiteConfigEntry) -> dict[str, Any]:
    """Settings and the ledger (each port's cycles and total)."""
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
        "online": runtime.online,
        "total_kg": runtime.ledger.total,
        "ports": runtime.ledger.as_dict()["ports"],
        "refused_messages": runtime.refused,
        "last_refusal": runtime.last_refusal,
    }
