"""Changing a node's factor: one path for every way it is made, announced exactly once.

A factor is changed by writing the entry's options (the factor number, the options flow). The
entry's update listener then compares the settings before and after: when the factor differs it
announces the change (event and logbook line), then applies it in place when nothing else
changed, or reloads the node.
"""

from __future__ import annotations

from math import isfinite

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError

from ..const import (
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    DOMAIN,
    EVENT_FACTOR_CHANGED,
    FACTOR_MAX,
    FactorMode,
)
from ..core.carbon_units import factor_unit_label
from .runtime import TrackingNodeConfigEntry
from .settings import NodeSettings


@callback
def async_set_node_factor(
    hass: HomeAssistant, entry: TrackingNodeConfigEntry, value: float, entity_id: str | None
) -> None:
    """Store a typed-in factor, priced per the same unit; the update listener applies it."""
    settings = entry.runtime_data.settings
    if not isfinite(value) or not 0.0 <= value <= FACTOR_MAX:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="factor_out_of_range",
            translation_placeholders={"value": str(value), "max": f"{FACTOR_MAX:g}"},
        )
    if settings.static_factor is None or settings.per_unit is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="factor_not_settable"
        )
    options = {k: v for k, v in entry.options.items() if k != CONF_FACTOR_ID}
    options.update(
        {
            CONF_FACTOR_MODE: FactorMode.CUSTOM.value,
            CONF_FACTOR_VALUE: value,
            CONF_FACTOR_UNIT: settings.per_unit,
        }
    )
    if options == entry.options:
        return
    entry.runtime_data.changed_by = entity_id
    hass.config_entries.async_update_entry(entry, options=options)


def _label(settings: NodeSettings) -> str | None:
    if settings.per_unit is None:
        return None
    return factor_unit_label(settings.per_unit, settings.gas)


@callback
def async_announce_factor_change(
    hass: HomeAssistant,
    entry: TrackingNodeConfigEntry,
    old: NodeSettings,
    new: NodeSettings,
    changed_by: str | None,
) -> None:
    """Fire ``carbon_tracker_factor_changed`` (the logbook describes it) for one change."""
    hass.bus.async_fire(
        EVENT_FACTOR_CHANGED,
        {
            "entry_id": entry.entry_id,
            "name": entry.title,
            "port": new.port,
            "entity_id": changed_by,
            "source": new.source,
            "old_mode": old.mode.value,
            "new_mode": new.mode.value,
            "old_factor": old.static_factor,
            "new_factor": new.static_factor,
            "old_unit": _label(old),
            "unit": _label(new),
            "factor_id": new.factor_id,
            "intensity_entity": new.intensity_entity,
        },
    )
