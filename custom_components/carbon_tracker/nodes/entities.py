"""Entities of a tracking node. They render what the node's runtime holds and restore its state.

A node has two: its carbon total (a sensor), and its factor (a number) when the factor is a
fixed value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import logging
from typing import Any, Self

from homeassistant.components.number import NumberEntity, NumberMode
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, Platform, UnitOfMass
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, restore_state
from homeassistant.helpers.device import async_entity_id_to_device
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from ..const import DOMAIN, FACTOR_MAX, MeterRole
from ..core.carbon_units import factor_unit_label
from ..entity import StoredFields
from .factor_change import async_set_node_factor
from .runtime import NodeRuntime, NodeSnapshot, TrackingNodeConfigEntry

_LOGGER = logging.getLogger(__name__)

FACTOR_NUMBER_KEY = "emission_factor"


class TrackingNodeEntity(Entity):
    """An entity of a node, shown on the source's device when it has one, else on the node's own."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, hass: HomeAssistant, entry: TrackingNodeConfigEntry, key: str) -> None:
        """Name the entity by its translation key and tie it to the entry."""
        self._node: NodeRuntime = entry.runtime_data
        self._attr_translation_key = key
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self.device_entry = async_entity_id_to_device(hass, entry.runtime_data.settings.source)

    @property
    def device_info(self) -> DeviceInfo | None:
        """The node's own device, when its meter has none.

        Built when HA asks (as the entity is added), not kept: a factory has thousands of nodes.
        """
        if self.device_entry is not None:
            return None
        node = self._node
        return DeviceInfo(
            identifiers={(DOMAIN, node.entry_id)},
            name=node.name,
            manufacturer="Carbon Tracker",
            model="Tracking node",
            serial_number=f"port {node.settings.port}",
        )


# Disabled diagnostic sensors of versions before 1.2, shown as a row each, all alike, in the
# helpers list; what they showed is in the node's diagnostics and the list_nodes action, or on the
# meter, the intensity entity and the device themselves.
RETIRED_SENSOR_KEYS = ("factor_in_force", "last_reading", "port")


