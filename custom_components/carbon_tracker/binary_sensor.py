"""Binary sensor platform: each kind of entry adds its own binary sensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .groups.entities import async_group_binary_sensors
from .kinds import EntryKind, entry_kind
from .runtime_data import CarbonTrackerConfigEntry

# Each kind's function takes its own typed entry; the kind read from the entry's data picks it.
ENTITIES_BY_KIND: dict[EntryKind, Callable[[HomeAssistant, Any], list[BinarySensorEntity]]] = {
    EntryKind.BINDING_GROUP: async_group_binary_sensors
}

# Written when a group's runtime publishes; nothing is polled.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CarbonTrackerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's binary sensors."""
    async_add_entities(ENTITIES_BY_KIND[entry_kind(entry.data)](hass, entry))
