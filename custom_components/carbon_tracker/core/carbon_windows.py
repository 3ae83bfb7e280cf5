"""The lowest-carbon window of a grid-intensity forecast. No HA imports.

A forecast is a list of slots: a start, an end (UTC) and the grid's intensity over it. The
lowest-carbon window of length L within a horizon H is the start t in [now, now + H - L] whose
mean intensity over [t, t + L) is the lowest. Only a window the forecast covers without a gap is
eligible (a missing slot, a feed that ends too soon): no window is better than one priced on
guesses. The mean of a window is piecewise linear in t, so its lowest value is at a t where t or
t + L meets a slot boundary, or at either end of the range: those are the only starts tried.
Ties go to the earliest start.

A run planned into a window (``plan_run``) is its energy at the window's mean intensity: the
forecast carbon it promised, and the saving promised against running it when the window was
found.

The forecasts read (``parse_forecast``) are the common HA carbon-intensity integrations':

* a list of ``{"from", "to", "intensity_forecast"}`` (Carbon Intensity UK by BottlecapDave: its
  rates events and their ``rates`` attribute);
* a list of ``{"from", "to", "intensity"}`` (carbon_intensity_uk: its ``forecast`` attribute);
* a list of ``{"start", "end", "value"}`` (Target Timeframes' data source, and anything shaped
  like it) or ``{"start", "end", "intensity"}``;
* a mapping ``{"HH:MM": value}`` of today in local time (Energi Data Service's ``emissions``):
  each slot runs to the next key, the last one as long as the shortest step.

Times are ISO 8601 text or datetimes; a time without an offset is in HA's time zone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from math import isfinite
from typing import Any

from .carbon_units import parse_intensity_unit
from .units import reading_multiplier

# The pairs of keys a list item can carry its times in, and the keys of its intensity.
TIME_KEYS = (("from", "to"), ("start", "end"))
VALUE_KEYS = ("intensity_forecast", "intensity", "value")
# Relative difference under which two means are the same (the earlier start wins).
TIE = 1e-12


class ForecastError(ValueError):
    """A forecast that cannot be read; ``reason`` is a translation key."""

    def __init__(self, reason: str) -> None:
        """Why it cannot be read."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Slot:
    """The forecast intensity over [start, end), in the forecast's unit."""

    start: datetime
    end: datetime
    intensity: float


@dataclass(frozen=True, slots=True)
class Window:
    """The lowest-carbon window found, and its mean intensity."""

    start: datetime
    end: datetime
    mean: float


