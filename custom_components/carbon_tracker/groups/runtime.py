"""A binding group's engine: follows its members' carbon sensors and keeps the window's error.

The runtime owns the state (window sums, the alarm, which members are missing); the group's
entities register a callback and render it. A member update is O(1): its increase is added to
its side's running sum, the alarm is evaluated on the two sums, and the entities are written at
once, then at most once per interval (core/throttle.py, the nodes' own rule: 5 s; later changes
together, exact), so a 1,000-member group whose meters report every second does not write its
five entities a thousand times a second.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
import logging
from math import isfinite
import time
from typing import Any

from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.exceptions import TemplateError
from homeassistant.helpers.event import (
    TrackTemplate,
    TrackTemplateResult,
    async_track_point_in_utc_time,
    async_track_state_change_event,
    async_track_template_result,
)
from homeassistant.helpers.template import Template
from homeassistant.util import dt as dt_util

from ..core.comparison import GroupError, group_error
from ..core.listeners import Listeners
from ..core.throttle import WriteThrottle
from ..core.units import kilograms_per
from ..core.windows import next_window_start, window_start
from ..durable import durable_records
from .arithmetic import Alarm, Side, Transition, WindowSums
from .notation import show_live
from .settings import GroupSettings

_LOGGER = logging.getLogger(__name__)


type BindingGroupConfigEntry = ConfigEntry[GroupRuntime]
type TransitionHandler = Callable[[GroupRuntime, Transition], None]


@dataclass(frozen=True, slots=True)
class Member:
    """A bound member as the group sees it: its entry, carbon sensor, port and name.

    ``source``: a tracking node's meter. While it is unavailable the member is missing, though
    its carbon sensor still shows the last total (which is right, but says nothing new).
    """

    entry_id: str
    entity_id: str | None
    port: int | None
    name: str
    source: str | None = None


@dataclass(frozen=True, slots=True)
class GroupSnapshot:
    """What a group must remember across restarts."""

    window_start: datetime
    left_kg: float
    right_kg: float
    last_totals: dict[str, float | None]
    alarm_on: bool


class GroupRuntime:
    """The live state of one binding group."""

    __slots__ = (
        "_alarm_armed",
        "_durable",
        "_member_of",
        "_member_of_source",
        "_member_tracker",
        "_notation",
        "_order",
        "_reporting",
        "_source_down",
        "_started",
        "_throttle",
        "_unsubscribes",
        "alarm",
        "entry_id",
        "forecast_error",
        "forecast_kg",
        "hass",
        "listeners",
        "members",
        "missing",
        "name",
        "on_transition",
        "restored",
        "settings",
        "sums",
        "window_end",
        "window_start",
    )

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        name: str,
        settings: GroupSettings,
        *,
        members: Mapping[str, Member],
        on_transition: TransitionHandler,
    ) -> None:
        """Nothing seen yet; the window is the one that holds now."""
        self.hass = hass
        self.entry_id = entry_id
        self.name = name
        self.settings = settings
        self.members = dict(members)
        self.on_transition = on_transition
        self.sums = WindowSums(settings.left, settings.right)
        self.alarm = Alarm(settings.threshold)
        threshold = settings.threshold
        self._alarm_armed = (
            threshold.line_kg is not None
            or threshold.alarm_kg is not None
            or threshold.relative_pct is not None
        )
        self.window_start = window_start(dt_util.utcnow(), settings.window, _zone())
        self.window_end = next_window_start(self.window_start, settings.window, _zone())
        self.forecast_kg: float | None = None
        self.forecast_error: str | None = None
        # Members whose carbon sensor has no number now; each side counts those that report.
        self.missing: set[str] = set(settings.members)
        self._reporting = {Side.LEFT: 0, Side.RIGHT: 0}
        self._member_of = {
            member.entity_id: member.entry_id
            for member in self.members.values()
            if member.entity_id is not None
        }
        # Members' meters, and the members whose meter is unavailable now.
        self._member_of_source = {
            member.source: member.entry_id
            for member in self.members.values()
            if member.source is not None
        }
        self._source_down: set[str] = set()
        self._order = {member: index for index, member in enumerate(settings.members)}
        self._notation = self._show_notation()
        self.listeners = Listeners()
        self._unsubscribes: list[CALLBACK_TYPE] = []
        self._member_tracker: CALLBACK_TYPE | None = None
        # Writes the entities at once, then at most once per interval; a crossing at once.
        self._throttle = WriteThrottle(hass.loop, self.listeners.async_notify)
        # Whether the window's state came back from a record (durable or HA's restore data).
        self.restored = False
        self._durable = durable_records(hass)
        self._started = False

    # -- what the entities show ---------------------------------------------------------------

    @property
    def uses_template(self) -> bool:
        """Whether the forecast is a template rather than members."""
        return self.settings.forecast_template is not None

    def side_kg(self, side: Side) -> float | None:
        """A side's kilograms in this window; None when no member of it reports."""
        if side is Side.LEFT and self.uses_template:
            return self.forecast_kg
        if not self._reporting[side]:
            return None
        return self.sums.sum(side)

    def error(self) -> GroupError | None:
        """The error now; None when a side has nothing reporting."""
        left = self.side_kg(Side.LEFT)
        right = self.side_kg(Side.RIGHT)
        if left is None or right is None:
            return None
        return group_error(self.settings.kind, left, right)

    def within_tolerance(self) -> bool | None:
        """Whether the error is under the threshold line (None: no error or no line)."""
        error = self.error()
        line = self.settings.threshold.line_kg
        if error is None or line is None:
            return None
        return abs(error.kilograms) <= line

    def notation(self) -> str:
        """The group in the method's notation, with the members' ports as they are now.

        Kept as text and rebuilt only when a member changes: the error sensor shows it on
        every write.
        """
        return self._notation

    def _show_notation(self) -> str:
        settings = self.settings
        members = self.members
        return show_live(
            settings.number,
            None if self.uses_template else [members[m].port for m in settings.left],
            [members[m].port for m in settings.right],
        )

    def missing_members(self) -> list[dict[str, Any]]:
        """The members not reporting now, by port and name, in the group's order."""
        order = self._order
        return [
            {"port": self.members[member].port, "name": self.members[member].name}
            for member in sorted(self.missing, key=order.__getitem__)
        ]

    def snapshot(self) -> GroupSnapshot:
        """The state to save."""
        return GroupSnapshot(
            self.window_start,
            self.sums.sum(Side.LEFT),
            self.sums.sum(Side.RIGHT),
            self.sums.last_totals(),
            self.alarm.on,
        )

    def record(self) -> dict[str, Any]:
        """The group's durable record: the window's sums, as a start after a cut continues."""
        return {
            "window_start": self.window_start.isoformat(),
            "left_kg": self.sums.sum(Side.LEFT),
            "right_kg": self.sums.sum(Side.RIGHT),
            "last_totals": self.sums.last_totals(),
            "alarm_on": self.alarm.on,
            "left_cumulative_kg": self.sums.cumulative(Side.LEFT),
            "right_cumulative_kg": self.sums.cumulative(Side.RIGHT),
        }

    def cumulative_kg(self, side: Side) -> float | None:
        """A side's kilograms since the group began; None for a template's forecast."""
        if side is Side.LEFT and self.uses_template:
            return None
        return self.sums.cumulative(side)

    @callback
    def async_restore_durable(self) -> None:
        """Continue from the durable record of the last run, if there is a readable one."""
        record = self._durable.get(self.entry_id)
        try:
            # A record from before the sides' cumulative sums were kept: they begin now.
            self.sums.restore_cumulative(
                _finite_or_zero(record.get("left_cumulative_kg")),
                _finite_or_zero(record.get("right_cumulative_kg")),
            )
        except AttributeError, TypeError, ValueError:
            return
        try:
            snapshot = GroupSnapshot(
                datetime.fromisoformat(record["window_start"]),
                float(record["left_kg"]),
                float(record["right_kg"]),
                {str(key): _optional_float(value) for key, value in record["last_totals"].items()},
                bool(record["alarm_on"]),
            )
        except KeyError, TypeError, ValueError, AttributeError:
            return
        self.async_restore(snapshot)

    # -- life cycle ---------------------------------------------------------------------------

    @callback
    def async_restore(self, stored: GroupSnapshot) -> None:
        """Take back the saved state: the window's sums if it is still the same window.

        The members' last totals are kept in any case, so a member's consumption while HA was
        down lands, once, in the window it reports again in.
        """
        self.restored = True
        same_window = stored.window_start == self.window_start
        self.sums.restore(
            stored.left_kg if same_window else 0.0,
            stored.right_kg if same_window else 0.0,
            stored.last_totals,
        )
        self.alarm.on = stored.alarm_on and same_window
        if stored.alarm_on and not same_window:
            # The window the alarm was about has closed while HA was down.
            self.on_transition(self, Transition.CLEARED)

    @callback
    def async_start(self) -> None:
        """Follow the members (and the template), read them now, and wait for the boundary."""
        hass = self.hass
        self._track_members()
        for source, member in self._member_of_source.items():
            if _is_down(hass.states.get(source)):
                self._source_down.add(member)
        for entity_id, member in self._member_of.items():
            self._take(member, hass.states.get(entity_id))
        if (template := self.settings.forecast_template) is not None:
            tracked = async_track_template_result(
                hass, [TrackTemplate(Template(template, hass), None)], self._on_forecast
            )
            tracked.async_refresh()
            self._unsubscribes.append(tracked.async_remove)
        self._schedule_boundary()
        self._started = True
        self._evaluate()
        self._publish_now()

    def _track_members(self) -> None:
        """Follow the members' carbon sensors and meters (again, when one got a new entity id)."""
        if self._member_tracker is not None:
            self._member_tracker()
            self._member_tracker = None
        if self._member_of or self._member_of_source:
            self._member_tracker = async_track_state_change_event(
                self.hass, [*self._member_of, *self._member_of_source], self._on_member
            )

    @callback
    def async_stop(self) -> None:
        """Stop following; a publication to come is dropped."""
        if self._member_tracker is not None:
            self._member_tracker()
            self._member_tracker = None
        while self._unsubscribes:
            self._unsubscribes.pop()()
        self._throttle.cancel()

    @callback
    def async_member_changed(self, member: Member) -> None:
        """A member's entry or carbon sensor changed: its port, name or entity id.

        A node added at the same start as the group registers its sensor after the group has
        set up, and a user may rename the sensor's entity id: the group follows the new one.
        """
        old = self.members.get(member.entry_id)
        if old is None:
            return
        self.members[member.entry_id] = member
        self._notation = self._show_notation()
        if member.entity_id != old.entity_id or member.source != old.source:
            self._member_of.pop(old.entity_id, None)  # type: ignore[arg-type]
            if member.entity_id is not None:
                self._member_of[member.entity_id] = member.entry_id
            self._member_of_source.pop(old.source, None)  # type: ignore[arg-type]
            self._source_down.discard(member.entry_id)
            if member.source is not None:
                self._member_of_source[member.source] = member.entry_id
                if _is_down(self.hass.states.get(member.source)):
                    self._source_down.add(member.entry_id)
            if self._started:
                self._track_members()
                if member.entity_id is not None:
                    self._take(member.entry_id, self.hass.states.get(member.entity_id))
        if self._started:
            self._publish_now()

    # -- the hot path -------------------------------------------------------------------------

    @callback
    def _on_member(self, event: Event[EventStateChangedData]) -> None:
        data = event.data
        entity_id = data["entity_id"]
        if (member := self._member_of.get(entity_id)) is not None:
            self._take(member, data["new_state"])
        if (member := self._member_of_source.get(entity_id)) is not None:
            self._on_source(member, data["new_state"])

    @callback
    def _on_source(self, member: str, state: State | None) -> None:
        """A member's meter: while it is unavailable the member is missing."""
        down = _is_down(state)
        if down is (member in self._source_down):
            return
        if down:
            self._source_down.add(member)
        else:
            self._source_down.discard(member)
        entity_id = self.members[member].entity_id
        self._take(member, None if entity_id is None else self.hass.states.get(entity_id))

    @callback
    def _take(self, member: str, state: Any) -> None:
        """A member's carbon sensor now: its increase goes to its side."""
        try:
            if member in self._source_down:
                raise ValueError  # its meter says nothing: missing, whatever the sensor shows
            total = float(state.state) * _kilograms_per(
                state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
            )
        except AttributeError, ValueError, KeyError:
            # No state, unavailable or unknown (a node catching up after a start), or a meter
            # that is unavailable.
            if member not in self.missing:
                _LOGGER.info("%s: member %s does not report", self.name, self.members[member].name)
                self.missing.add(member)
                self._reporting[self.sums.side_of(member)] -= 1
                self._evaluate()
                self._publish()
            return
        # A member whose total may go down (state class total: a corrected shipment) is not
        # taken as counting from zero when it does.
        can_decrease = state.attributes.get(ATTR_STATE_CLASS) == SensorStateClass.TOTAL
        if member in self.missing:
            if self._started:
                _LOGGER.info("%s: member %s reports again", self.name, self.members[member].name)
            self.missing.discard(member)
            self._reporting[self.sums.side_of(member)] += 1
            self.sums.update(member, total, can_decrease=can_decrease)
        elif not self.sums.update(member, total, can_decrease=can_decrease):
            return
        self._durable.async_mark(self.entry_id, self.record)
        self._evaluate()
        self._publish()

    @callback
    def _evaluate(self) -> None:
        """Check the alarm against the error now; announce a crossing or a clearing."""
        if not self._alarm_armed or (error := self.error()) is None:
            return
        if (transition := self.alarm.evaluate(error)) is not None:
            _LOGGER.debug(
                "%s: threshold %s (error %.3f kg)", self.name, transition, error.kilograms
            )
            self.on_transition(self, transition)
            self._publish_now()

    @callback
    def _publish(self) -> None:
        """Write the entities now, or once at the end of the interval."""
        self._throttle.request(time.time())

    @callback
    def _publish_now(self) -> None:
        self._throttle.at_once(time.time())

    # -- the forecast template and the window -------------------------------------------------

    @callback
    def _on_forecast(
        self, event: Event[EventStateChangedData] | None, updates: list[TrackTemplateResult]
    ) -> None:
        result = updates[-1].result
        self.forecast_kg, self.forecast_error = _forecast_value(result)
        if self.forecast_error is not None:
            _LOGGER.warning("%s: forecast template: %s", self.name, self.forecast_error)
        self._evaluate()
        self._publish()

    def _schedule_boundary(self) -> None:
        self._unsubscribes.append(
            async_track_point_in_utc_time(self.hass, self._on_boundary, self.window_end)
        )

    @callback
    def _on_boundary(self, now: datetime) -> None:
        """A new window: both sums from zero, each member's last total its baseline."""
        settings = self.settings
        self.window_start = window_start(now, settings.window, _zone())
        self.window_end = next_window_start(self.window_start, settings.window, _zone())
        self.sums.new_window()
        self._durable.async_mark(self.entry_id, self.record)
        _LOGGER.debug("%s: new %s window from %s", self.name, settings.window, self.window_start)
        self._schedule_boundary()
        if self.alarm.on:
            self.alarm.on = False
            self.on_transition(self, Transition.CLEARED)
        self._evaluate()
        self._publish_now()

    def describe(self) -> dict[str, Any]:
        """The group's state for diagnostics."""
        error = self.error()
        return {
            "kind": self.settings.kind.value,
            "notation": self.notation(),
            "window": self.settings.window.value,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "left_kg": self.side_kg(Side.LEFT),
            "right_kg": self.side_kg(Side.RIGHT),
            "error_kg": None if error is None else error.kilograms,
            "error_pct": None if error is None else error.relative_pct,
            "alarm_on": self.alarm.on,
            "missing": sorted(self.missing),
            "last_totals": self.sums.last_totals(),
            "forecast_error": self.forecast_error,
        }