@callback
def async_node_sensors(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> list[SensorEntity]:
    """The node's sensor: the carbon total."""
    registry = er.async_get(hass)
    for key in RETIRED_SENSOR_KEYS:
        if retired := registry.async_get_entity_id(
            Platform.SENSOR, DOMAIN, f"{entry.entry_id}_{key}"
        ):
            registry.async_remove(retired)
    sensors: list[SensorEntity] = [CarbonEmissionsSensor(hass, entry)]
    if entry.runtime_data.settings.market_factor is not None:
        sensors.append(MarketEmissionsSensor(hass, entry))
    return sensors


@callback
def async_node_numbers(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> list[NumberEntity]:
    """The factor number (the platform is only set up for a node that has one)."""
    return [EmissionFactorNumber(hass, entry)]


@dataclass
class NodeStoredData(StoredFields):
    """What versions before the durable records saved of a node in HA's restore data."""

    accumulator: dict[str, Any]
    source: str
    per_unit: str | None
    # The source's entity registry id: the same meter after a rename of its entity id.
    source_uid: str | None = None
    # The config entry the data belongs to: a new node never takes over a deleted node's total.
    entry_id: str | None = None

    @classmethod
    def from_dict(cls, restored: dict[str, Any]) -> Self | None:
        """Rebuild from the store; None if it was not written by this class."""
        sensor_data = SensorExtraStoredData.from_dict(restored)
        if sensor_data is None or not isinstance(restored.get("accumulator"), dict):
            return None
        return cls(
            sensor_data.native_value,
            sensor_data.native_unit_of_measurement,
            restored["accumulator"],
            str(restored.get("source", "")),
            restored.get("per_unit"),
            restored.get("source_uid"),
            restored.get("entry_id"),
        )

    def belongs_to(self, entry_id: str, entry_created: datetime, saved: datetime | None) -> bool:
        """Whether this data was written by the node of ``entry_id``.

        Data written before entries were named in it counts when it was saved after the entry
        was created: an older save belonged to a node deleted before this one was added.
        """
        if self.entry_id is not None:
            return self.entry_id == entry_id
        return saved is not None and saved >= entry_created


class CarbonEmissionsSensor(TrackingNodeEntity, SensorEntity):
    """Cumulative kg CO2e of a node's source: each new reading adds delta x factor.

    No attributes: every one would be merged and compared on each write, the hot path; the
    factor in force is in the diagnostics and the list_nodes action.
    """

    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_suggested_display_precision = 3

    def __init__(self, hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
        """Start empty; the total and baseline are restored when added.

        A node on an export or generation meter counts the grid carbon its energy displaced:
        the same sensor (and statistics), named *Avoided emissions*.
        """
        super().__init__(hass, entry, "emissions")
        if entry.runtime_data.settings.meter_role is MeterRole.EXPORT:
            self._attr_translation_key = "avoided_emissions"
        self._entry_id = entry.entry_id
        self._entry_created = entry.created_at

    async def async_added_to_hass(self) -> None:
        """Restore, then let the runtime follow the source and write each new total.

        The durable record (at most a second old) is the node's own. The sensor is not a restore
        entity: HA's restore data would keep a second, older copy of every node in memory and
        encode all of them on the event loop every 15 minutes. What an older version saved
        there is read once, for a node that has no durable record yet (HA forgets it at its next
        dump, by then the durable record has it).
        """
        await super().async_added_to_hass()
        node = self._node
        if node.restored_total is None and (stored := await self._async_stored_node()) is not None:
            node.async_restore(
                NodeSnapshot(stored.accumulator, stored.source, stored.per_unit, stored.source_uid)
            )
        node.total_listeners.async_add(self.async_write_ha_state)
        node.async_start()

    async def async_will_remove_from_hass(self) -> None:
        """Stop the runtime and stop hearing from it."""
        await super().async_will_remove_from_hass()
        self._node.async_stop()
        self._node.total_listeners.async_remove(self.async_write_ha_state)

    async def _async_stored_node(self) -> NodeStoredData | None:
        """What a version before the durable records left in HA's restore data, if anything."""
        last = restore_state.async_get(self.hass).last_states.get(self.entity_id)
        if last is None or last.extra_data is None:
            return None
        stored = NodeStoredData.from_dict(last.extra_data.as_dict())
        if stored is None:
            return None
        saved = last.state.last_updated
        if not stored.belongs_to(self._entry_id, self._entry_created, saved):
            _LOGGER.debug("%s: stored state of a removed node ignored", self.entity_id)
            return None
        return stored

    @property
    def native_value(self) -> float | None:
        """The node's total; unknown after a start until it has caught up with the meter.

        Unknown is skipped by HA's statistics, so a restored total older than the last one
        published is never mistaken for a meter reset.
        """
        node = self._node
        return node.total if node.caught_up else None


class MarketEmissionsSensor(TrackingNodeEntity, SensorEntity):
    """The node's kg CO2e at its market-based factor (GHG Protocol Scope 2, market-based).

    The same increases as the carbon sensor (location-based), priced at the factor the user
    gave with its source; written with it, durable in the same record. Its source is in the
    diagnostics, the list_nodes action and the reports.
    """

    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_suggested_display_precision = 3

    def __init__(self, hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
        """Follows the node's total (the carbon sensor starts and restores the node)."""
        super().__init__(hass, entry, "market_emissions")

    async def async_added_to_hass(self) -> None:
        """Written when the carbon total is."""
        self._node.total_listeners.async_add(self.async_write_ha_state)

    async def async_will_remove_from_hass(self) -> None:
        """Stop hearing from the node."""
        self._node.total_listeners.async_remove(self.async_write_ha_state)

    @property
    def native_value(self) -> float | None:
        """The market-based total; unknown until the node has caught up (as the carbon total)."""
        node = self._node
        if not node.caught_up:
            return None
        return node.accumulator.market_total or 0.0


class EmissionFactorNumber(TrackingNodeEntity, NumberEntity):
    """kg per unit of the source; a new value applies from the moment it is set."""

    _attr_entity_category = EntityCategory.CONFIG
    _attr_mode = NumberMode.BOX
    _attr_native_min_value = 0.0
    _attr_native_max_value = FACTOR_MAX
    _attr_native_step = 0.00001

    def __init__(self, hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
        """Show the factor in force with its unit."""
        super().__init__(hass, entry, FACTOR_NUMBER_KEY)
        self._entry = entry

    async def async_added_to_hass(self) -> None:
        """Show each factor change."""
        self._node.factor_listeners.async_add(self.async_write_ha_state)

    async def async_will_remove_from_hass(self) -> None:
        """Stop showing them."""
        self._node.factor_listeners.async_remove(self.async_write_ha_state)

    @property
    def native_value(self) -> float | None:
        """The factor in force."""
        return self._node.settings.static_factor

    @property
    def native_unit_of_measurement(self) -> str | None:
        """Kg of the factor's own gas per the unit it is priced in."""
        settings = self._node.settings
        assert settings.per_unit is not None
        return factor_unit_label(settings.per_unit, settings.gas)

    async def async_set_native_value(self, value: float) -> None:
        """Persist the new factor; the update listener applies it and confirms it."""
        async_set_node_factor(self.hass, self._entry, value, self.entity_id)
