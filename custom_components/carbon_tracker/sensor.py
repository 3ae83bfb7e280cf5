"""Sensor platform: the entry's kind adds its own sensors (specs.py)."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .runtime_data import CarbonTrackerConfigEntry
from .specs import async_add_platform_entities

# Entities are written when their runtime publishes; nothing is polled.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CarbonTrackerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's sensors."""
    async_add_platform_entities(hass, entry, Platform.SENSOR, async_add_entities)
