"""How a carbon-aware window's forecast port appears in a report: a plan, in no total."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ..const import CONF_PORT
from ..core.port_info import NodeInfo
from ..core.scopes import Scope
from .settings import CONF_FORECAST_ENTITY


def window_port_info(hass: HomeAssistant, entry: ConfigEntry) -> NodeInfo:
    """The runs' forecast carbon: electricity (scope 2), priced at the forecast; a plan."""
    options = entry.options
    return NodeInfo(
        entry.entry_id,
        int(options[CONF_PORT]),
        entry.title,
        Scope.ENERGY,
        f"forecast {options[CONF_FORECAST_ENTITY]} (runs planned into the window)",
        "CO2e",
        plan=True,
    )
