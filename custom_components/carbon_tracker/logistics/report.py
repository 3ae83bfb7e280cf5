"""How a logistics entry appears in a report: value-chain carbon of its shipments."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ..const import CONF_GHG_SCOPE, CONF_PORT
from ..core.port_info import NodeInfo
from ..core.scopes import Scope


def logistics_port_info(hass: HomeAssistant, entry: ConfigEntry) -> NodeInfo:
    """Priced by the entry's method, with DESNZ 2025 freight factors unless overridden."""
    options = entry.options
    method = options.get("method", "tonne_km")
    return NodeInfo(
        entry.entry_id,
        int(options[CONF_PORT]),
        entry.title,
        Scope(options.get(CONF_GHG_SCOPE) or Scope.VALUE_CHAIN),
        f"logistics ({method}; UK DESNZ 2025 freight factors unless overridden)",
        "CO2e",
    )
