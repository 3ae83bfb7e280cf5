"""Diagnostics of a logistics entry: its settings and ledger totals (the webhook id redacted)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .modes import DEFAULT_MODES
from .runtime import LogisticsConfigEntry
from .settings import CONF_WEBHOOK_ID


def logistics_diagnostics(hass: HomeAssistant, entry: LogisticsConfigEntry) -> dict[str, Any]:
    """Options, the webhook id redacted (it is the warehouse's secret), and the totals."""
    ledger = entry.runtime_data.ledger
    return {
        "data": async_redact_data(dict(entry.data), {CONF_WEBHOOK_ID}),
        "options": dict(entry.options),
        "orders": len(ledger.orders),
        "total_kg": ledger.total.value,
        "by_mode_kg": ledger.mode_totals(),
        "last_order": ledger.last_order,
        # The intensities in force, each default with its source.
        "modes": {
            mode.id: {
                "kg_per_tonne_km": entry.runtime_data.settings.modes[mode.id].kg_per_tonne_km,
                "default_kg_per_tonne_km": mode.kg_per_tonne_km,
                "default_kg_per_vehicle_km": mode.kg_per_vehicle_km,
                "source": mode.source,
            }
            for mode in DEFAULT_MODES
        },
    }
