"""Changing a node's factor at run time: persisted, applied from now on, and confirmed."""

from __future__ import annotations

from math import isfinite

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import (
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    DOMAIN,
    EVENT_FACTOR_CHANGED,
    FACTOR_MAX,
    FactorMode,
)
from .factor_units import factor_unit_label
from .node import NodeSettings, TrackingNodeConfigEntry


def signal_factor_changed(entry_id: str) -> str:
    """Dispatcher signal sent after a node's factor changed."""
    return f"{DOMAIN}_{entry_id}_factor_changed"


@callback
def async_set_node_factor(
    hass: HomeAssistant, entry: TrackingNodeConfigEntry, value: float, entity_id: str | None
) -> None:
    """Store a typed-in factor; the entry's update listener applies it in place."""
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


@callback
def async_apply_factor(
    hass: HomeAssistant, entry: TrackingNodeConfigEntry, new: NodeSettings
) -> None:
    """Apply a factor-only change in place and announce it (event + logbook + entities)."""
    node = entry.runtime_data
    old = node.settings
    node.settings = new
    changed_by, node.changed_by = node.changed_by, None
    assert new.static_factor is not None
    assert new.per_unit is not None
    if node.carbon_sensor is not None:
        node.carbon_sensor.async_set_static_factor(new.static_factor)
    async_dispatcher_send(hass, signal_factor_changed(entry.entry_id))
    hass.bus.async_fire(
        EVENT_FACTOR_CHANGED,
        {
            "entry_id": entry.entry_id,
            "name": entry.title,
            "port": new.port,
            "entity_id": changed_by,
            "source": new.source,
            "old_factor": old.static_factor,
            "new_factor": new.static_factor,
            "unit": factor_unit_label(new.per_unit),
        },
    )
