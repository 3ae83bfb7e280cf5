"""Sensor platform: each kind of entry adds its own sensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .declarations.entities import async_declaration_sensors
from .groups.entities import async_group_sensors
from .kinds import EntryKind, entry_kind
from .logistics.entities import async_logistics_sensors
from .logistics.runtime import LogisticsConfigEntry
from .nodes.entities import async_node_sensors
from .reports.entities import async_profile_sensors
from .runtime_data import CarbonTrackerConfigEntry

ENTITIES_BY_KIND: dict[EntryKind, Callable[[HomeAssistant, Any], list[SensorEntity]]] = {
    EntryKind.TRACKING_NODE: async_node_sensors,
    EntryKind.BINDING_GROUP: async_group_sensors,
    EntryKind.REPORT_PROFILE: async_profile_sensors,
    EntryKind.DECLARATION: async_declaration_sensors,
}

# Entities are written from state-change callbacks; nothing is polled.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CarbonTrackerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's sensors."""
    kind = entry_kind(entry.data)
    if kind is EntryKind.LOGISTICS:
        # A logistics entry adds a sensor for each transport mode as it first carries goods.
        # The kind in the entry's data says what its runtime is.
        async_logistics_sensors(hass, cast("LogisticsConfigEntry", entry), async_add_entities)
        return
    async_add_entities(ENTITIES_BY_KIND[kind](hass, entry))
