"""The entity of a report profile: its last report's total, with the report's period and time."""

from __future__ import annotations

from dataclasses import asdict
import logging
from typing import Any

from homeassistant.components.sensor import RestoreSensor, SensorDeviceClass, SensorEntity
from homeassistant.const import UnitOfMass
from homeassistant.core import HomeAssistant

from ..entity import service_device
from .runtime import LastReport, ProfileRuntime, ReportProfileConfigEntry

_LOGGER = logging.getLogger(__name__)


class LastReportSensor(RestoreSensor):
    """kg in the profile's last report; its period, time, trigger and files as attributes."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "last_report"
    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_suggested_display_precision = 3

    def __init__(self, entry: ReportProfileConfigEntry) -> None:
        """On the profile's own device."""
        self._profile: ProfileRuntime = entry.runtime_data
        self._attr_unique_id = f"{entry.entry_id}_last_report"
        self._attr_device_info = service_device(entry, "Report profile")

    async def async_added_to_hass(self) -> None:
        """Take the last report back, then show each new one."""
        await super().async_added_to_hass()
        profile = self._profile
        if profile.last is None and (last := await self.async_get_last_state()) is not None:
            try:
                attributes = last.attributes
                profile.last = LastReport(
                    float(last.state),
                    str(attributes["period"]),
                    str(attributes["start"]),
                    str(attributes["end"]),
                    str(attributes["generated_at"]),
                    str(attributes["trigger"]),
                    list(attributes.get("files") or []),
                )
            except KeyError, TypeError, ValueError:
                _LOGGER.debug("%s: no last report to restore", self.entity_id)
        profile.listeners.async_add(self.async_write_ha_state)
        profile.async_start()

    async def async_will_remove_from_hass(self) -> None:
        """Stop the profile."""
        self._profile.async_stop()
        self._profile.listeners.async_remove(self.async_write_ha_state)

    @property
    def native_value(self) -> float | None:
        """The last report's total."""
        last = self._profile.last
        return None if last is None else last.total_kg

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The last report's period, range, time, trigger and files."""
        last = self._profile.last
        if last is None:
            return None
        attributes = asdict(last)
        del attributes["total_kg"]
        return attributes


def async_profile_sensors(
    hass: HomeAssistant, entry: ReportProfileConfigEntry
) -> list[SensorEntity]:
    """A profile's sensor."""
    return [LastReportSensor(entry)]
