"""A carbon-aware window's entities: when the window starts, and whether it is on now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import UnitOfMass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.util import dt as dt_util

from ..entity import service_device
from .runtime import CarbonWindowConfigEntry, CarbonWindowRuntime


class CarbonWindowEntity(Entity):
    """An entity of a window, on its own device; written when the runtime says."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: CarbonWindowConfigEntry, key: str) -> None:
        """Named by its translation key."""
        self._window: CarbonWindowRuntime = entry.runtime_data
        self._attr_translation_key = key
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = service_device(entry, "Carbon-aware window")

    async def async_added_to_hass(self) -> None:
        """Follow the runtime."""
        self._window.listeners.async_add(self.async_write_ha_state)

    async def async_will_remove_from_hass(self) -> None:
        """Stop following it."""
        self._window.listeners.async_remove(self.async_write_ha_state)


class WindowStartSensor(CarbonWindowEntity, SensorEntity):
    """The start of the lowest-carbon window (unknown while there is none)."""

    _attr_device_class = SensorDeviceClass.TIMESTAMP

    def __init__(self, entry: CarbonWindowConfigEntry) -> None:
        """The window's start."""
        super().__init__(entry, "window_start")

    @property
    def native_value(self) -> datetime | None:
        """When the window starts."""
        window = self._window.window
        return None if window is None else window.start

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Its end, its mean intensity, what was asked and why there is none."""
        runtime = self._window
        window = runtime.window
        settings = runtime.settings
        return {
            "end": None if window is None else window.end.isoformat(),
            "mean_intensity": None if window is None else round(window.mean, 3),
            "unit_of_measurement_of_intensity": runtime.unit,
            "length_minutes": settings.length.total_seconds() / 60,
            "horizon_hours": settings.horizon.total_seconds() / 3600,
            "forecast_entity": settings.forecast_entity,
            "problem": runtime.problem,
        }


class InWindowBinarySensor(CarbonWindowEntity, BinarySensorEntity):
    """On inside the window: what an automation starts a load on."""

    def __init__(self, entry: CarbonWindowConfigEntry) -> None:
        """On inside the window."""
        super().__init__(entry, "in_window")

    @property
    def is_on(self) -> bool:
        """Whether now is inside the window."""
        return self._window.is_on(dt_util.utcnow())


class PlannedCarbonSensor(CarbonWindowEntity, SensorEntity):
    """A forecast port's carbon: every run planned into a window, at the window's mean.

    A plan, not an emission: bound against the load's node in a binding group, the group's error
    is what the runs emitted beyond what was promised; a report lists it as a plan.
    """

    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_suggested_display_precision = 3

    def __init__(self, entry: CarbonWindowConfigEntry) -> None:
        """The port's carbon sensor (the unique id every port's carbon sensor has)."""
        super().__init__(entry, "planned_carbon")
        self._attr_unique_id = f"{entry.entry_id}_emissions"

    @property
    def native_value(self) -> float:
        """The runs' forecast kilograms."""
        return self._window.planned.value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The port, the runs, and the last run: its forecast and the saving it promised."""
        runtime = self._window
        run = runtime.last_run
        return {
            "port": runtime.settings.port,
            "planned_kwh": runtime.settings.planned_kwh,
            "runs": runtime.runs,
            "last_run_start": None if run is None else run.start.isoformat(),
            "last_run_kg": None if run is None else round(run.kg, 6),
            "last_run_kg_per_kwh": None if run is None else round(run.intensity, 6),
            "last_run_promised_saving_kg": None
            if run is None or run.promised_saving_kg is None
            else round(run.promised_saving_kg, 6),
            # With the load's port: what the last run measured over its window, and how far
            # that is from its plan (measured minus planned, as a forecast group's error).
            "load_port": runtime.settings.load_port,
            "last_run_measured_kg": None
            if runtime.last_run_measured is None
            else round(runtime.last_run_measured, 6),
            "last_run_error_kg": None
            if run is None or runtime.last_run_measured is None
            else round(runtime.last_run_measured - run.kg, 6),
        }


def async_window_sensors(hass: HomeAssistant, entry: CarbonWindowConfigEntry) -> list[Entity]:
    """The window's start sensor, and a forecast port's carbon."""
    sensors: list[Entity] = [WindowStartSensor(entry)]
    if entry.runtime_data.settings.plans:
        sensors.append(PlannedCarbonSensor(entry))
    return sensors


def async_window_binary_sensors(
    hass: HomeAssistant, entry: CarbonWindowConfigEntry
) -> list[Entity]:
    """The in-window binary sensor."""
    return [InWindowBinarySensor(entry)]
