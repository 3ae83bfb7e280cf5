"""Binary sensor platform: each kind of entry adds its own binary sensors."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .groups.entities import async_group_binary_sensors
from .kinds import EntryKind, entry_kind

ENTITIES_BY_KIND = {EntryKind.BINDING_GROUP: async_group_binary_sensors}

# Written when a group's runtime publishes; nothing is polled.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entry's binary sensors."""
    async_add_entities(ENTITIES_BY_KIND[entry_kind(entry.data)](hass, entry))
