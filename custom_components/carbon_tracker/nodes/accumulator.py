"""Carbon accumulator for one tracking node: cumulative meter readings in, kilograms CO2e out.

Plain Python with no Home Assistant imports, so the arithmetic is tested on its own and runs in
the benchmark without a running HA. Readings arrive already converted into the unit the factor is
priced in (the HA layer does unit conversion), together with the factor in kg CO2e per that unit.

Rules, in the order they are applied to a reading:

* The first reading only sets the baseline.
* A reading below 90 % of the baseline, or one that comes with a new ``last_reset`` of the source,
  is a meter reset: the new reading counts from zero. The 90 % rule is the one HA's long-term
  statistics use, so the node agrees with the Energy dashboard.
* A smaller dip is jitter: nothing is counted and the baseline stays at the high-water mark, so
  the recovery is not counted a second time.
* With a plausibility limit, a delta larger than ``limit x hours since the last accepted reading``
  is held back, not counted, and the baseline stays; the user decides (count it, or discard it).
* While the factor is unknown (a live intensity entity is unavailable) readings are held too: the
  baseline does not move, so the consumption is priced once the factor is known again.
* After a restart that found the meter back at an older reading of its own (HA restored it from a
  dump older than the node's record), the baseline is held: readings below it count nothing, with
  no 90 % rule, until the meter passes it again. A meter that jumps back to its true reading is
  counted from the baseline, once; one that goes on from its restored reading counts again once
  past it. Either way nothing is counted twice, and what is lost is what the meter forgot.

* A delta or a product that is not a finite number (a corrupted register such as 1e308 kWh at a
  large factor overflows to infinity) is refused: nothing is counted and the baseline stays, as
  for a reading that is not a number. The total therefore always stays finite.

Missing readings (unknown/unavailable sources) never reach this class: skipping them is how an
outage is bridged, because the next valid reading is compared with the last valid one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from math import isfinite
from typing import Any, Final

from ..core.compensated import CompensatedSum

RESET_RATIO: Final = 0.9
SECONDS_PER_HOUR: Final = 3600.0


class Outcome(StrEnum):
    """What a reading did to the accumulator."""

    BASELINE = "baseline"
    COUNTED = "counted"
    RESET = "reset"
    JITTER = "jitter"
    SPIKE = "spike"
    NO_FACTOR = "no_factor"
    # Not a finite number once priced: refused, nothing changes.
    REFUSED = "refused"


@dataclass(slots=True)
class HeldSpike:
    """A reading the plausibility limit refused, waiting for the user's decision."""

    reading: float
    delta: float
    at: float
    # The source's last_reset that came with the reading, recorded once the spike is resolved.
    last_reset: str | None = None


