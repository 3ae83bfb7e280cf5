"""The meters: cumulative energy sensors in kWh, one entity each, as a smart-meter integration has.

Loaded by discovery from ``async_setup`` (there is no config entry). Each meter has a unique id,
so it is in the entity registry like any integration's entity.
"""

from __future__ import annotations

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import UnitOfEnergy, UnitOfMass
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import (
    AddConfigEntryEntitiesCallback,
    AddEntitiesCallback,
)
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from .const import (
    CONF_COUNT,
    CONF_TWIN,
    CONF_TWINS,
    DOMAIN,
    METERS,
    meter_entity_id,
    meter_initial,
    twin_entity_id,
)


class BenchMeter(SensorEntity):
    """One meter; ``advance`` adds energy and writes the new state at once."""

    _attr_device_class = SensorDeviceClass.ENERGY
    _attr_native_unit_of_measurement = UnitOfEnergy.KILO_WATT_HOUR
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_should_poll = False

    def __init__(self, index: int) -> None:
        """Meter ``index`` starts at its own reading."""
        self._attr_unique_id = f"{DOMAIN}_{index}"
        self._attr_name = f"Bench meter {index}"
        self.entity_id = meter_entity_id(index)
        self._attr_native_value = meter_initial(index)

    @property
    def reading(self) -> float:
        """The meter's reading in kWh."""
        value = self._attr_native_value
        assert isinstance(value, float)
        return value

    @callback
    def advance(self, step: float) -> None:
        """Count ``step`` more kWh and write the state."""
        self._attr_native_value = self.reading + step
        self.async_write_ha_state()


class BenchTwin(SensorEntity):
    """An idle entity beside meter ``index``: what one more HA entity per meter costs by itself.

    A total in kg, as a node's carbon sensor, written once when it is added and never again.
    """

    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_should_poll = False
    _attr_native_value = 0.0

    def __init__(self, index: int, device: str | None = None) -> None:
        """The twin of meter ``index``; on a device of its own when ``device`` names one."""
        self._attr_unique_id = f"{DOMAIN}_twin_{index}"
        self._attr_name = f"Bench twin {index}"
        self.entity_id = twin_entity_id(index)
        if device is not None:
            self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, device)}, name=device)


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Create the meters asked for in ``bench_meters: count:`` (and ``twins:`` idle twins)."""
    if discovery_info is None:
        return
    meters = [BenchMeter(index) for index in range(int(discovery_info[CONF_COUNT]))]
    hass.data[METERS] = meters
    twins = [BenchTwin(index) for index in range(int(discovery_info[CONF_TWINS]))]
    async_add_entities([*meters, *twins])


async def async_setup_entry(
    hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """A twin with a device of its own: one per entry, or one per subentry of the entry."""
    twins = {key: subentry.data for key, subentry in entry.subentries.items()} or {None: entry.data}
    for subentry_id, data in twins.items():
        index = int(data[CONF_TWIN])
        async_add_entities([BenchTwin(index, f"twin {index}")], config_subentry_id=subentry_id)
