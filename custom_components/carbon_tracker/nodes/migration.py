"""A node's options as older versions wrote them, brought up to date (entries 1.1 to 1.3)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from ..const import (
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_NUMBER,
    CONF_FACTOR_UNIT,
    CONF_INTENSITY_ENTITY,
    CONF_MAX_DELTA_PER_HOUR,
    CONF_MAX_DELTA_UNIT,
    FactorMode,
)
from ..core.carbon_units import CARBON_UNIT, parse_intensity_unit
from ..core.library_store import FactorTable


def node_options_v1_2(
    hass: HomeAssistant, options: dict[str, Any], table: FactorTable
) -> dict[str, Any]:
    """Options of a 1.1 node: retired factor ids replaced, the limit's unit written down."""
    factor_id = options.get(CONF_FACTOR_ID)
    if factor_id in table.retired:
        options[CONF_FACTOR_ID] = table.retired[factor_id]
    if options.get(CONF_MAX_DELTA_PER_HOUR) is not None and CONF_MAX_DELTA_UNIT not in options:
        # Until 1.2 the limit was a bare number in the unit readings were priced per.
        unit = _priced_unit_v1_1(hass, options, table)
        if unit is not None:
            options[CONF_MAX_DELTA_UNIT] = unit
    return options


def _priced_unit_v1_1(
    hass: HomeAssistant, options: dict[str, Any], table: FactorTable
) -> str | None:
    mode = FactorMode(options[CONF_FACTOR_MODE])
    if mode is FactorMode.CARBON:
        return CARBON_UNIT
    if mode is FactorMode.CUSTOM:
        return str(options[CONF_FACTOR_UNIT])
    if mode is FactorMode.LIBRARY:
        factor = table.factors.get(str(options.get(CONF_FACTOR_ID)))
        return None if factor is None else factor.per_unit
    # A live intensity: the unit it is priced per now. Unknown yet (its integration has not
    # started), the limit stays as it was read until now: in the unit readings are priced per.
    intensity = hass.states.get(str(options.get(CONF_INTENSITY_ENTITY)))
    parsed = (
        None
        if intensity is None
        else parse_intensity_unit(intensity.attributes.get("unit_of_measurement"))
    )
    return None if parsed is None else parsed.per_unit


def node_options_v1_3(options: dict[str, Any]) -> dict[str, Any]:
    """Until 1.3 every fixed factor had its number entity: existing nodes keep theirs."""
    options[CONF_FACTOR_NUMBER] = FactorMode(options[CONF_FACTOR_MODE]) in (
        FactorMode.LIBRARY,
        FactorMode.CUSTOM,
    )
    return options
