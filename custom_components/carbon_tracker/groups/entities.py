"""Entities of a binding group: they render what the group's runtime holds.

The error sensor also saves and restores the window's state.

A group has seven: the sum of each side in the current window and since the group began, the
error in kg and in per cent, and a problem binary sensor that is on while the error is beyond the
threshold (a template's forecast has no cumulative side: six).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import logging
from typing import Any, Self

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, UnitOfMass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity

from ..entity import StoredFields, service_device
from .arithmetic import Side
from .runtime import BindingGroupConfigEntry, GroupRuntime, GroupSnapshot
from .sides import SIDE_KEYS, cumulative_key

_LOGGER = logging.getLogger(__name__)


class BindingGroupEntity(Entity):
    """An entity of a group, on the group's own device; written when the runtime publishes."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: BindingGroupConfigEntry, key: str) -> None:
        """Name the entity by its translation key and put it on the group's device."""
        self._group: GroupRuntime = entry.runtime_data
        self._attr_translation_key = key
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        number = self._group.settings.number
        self._attr_device_info = service_device(
            entry, "Binding group", None if number is None else f"G{number}"
        )

    async def async_added_to_hass(self) -> None:
        """Follow the runtime's publications."""
        self._group.listeners.async_add(self.async_write_ha_state)

    async def async_will_remove_from_hass(self) -> None:
        """Stop following them."""
        self._group.listeners.async_remove(self.async_write_ha_state)


class WindowSensor(BindingGroupEntity, SensorEntity):
    """Kilograms in the current window; statistics see each window as a new cycle."""

    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL
    _attr_suggested_display_precision = 3

    @property
    def last_reset(self) -> datetime:
        """The window's start: the figure counted from zero then."""
        return self._group.window_start


class SideSumSensor(WindowSensor):
    """One side's sum: forecast or measured, total or sum of subs."""

    def __init__(self, entry: BindingGroupConfigEntry, side: Side) -> None:
        """The sum of ``side``."""
        super().__init__(entry, SIDE_KEYS[entry.runtime_data.settings.kind][side])
        self._side = side

    @property
    def available(self) -> bool:
        """Unavailable while none of the side's members reports (or the template has no value)."""
        return self._group.side_kg(self._side) is not None

    @property
    def native_value(self) -> float | None:
        """The side's kilograms."""
        return self._group.side_kg(self._side)


class SideCumulativeSensor(BindingGroupEntity, SensorEntity):
    """One side's kilograms since the group began: what a site publisher publishes of a side.

    Windows do not reset it; a member whose total may fall (a corrected shipment) can lower it,
    hence state class total, counted from the group's creation.
    """

    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL
    _attr_suggested_display_precision = 3

    def __init__(self, entry: BindingGroupConfigEntry, side: Side) -> None:
        """The cumulative sum of ``side``."""
        super().__init__(entry, cumulative_key(entry.runtime_data.settings.kind, side))
        self._side = side
        self._attr_last_reset = entry.created_at

    @property
    def native_value(self) -> float | None:
        """The side's kilograms since the group began."""
        return self._group.cumulative_kg(self._side)


@dataclass
class GroupStoredData(StoredFields):
    """The window's state, saved with the error sensor."""

    window_start: str
    left_kg: float
    right_kg: float
    last_totals: dict[str, float | None]
    alarm_on: bool
    # The config entry the data belongs to: a new group never takes over a deleted one's sums.
    entry_id: str

    @classmethod
    def from_dict(cls, restored: dict[str, Any]) -> Self | None:
        """Rebuild from the store; None if it was not written by this class."""
        sensor_data = SensorExtraStoredData.from_dict(restored)
        try:
            return cls(
                None if sensor_data is None else sensor_data.native_value,
                None if sensor_data is None else sensor_data.native_unit_of_measurement,
                str(restored["window_start"]),
                float(restored["left_kg"]),
                float(restored["right_kg"]),
                {str(key): _float_or_none(value) for key, value in restored["last_totals"].items()},
                bool(restored["alarm_on"]),
                str(restored["entry_id"]),
            )
        except KeyError, TypeError, ValueError, AttributeError:
            return None

    def snapshot(self) -> GroupSnapshot | None:
        """The runtime's snapshot, or None if the saved window start is not a time."""
        try:
            start = datetime.fromisoformat(self.window_start)
        except ValueError:
            return None
        return GroupSnapshot(start, self.left_kg, self.right_kg, self.last_totals, self.alarm_on)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


