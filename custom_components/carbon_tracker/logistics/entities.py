"""Entities of a logistics entry: cumulative emissions, emissions per mode, the last shipment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import KilogramTotalSensor, PortSensor
from .modes import MODES_BY_ID
from .runtime import LogisticsConfigEntry, LogisticsRuntime


class LogisticsEntity(PortSensor):
    """A sensor of a logistics entry, on its own device; written when the ledger changes."""

    def __init__(self, entry: LogisticsConfigEntry, key: str) -> None:
        """Tie the sensor to the entry."""
        self._logistics: LogisticsRuntime = entry.runtime_data
        super().__init__(entry, key, "Logistics", self._logistics.listeners)


class LogisticsEmissionsSensor(LogisticsEntity, KilogramTotalSensor):
    """All shipments' kg CO2e.

    A correction can lower it, and HA's statistics then count the net change, never a reset.
    """

    _attr_translation_key = "logistics_emissions"

    def __init__(self, entry: LogisticsConfigEntry) -> None:
        """The entry's port: the same unique id suffix as a node's carbon sensor."""
        super().__init__(entry, "emissions")

    @property
    def native_value(self) -> float:
        """The ledger's total."""
        return self._logistics.ledger.total.value


class ModeEmissionsSensor(LogisticsEntity, KilogramTotalSensor):
    """One transport mode's kg CO2e."""

    _attr_translation_key = "mode_emissions"

    def __init__(self, entry: LogisticsConfigEntry, mode: str) -> None:
        """The mode's share."""
        super().__init__(entry, f"mode_{mode}")
        self._mode = mode
        if mode in MODES_BY_ID:
            # Named as a person says it ("Emissions by articulated HGV"), in their language.
            self._attr_translation_key = f"mode_emissions_{mode}"
        else:
            # A mode of the user's own: its id is the only name it has.
            self._attr_translation_placeholders = {"mode": mode}

    @property
    def native_value(self) -> float:
        """The mode's total."""
        total = self._logistics.ledger.by_mode.get(self._mode)
        return 0.0 if total is None else total.value


class LastShipmentSensor(LogisticsEntity):
    """When the last shipment left; its order and kg as attributes."""

    _attr_translation_key = "last_shipment"
    _attr_device_class = SensorDeviceClass.TIMESTAMP

    def __init__(self, entry: LogisticsConfigEntry) -> None:
        """The last shipment."""
        super().__init__(entry, "last_shipment")

    @property
    def native_value(self) -> datetime | None:
        """Its time."""
        last = self._logistics.last_shipment()
        return None if last is None else last["time"]

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Its order id, kg and mode."""
        last = self._logistics.last_shipment()
        if last is None:
            return None
        return {"order_id": last["order_id"], "kg": round(last["kg"], 6), "mode": last["mode"]}


@callback
def async_logistics_sensors(
    hass: HomeAssistant,
    entry: LogisticsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The entry's sensors; a sensor for each mode as it first carries a shipment."""
    runtime = entry.runtime_data
    async_add_entities(
        [
            LogisticsEmissionsSensor(entry),
            LastShipmentSensor(entry),
            *(ModeEmissionsSensor(entry, mode) for mode in sorted(runtime.ledger.by_mode)),
        ]
    )

    @callback
    def add_mode(mode: str) -> None:
        async_add_entities([ModeEmissionsSensor(entry, mode)])

    runtime.new_mode_listeners.append(add_mode)
    entry.async_on_unload(lambda: runtime.new_mode_listeners.remove(add_mode))