def _instant(value: Any, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ForecastError("forecast_bad_time") from None
    else:
        raise ForecastError("forecast_bad_time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _number(value: Any) -> float | None:
    """A usable intensity, or None (a gap)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if isfinite(number) and number >= 0.0 else None


def _item_slot(item: Mapping[str, Any], zone: tzinfo) -> Slot | None:
    times = next(((a, b) for a, b in TIME_KEYS if a in item and b in item), None)
    value_key = next((key for key in VALUE_KEYS if key in item), None)
    if times is None or value_key is None:
        raise ForecastError("forecast_unknown_format")
    start, end = _instant(item[times[0]], zone), _instant(item[times[1]], zone)
    intensity = _number(item[value_key])
    if intensity is None or end <= start:
        return None
    return Slot(start, end, intensity)


def _clock_slots(values: Mapping[Any, Any], zone: tzinfo, today: date) -> list[Slot]:
    """``{"HH:MM": value}`` of today, local time: each slot runs to the next key."""
    points: list[tuple[datetime, float | None]] = []
    for key, value in values.items():
        try:
            clock = time.fromisoformat(str(key))
        except ValueError:
            raise ForecastError("forecast_unknown_format") from None
        points.append((datetime.combine(today, clock, zone).astimezone(UTC), _number(value)))
    points.sort(key=lambda point: point[0])
    steps = [b[0] - a[0] for a, b in pairwise(points) if b[0] > a[0]]
    if not steps:
        return []
    last_step = min(steps)
    slots = []
    for index, (start, intensity) in enumerate(points):
        end = points[index + 1][0] if index + 1 < len(points) else start + last_step
        if intensity is not None and end > start:
            slots.append(Slot(start, end, intensity))
    return slots


def parse_forecast(value: Any, *, zone: tzinfo, today: date) -> list[Slot]:
    """The slots of a forecast in one of the formats read, by start, without overlaps.

    A slot with no usable intensity (missing, negative, not a number) is left out: a gap. A
    slot that starts inside the one before it starts where that one ends.
    """
    if isinstance(value, Mapping):
        slots = _clock_slots(value, zone, today)
    elif isinstance(value, list | tuple):
        slots = []
        for item in value:
            if not isinstance(item, Mapping):
                raise ForecastError("forecast_unknown_format")
            if (slot := _item_slot(item, zone)) is not None:
                slots.append(slot)
    else:
        raise ForecastError("forecast_unknown_format")
    slots.sort(key=lambda slot: slot.start)
    kept: list[Slot] = []
    for slot in slots:
        if not kept or slot.start >= kept[-1].end:
            kept.append(slot)
        elif slot.end > kept[-1].end:
            kept.append(Slot(kept[-1].end, slot.end, slot.intensity))
    return kept


class _Runs:
    """The forecast's gapless runs of slots, with each run's cumulative integral."""

    def __init__(self, slots: Sequence[Slot]) -> None:
        self.runs: list[tuple[list[float], list[float], list[float]]] = []
        starts: list[float] = []
        ends: list[float] = []
        values: list[float] = []
        for slot in slots:
            start, end = slot.start.timestamp(), slot.end.timestamp()
            if starts and start != ends[-1]:
                self._close(starts, ends, values)
                starts, ends, values = [], [], []
            starts.append(start)
            ends.append(end)
            values.append(slot.intensity)
        if starts:
            self._close(starts, ends, values)

    def _close(self, starts: list[float], ends: list[float], values: list[float]) -> None:
        # edges: the run's slot boundaries; cumulative: the integral up to each edge.
        edges = [*starts, ends[-1]]
        cumulative = [0.0]
        for start, end, value in zip(starts, ends, values, strict=True):
            cumulative.append(cumulative[-1] + value * (end - start))
        self.runs.append((edges, cumulative, values))

    def integral(self, start: float, end: float) -> float | None:
        """The intensity's integral over [start, end), or None where a gap lies in it."""
        for edges, cumulative, values in self.runs:
            if edges[0] <= start and end <= edges[-1]:
                return _up_to(edges, cumulative, values, end) - _up_to(
                    edges, cumulative, values, start
                )
        return None

    def boundaries(self) -> Iterable[float]:
        for edges, _, _ in self.runs:
            yield from edges


def _up_to(edges: list[float], cumulative: list[float], values: list[float], at: float) -> float:
    index = min(bisect_right(edges, at) - 1, len(values) - 1)
    return cumulative[index] + values[index] * (at - edges[index])


def best_window(
    slots: Sequence[Slot], now: datetime, length: timedelta, horizon: timedelta
) -> Window | None:
    """The lowest-carbon window of ``length`` starting in [now, now + horizon - length].

    None when the forecast covers no such window without a gap.
    """
    if length <= timedelta(0) or horizon < length:
        return None
    runs = _Runs(slots)
    seconds = length.total_seconds()
    first, last = now.timestamp(), (now + horizon - length).timestamp()
    # The mean is piecewise linear in the start: its lowest is at a breakpoint or at an end.
    candidates = {first, last}
    for boundary in runs.boundaries():
        for start in (boundary, boundary - seconds):
            if first <= start <= last:
                candidates.add(start)
    best: tuple[float, float] | None = None
    for start in sorted(candidates):
        integral = runs.integral(start, start + seconds)
        if integral is None:
            continue
        mean = integral / seconds
        if best is None or mean < best[1] - TIE * max(abs(best[1]), 1.0):
            best = (start, mean)
    if best is None:
        return None
    begins = datetime.fromtimestamp(best[0], tz=UTC)
    return Window(begins, begins + length, best[1])


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """A run planned into a window: its forecast carbon, and what shifting it promised."""

    start: datetime
    kwh: float
    intensity: float  # the window's mean, in kg CO2e per kWh
    kg: float  # kwh x intensity: the forecast carbon of the run
    promised_saving_kg: float | None  # against running it when the window was found


def kg_per_kwh(mean: float, unit: str | None) -> float | None:
    """A forecast's intensity in kg per kWh; None for a unit that is not an intensity.

    A forecast that says no unit is in g/kWh, as the carbon-intensity services publish.
    """
    if unit is None:
        return mean / 1000.0
    parsed = parse_intensity_unit(unit)
    if parsed is None:
        return None
    per_kwh = reading_multiplier("kWh", parsed.per_unit)
    if per_kwh is None:
        return None
    return mean * parsed.kg_per_mass * per_kwh


def plan_run(
    window: Window, kwh: float, unit: str | None, intensity_when_found: float | None
) -> PlannedRun | None:
    """The run of ``kwh`` planned into ``window``; None when the unit is not an intensity."""
    per_kwh = kg_per_kwh(window.mean, unit)
    if per_kwh is None:
        return None
    then = None if intensity_when_found is None else kg_per_kwh(intensity_when_found, unit)
    saving = None if then is None else kwh * then - kwh * per_kwh
    return PlannedRun(window.start, kwh, per_kwh, kwh * per_kwh, saving)


def intensity_at(slots: Sequence[Slot], moment: datetime) -> float | None:
    """The forecast intensity at ``moment`` (None outside every slot)."""
    return next((slot.intensity for slot in slots if slot.start <= moment < slot.end), None)
