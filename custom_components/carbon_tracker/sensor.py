"""Sensors of a tracking node: cumulative emissions, plus diagnostics that start disabled."""

from __future__ import annotations

from dataclasses import dataclass
import logging
from math import isfinite
from typing import Any, Self

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
    UnitOfMass,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_state_change_event

from .accumulator import CarbonAccumulator, Outcome
from .const import DOMAIN, FactorMode
from .device_factor import find_device_factor_entity
from .entity import TrackingNodeEntity
from .factor_units import carbon_unit_scale, factor_unit_label, parse_intensity_unit
from .node import TrackingNodeConfigEntry
from .units import reading_multiplier

_LOGGER = logging.getLogger(__name__)

PARALLEL_UPDATES = 0

ATTR_LAST_RESET = "last_reset"
_MISSING_STATES = frozenset((STATE_UNAVAILABLE, STATE_UNKNOWN))
_TOTAL_CHANGED = frozenset((Outcome.COUNTED, Outcome.RESET))


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrackingNodeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the node's sensors."""
    async_add_entities(
        [
            CarbonEmissionsSensor(hass, entry),
            FactorInForceSensor(hass, entry),
            LastReadingSensor(hass, entry),
            PortSensor(hass, entry),
        ]
    )


@dataclass
class NodeStoredData(SensorExtraStoredData):
    """What a node must remember across restarts besides its state."""

    accumulator: dict[str, Any]
    source: str
    per_unit: str | None
    # The source's entity registry id: the same meter after a rename of its entity id.
    source_uid: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Serialise for the restore-state store."""
        data = super().as_dict()
        data.update(
            accumulator=self.accumulator,
            source=self.source,
            per_unit=self.per_unit,
            source_uid=self.source_uid,
        )
        return data

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
        )


class CarbonEmissionsSensor(TrackingNodeEntity, RestoreSensor):
    """Cumulative kg CO2e of a node's source: each new reading adds delta x factor."""

    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_suggested_display_precision = 3

    def __init__(self, hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
        """Start empty; the total and baseline are restored when added."""
        super().__init__(hass, entry, "emissions")
        self._entry_id = entry.entry_id
        settings = self._node.settings
        self._source = settings.source
        self._mode = settings.mode
        self._factor: float | None = (
            1.0 if settings.mode is FactorMode.CARBON else settings.static_factor
        )
        self._per_unit = settings.per_unit
        self._accumulator = CarbonAccumulator(max_delta_per_hour=settings.max_delta_per_hour)
        self._attr_native_value = 0.0
        # Multiplier of a reading in a source unit into the factor's unit; None = unusable unit.
        self._multipliers: dict[str | None, float | None] = {}
        self._source_missing = False
        self._source_uid: str | None = None
        self._spike_issue_open = False
        self.last_reading: float | None = None
        self.last_reading_unit: str | None = None

    @property
    def accumulator(self) -> CarbonAccumulator:
        """The node's running total (for diagnostics and the repair flow)."""
        return self._accumulator

    @property
    def factor(self) -> float | None:
        """Kg CO2e per factor unit in force now, None while a live intensity is unknown."""
        return self._factor

    @property
    def per_unit(self) -> str | None:
        """The unit the factor in force is priced per."""
        return self._per_unit

    @property
    def extra_restore_state_data(self) -> NodeStoredData:
        """Persist total, baseline and the unit the baseline is expressed in."""
        return NodeStoredData(
            self._attr_native_value,
            self._attr_native_unit_of_measurement,
            self._accumulator.as_dict(),
            self._source,
            self._per_unit,
            self._source_uid,
        )

    async def async_added_to_hass(self) -> None:
        """Restore, start listening, and take the source's current reading."""
        await super().async_added_to_hass()
        self._node.carbon_sensor = self
        self.async_on_remove(self._forget_node)
        source_entry = er.async_get(self.hass).async_get(self._source)
        self._source_uid = None if source_entry is None else source_entry.id
        if (last := await self.async_get_last_extra_data()) is not None:
            self._restore(last.as_dict())
        if self._accumulator.held_spike is not None:
            # The user has not answered yet: ask again after the restart.
            self._open_spike_issue()
        if self._mode is FactorMode.ENTITY:
            intensity = self._node.settings.intensity_entity
            assert intensity is not None
            self.async_on_remove(
                async_track_state_change_event(self.hass, intensity, self._on_intensity)
            )
            self._set_intensity(self.hass.states.get(intensity))
        self.async_on_remove(
            async_track_state_change_event(self.hass, self._source, self._on_source)
        )
        if (state := self.hass.states.get(self._source)) is not None:
            self._take(state)

    @callback
    def _forget_node(self) -> None:
        if self._node.carbon_sensor is self:
            self._node.carbon_sensor = None

    def _restore(self, restored: dict[str, Any]) -> None:
        stored = NodeStoredData.from_dict(restored)
        if stored is None:
            return
        try:
            accumulator = CarbonAccumulator.from_dict(
                stored.accumulator, self._node.settings.max_delta_per_hour
            )
        except (KeyError, TypeError, ValueError) as err:
            _LOGGER.warning(
                "Stored state of %s is unreadable (%s); starting from zero", self.entity_id, err
            )
            return
        same_meter = stored.source == self._source or (
            stored.source_uid is not None and stored.source_uid == self._source_uid
        )
        if not same_meter:
            # Another meter now: its numbering has nothing to do with the old baseline.
            accumulator.rebase()
        self._accumulator = accumulator
        self._attr_native_value = accumulator.total
        if self._mode is FactorMode.ENTITY:
            # The baseline stays in the intensity's last unit until the intensity says otherwise.
            self._per_unit = stored.per_unit
        else:
            self._per_unit_changed(stored.per_unit, self._per_unit)

    def _per_unit_changed(self, old: str | None, new: str | None) -> None:
        """Re-express the baseline when the factor's unit changes, so no jump is counted."""
        self._multipliers.clear()
        if old == new or self._mode is FactorMode.CARBON:
            return
        accumulator = self._accumulator
        ratio = None if old is None or new is None else reading_multiplier(old, new)
        if ratio is None:
            accumulator.rebase()
            return
        if accumulator.baseline is not None:
            accumulator.baseline *= ratio
        if accumulator.held_spike is not None:
            accumulator.held_spike = None

    @callback
    def _on_source(self, event: Event[EventStateChangedData]) -> None:
        if (new_state := event.data["new_state"]) is not None:
            self._take(new_state)

    @callback
    def _take(self, state: State) -> None:
        """Turn one source state into carbon: the hot path of the integration."""
        try:
            raw = float(state.state)
        except ValueError:
            self._skip(state)
            return
        if not isfinite(raw) or raw < 0.0:
            self._skip(state)
            return
        unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        try:
            multiplier = self._multipliers[unit]
        except KeyError:
            multiplier = self._multipliers[unit] = self._multiplier_for(unit)
        if multiplier is None:
            return
        if self._source_missing:
            self._source_missing = False
            _LOGGER.info("Source %s of %s is back", self._source, self.entity_id)
        accumulator = self._accumulator
        outcome = accumulator.reading(
            raw * multiplier,
            state.last_updated_timestamp,
            self._factor,
            state.attributes.get(ATTR_LAST_RESET),
        )
        self.last_reading = raw
        self.last_reading_unit = unit
        if outcome in _TOTAL_CHANGED:
            self._attr_native_value = accumulator.total
            self.async_write_ha_state()
            if self._spike_issue_open:
                self._close_spike_issue()
        elif outcome is Outcome.SPIKE:
            self._open_spike_issue()
        if self._node.reading_listeners:
            self._node.reading_listeners.async_notify()

    def _skip(self, state: State) -> None:
        """A missing or non-numeric reading: skipped, the baseline stays (logged once)."""
        if self._source_missing:
            return
        self._source_missing = True
        if state.state in _MISSING_STATES:
            _LOGGER.info(
                "Source %s of %s is %s; readings resume from the last valid one",
                self._source,
                self.entity_id,
                state.state,
            )
        else:
            _LOGGER.warning(
                "Source %s of %s reported %r, which is not a cumulative reading; skipped",
                self._source,
                self.entity_id,
                state.state,
            )

    def _multiplier_for(self, unit: str | None) -> float | None:
        if self._mode is FactorMode.CARBON:
            multiplier = carbon_unit_scale(unit)
        elif self._per_unit is None:
            # A live intensity that has not said what it is priced per yet: no usable unit.
            return None
        else:
            multiplier = reading_multiplier(unit, self._per_unit)
        if multiplier is None:
            _LOGGER.warning(
                "Source %s of %s is in %r, which cannot be priced per %r; readings skipped",
                self._source,
                self.entity_id,
                unit,
                self._per_unit,
            )
        return multiplier

    @callback
    def _on_intensity(self, event: Event[EventStateChangedData]) -> None:
        self._set_intensity(event.data["new_state"])
        if self._factor is not None and (state := self.hass.states.get(self._source)):
            # A reading held while the intensity was unknown is priced now.
            self._take(state)

    def _set_intensity(self, state: State | None) -> None:
        """Take a live intensity as the factor; unknown or unusable makes the factor None."""
        factor: float | None = None
        old_per_unit = self._per_unit
        if state is not None and state.state not in _MISSING_STATES:
            parsed = parse_intensity_unit(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))
            try:
                value = float(state.state)
            except ValueError:
                value = -1.0
            if parsed is not None and isfinite(value) and value >= 0.0:
                kg_per_mass, per_unit = parsed
                factor = value * kg_per_mass
                if per_unit != self._per_unit:
                    self._per_unit_changed(self._per_unit, per_unit)
                    self._per_unit = per_unit
            else:
                _LOGGER.warning(
                    "Intensity %s of %s is %r %s, not a usable factor; readings are held",
                    state.entity_id,
                    self.entity_id,
                    state.state,
                    state.attributes.get(ATTR_UNIT_OF_MEASUREMENT),
                )
        if factor != self._factor or self._per_unit != old_per_unit:
            self._factor = factor
            if self._node.factor_listeners:
                self._node.factor_listeners.async_notify()

    @callback
    def async_set_static_factor(self, factor: float) -> None:
        """Use a new factor from now on; earlier readings keep the factor they were priced at."""
        self._factor = factor
        if self._node.factor_listeners:
            self._node.factor_listeners.async_notify()

    @callback
    def async_resolve_spike(self, count: bool) -> None:
        """The user's answer to a held spike: count it, or start again from it."""
        accumulator = self._accumulator
        if count:
            assert self._factor is not None
            accumulator.accept_held_spike(self._factor)
        else:
            accumulator.discard_held_spike()
        self._attr_native_value = accumulator.total
        self.async_write_ha_state()
        self._close_spike_issue()

    def _open_spike_issue(self) -> None:
        spike = self._accumulator.held_spike
        assert spike is not None
        if not self._spike_issue_open:
            # Logged once; later readings while it is held only update the repair's figures.
            _LOGGER.warning(
                "%s held back a jump of %s %s from %s: above the plausibility limit",
                self.entity_id,
                spike.delta,
                self._per_unit or "kg CO2e",
                self._source,
            )
        self._spike_issue_open = True
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"spike_{self._entry_id}",
            data={"entry_id": self._entry_id},
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key="implausible_jump",
            translation_placeholders={
                "entity": self.entity_id or self._source,
                "source": self._source,
                "delta": f"{spike.delta:g}",
                "unit": self._per_unit or "kg CO2e",
            },
        )

    def _close_spike_issue(self) -> None:
        self._spike_issue_open = False
        ir.async_delete_issue(self.hass, DOMAIN, f"spike_{self._entry_id}")