class GroupErrorSensor(WindowSensor, RestoreSensor):
    """The error in kg by the documented sign convention; it also keeps the window's state."""

    def __init__(self, entry: BindingGroupConfigEntry) -> None:
        """Start empty; the window's state is restored when added."""
        super().__init__(entry, "error")
        self._entry_id = entry.entry_id

    @property
    def available(self) -> bool:
        """Unavailable while a side has no member reporting."""
        return self._group.error() is not None

    @property
    def native_value(self) -> float | None:
        """Measured minus forecast, or the total minus its subs."""
        error = self._group.error()
        return None if error is None else error.kilograms

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The group as notation, its window, the missing members and the tolerance verdict."""
        group = self._group
        return {
            "notation": group.notation(),
            "window": group.settings.window.value,
            "window_start": group.window_start.isoformat(),
            "window_end": group.window_end.isoformat(),
            "within_tolerance": group.within_tolerance(),
            "missing_members": group.missing_members(),
        }

    @property
    def extra_restore_state_data(self) -> GroupStoredData:
        """Save the window's sums, the members' last totals and the alarm."""
        snapshot = self._group.snapshot()
        return GroupStoredData(
            self.native_value,
            UnitOfMass.KILOGRAMS,
            snapshot.window_start.isoformat(),
            snapshot.left_kg,
            snapshot.right_kg,
            snapshot.last_totals,
            snapshot.alarm_on,
            self._entry_id,
        )

    async def async_added_to_hass(self) -> None:
        """Restore the window, then start the group."""
        await super().async_added_to_hass()
        group = self._group
        # The durable record (restored when the group was built) is newer than HA's restore
        # data; that is only read for a group saved by an older version.
        if (
            not group.restored
            and (extra := await self.async_get_last_extra_data()) is not None
            and (stored := GroupStoredData.from_dict(extra.as_dict())) is not None
        ):
            if stored.entry_id != self._entry_id:
                _LOGGER.debug("%s: stored state of a removed group ignored", self.entity_id)
            elif (snapshot := stored.snapshot()) is not None:
                group.async_restore(snapshot)
        group.async_start()

    async def async_will_remove_from_hass(self) -> None:
        """Stop the group."""
        await super().async_will_remove_from_hass()
        self._group.async_stop()


class RelativeErrorSensor(BindingGroupEntity, SensorEntity):
    """The error in per cent of the forecast (or the total); unknown while that is zero."""

    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_suggested_display_precision = 1

    def __init__(self, entry: BindingGroupConfigEntry) -> None:
        """The relative error."""
        super().__init__(entry, "relative_error")

    @property
    def available(self) -> bool:
        """Unavailable while a side has no member reporting."""
        return self._group.error() is not None

    @property
    def native_value(self) -> float | None:
        """Per cent; unknown while the reference is zero."""
        error = self._group.error()
        return None if error is None else error.relative_pct


class GroupProblemSensor(BindingGroupEntity, BinarySensorEntity):
    """On while the error is beyond the group's threshold."""

    _attr_device_class = BinarySensorDeviceClass.PROBLEM

    def __init__(self, entry: BindingGroupConfigEntry) -> None:
        """The alarm."""
        super().__init__(entry, "problem")

    @property
    def is_on(self) -> bool:
        """The alarm's state."""
        return self._group.alarm.on


def async_group_sensors(hass: HomeAssistant, entry: BindingGroupConfigEntry) -> list[SensorEntity]:
    """The group's sensors: the error in kg (first: it starts the group) and in %, both sides.

    Each side in the window and since the group began (a template's forecast has no cumulative
    side).
    """
    sensors: list[SensorEntity] = [
        GroupErrorSensor(entry),
        SideSumSensor(entry, Side.LEFT),
        SideSumSensor(entry, Side.RIGHT),
        RelativeErrorSensor(entry),
    ]
    if not entry.runtime_data.uses_template:
        sensors.append(SideCumulativeSensor(entry, Side.LEFT))
    sensors.append(SideCumulativeSensor(entry, Side.RIGHT))
    return sensors


def async_group_binary_sensors(
    hass: HomeAssistant, entry: BindingGroupConfigEntry
) -> list[BinarySensorEntity]:
    """The group's problem sensor."""
    return [GroupProblemSensor(entry)]