class CarbonAccumulator:
    """Running kg CO2e total of one node.

    The total is kept as a Neumaier-compensated sum so that millions of small deltas stay exact
    to far below a gram.
    """

    __slots__ = (
        "_market",
        "_sum",
        "baseline",
        "baseline_at",
        "held_spike",
        "holding",
        "last_reset",
        "max_delta_per_hour",
    )

    def __init__(
        self,
        total: float = 0.0,
        baseline: float | None = None,
        baseline_at: float | None = None,
        last_reset: str | None = None,
        max_delta_per_hour: float | None = None,
        *,
        market_total: float | None = None,
    ) -> None:
        """Start from a restored total and baseline, or from nothing.

        ``market_total``: a node with a market-based factor also sums each counted increase at
        it (GHG Protocol Scope 2, market-based, beside the location-based total); None: none.
        """
        self._sum = CompensatedSum(total)
        self._market = None if market_total is None else CompensatedSum(market_total)
        self.baseline = baseline
        self.baseline_at = baseline_at
        self.last_reset = last_reset
        self.max_delta_per_hour = max_delta_per_hour
        self.held_spike: HeldSpike | None = None
        # The meter went back to an older reading of its own: readings below the baseline wait.
        self.holding = False

    @property
    def total(self) -> float:
        """Cumulative emissions in kg CO2e."""
        return self._sum.value

    @property
    def market_total(self) -> float | None:
        """Cumulative market-based kg CO2e (None: never priced market-based)."""
        return None if self._market is None else self._market.value

    def _add_market(self, delta: float, market_factor: float | None) -> None:
        if market_factor is None:
            return  # a node priced location-based only
        if self._market is None:
            self._market = CompensatedSum()
        kilograms = delta * market_factor
        if isfinite(self._market.value + kilograms):
            self._market.add(kilograms)

    def reading(
        self,
        value: float,
        at: float,
        factor: float | None,
        last_reset: str | None = None,
        market_factor: float | None = None,
    ) -> Outcome:
        """Take one valid reading (in the factor's unit) seen at ``at`` (seconds).

        ``factor`` is kg CO2e per unit, or None while it is unknown; ``market_factor`` the
        market-based one, when the node has one: the same increase is counted at both.
        """
        if not isfinite(value):
            return Outcome.REFUSED
        baseline = self.baseline
        if baseline is None:
            self._set_baseline(value, at, last_reset)
            return Outcome.BASELINE
        if factor is None:
            return Outcome.NO_FACTOR
        new_cycle = last_reset is not None and last_reset != self.last_reset
        if self.holding:
            if value < baseline and not new_cycle:
                return Outcome.JITTER
            self.holding = False
        reset = new_cycle or value < RESET_RATIO * baseline
        if reset:
            delta = value
        elif value < baseline:
            return Outcome.JITTER
        else:
            delta = value - baseline
        limit = self.max_delta_per_hour
        if limit is not None and delta > 0.0:
            since = self.baseline_at
            hours = (at - since) / SECONDS_PER_HOUR if since is not None else 0.0
            if delta > limit * max(hours, 1.0 / 60.0):
                self.held_spike = HeldSpike(value, delta, at, last_reset)
                return Outcome.SPIKE
        kilograms = delta * factor
        if not (isfinite(delta) and isfinite(kilograms) and isfinite(self._sum.value + kilograms)):
            return Outcome.REFUSED
        self.held_spike = None
        self._sum.add(kilograms)
        if market_factor is not None:
            self._add_market(delta, market_factor)
        self._set_baseline(value, at, last_reset)
        return Outcome.RESET if reset else Outcome.COUNTED

    def _set_baseline(self, value: float, at: float, last_reset: str | None) -> None:
        self.baseline = value
        self.baseline_at = at
        if last_reset is not None:
            self.last_reset = last_reset

    def accept_held_spike(self, factor: float, market_factor: float | None = None) -> float:
        """Count the held spike after all; return the kilograms added.

        At ``factor``, and at ``market_factor`` too for a node priced market-based. A jump too
        large to be a finite number of kilograms cannot be counted: it is discarded.
        """
        spike = self.held_spike
        if spike is None:
            return 0.0
        kilograms = spike.delta * factor
        if not isfinite(self._sum.value + kilograms):
            kilograms = 0.0
        else:
            self._add_market(spike.delta, market_factor)
        self._sum.add(kilograms)
        self._set_baseline(spike.reading, spike.at, spike.last_reset)
        self.held_spike = None
        return kilograms

    def discard_held_spike(self) -> None:
        """Start again from the held reading without counting the jump."""
        spike = self.held_spike
        if spike is None:
            return
        self._set_baseline(spike.reading, spike.at, spike.last_reset)
        self.held_spike = None

    def carry_over(self, kilograms: float) -> None:
        """Add kilograms counted before a power cut that the restored state had not seen yet.

        Restore data can be older than the last total shown; when the meter was also reset during
        the outage, the delta from the old baseline cannot recover that part, so it is carried.
        """
        if kilograms > 0.0 and isfinite(self._sum.value + kilograms):
            self._sum.add(kilograms)

    def reexpress(self, ratio: float | None) -> None:
        """The readings' unit changed: one old unit is ``ratio`` new units (None: not convertible).

        The baseline is scaled so that the next reading is compared like with like and no jump
        is counted; a held jump is dropped, since its delta was measured in the old unit. With no
        known ratio the baseline is forgotten and the next reading starts again.
        """
        if ratio is None:
            self.rebase()
            return
        if self.baseline is not None:
            self.baseline *= ratio
        self.held_spike = None

    def rebase(self) -> None:
        """Forget the baseline (the source was replaced); the total stays."""
        self.baseline = None
        self.baseline_at = None
        self.last_reset = None
        self.held_spike = None
        self.holding = False

    def as_dict(self) -> dict[str, Any]:
        """State to persist across restarts."""
        spike = self.held_spike
        return {
            "total": self.total,
            "baseline": self.baseline,
            "baseline_at": self.baseline_at,
            "last_reset": self.last_reset,
            "holding": self.holding,
            "held_spike": None
            if spike is None
            else {
                "reading": spike.reading,
                "delta": spike.delta,
                "at": spike.at,
                "last_reset": spike.last_reset,
            },
        } | ({} if self._market is None else {"market": self._market.value})

    def as_row(self) -> tuple[Any, ...]:
        """The same state as a plain tuple, for the durable record a factory keeps per node.

        (total, baseline, baseline_at, last_reset, holding, held spike or None), the spike as
        (reading, delta, at, last_reset): a fraction of two dicts in memory and JSON (a list in
        the file). A tuple of numbers and texts is one the garbage collector stops tracking at
        its first pass: thousands of records taken every round never reach its older
        generations, whose full collections walk every object they hold.
        A node priced market-based too has its market-based total as a seventh item.
        """
        spike = self.held_spike
        row = (
            self.total,
            self.baseline,
            self.baseline_at,
            self.last_reset,
            self.holding,
            None if spike is None else (spike.reading, spike.delta, spike.at, spike.last_reset),
        )
        if self._market is not None:
            return (*row, self._market.value)
        return row

    @staticmethod
    def row_as_dict(row: Sequence[Any]) -> dict[str, Any]:
        """A row of :meth:`as_row` in the form :meth:`from_dict` reads (raises on a bad row)."""
        total, baseline, baseline_at, last_reset, holding, spike, *market = row
        if len(market) > 1:
            raise ValueError(row)
        return {
            "total": total,
            "baseline": baseline,
            "baseline_at": baseline_at,
            "last_reset": last_reset,
            "holding": holding,
            "held_spike": None
            if spike is None
            else dict(zip(("reading", "delta", "at", "last_reset"), spike, strict=True)),
            "market": market[0] if market else None,
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], max_delta_per_hour: float | None = None
    ) -> CarbonAccumulator:
        """Rebuild from :meth:`as_dict`; missing keys mean a fresh start."""
        accumulator = cls(
            total=float(data.get("total") or 0.0),
            baseline=_optional_float(data.get("baseline")),
            baseline_at=_optional_float(data.get("baseline_at")),
            last_reset=data.get("last_reset"),
            max_delta_per_hour=max_delta_per_hour,
            market_total=_optional_float(data.get("market")),
        )
        accumulator.holding = bool(data.get("holding", False))
        spike = data.get("held_spike")
        if isinstance(spike, dict):
            accumulator.held_spike = HeldSpike(
                float(spike["reading"]),
                float(spike["delta"]),
                float(spike["at"]),
                spike.get("last_reset"),
            )
        return accumulator


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
