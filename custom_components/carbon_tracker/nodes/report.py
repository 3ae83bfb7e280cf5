"""How a tracking node appears in a report: its port, scope, factor and activity unit."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ..const import (
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    CONF_INTENSITY_ENTITY,
    CONF_METER_ROLE,
    CONF_PORT,
    CONF_SOURCE,
    MeterRole,
)
from ..core.library_store import factor_table
from ..core.port_info import NodeInfo
from ..core.scopes import Scope
from .scope import node_scope
from .settings import market_of


def node_port_info(hass: HomeAssistant, entry: ConfigEntry) -> NodeInfo:
    """The node's row: where its factor comes from, its value and unit, its gas basis."""
    options = entry.options
    mode = options.get(CONF_FACTOR_MODE, "")
    table = factor_table(hass)
    library = table.factors.get(str(options.get(CONF_FACTOR_ID)))
    runtime: Any = getattr(entry, "runtime_data", None)
    gas = "CO2e"
    value: float | None = None
    per_unit: str | None = None
    row = status = None
    if mode == "library" and library is not None:
        factor, row, status = library.source, library.id, library.status
        value, per_unit, gas = library.value, library.per_unit, library.gas
    elif mode == "custom":
        factor = "typed in"
        value, per_unit = float(options[CONF_FACTOR_VALUE]), options[CONF_FACTOR_UNIT]
    elif mode == "entity":
        # The value varies: the report gives the mean over its range instead.
        factor = f"live intensity {options.get(CONF_INTENSITY_ENTITY)}"
        per_unit = getattr(runtime, "per_unit", None)
    else:
        factor = "measured by the source"
    if mode in ("entity", "custom") and runtime is not None:
        # The live gas basis: a live intensity says CO2 or CO2e in its unit.
        gas = getattr(runtime, "gas", gas)
    if mode == "custom" and runtime is not None:
        # A factor changed from its number entity applies in place, without a reload.
        value = getattr(runtime, "factor", value)
    market = market_of(options, table)
    return NodeInfo(
        entry.entry_id,
        int(options[CONF_PORT]),
        entry.title,
        Scope(node_scope(hass, entry, table)),
        factor,
        gas,
        activity_unit=per_unit,
        factor_value=value,
        factor_row=row,
        factor_status=status,
        meter=entry.data.get(CONF_SOURCE),
        avoided=options.get(CONF_METER_ROLE) == MeterRole.EXPORT,
        market_factor=market[0],
        market_source=market[1],
        market_unique_id=None if market[0] is None else f"{entry.entry_id}_market_emissions",
    )
