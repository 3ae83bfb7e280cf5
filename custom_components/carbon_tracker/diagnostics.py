"""Diagnostics of a tracking node."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.core import HomeAssistant

from .device_factor import find_device_factor_entity
from .node import TrackingNodeConfigEntry


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: TrackingNodeConfigEntry
) -> dict[str, Any]:
    """Settings, accumulator state and what the source looks like now."""
    node = entry.runtime_data
    settings = node.settings
    sensor = node.carbon_sensor
    source_state = hass.states.get(settings.source)
    return {
        "entry": {
            "title": entry.title,
            "data": dict(entry.data),
            "options": dict(entry.options),
        },
        "settings": {**asdict(settings), "mode": settings.mode.value},
        "carbon_sensor": None
        if sensor is None
        else {
            "entity_id": sensor.entity_id,
            "factor_in_force": sensor.factor,
            "per_unit": sensor.per_unit,
            "last_reading": sensor.last_reading,
            "last_reading_unit": sensor.last_reading_unit,
            "accumulator": sensor.accumulator.as_dict(),
        },
        "source_state": None if source_state is None else source_state.as_dict(),
        "device_factor_entity": find_device_factor_entity(hass, settings.source),
    }
