"""Number platform: each kind of entry adds its own numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.number import NumberEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .kinds import EntryKind, entry_kind
from .nodes.entities import async_node_numbers
from .runtime_data import CarbonTrackerConfigEntry

# Each kind's function takes its own typed entry; the kind read from the entry's data picks it.
ENTITIES_BY_KIND: dict[EntryKind, Callable[[HomeAssistant, Any], list[NumberEntity]]] = {
    EntryKind.TRACKING_NODE: async_node_numbers
}

# A number is set by the user and stored in the entry's options; nothing is polled.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CarbonTrackerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's numbers."""
    async_add_entities(ENTITIES_BY_KIND[entry_kind(entry.data)](hass, entry))
