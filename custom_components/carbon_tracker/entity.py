"""What the kinds' sensors share.

The service device of an entry that is not a node, a port's sensors following the runtime that
owns their state, and restore data with fields of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import UnitOfMass
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import CONF_PORT, DOMAIN
from .core.listeners import Listeners


@dataclass
class StoredFields(SensorExtraStoredData):
    """A sensor's restore data with fields of its own, each saved under its name.

    A subclass adds its fields (the entry they belong to among them: a new entry never takes
    over a deleted one's state) and reads them back in ``from_dict``.
    """

    def as_dict(self) -> dict[str, Any]:
        """The sensor's value and unit, then every field of the subclass."""
        data = super().as_dict()
        data.update(
            {item.name: getattr(self, item.name) for item in fields(self) if item.name not in data}
        )
        return data


def service_device(entry: ConfigEntry, model: str, serial_number: str | None = None) -> DeviceInfo:
    """The entry's own device: a service (no hardware), named after the entry."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="Carbon Tracker",
        model=model,
        serial_number=serial_number,
        entry_type=DeviceEntryType.SERVICE,
    )


class PortSensor(SensorEntity):
    """A sensor of an entry that is a port (logistics, declarations), written on each change.

    The entry's runtime tells its listeners; the sensor reads what it shows from the runtime.

    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: ConfigEntry, key: str, model: str, listeners: Listeners) -> None:
        """Tie the sensor to the entry, its device (the port as serial) and its runtime."""
        self._listeners = listeners
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = service_device(
            entry, model, f"port {entry.options.get(CONF_PORT)}"
        )

    async def async_added_to_hass(self) -> None:
        """Follow the runtime."""
        self._listeners.async_add(self.async_write_ha_state)

    async def async_will_remove_from_hass(self) -> None:
        """Stop following it."""
        self._listeners.async_remove(self.async_write_ha_state)


class KilogramTotalSensor(PortSensor):
    """A port entry's kg CO2e total (state class total: a correction may lower it).

    Its last reset is its entry's creation: an entry deleted and added again under the same
    name gets the old sensor's entity id and starts at 0, and HA's statistics take that for a
    new cycle, not for a fall of the old total.
    """

    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL
    _attr_suggested_display_precision = 3

    def __init__(self, entry: ConfigEntry, key: str, model: str, listeners: Listeners) -> None:
        """A total since the entry was created."""
        super().__init__(entry, key, model, listeners)
        self._attr_last_reset = entry.created_at


async def async_device_follows_title(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """An entry renamed (reconfigure) renames its own device too.

    A name the user gave the device in HA stays theirs (HA keeps it apart, as ``name_by_user``).
    """
    registry = dr.async_get(hass)
    device = registry.async_get_device_by_identifier((DOMAIN, entry.entry_id), entry.entry_id)
    if device is not None and device.name != entry.title:
        registry.async_update_device(device.id, name=entry.title)
