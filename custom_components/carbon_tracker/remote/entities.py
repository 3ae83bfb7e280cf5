"""Sensors of a remote site at the central: the site's total, and one per remote port.

Each is a kg CO2e total (state class total: a correction at the site may lower it, and HA's
statistics count the net change). A port's sensor is added the first time the port is heard of.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import UnitOfMass
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..core.listeners import Listeners
from ..entity import service_device
from .ledger import RemotePort
from .runtime import RemoteSiteConfigEntry, RemoteSiteRuntime


class RemoteKilogramSensor(SensorEntity):
    """A kg CO2e total of the remote site, written when the runtime says it changed."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL
    _attr_suggested_display_precision = 3

    def __init__(self, entry: RemoteSiteConfigEntry, key: str, listeners: Listeners) -> None:
        """Tie the sensor to the site's device and the listeners it follows."""
        self._site: RemoteSiteRuntime = entry.runtime_data
        self._listeners = listeners
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = service_device(entry, "Remote site", self._site.settings.site_id)
        # A total since the entry was created: the same name again later is a new cycle.
        self._attr_last_reset = entry.created_at

    async def async_added_to_hass(self) -> None:
        """Follow the runtime."""
        self._listeners.async_add(self.async_write_ha_state)

    async def async_will_remove_from_hass(self) -> None:
        """Stop following it."""
        self._listeners.async_remove(self.async_write_ha_state)


class SiteTotalSensor(RemoteKilogramSensor):
    """Every remote port's kilograms (a published group side is a sum of them: not added)."""

    _attr_translation_key = "site_emissions"

    def __init__(self, entry: RemoteSiteConfigEntry) -> None:
        """The site's total follows any change of the site."""
        super().__init__(entry, "site_emissions", entry.runtime_data.listeners)

    @property
    def native_value(self) -> float:
        """The site's total."""
        return self._site.ledger.total

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Whether the site is online, its ports and what was refused."""
        return {
            "site_id": self._site.settings.site_id,
            "online": self._site.online,
            "ports": len(self._site.ledger.ports),
            "refused_messages": self._site.refused,
            "last_refusal": self._site.last_refusal,
        }


class RemotePortSensor(RemoteKilogramSensor):
    """One remote port's kilograms: the sum of its cycles' latest states."""

    _attr_translation_key = "remote_port"

    def __init__(self, entry: RemoteSiteConfigEntry, port: RemotePort) -> None:
        """Named after the port's number at the central and its name at the site."""
        runtime: RemoteSiteRuntime = entry.runtime_data
        super().__init__(entry, f"port_{port.port}", runtime.port_listeners_of(port))
        self._port = port
        self._attr_translation_placeholders = {
            "port": str(runtime.central_port(port.port)),
            "name": port.name,
        }

    @property
    def available(self) -> bool:
        """Not while the site says it is offline (its birth or last will): a missing member."""
        return self._site.online is not False

    @property
    def native_value(self) -> float:
        """The port's total."""
        return self._port.total

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """What the site says of the port, and its numbers here and there."""
        return {
            "site_id": self._site.settings.site_id,
            "site_port": self._port.port,
            "central_port": self._site.central_port(self._port.port),
            "scope": self._port.scope,
            "factor": self._port.factor,
            "cycles": len(self._port.cycles),
            **({} if self._port.role is None else {"group_side": self._port.role}),
        }


def async_remote_sensors(
    hass: HomeAssistant,
    entry: RemoteSiteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The site's total, its known ports, and each new port as it is first heard of."""
    runtime = entry.runtime_data
    async_add_entities(
        [
            SiteTotalSensor(entry),
            *(RemotePortSensor(entry, port) for _, port in sorted(runtime.ledger.ports.items())),
        ]
    )

    @callback
    def add_port(port: RemotePort) -> None:
        async_add_entities([RemotePortSensor(entry, port)])

    runtime.new_port_listeners.append(add_port)
    entry.async_on_unload(lambda: runtime.new_port_listeners.remove(add_port))