class _NodeDiagnosticSensor(TrackingNodeEntity, SensorEntity):
    """A diagnostic of the node; disabled until the user wants it."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False


class FactorInForceSensor(_NodeDiagnosticSensor):
    """The factor readings are priced at right now, and where it comes from.

    For a source that measures carbon itself (an ESPHome node), that is the factor the device
    converts with: its own factor number, when the device has one.
    """

    def __init__(self, hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
        """Set up the factor diagnostic."""
        super().__init__(hass, entry, "factor_in_force")
        self._device_factor: str | None = None

    async def async_added_to_hass(self) -> None:
        """Follow factor changes, and the device's factor for a carbon-measuring source."""
        self.async_on_remove(self._node.factor_listeners.async_add(self.async_write_ha_state))
        settings = self._node.settings
        if settings.mode is FactorMode.CARBON:
            self._device_factor = find_device_factor_entity(self.hass, settings.source)
        if self._device_factor is not None:
            self.async_on_remove(
                async_track_state_change_event(
                    self.hass, self._device_factor, self._on_device_factor
                )
            )

    @callback
    def _on_device_factor(self, event: Event[EventStateChangedData]) -> None:
        self.async_write_ha_state()

    def _device_factor_state(self) -> State | None:
        return None if self._device_factor is None else self.hass.states.get(self._device_factor)

    @property
    def native_value(self) -> float | None:
        """The factor, in kg CO2e per factor unit."""
        if self._device_factor is not None:
            state = self._device_factor_state()
            try:
                return None if state is None else float(state.state)
            except ValueError:
                return None
        sensor = self._node.carbon_sensor
        return None if sensor is None else sensor.factor

    @property
    def native_unit_of_measurement(self) -> str | None:
        """The unit: kg CO2e per the unit the factor is priced in."""
        if self._device_factor is not None:
            state = self._device_factor_state()
            return None if state is None else state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        sensor = self._node.carbon_sensor
        if sensor is None or self._node.settings.mode is FactorMode.CARBON:
            return None
        per_unit = sensor.per_unit
        return None if per_unit is None else factor_unit_label(per_unit)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Where the factor comes from."""
        settings = self._node.settings
        return {
            "mode": settings.mode.value,
            "factor_id": settings.factor_id,
            "intensity_entity": settings.intensity_entity,
            "device_factor_entity": self._device_factor,
        }


class LastReadingSensor(_NodeDiagnosticSensor):
    """The last valid reading of the source, in the source's own unit."""

    def __init__(self, hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
        """Set up the last-reading diagnostic."""
        super().__init__(hass, entry, "last_reading")

    async def async_added_to_hass(self) -> None:
        """Follow the readings."""
        self.async_on_remove(self._node.reading_listeners.async_add(self.async_write_ha_state))

    @property
    def native_value(self) -> float | None:
        """The reading."""
        sensor = self._node.carbon_sensor
        return None if sensor is None else sensor.last_reading

    @property
    def native_unit_of_measurement(self) -> str | None:
        """The source's unit."""
        sensor = self._node.carbon_sensor
        return None if sensor is None else sensor.last_reading_unit


class PortSensor(_NodeDiagnosticSensor):
    """The node's port number."""

    def __init__(self, hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
        """Set up the port diagnostic."""
        super().__init__(hass, entry, "port")
        self._attr_native_value = self._node.settings.port
