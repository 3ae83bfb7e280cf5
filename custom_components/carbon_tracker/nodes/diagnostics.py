"""Diagnostics of a tracking node: its settings and engine, and only what it reads of its meter."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant

from .device_factor import find_device_factor_entity
from .runtime import TrackingNodeConfigEntry

# What the node itself uses of the source's state; the rest belongs to another integration.
SOURCE_ATTRIBUTES_READ = (ATTR_UNIT_OF_MEASUREMENT, ATTR_DEVICE_CLASS, "state_class", "last_reset")


def node_diagnostics(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> dict[str, Any]:
    """Settings, the engine's state and what the node reads of its source now."""
    runtime = entry.runtime_data
    settings = runtime.settings
    source_state = hass.states.get(settings.source)
    return {
        "entry": {
            "title": entry.title,
            "data": dict(entry.data),
            "options": dict(entry.options),
        },
        "settings": {**asdict(settings), "mode": settings.mode.value},
        "engine": dict(runtime.describe()),
        "source_state": None
        if source_state is None
        else {
            "entity_id": source_state.entity_id,
            "state": source_state.state,
            "attributes": {
                key: source_state.attributes[key]
                for key in SOURCE_ATTRIBUTES_READ
                if key in source_state.attributes
            },
            "last_updated": source_state.last_updated.isoformat(),
        },
        "device_factor_entity": find_device_factor_entity(hass, settings.source),
    }