def _kilograms_per(unit: str | None) -> float:
    """Kilograms per unit of a member's sensor; KeyError for a unit that is not a mass.

    A member's carbon sensor shows kg unless the user chose another mass unit for it.
    """
    ratio = kilograms_per(unit)
    if ratio is None:
        raise KeyError(unit)
    return ratio


def _zone() -> Any:
    return dt_util.get_default_time_zone()


def _forecast_value(result: Any) -> tuple[float | None, str | None]:
    """The template's result as kilograms, or why it is not one."""
    if isinstance(result, TemplateError):
        return None, str(result)
    if result is None or str(result).strip().lower() in ("", STATE_UNAVAILABLE, "unknown", "none"):
        return None, None
    try:
        value = float(result)
    except TypeError, ValueError:
        return None, f"not a number: {result!r}"
    if not isfinite(value) or value < 0.0:
        return None, f"not a number of kilograms: {result!r}"
    return value, None


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _finite_or_zero(value: Any) -> float:
    """A stored figure, 0.0 where there is none; ValueError for one that is not finite."""
    found = 0.0 if value is None else float(value)
    if not isfinite(found):
        raise ValueError(found)
    return found


def _is_down(state: State | None) -> bool:
    """Whether a member's meter says nothing now (gone, unavailable or unknown)."""
    return state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN)
