"""The engine of one tracking node: its settings, its accumulator and the factor in force.

The runtime object lives in the config entry's ``runtime_data``. It follows the source (and a live
intensity), prices each reading and owns the held-jump lifecycle. Entities only render what it
holds and hand it what they restored: it knows nothing of them, it only calls the listeners they
registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import logging
from math import isfinite
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    CoreState,
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event

from ..const import (
    FactorMode,
)
from ..core.carbon_units import (
    CARBON_UNIT,
    factor_unit_label,
    parse_intensity_unit,
)
from ..core.listeners import Listeners
from ..core.pricing import reading_scale
from ..core.throttle import WriteThrottle
from ..core.units import reading_multiplier, unit_ratio
from ..durable import durable_records
from ..issues import (
    IMPLAUSIBLE_JUMP,
    SOURCE_MISSING,
    async_clear,
    async_raise_implausible_jump,
    async_raise_source_missing,
    async_raise_source_went_back,
)
from ..ports import emissions_entity_id
from .accumulator import RESET_RATIO, CarbonAccumulator, Outcome
from .hub import node_hub
from .recorded import (
    async_last_shown_total,
    async_reading_seen_before,
    meter_restored_at_or_below,
)
from .settings import NodeSettings

_LOGGER = logging.getLogger(__name__)

ATTR_LAST_RESET = "last_reset"
_MISSING_STATES = frozenset((STATE_UNAVAILABLE, STATE_UNKNOWN))
_TOTAL_CHANGED = frozenset((Outcome.COUNTED, Outcome.RESET))
# Outcomes that change what the node must remember (total, baseline or a held jump).
_RECORD_CHANGED = frozenset((Outcome.COUNTED, Outcome.RESET, Outcome.BASELINE, Outcome.SPIKE))
# Outcomes after which the total accounts for everything the meter counted up to this reading.
_CAUGHT_UP = frozenset((Outcome.COUNTED, Outcome.RESET, Outcome.BASELINE, Outcome.JITTER))


type TrackingNodeConfigEntry = ConfigEntry[NodeRuntime]


@dataclass(frozen=True, slots=True)
class NodeSnapshot:
    """What a node must remember across restarts, besides its total."""

    accumulator: dict[str, Any]
    source: str
    per_unit: str | None
    # The source's entity registry id: the same meter after a rename of its entity id.
    source_uid: str | None


class NodeRuntime:
    """One node's engine: readings in, kilograms out, factor in force, held jumps."""

    # A factory has thousands of nodes: no per-instance dict.
    __slots__ = (
        "_durable",
        "_ha_restarted",
        "_jump_issue_open",
        "_lifting",
        "_multipliers",
        "_record",
        "_source_missing",
        "_throttle",
        "_unsubscribes",
        "accumulator",
        "caught_up",
        "changed_by",
        "entry_id",
        "factor",
        "factor_listeners",
        "gas",
        "hass",
        "last_reading",
        "last_reading_unit",
        "market_factor",
        "name",
        "per_unit",
        "platforms",
        "restored_total",
        "settings",
        "source_uid",
        "total_listeners",
    )

    def __init__(
        self, hass: HomeAssistant, entry_id: str, name: str, settings: NodeSettings
    ) -> None:
        """Start with an empty total; the carbon sensor hands over what it restored."""
        # The platforms set up for the node (its number only when its options ask for it).
        self.platforms: tuple[Platform, ...] = ()
        self.hass = hass
        self.entry_id = entry_id
        self.name = name
        self.settings = settings
        self.accumulator = CarbonAccumulator()
        # False from a restore until a reading has been priced against the restored baseline: the
        # restored total may be older than the last one published (HA saves restore data every 15
        # minutes, and a power cut loses the rest), and publishing it would make the statistics
        # see a drop, take it for a meter reset and count the climb back a second time.
        self.caught_up = True
        # The total restored at start, and whether the last one shown is being looked up.
        self.restored_total: float | None = None
        self._lifting = False
        # Whether the restore came with HA's own start (not a reload): only then did HA restore
        # the meter too.
        self._ha_restarted = False
        self.factor: float | None = (
            1.0 if settings.mode is FactorMode.CARBON else settings.static_factor
        )
        # The unit readings are priced per; for a carbon source, kilograms of carbon.
        self.per_unit: str | None = settings.per_unit
        self.gas = settings.gas
        self.last_reading: float | None = None
        self.last_reading_unit: str | None = None
        self.source_uid: str | None = None
        # The entity that asked for the next factor change, for the confirmation event.
        self.changed_by: str | None = None
        # Kept apart so that an entity is written only when what it shows can have changed.
        self.total_listeners = Listeners()
        self.factor_listeners = Listeners()
        # Multiplier of a reading in a source unit into the factor's unit; None = unusable unit.
        self._multipliers: dict[str | None, float | None] = {}
        self._source_missing = False
        self._jump_issue_open = False
        self._unsubscribes: list[CALLBACK_TYPE] = []
        # Writes the total at once, then at most once per interval (by the reading's time).
        self._throttle = WriteThrottle(
            hass.loop, self.total_listeners.async_notify, node_hub(hass).pace
        )
        # The integration's durable records, and this node's record as a bound method made once
        # (marking it on the hot path then allocates nothing).
        self._durable = durable_records(hass)
        self._record = self.record
        self._apply_limit()
        # kg CO2e per priced unit at the market-based factor (None: location-based only).
        self.market_factor: float | None = None
        self._apply_market()

    def _apply_market(self) -> None:
        """Express the market-based factor (per kWh) per the unit readings are priced in."""
        per_kwh = self.settings.market_factor
        if per_kwh is None:
            self.market_factor = None
            return
        kwh = None if self.per_unit is None else reading_multiplier(self.per_unit, "kWh")
        if kwh is None and self.per_unit is not None:
            _LOGGER.warning(
                "%s: a market-based factor per kWh cannot price readings per %s",
                self.name,
                self.per_unit,
            )
        self.market_factor = None if kwh is None else per_kwh * kwh

    @property
    def source(self) -> str:
        """The meter's entity id."""
        return self.settings.source

    @property
    def total(self) -> float:
        """Cumulative kilograms."""
        return self.accumulator.total

    @property
    def factor_label(self) -> str | None:
        """The factor's unit as shown: "kg CO2/kWh"; None for a carbon source or while unknown."""
        if self.settings.mode is FactorMode.CARBON or self.per_unit is None:
            return None
        return factor_unit_label(self.per_unit, self.gas)

    @property
    def jump_unit(self) -> str:
        """The unit a held jump is measured in."""
        return self.per_unit or CARBON_UNIT

    def _apply_limit(self) -> None:
        """Express the plausibility limit in the unit readings are priced in now."""
        settings = self.settings
        limit = settings.max_delta_per_hour
        if limit is None:
            self.accumulator.max_delta_per_hour = None
            return
        unit = settings.max_delta_unit
        # Readings of a carbon source are counted in kilograms of carbon.
        priced_in = CARBON_UNIT if settings.mode is FactorMode.CARBON else self.per_unit
        multiplier = 1.0 if unit is None else unit_ratio(unit, priced_in)
        if multiplier is None:
            _LOGGER.debug(
                "Plausibility limit of %s in %s per hour does not apply to readings per %s",
                self.name,
                unit,
                self.per_unit,
            )
        self.accumulator.max_delta_per_hour = None if multiplier is None else limit * multiplier

    # --- restore --------------------------------------------------------------------------

    def record(self) -> tuple[Any, ...]:
        """The node's durable record: what a start after a power cut continues from.

        The accumulator's row, then the source, the unit readings are priced per and the
        source's registry id: one flat tuple per node (a factory has thousands; see as_row).
        """
        return (*self.accumulator.as_row(), self.settings.source, self.per_unit, self.source_uid)

    @callback
    def async_restore_durable(self) -> bool:
        """Continue from the durable record of the last run, if there is one; whether there was."""
        record = self._durable.get(self.entry_id)
        try:
            *row, source, per_unit, source_uid = record
            accumulator = CarbonAccumulator.row_as_dict(row)
        except TypeError, ValueError:
            if record is not None:
                _LOGGER.warning("Durable record of %s is unreadable; not used", self.name)
            return False
        self.async_restore(NodeSnapshot(accumulator, str(source), per_unit, source_uid))
        return self.restored_total is not None

    @callback
    def async_restore(self, stored: NodeSnapshot) -> None:
        """Take over the total and baseline the carbon sensor restored (before starting)."""
        try:
            accumulator = CarbonAccumulator.from_dict(stored.accumulator)
        except (KeyError, TypeError, ValueError) as err:
            _LOGGER.warning(
                "Stored state of %s is unreadable (%s); starting from zero", self.name, err
            )
            return
        if not isfinite(accumulator.total):
            _LOGGER.warning("Stored total of %s is not finite; starting from zero", self.name)
            return
        self._look_up_source_uid()
        same_meter = stored.source == self.settings.source or (
            stored.source_uid is not None and stored.source_uid == self.source_uid
        )
        if not same_meter:
            # Another meter now: its numbering has nothing to do with the old baseline.
            _LOGGER.debug("%s now reads %s: new baseline", self.name, self.settings.source)
            accumulator.rebase()
        self.accumulator = accumulator
        self.caught_up = False
        self.restored_total = accumulator.total
        self._ha_restarted = self.hass.state is not CoreState.running
        if self.settings.mode is FactorMode.ENTITY:
            # The baseline stays in the intensity's last unit until the intensity says otherwise.
            self.per_unit = stored.per_unit
        else:
            self._per_unit_changed(stored.per_unit, self.per_unit)
        self._apply_limit()
        self._apply_market()

    def _look_up_source_uid(self) -> None:
        source_entry = er.async_get(self.hass).async_get(self.settings.source)
        self.source_uid = None if source_entry is None else source_entry.id

    def _per_unit_changed(self, old: str | None, new: str | None) -> None:
        """Re-express the baseline when the factor's unit changes, so no jump is counted."""
        self._multipliers.clear()
        if old == new or self.settings.mode is FactorMode.CARBON:
            return
        ratio = None if old is None or new is None else reading_multiplier(old, new)
        self.accumulator.reexpress(ratio)

    # --- following the source -------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Follow the source (and live intensity) and take the current reading."""
        hass = self.hass
        settings = self.settings
        if self.source_uid is None:
            self._look_up_source_uid()
        if self.accumulator.held_spike is not None:
            # The user has not answered yet: ask again after the restart.
            self._raise_jump_issue()
        stops = self._unsubscribes
        if settings.mode is FactorMode.ENTITY:
            intensity = settings.intensity_entity
            assert intensity is not None
            stops.append(async_track_state_change_event(hass, intensity, self._on_intensity))
            self._set_intensity(hass.states.get(intensity))
        node_hub(hass).async_follow(self)
        if (state := hass.states.get(settings.source)) is not None:
            self.async_take(state)

    @callback
    def async_stop(self) -> None:
        """Stop following the source and the intensity; a publication to come is dropped."""
        node_hub(self.hass).async_unfollow(self)
        while self._unsubscribes:
            self._unsubscribes.pop()()
        self._throttle.cancel()

    @callback
    def async_check_source(self) -> None:
        """Once HA has started: a meter neither in the states nor in the registry is missing."""
        source = self.settings.source
        if (
            self.hass.states.get(source) is None
            and er.async_get(self.hass).async_get(source) is None
        ):
            _LOGGER.warning("Source %s of tracking node %s no longer exists", source, self.name)
            self.async_source_gone()
        else:
            async_clear(self.hass, SOURCE_MISSING, self.entry_id)

    @callback
    def async_source_gone(self) -> None:
        """The meter no longer exists: its next valid reading, if it comes back, clears that."""
        self._source_missing = True
        async_raise_source_missing(self.hass, self.entry_id, self.name, self.settings.source)

    @callback
    def async_take(self, state: State) -> None:  # noqa: PLR0912 (one frame on the hot path)
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
            _LOGGER.info("Source %s of %s is back", self.settings.source, self.name)
            # A meter reported gone (at start, or removed) that reads again needs no repair.
            async_clear(self.hass, SOURCE_MISSING, self.entry_id)
        accumulator = self.accumulator
        value = raw * multiplier
        if not self.caught_up and self._settling(state, value):
            return
        at = state.last_updated_timestamp
        outcome = accumulator.reading(
            value, at, self.factor, state.attributes.get(ATTR_LAST_RESET), self.market_factor
        )
        if outcome is Outcome.REFUSED:
            self._refuse(state)
            return
        self.last_reading = raw
        self.last_reading_unit = unit
        if outcome in _RECORD_CHANGED:
            self._durable.async_mark(self.entry_id, self._record)
        if outcome in _TOTAL_CHANGED:
            if self.caught_up or self._catch_up(outcome):
                self._throttle.request(at)
            if self._jump_issue_open:
                self._clear_jump_issue()
        elif outcome is Outcome.SPIKE:
            self._raise_jump_issue()
            if not self.caught_up:
                # The jump waits for the user; the total before it is exact: shown at once (a
                # reload with a held jump leaves no unknown gap).
                self._caught_up()
                for update in self.total_listeners:
                    update()
        elif not self.caught_up and outcome in _CAUGHT_UP and self._catch_up(outcome):
            for update in self.total_listeners:
                update()

    def _settling(self, state: State, value: float) -> bool:
        """Whether the first reading after a restore waits for the restart to be settled.

        A reading well below the restored baseline, with no new last_reset, is either a meter
        reset during the outage or a meter that restored an older reading of its own (HA restores
        utility_meter, integration and template sensors and helpers from a dump up to 15 minutes
        old). Only the recorder can tell them apart, so that is asked first, off the hot path.
        Readings that arrive meanwhile are not lost: the newest state is taken afterwards.
        """
        if self._lifting:
            return True
        accumulator = self.accumulator
        baseline = accumulator.baseline
        last_reset = state.attributes.get(ATTR_LAST_RESET)
        if (
            baseline is None
            or self.factor is None
            or value >= RESET_RATIO * baseline
            or (last_reset is not None and last_reset != accumulator.last_reset)
        ):
            return False
        self._lifting = True
        self.hass.async_create_background_task(
            self._async_settle_restart(state, value), f"carbon_tracker settle {self.name}"
        )
        return True

    async def _async_settle_restart(self, state: State, value: float) -> None:
        """Count the first reading after a restart as a reset, or start again from it."""
        accumulator = self.accumulator
        reached = accumulator.baseline
        reading = float(state.state)
        unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        try:
            went_back = (
                self._ha_restarted
                and meter_restored_at_or_below(self.hass, self.settings.source, reading, unit)
            ) or await async_reading_seen_before(
                self.hass, self.settings.source, state, accumulator.baseline_at
            )
        except Exception as err:
            _LOGGER.warning(
                "%s: the recorder could not say whether %s had this reading before (%s); "
                "it is counted as a meter reset",
                self.name,
                self.settings.source,
                err,
            )
            went_back = False
        if went_back:
            _LOGGER.warning(
                "%s: its meter %s restarted at %s %s, an older reading of its own than the %s it "
                "had reached before the restart; the node keeps its total and counts again once "
                "the meter passes that reading",
                self.name,
                self.settings.source,
                state.state,
                state.attributes.get(ATTR_UNIT_OF_MEASUREMENT),
                reached,
            )
            async_raise_source_went_back(
                self.hass,
                self.entry_id,
                self.name,
                source=self.settings.source,
                restored=state.state,
                reached=f"{reached:g}" if reached is not None else "",
            )
            accumulator.holding = True
        accumulator.reading(
            value,
            state.last_updated_timestamp,
            self.factor,
            state.attributes.get(ATTR_LAST_RESET),
            self.market_factor,
        )
        self.last_reading = float(state.state)
        self.last_reading_unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        await self._async_carry_over_last_shown()

    def _catch_up(self, outcome: Outcome) -> bool:
        """The first reading after a restore; True when the total can be shown now.

        A meter reset during the outage cannot recover, from the old baseline, what was counted
        between the restore data and the outage: the last total shown is then looked up in the
        recorder first (a rare path, off the hot one).
        """
        if self._lifting:
            return False
        if outcome is Outcome.RESET and self.restored_total is not None:
            self._lifting = True
            self.hass.async_create_background_task(
                self._async_carry_over_last_shown(), f"carbon_tracker carry over {self.name}"
            )
            return False
        self._caught_up()
        return True

    def _caught_up(self) -> None:
        self.caught_up = True
        _LOGGER.debug("%s caught up with its meter: %s kg", self.name, self.accumulator.total)

    async def _async_carry_over_last_shown(self) -> None:
        """Carry over what the sensor showed beyond the restored total, then show the total.

        The durable record is at most a write delay behind; what was counted in that last moment
        before a cut is still in the meter's reading, unless the meter was reset or went back:
        then the recorder's last total shown is the floor.
        """
        restored = self.restored_total
        assert restored is not None
        entity_id = emissions_entity_id(self.hass, self.entry_id)
        shown = None if entity_id is None else await async_last_shown_total(self.hass, entity_id)
        if shown is not None and shown > restored:
            _LOGGER.debug(
                "%s: meter reset or gone back during the outage; %s kg shown before carried over",
                self.name,
                shown - restored,
            )
            self.accumulator.carry_over(shown - restored)
        self._lifting = False
        self._caught_up()
        self._durable.async_mark(self.entry_id, self._record)
        for update in self.total_listeners:
            update()
        # Readings that came while the recorder was asked: the newest one says it all.
        newest = self.hass.states.get(self.settings.source)
        if newest is not None and newest.last_updated_timestamp > (
            self.accumulator.baseline_at or 0.0
        ):
            self.async_take(newest)

    def _skip(self, state: State) -> None:
        """A missing or non-numeric reading: skipped, the baseline stays (logged once)."""
        if self._source_missing:
            return
        self._source_missing = True
        if state.state in _MISSING_STATES:
            _LOGGER.info(
                "Source %s of %s is %s; readings resume from the last valid one",
                self.settings.source,
                self.name,
                state.state,
            )
        else:
            _LOGGER.warning(
                "Source %s of %s reported %r, which is not a cumulative reading; skipped",
                self.settings.source,
                self.name,
                state.state,
            )

    def _refuse(self, state: State) -> None:
        """A reading whose carbon is not a finite number: refused, nothing counted."""
        _LOGGER.warning(
            "Source %s of %s reported %s %s, which gives no finite amount of carbon; refused",
            self.settings.source,
            self.name,
            state.state,
            state.attributes.get(ATTR_UNIT_OF_MEASUREMENT),
        )

    def _multiplier_for(self, unit: str | None) -> float | None:
        carbon_source = self.settings.mode is FactorMode.CARBON
        if not carbon_source and self.per_unit is None:
            # A live intensity that has not said what it is priced per yet: no usable unit.
            return None
        multiplier = reading_scale(carbon_source, unit, self.per_unit)
        if multiplier is None:
            _LOGGER.warning(
                "Source %s of %s is in %r, which cannot be priced per %r; readings skipped",
                self.settings.source,
                self.name,
                unit,
                self.per_unit,
            )
        return multiplier

    # --- the factor -----------------------------------------------------------------------

    @callback
    def _on_intensity(self, event: Event[EventStateChangedData]) -> None:
        self._set_intensity(event.data["new_state"])
        if self.factor is not None and (state := self.hass.states.get(self.settings.source)):
            # A reading held while the intensity was unknown is priced now.
            self.async_take(state)

    def _set_intensity(self, state: State | None) -> None:
        """Take a live intensity as the factor; unknown or unusable makes the factor None."""
        factor: float | None = None
        old = (self.factor, self.per_unit, self.gas)
        if state is not None and state.state not in _MISSING_STATES:
            parsed = parse_intensity_unit(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))
            try:
                value = float(state.state)
            except ValueError:
                value = -1.0
            if parsed is not None and isfinite(value) and value >= 0.0:
                factor = value * parsed.kg_per_mass
                self.gas = parsed.gas
                if parsed.per_unit != self.per_unit:
                    self._per_unit_changed(self.per_unit, parsed.per_unit)
                    self.per_unit = parsed.per_unit
                    self._apply_limit()
                    self._apply_market()
            else:
                _LOGGER.warning(
                    "Intensity %s of %s is %r %s, not a usable factor; readings are held",
                    state.entity_id,
                    self.name,
                    state.state,
                    state.attributes.get(ATTR_UNIT_OF_MEASUREMENT),
                )
        self.factor = factor
        if (factor, self.per_unit, self.gas) != old:
            self.factor_listeners.async_notify()

    @callback
    def async_apply_factor(self, new: NodeSettings) -> None:
        """A factor-only change: used from now on; earlier readings keep their price."""
        assert new.static_factor is not None
        self.settings = new
        self.factor = new.static_factor
        self.gas = new.gas
        self.factor_listeners.async_notify()

    # --- held jumps -----------------------------------------------------------------------

    @property
    def has_held_jump(self) -> bool:
        """Whether a jump waits for the user's decision."""
        return self.accumulator.held_spike is not None

    @callback
    def async_resolve_jump(self, count: bool) -> None:
        """The user's answer to a held jump: count it at the factor in force, or start from it."""
        accumulator = self.accumulator
        if count:
            assert self.factor is not None
            accumulator.accept_held_spike(self.factor, self.market_factor)
        else:
            accumulator.discard_held_spike()
        # The held reading is now accounted for, counted or not.
        self.caught_up = True
        self._durable.async_mark(self.entry_id, self._record)
        self.total_listeners.async_notify()
        self._clear_jump_issue()

    def _raise_jump_issue(self) -> None:
        spike = self.accumulator.held_spike
        assert spike is not None
        if not self._jump_issue_open:
            # Logged once; later readings while it is held only update the repair's figures.
            _LOGGER.warning(
                "%s held back a jump of %s %s from %s: above the plausibility limit",
                self.name,
                spike.delta,
                self.jump_unit,
                self.settings.source,
            )
        self._jump_issue_open = True
        async_raise_implausible_jump(
            self.hass,
            self.entry_id,
            self.name,
            source=self.settings.source,
            delta=spike.delta,
            unit=self.jump_unit,
        )

    def _clear_jump_issue(self) -> None:
        self._jump_issue_open = False
        async_clear(self.hass, IMPLAUSIBLE_JUMP, self.entry_id)

    def describe(self) -> Mapping[str, Any]:
        """The engine's state, for diagnostics."""
        return {
            "factor_in_force": self.factor,
            "per_unit": self.per_unit,
            "gas": self.gas,
            "last_reading": self.last_reading,
            "last_reading_unit": self.last_reading_unit,
            "limit_per_hour_in_factor_unit": self.accumulator.max_delta_per_hour,
            "caught_up": self.caught_up,
            "accumulator": self.accumulator.as_dict(),
        }
