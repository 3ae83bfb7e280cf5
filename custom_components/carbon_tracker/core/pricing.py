"""How a node prices a meter's readings: one rule, for the live node and for history. No HA imports.

A reading in the meter's unit is first expressed in what the node prices: the factor's unit
(kWh read from a Wh meter: times 0.001), or kilograms for a meter that counts carbon itself. The
node counts each increase of that value times the factor in force. History (backfill) prices the
meter's hourly changes by the same two steps, so a history imported from statistics and the same
readings fed live give the same kilograms.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from .carbon_units import carbon_unit_scale
from .compensated import CompensatedSum
from .units import reading_multiplier


def reading_scale(carbon_source: bool, unit: str | None, per_unit: str | None) -> float | None:
    """Multiply a reading in ``unit`` by this to express it in what the node prices.

    ``carbon_source``: the meter counts carbon itself (its readings become kilograms).
    ``per_unit``: the factor's unit (None while a live intensity has not said it). None: the
    reading cannot be priced (a unit of another quantity, or one not known yet).
    """
    if carbon_source:
        return carbon_unit_scale(unit)
    if per_unit is None:
        return None
    return reading_multiplier(unit, per_unit)


def priced_kg(scaled_increase: float, factor: float, carbon_source: bool) -> float:
    """The kilograms of an increase already expressed in what the node prices."""
    return scaled_increase if carbon_source else scaled_increase * factor


def priced_history(
    readings: Sequence[float],
    scale: float,
    factor: float | Sequence[float],
    carbon_source: bool,
) -> list[float]:
    """The kilograms so far after each reading but the first, priced as the live node prices.

    The same operations in the same order as a node fed these readings: each reading scaled,
    the increase times the factor, added to a compensated sum. Every change is priced, as the
    meter's statistics give it. ``factor``: one for every change, or one per change (the
    intensity in force while it happened: each hour's own, for a live intensity's history).
    """
    changes = max(len(readings) - 1, 0)
    factors = [float(factor)] * changes if isinstance(factor, float | int) else list(factor)
    if len(factors) != changes:
        raise ValueError(f"{len(factors)} factors for {changes} changes")
    total = CompensatedSum()
    so_far = []
    for (before, after), price in zip(pairwise(readings), factors, strict=True):
        total.add(priced_kg(after * scale - before * scale, price, carbon_source))
        so_far.append(total.value)
    return so_far
