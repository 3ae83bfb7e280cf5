"""A node's GHG scope in reports: chosen, else what its factor and its meter imply.

The rule is ``core.scopes.default_scope``; this module reads its inputs from HA.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_DEVICE_CLASS
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ..const import CONF_FACTOR_ID, CONF_FACTOR_MODE, CONF_FACTOR_UNIT, CONF_GHG_SCOPE, CONF_SOURCE
from ..core.library_store import FactorTable
from ..core.scopes import Scope, default_scope


def meter_measures(hass: HomeAssistant, source: str | None) -> str | None:
    """What a node's meter measures (its device class): from its state, else its registry entry."""
    if not source:
        return None
    state = hass.states.get(source)
    if state is not None and (device_class := state.attributes.get(ATTR_DEVICE_CLASS)):
        return str(device_class)
    entry = er.async_get(hass).async_get(source)
    if entry is None:
        return None
    return entry.device_class or entry.original_device_class


def node_scope(hass: HomeAssistant, entry: ConfigEntry, table: FactorTable) -> Scope:
    """The node's scope: chosen, else implied by its factor and by what its meter measures."""
    options = entry.options
    if chosen := options.get(CONF_GHG_SCOPE):
        return Scope(chosen)
    library = table.factors.get(str(options.get(CONF_FACTOR_ID)))
    return default_scope(
        str(options.get(CONF_FACTOR_MODE, "")),
        None if library is None else library.scope,
        library.per_unit if library is not None else options.get(CONF_FACTOR_UNIT),
        meter_measures(hass, entry.data.get(CONF_SOURCE)),
    )
