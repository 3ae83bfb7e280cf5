"""Diagnostics of a remote site: its settings, ports and what was refused."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from ..region import site_diagnostics
from .runtime import RemoteSiteConfigEntry, RemoteSiteRuntime


def remote_diagnostics(hass: HomeAssistant, entry: RemoteSiteConfigEntry) -> dict[str, Any]:
    """Settings, and once loaded the ledger (each port's cycles and total) and the refusals."""

    def ledger(runtime: RemoteSiteRuntime) -> dict[str, Any]:
        return {
            "online": runtime.online,
            "total_kg": runtime.ledger.total,
            "ports": runtime.ledger.as_dict()["ports"],
            "refused_messages": runtime.refused,
            "last_refusal": runtime.last_refusal,
        }

    return site_diagnostics(entry, ledger)
