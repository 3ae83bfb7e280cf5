"""A carbon-aware window's engine: the forecast in, the lowest-carbon window out.

It runs when the forecast changes (never on a meter update): the forecast entity's state is read
(core/carbon_windows.py), and the lowest-carbon window from now is found. A window under way is
kept until it ends, so a run started in it is not cut short by a new forecast; at its end the
window is found again from the forecast then. The entities are written when the window changes,
when it starts and when it ends.

A window with a planned run's energy and a port is a **forecast port**: when a window starts,
the run planned into it is recorded (its kWh at the window's mean intensity: the forecast carbon
promised), once per window, durable within a second; a binding group of this port (forecast)
against the load's node (measured) shows what the run really emitted against the promise.
"""

from __future__ import annotations

from datetime import datetime
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_state_change_event,
)
from homeassistant.util import dt as dt_util

from ..core.carbon_windows import (
    ForecastError,
    PlannedRun,
    Slot,
    Window,
    best_window,
    intensity_at,
    parse_forecast,
    plan_run,
)
from ..core.compensated import CompensatedSum
from ..core.listeners import Listeners
from ..durable import durable_records
from ..ports import emissions_entity_id, ports_by_number
from .settings import WindowSettings, forecast_of

_LOGGER = logging.getLogger(__name__)

type CarbonWindowConfigEntry = ConfigEntry[CarbonWindowRuntime]

# Why there is no window now (translation keys of the sensor's "problem" attribute).
NO_FORECAST = "no_forecast"
NO_WINDOW = "no_covered_window"


