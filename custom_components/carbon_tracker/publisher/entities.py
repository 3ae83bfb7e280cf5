"""The site publisher's sensor: how many states it has published, and to which broker topics."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant

from ..core.region_wire import status_topic
from ..entity import service_device
from .runtime import PublisherConfigEntry, PublisherRuntime


class PublishedStatesSensor(SensorEntity):
    """States published since the entry started (a diagnostic: the link to the region works)."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "published_states"
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_state_class = SensorStateClass.TOTAL_INCREASING

    def __init__(self, entry: PublisherConfigEntry) -> None:
        """Tie the sensor to the publisher's device and runtime."""
        self._publisher: PublisherRuntime = entry.runtime_data
        self._attr_unique_id = f"{entry.entry_id}_published_states"
        self._attr_device_info = service_device(
            entry, "Site publisher", self._publisher.settings.site_id
        )

    async def async_added_to_hass(self) -> None:
        """Follow the runtime."""
        self._publisher.listeners.async_add(self.async_write_ha_state)

    async def async_will_remove_from_hass(self) -> None:
        """Stop following it."""
        self._publisher.listeners.async_remove(self.async_write_ha_state)

    @property
    def native_value(self) -> int:
        """States published in this run."""
        return self._publisher.published

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The site, its status topic, the session and whether the broker is connected.

        And each published group side's port number.
        """
        settings = self._publisher.settings
        return {
            "site_id": settings.site_id,
            "status_topic": status_topic(settings.prefix, settings.site_id),
            "ports": len(settings.ports),
            "group_sides": self._publisher.side_numbers(),
            "session": self._publisher.session,
            "connected": self._publisher.connected,
        }


def async_publisher_sensors(hass: HomeAssistant, entry: PublisherConfigEntry) -> list[SensorEntity]:
    """The publisher's one sensor."""
    return [PublishedStatesSensor(entry)]
