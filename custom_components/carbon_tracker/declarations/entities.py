"""Entities of a declaration entry: declared today, declared total (the port), last declaration."""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.const import UnitOfMass
from homeassistant.core import HomeAssistant

from ..entity import KilogramTotalSensor, PortSensor
from .runtime import DeclarationConfigEntry, DeclarationRuntime


class DeclarationEntity(PortSensor):
    """A sensor of a declaration entry, on the person's declaration device."""

    def __init__(self, entry: DeclarationConfigEntry, key: str) -> None:
        """Tie the sensor to the entry and the person's book."""
        self._declarations: DeclarationRuntime = entry.runtime_data
        super().__init__(entry, key, "Personal declaration", self._declarations.listeners)


class DeclaredTotalSensor(DeclarationEntity, KilogramTotalSensor):
    """Every declared day's kg CO2e: the entry's port.

    Correcting a day down lowers it, and HA's statistics count the net change, never a reset; the
    unique id suffix is a node's carbon sensor's, so groups and reports read it.
    """

    _attr_translation_key = "declared_total"

    def __init__(self, entry: DeclarationConfigEntry) -> None:
        """The port's sensor."""
        super().__init__(entry, "emissions")

    @property
    def native_value(self) -> float:
        """The book's total."""
        return self._declarations.book.total


class DeclaredTodaySensor(DeclarationEntity):
    """Today's declared kg CO2e (0 until today is declared); no statistics of its own."""

    _attr_translation_key = "declared_today"
    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_suggested_display_precision = 3

    def __init__(self, entry: DeclarationConfigEntry) -> None:
        """Today's figure."""
        super().__init__(entry, "declared_today")

    @property
    def native_value(self) -> float:
        """What today's declaration adds up to."""
        return self._declarations.book.day_kg(self._declarations.today())


class LastDeclarationSensor(DeclarationEntity):
    """When the person last declared (any day)."""

    _attr_translation_key = "last_declaration"
    _attr_device_class = SensorDeviceClass.TIMESTAMP

    def __init__(self, entry: DeclarationConfigEntry) -> None:
        """The last declaration's time."""
        super().__init__(entry, "last_declaration")

    @property
    def native_value(self) -> datetime | None:
        """Its time."""
        return self._declarations.last_declared


def async_declaration_sensors(
    hass: HomeAssistant, entry: DeclarationConfigEntry
) -> list[SensorEntity]:
    """The entry's three sensors."""
    return [DeclaredTodaySensor(entry), DeclaredTotalSensor(entry), LastDeclarationSensor(entry)]