class CarbonWindowRuntime:
    """The window found in the forecast last read."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, name: str, settings: WindowSettings
    ) -> None:
        """Nothing read yet; the plans recorded so far read back."""
        self.hass = hass
        self.entry_id = entry_id
        self.name = name
        self.settings = settings
        # The forecast port's plans: their forecast kg in all, how many, the last one.
        self.planned = CompensatedSum()
        self.runs = 0
        self.last_run: PlannedRun | None = None
        self._planned_start: str | None = None
        # The load's carbon total when the planned run's window started, and what the last
        # run measured (the load's increase over its window).
        self._load_at_start: float | None = None
        self.last_run_measured: float | None = None
        # The planned run's window, kept so that a start inside it goes on with it.
        self._planned_window: Window | None = None
        self._intensity_when_found: float | None = None
        self._durable = durable_records(hass)
        self._restore()
        self.listeners = Listeners()
        self.slots: list[Slot] = []
        self.unit: str | None = None
        self.window: Window | None = None
        self.problem: str | None = NO_FORECAST
        self._stops: list[CALLBACK_TYPE] = []
        self._timers: list[CALLBACK_TYPE] = []

    def is_on(self, now: datetime) -> bool:
        """Whether ``now`` is inside the window."""
        window = self.window
        return window is not None and window.start <= now < window.end

    @callback
    def async_start(self) -> None:
        """Follow the forecast entity and read it now."""
        self._stops.append(
            async_track_state_change_event(
                self.hass, self.settings.forecast_entity, self._on_forecast
            )
        )
        self._read(self.hass.states.get(self.settings.forecast_entity))
        now = dt_util.utcnow()
        planned = self._planned_window
        if planned is not None and planned.start <= now < planned.end:
            # Started again inside the planned run's window: it is still the window, not a new
            # one from now (which would be a second run).
            self.window = planned
        self._find(now)

    @callback
    def async_stop(self) -> None:
        """Stop following; no timer left."""
        self._cancel_timers()
        while self._stops:
            self._stops.pop()()

    @callback
    def _on_forecast(self, event: Event[EventStateChangedData]) -> None:
        self._read(event.data["new_state"])
        self._find(dt_util.utcnow())

    def _read(self, state: Any) -> None:
        """The forecast's slots (none, with the reason, when it cannot be read)."""
        forecast = forecast_of(state, self.settings.forecast_attribute)
        self.unit = None if state is None else state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        if forecast is None:
            self.slots, self.problem = [], NO_FORECAST
            return
        try:
            now = dt_util.now()
            self.slots = parse_forecast(forecast, zone=now.tzinfo or dt_util.UTC, today=now.date())
        except ForecastError as err:
            _LOGGER.warning(
                "%s: the forecast of %s cannot be read: %s",
                self.name,
                self.settings.forecast_entity,
                err.reason,
            )
            self.slots, self.problem = [], err.reason
            return
        self.problem = None

    @callback
    def _find(self, now: datetime) -> None:
        """The window from ``now``, unless one is under way; the entities written."""
        if not self.is_on(now):
            self.window = None
            if not self.problem or self.problem == NO_WINDOW:
                self.window = best_window(
                    self.slots, now, self.settings.length, self.settings.horizon
                )
                self.problem = None if self.window is not None else NO_WINDOW
                self._intensity_when_found = intensity_at(self.slots, now)
        self._plan(now)
        self._schedule()
        self.listeners.async_notify()

    def _plan(self, now: datetime) -> None:
        """A window under way has its run recorded as a plan, once (a forecast port only)."""
        window = self.window
        if not self.settings.plans or window is None or not self.is_on(now):
            return
        if self._planned_start == window.start.isoformat():
            return
        assert self.settings.planned_kwh is not None
        run = plan_run(window, self.settings.planned_kwh, self.unit, self._intensity_when_found)
        if run is None:
            _LOGGER.warning(
                "%s: the forecast's unit %s is not an intensity; the run is not recorded",
                self.name,
                self.unit,
            )
            return
        self.planned.add(run.kg)
        self.runs += 1
        self.last_run = run
        self._planned_start = window.start.isoformat()
        self._planned_window = window
        self._load_at_start = self._load_total()
        self.last_run_measured = None
        self._durable.async_mark(self.entry_id, self.record)

    def _measure(self, ended: Window) -> None:
        """The planned run's window ended: the load's carbon over it is the run's measure."""
        if self._load_at_start is None or self._planned_start != ended.start.isoformat():
            return
        now = self._load_total()
        if now is not None and now >= self._load_at_start:
            self.last_run_measured = now - self._load_at_start
        self._load_at_start = None
        self._durable.async_mark(self.entry_id, self.record)

    def _load_total(self) -> float | None:
        """The load's carbon total now (its port's carbon sensor), if it has a number."""
        if self.settings.load_port is None:
            return None
        port = ports_by_number(self.hass).get(self.settings.load_port)
        entity_id = None if port is None else emissions_entity_id(self.hass, port.member_id)
        state = None if entity_id is None else self.hass.states.get(entity_id)
        try:
            return None if state is None else float(state.state)
        except ValueError:
            return None

    def record(self) -> dict[str, Any]:
        """The plans' durable record."""
        run = self.last_run
        return {
            "planned_kg": self.planned.value,
            "runs": self.runs,
            "planned_start": self._planned_start,
            "planned_window": None
            if (planned := self._planned_window) is None
            else [planned.start.isoformat(), planned.end.isoformat(), planned.mean],
            "load_at_start": self._load_at_start,
            "last_run_measured": self.last_run_measured,
            "last_run": None
            if run is None
            else {
                "start": run.start.isoformat(),
                "kwh": run.kwh,
                "intensity": run.intensity,
                "kg": run.kg,
                "promised_saving_kg": run.promised_saving_kg,
            },
        }

    def _restore(self) -> None:
        """The plans the last run left (none for a new window, or a record not readable)."""
        record = self._durable.get(self.entry_id)
        try:
            planned = float(record["planned_kg"])
            runs = int(record["runs"])
            last = record["last_run"]
            run = (
                None
                if last is None
                else PlannedRun(
                    datetime.fromisoformat(last["start"]),
                    float(last["kwh"]),
                    float(last["intensity"]),
                    float(last["kg"]),
                    None
                    if last["promised_saving_kg"] is None
                    else float(last["promised_saving_kg"]),
                )
            )
            planned_start = record["planned_start"]
            load_at_start = _optional(record.get("load_at_start"))
            measured = _optional(record.get("last_run_measured"))
            stored = record.get("planned_window")
            window = (
                None
                if stored is None
                else Window(
                    datetime.fromisoformat(stored[0]),
                    datetime.fromisoformat(stored[1]),
                    float(stored[2]),
                )
            )
        except KeyError, TypeError, ValueError, IndexError:
            return
        self.planned = CompensatedSum(planned)
        self.runs, self.last_run, self._planned_start = runs, run, planned_start
        self._load_at_start, self.last_run_measured = load_at_start, measured
        self._planned_window = window

    def _schedule(self) -> None:
        """Write at the window's start; find the next one at its end."""
        self._cancel_timers()
        window = self.window
        if window is None:
            return
        if window.start > dt_util.utcnow():
            self._timers.append(
                async_track_point_in_utc_time(self.hass, self._on_start, window.start)
            )
        self._timers.append(async_track_point_in_utc_time(self.hass, self._on_end, window.end))

    @callback
    def _on_start(self, now: datetime) -> None:
        self._plan(now)
        self.listeners.async_notify()

    @callback
    def _on_end(self, now: datetime) -> None:
        if self.window is not None:
            self._measure(self.window)
        self.window = None
        self._find(now)

    def _cancel_timers(self) -> None:
        while self._timers:
            self._timers.pop()()

    def describe(self) -> dict[str, Any]:
        """The window and the forecast it came from, for diagnostics."""
        window = self.window
        return {
            "window": None
            if window is None
            else {
                "start": window.start.isoformat(),
                "end": window.end.isoformat(),
                "mean": window.mean,
            },
            "problem": self.problem,
            "slots": len(self.slots),
            "first_slot": self.slots[0].start.isoformat() if self.slots else None,
            "last_slot_end": self.slots[-1].end.isoformat() if self.slots else None,
            "unit": self.unit,
            "plans": self.record() if self.settings.plans else None,
        }


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)
