"""Base entity of a tracking node: naming, unique ids and which device it shows on."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device import async_entity_id_to_device
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN
from .node import TrackingNode, TrackingNodeConfigEntry


class TrackingNodeEntity(Entity):
    """An entity of a node, shown on the source's device when it has one, else on the node's own."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, hass: HomeAssistant, entry: TrackingNodeConfigEntry, key: str) -> None:
        """Name the entity by its translation key and tie it to the entry."""
        self._node: TrackingNode = entry.runtime_data
        self._attr_translation_key = key
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        settings = self._node.settings
        device = async_entity_id_to_device(hass, settings.source)
        if device is not None:
            self.device_entry = device
        else:
            self._attr_device_info = DeviceInfo(
                identifiers={(DOMAIN, entry.entry_id)},
                name=entry.title,
                manufacturer="Carbon Tracker",
                model="Tracking node",
                serial_number=f"port {settings.port}",
            )
