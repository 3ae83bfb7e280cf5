"""The factor a carbon-measuring source uses on its own device (e.g. an ESPHome node's keypad).

A node whose source already reports kg CO2e counts it 1:1; the factor the device converts with is
then the one "in force", and it is a number entity on the source's device with an intensity unit.
"""

from __future__ import annotations

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ..core.carbon_units import parse_intensity_unit


def find_device_factor_entity(hass: HomeAssistant, source: str) -> str | None:
    """The number entity on the source's device whose unit is a factor unit, if there is one."""
    registry = er.async_get(hass)
    source_entry = registry.async_get(source)
    if source_entry is None or source_entry.device_id is None:
        return None
    for entry in er.async_entries_for_device(registry, source_entry.device_id):
        if entry.domain != Platform.NUMBER or entry.disabled_by is not None:
            continue
        state = hass.states.get(entry.entity_id)
        unit = entry.unit_of_measurement or (
            None if state is None else state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        )
        if parse_intensity_unit(unit) is not None:
            return entry.entity_id
    return None
