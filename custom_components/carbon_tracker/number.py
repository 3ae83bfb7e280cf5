"""The emission factor of a tracking node as a number: the node's keypad."""

from __future__ import annotations

from homeassistant.components.number import NumberEntity, NumberMode
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN, FACTOR_MAX, FactorMode
from .entity import TrackingNodeEntity
from .factor_units import factor_unit_label
from .node import TrackingNodeConfigEntry
from .settings_update import async_set_node_factor, signal_factor_changed

PARALLEL_UPDATES = 0
FACTOR_NUMBER_KEY = "emission_factor"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrackingNodeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the factor number for nodes whose factor is a fixed value."""
    if entry.runtime_data.settings.mode in (FactorMode.LIBRARY, FactorMode.CUSTOM):
        async_add_entities([EmissionFactorNumber(hass, entry)])
        return
    # The factor follows a live entity or the source now: a number left from before is stale.
    registry = er.async_get(hass)
    stale = registry.async_get_entity_id(
        Platform.NUMBER, DOMAIN, f"{entry.entry_id}_{FACTOR_NUMBER_KEY}"
    )
    if stale is not None:
        registry.async_remove(stale)


class EmissionFactorNumber(TrackingNodeEntity, NumberEntity):
    """kg CO2e per unit of the source; a new value applies from the moment it is set."""

    _attr_entity_category = EntityCategory.CONFIG
    _attr_mode = NumberMode.BOX
    _attr_native_min_value = 0.0
    _attr_native_max_value = FACTOR_MAX
    _attr_native_step = 0.00001

    def __init__(self, hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
        """Show the factor in force with its unit."""
        super().__init__(hass, entry, FACTOR_NUMBER_KEY)
        self._entry = entry
        settings = self._node.settings
        assert settings.per_unit is not None
        self._attr_native_unit_of_measurement = factor_unit_label(settings.per_unit)

    async def async_added_to_hass(self) -> None:
        """Show each confirmed factor change."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_factor_changed(self._entry.entry_id), self.async_write_ha_state
            )
        )

    @property
    def native_value(self) -> float | None:
        """The factor in force."""
        return self._node.settings.static_factor

    async def async_set_native_value(self, value: float) -> None:
        """Persist the new factor; the update listener applies it and confirms it."""
        async_set_node_factor(self.hass, self._entry, value, self.entity_id)
