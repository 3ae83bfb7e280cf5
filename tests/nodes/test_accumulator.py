"""Tests for CarbonAccumulator: every rule by example, plus a model-based property test.

The property tests drive the accumulator with a simulated cumulative meter and compare it with an
independent oracle computed from the ground truth in exact arithmetic (fractions.Fraction): the
meter counts whole watt-hours, and each delivered reading prices the consumption that happened since
the previous accepted reading at the factor that comes with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
import json
import math

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.carbon_tracker.nodes.accumulator import (
    CarbonAccumulator,
    HeldSpike,
    Outcome,
)

HOUR = 3600.0


# --------------------------------------------------------------------------------------------------
# Example-based tests, one rule at a time. Numbers are chosen to be exact in binary floating point.
# --------------------------------------------------------------------------------------------------


def test_first_reading_sets_baseline_only() -> None:
    acc = CarbonAccumulator()
    assert acc.reading(1234.5, 10.0, 0.25) is Outcome.BASELINE
    assert acc.total == 0.0
    assert acc.baseline == 1234.5
    assert acc.baseline_at == 10.0
    assert acc.held_spike is None


def test_first_reading_sets_baseline_even_without_factor() -> None:
    acc = CarbonAccumulator()
    assert acc.reading(100.0, 0.0, None, last_reset="A") is Outcome.BASELINE
    assert acc.baseline == 100.0
    assert acc.last_reset == "A"
    assert acc.total == 0.0


def test_increase_is_counted_at_the_factor_of_the_reading() -> None:
    acc = CarbonAccumulator()
    acc.reading(100.0, 0.0, 0.5)
    assert acc.reading(112.5, 60.0, 0.4) is Outcome.COUNTED
    assert acc.total == 12.5 * 0.4 == 5.0
    assert acc.baseline == 112.5
    assert acc.baseline_at == 60.0
    # The next delta is priced at the factor that comes with the next reading.
    assert acc.reading(120.5, 120.0, 2.0) is Outcome.COUNTED
    assert acc.total == 5.0 + 16.0


# A meter's story: (reading, factor, last_reset) after a first reading of 100 at the story's
# factor, each with the outcome and the total (kg) after it, and the baseline at the end.
type Step = tuple[float, float, str | None, Outcome, float]
STORIES: dict[str, tuple[list[Step], float]] = {
    "an unchanged reading counts nothing": ([(100.0, 1.0, None, Outcome.COUNTED, 0.0)], 100.0),
    "below 90 % is a reset counted from zero": (
        [(30.0, 0.5, None, Outcome.RESET, 15.0), (40.0, 0.5, None, Outcome.COUNTED, 20.0)],
        40.0,
    ),
    "just below 90 % of the baseline is a reset": (
        [(89.5, 1.0, None, Outcome.RESET, 89.5)],
        89.5,
    ),
    "just above 90 % is jitter": ([(90.5, 1.0, None, Outcome.JITTER, 0.0)], 100.0),
    "a reset to zero counts nothing, then from zero": (
        [(0.0, 1.0, None, Outcome.RESET, 0.0), (3.0, 1.0, None, Outcome.COUNTED, 3.0)],
        3.0,
    ),
    "a new last_reset is a reset even with a higher reading": (
        [
            (150.0, 0.5, "2024-01-02T00:00:00", Outcome.RESET, 75.0),  # from zero, not 50
            (160.0, 0.5, "2024-01-02T00:00:00", Outcome.COUNTED, 80.0),
        ],
        160.0,
    ),
    "the same or a missing last_reset is not a reset": (
        [(110.0, 1.0, "A", Outcome.COUNTED, 10.0), (120.0, 1.0, None, Outcome.COUNTED, 20.0)],
        120.0,
    ),
    "a small dip is jitter and its recovery is not counted twice": (
        [
            (95.0, 1.0, None, Outcome.JITTER, 0.0),
            (92.0, 1.0, None, Outcome.JITTER, 0.0),
            (100.0, 1.0, None, Outcome.COUNTED, 0.0),
            (101.0, 1.0, None, Outcome.COUNTED, 1.0),
        ],
        101.0,
    ),
}
FIRST_RESET = {
    "a new last_reset is a reset even with a higher reading": "2024-01-01T00:00:00",
    "the same or a missing last_reset is not a reset": "A",
}


@pytest.mark.parametrize("story", STORIES, ids=str)
def test_a_meters_story(story: str) -> None:
    steps, baseline = STORIES[story]
    acc = CarbonAccumulator()
    acc.reading(100.0, 0.0, steps[0][1], last_reset=FIRST_RESET.get(story))
    for at, (reading, factor, last_reset, outcome, total) in enumerate(steps, start=1):
        assert acc.reading(reading, 60.0 * at, factor, last_reset=last_reset) is outcome
        assert acc.total == total
    assert acc.baseline == baseline
    if story in FIRST_RESET:
        # The last reset is the last one a reading named.
        named = [step[2] for step in steps if step[2] is not None]
        assert acc.last_reset == named[-1]


def test_unknown_factor_holds_consumption_until_priced_once() -> None:
    acc = CarbonAccumulator()
    acc.reading(100.0, 0.0, 0.5)
    assert acc.reading(110.0, 60.0, None) is Outcome.NO_FACTOR
    assert acc.total == 0.0
    assert acc.baseline == 100.0
    assert acc.baseline_at == 0.0
    assert acc.reading(120.0, 120.0, None) is Outcome.NO_FACTOR
    assert acc.baseline == 100.0
    # Priced once, at the factor known again.
    assert acc.reading(130.0, 180.0, 0.25) is Outcome.COUNTED
    assert acc.total == 30.0 * 0.25
    assert acc.reading(130.0, 240.0, 0.25) is Outcome.COUNTED
    assert acc.total == 7.5


def test_unknown_factor_does_not_swallow_a_last_reset_reset() -> None:
    acc = CarbonAccumulator()
    acc.reading(100.0, 0.0, 1.0, last_reset="A")
    assert acc.reading(5.0, 60.0, None, last_reset="B") is Outcome.NO_FACTOR
    assert acc.last_reset == "A"
    assert acc.reading(120.0, 120.0, 0.5, last_reset="B") is Outcome.RESET
    assert acc.total == 60.0
    assert acc.last_reset == "B"


def test_spike_above_limit_is_held_and_not_counted() -> None:
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 0.5)
    assert acc.reading(150.0, HOUR, 0.5) is Outcome.SPIKE
    assert acc.held_spike == HeldSpike(reading=150.0, delta=50.0, at=HOUR)
    assert acc.total == 0.0
    assert acc.baseline == 100.0
    assert acc.baseline_at == 0.0


def test_accept_held_spike_counts_it_exactly_once() -> None:
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 0.5)
    acc.reading(150.0, HOUR, 0.5)
    assert acc.accept_held_spike(0.25) == 12.5
    assert acc.total == 12.5
    assert acc.held_spike is None
    assert acc.baseline == 150.0
    assert acc.baseline_at == HOUR
    # A second accept has nothing left to count.
    assert acc.accept_held_spike(0.25) == 0.0
    assert acc.total == 12.5
    # Counting continues from the spike's reading.
    assert acc.reading(155.0, 2 * HOUR, 0.5) is Outcome.COUNTED
    assert acc.total == 15.0


def test_discard_held_spike_rebaselines_without_counting() -> None:
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 0.5)
    acc.reading(150.0, HOUR, 0.5)
    acc.discard_held_spike()
    assert acc.total == 0.0
    assert acc.held_spike is None
    assert acc.baseline == 150.0
    assert acc.baseline_at == HOUR
    acc.discard_held_spike()  # nothing held: no effect
    assert acc.baseline == 150.0
    assert acc.reading(155.0, 2 * HOUR, 0.5) is Outcome.COUNTED
    assert acc.total == 2.5


def test_reading_within_limit_after_held_spike_is_counted_and_clears_it() -> None:
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 1.0)
    assert acc.reading(150.0, HOUR, 1.0) is Outcome.SPIKE
    # The jump was a glitch: the next reading is back within the limit of the baseline.
    assert acc.reading(105.0, 2 * HOUR, 1.0) is Outcome.COUNTED
    assert acc.held_spike is None
    assert acc.total == 5.0
    assert acc.baseline == 105.0
    # Accepting afterwards has nothing to count.
    assert acc.accept_held_spike(1.0) == 0.0
    assert acc.total == 5.0


def test_jitter_and_unknown_factor_keep_a_held_spike() -> None:
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 1.0)
    acc.reading(150.0, HOUR, 1.0)
    assert acc.reading(95.0, 2 * HOUR, 1.0) is Outcome.JITTER
    assert acc.reading(151.0, 2 * HOUR, None) is Outcome.NO_FACTOR
    assert acc.held_spike == HeldSpike(150.0, 50.0, HOUR)


def test_limit_scales_with_hours_since_last_accepted_reading() -> None:
    held = CarbonAccumulator(max_delta_per_hour=10.0)
    held.reading(100.0, 0.0, 1.0)
    assert held.reading(125.0, 2 * HOUR, 1.0) is Outcome.SPIKE  # 25 > 10 x 2

    counted = CarbonAccumulator(max_delta_per_hour=10.0)
    counted.reading(100.0, 0.0, 1.0)
    assert counted.reading(125.0, 3 * HOUR, 1.0) is Outcome.COUNTED  # 25 <= 10 x 3
    assert counted.total == 25.0

    # Time spent in jitter or without a factor does not move the window's start.
    later = CarbonAccumulator(max_delta_per_hour=10.0)
    later.reading(100.0, 0.0, 1.0)
    assert later.reading(95.0, HOUR, 1.0) is Outcome.JITTER
    assert later.reading(110.0, 2 * HOUR, None) is Outcome.NO_FACTOR
    assert later.reading(125.0, 3 * HOUR, 1.0) is Outcome.COUNTED
    assert later.total == 25.0


def test_limit_window_is_at_least_one_minute() -> None:
    acc = CarbonAccumulator(max_delta_per_hour=60.0)  # one unit a minute
    acc.reading(100.0, 0.0, 1.0)
    assert acc.reading(100.75, 1.0, 1.0) is Outcome.COUNTED
    assert acc.total == 0.75
    assert acc.reading(102.0, 2.0, 1.0) is Outcome.SPIKE  # 1.25 in a second > 1 a minute
    assert acc.total == 0.75


def test_limit_applies_to_a_reset_delta_too() -> None:
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 1.0)
    assert acc.reading(50.0, HOUR, 0.5) is Outcome.SPIKE
    assert acc.held_spike == HeldSpike(50.0, 50.0, HOUR)
    assert acc.accept_held_spike(0.5) == 25.0
    assert acc.baseline == 50.0
    assert acc.reading(52.0, 2 * HOUR, 0.5) is Outcome.COUNTED
    assert acc.total == 26.0


def test_limit_is_not_applied_to_jitter_or_zero_delta() -> None:
    acc = CarbonAccumulator(max_delta_per_hour=0.0)
    acc.reading(100.0, 0.0, 1.0)
    assert acc.reading(100.0, 1.0, 1.0) is Outcome.COUNTED
    assert acc.reading(99.0, 2.0, 1.0) is Outcome.JITTER
    assert acc.reading(100.5, 3.0, 1.0) is Outcome.SPIKE
    assert acc.total == 0.0


def test_accepting_held_spike_of_last_reset_reset_is_not_counted_again() -> None:
    """Once a spike held on a ``last_reset`` reset is accepted, the next reading is no reset."""
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 1.0, last_reset="A")
    assert acc.reading(50.0, HOUR, 1.0, last_reset="B") is Outcome.SPIKE
    assert acc.accept_held_spike(1.0) == 50.0
    # The meter went on from 50 to 55 in the same reset period "B": 5 more, not 55.
    assert acc.reading(55.0, 11 * HOUR, 1.0, last_reset="B") is Outcome.COUNTED
    assert acc.total == 55.0


def test_discarding_held_spike_of_last_reset_reset_rebaselines_in_the_new_period() -> None:
    """After discarding such a spike, the next reading of the same period counts from the spike."""
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 1.0, last_reset="A")
    assert acc.reading(50.0, HOUR, 1.0, last_reset="B") is Outcome.SPIKE
    acc.discard_held_spike()
    assert acc.reading(55.0, 11 * HOUR, 1.0, last_reset="B") is Outcome.COUNTED
    assert acc.total == 5.0


def test_rebase_keeps_total_and_next_reading_is_a_baseline() -> None:
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 1.0, last_reset="A")
    acc.reading(104.0, HOUR, 1.0, last_reset="A")
    acc.reading(200.0, 2 * HOUR, 1.0, last_reset="A")  # held spike
    assert acc.held_spike is not None
    acc.rebase()
    assert acc.total == 4.0
    assert acc.baseline is None
    assert acc.baseline_at is None
    assert acc.last_reset is None
    assert acc.held_spike is None
    # The replacement source starts somewhere else entirely: not a reset, not counted.
    assert acc.reading(5000.0, 3 * HOUR, 1.0, last_reset="X") is Outcome.BASELINE
    assert acc.total == 4.0
    assert acc.last_reset == "X"
    assert acc.reading(5002.0, 4 * HOUR, 1.0, last_reset="X") is Outcome.COUNTED
    assert acc.total == 6.0


def test_restored_total_is_kept_and_extended() -> None:
    acc = CarbonAccumulator(total=12.5, baseline=100.0, baseline_at=0.0, last_reset="A")
    assert acc.total == 12.5
    assert acc.reading(110.0, 60.0, 0.5, last_reset="A") is Outcome.COUNTED
    assert acc.total == 17.5


@pytest.mark.parametrize("through_json", [False, True])
def test_as_dict_from_dict_round_trip_with_held_spike(through_json: bool) -> None:
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 0.5, last_reset="A")
    acc.reading(101.5, HOUR, 0.5, last_reset="A")
    acc.reading(180.0, 2 * HOUR, 0.5, last_reset="A")
    state = acc.as_dict()
    assert state == {
        "total": 0.75,
        "baseline": 101.5,
        "baseline_at": HOUR,
        "last_reset": "A",
        "holding": False,
        "held_spike": {"reading": 180.0, "delta": 78.5, "at": 2 * HOUR, "last_reset": "A"},
    }
    if through_json:
        state = json.loads(json.dumps(state))
    restored = CarbonAccumulator.from_dict(state, max_delta_per_hour=10.0)
    assert restored.total == 0.75
    assert restored.baseline == 101.5
    assert restored.baseline_at == HOUR
    assert restored.last_reset == "A"
    assert restored.max_delta_per_hour == 10.0
    assert restored.held_spike == HeldSpike(180.0, 78.5, 2 * HOUR, "A")
    assert restored.as_dict() == acc.as_dict()
    # The held spike is counted exactly once after the restart, and the same last_reset is no reset.
    assert restored.accept_held_spike(0.5) == 39.25
    assert restored.total == 40.0
    assert restored.reading(181.0, 3 * HOUR, 0.5, last_reset="A") is Outcome.COUNTED
    assert restored.total == 40.5


@pytest.mark.parametrize("through_json", [False, True])
def test_held_spike_of_last_reset_reset_survives_a_restart(through_json: bool) -> None:
    acc = CarbonAccumulator(max_delta_per_hour=10.0)
    acc.reading(100.0, 0.0, 1.0, last_reset="A")
    assert acc.reading(50.0, HOUR, 1.0, last_reset="B") is Outcome.SPIKE
    state = acc.as_dict()
    if through_json:
        state = json.loads(json.dumps(state))
    restored = CarbonAccumulator.from_dict(state, max_delta_per_hour=10.0)
    assert restored.last_reset == "A"
    assert restored.held_spike == HeldSpike(50.0, 50.0, HOUR, "B")
    assert restored.accept_held_spike(1.0) == 50.0
    assert restored.last_reset == "B"
    assert restored.reading(55.0, 11 * HOUR, 1.0, last_reset="B") is Outcome.COUNTED
    assert restored.total == 55.0


def test_from_dict_reads_a_held_spike_stored_without_last_reset() -> None:
    state = {
        "total": 1.5,
        "baseline": 100.0,
        "baseline_at": 0.0,
        "last_reset": "A",
        "holding": False,
        "held_spike": {"reading": 150.0, "delta": 50.0, "at": HOUR},
    }
    restored = CarbonAccumulator.from_dict(state, max_delta_per_hour=10.0)
    assert restored.held_spike == HeldSpike(150.0, 50.0, HOUR, None)
    restored.discard_held_spike()
    assert restored.baseline == 150.0
    assert restored.last_reset == "A"
    assert restored.total == 1.5
    assert restored.reading(151.0, 2 * HOUR, 1.0, last_reset="A") is Outcome.COUNTED
    assert restored.total == 2.5


def test_from_dict_without_held_spike_or_keys_is_a_fresh_start() -> None:
    acc = CarbonAccumulator()
    acc.reading(10.0, 0.0, 1.0)
    acc.reading(12.0, 60.0, 1.0)
    restored = CarbonAccumulator.from_dict(json.loads(json.dumps(acc.as_dict())))
    assert restored.as_dict() == {
        "total": 2.0,
        "baseline": 12.0,
        "baseline_at": 60.0,
        "last_reset": None,
        "holding": False,
        "held_spike": None,
    }
    assert restored.max_delta_per_hour is None

    empty = CarbonAccumulator.from_dict({})
    assert empty.total == 0.0
    assert empty.baseline is None
    assert empty.held_spike is None
    assert empty.reading(50.0, 0.0, 1.0) is Outcome.BASELINE
    assert empty.total == 0.0


def test_compensated_sum_of_many_small_deltas() -> None:
    """1e5 deltas of 0.001 kWh at 0.1 kg/kWh add up to the exact result within 1e-12 kg."""
    factor = 0.1
    acc = CarbonAccumulator()
    acc.reading(0.0, 0.0, factor)
    steps = 100_000
    for i in range(1, steps + 1):
        assert acc.reading(i / 1000, float(i), factor) is Outcome.COUNTED
    # The deltas telescope: exactly (last reading - first reading) x factor.
    expected = Fraction(steps / 1000) * Fraction(factor)
    assert abs(Fraction(acc.total) - expected) <= Fraction(1, 10**12)
    assert acc.as_dict()["total"] == acc.total


def test_compensated_sum_keeps_small_deltas_on_a_large_total() -> None:
    """Tiny additions to a large restored total must not be rounded away one by one."""
    start = 123_456.789
    factor = 0.1
    acc = CarbonAccumulator(total=start)
    acc.reading(0.0, 0.0, factor)
    steps = 100_000
    naive = start
    for i in range(1, steps + 1):
        acc.reading(i / 1000, float(i), factor)
        naive += (i / 1000 - (i - 1) / 1000) * factor
    expected = Fraction(start) + Fraction(steps / 1000) * Fraction(factor)
    error = abs(Fraction(acc.total) - expected)
    # Within one unit in the last place of the total (~1.5e-11 kg here) ...
    assert error <= Fraction(3, 10**11)
    # ... and far better than plain float summation, which drifts by orders of magnitude more.
    assert abs(Fraction(naive) - expected) > 1000 * error


# --------------------------------------------------------------------------------------------------
# Model-based property tests.
# --------------------------------------------------------------------------------------------------

WH_IN_KWH = Fraction(1, 1000)


def reading_in_kwh(meter_wh: int, unit: str) -> float:
    """What the sensor reports for the meter in ``unit``, converted by the caller to kWh."""
    if unit == "kWh":
        return meter_wh / 1000
    if unit == "Wh":
        reported = float(meter_wh)
        return reported / 1000
    if unit == "MWh":
        reported = meter_wh / 1_000_000
        return reported * 1000
    if unit == "MJ":
        reported = meter_wh * 0.0036
        return reported / 3.6
    raise AssertionError(unit)


def near(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


@dataclass
class MeterScenario:
    """Ground truth of a cumulative meter and the exact emissions an ideal tracker reports.

    ``pending_wh`` is the consumption since the last reading the tracker accepted; the oracle prices
    it at the factor of the reading that is accepted next.
    """

    acc: CarbonAccumulator
    uses_last_reset: bool
    limit: float | None
    expected: Fraction = Fraction(0)
    now: float = 0.0
    meter_wh: int = 0
    pending_wh: int = 0
    base_wh: int | None = None  # true meter at the last accepted reading
    base_value: float | None = None  # that reading as delivered
    base_at: float | None = None
    reset_pending: bool = False
    period: int = 0
    last_total: float = 0.0

    def _last_reset(self) -> str | None:
        return f"period-{self.period}" if self.uses_last_reset else None

    def check(self) -> None:
        total = self.acc.total
        assert total >= self.last_total, "total decreased"
        self.last_total = total
        assert self.acc.baseline == self.base_value

    def _accept(self, value: float, priced_at: float | None) -> None:
        if priced_at is not None:
            self.expected += self.pending_wh * WH_IN_KWH * Fraction(priced_at)
        self.base_wh = self.meter_wh
        self.base_value = value
        self.base_at = self.now
        self.pending_wh = 0
        self.reset_pending = False

    def deliver(self, unit: str, factor: float | None, decision: str) -> None:
        value = reading_in_kwh(self.meter_wh, unit)
        outcome = self.acc.reading(value, self.now, factor, self._last_reset())
        if self.base_wh is None:
            assert outcome is Outcome.BASELINE
            self._accept(value, None)
            return
        if factor is None:
            assert outcome is Outcome.NO_FACTOR
            return

        allowed = {Outcome.COUNTED}
        if self.reset_pending and (self.uses_last_reset or self.base_wh > 0):
            allowed = {Outcome.RESET}
        elif self.pending_wh == 0:
            # The same meter value delivered in another unit may round an ulp lower.
            allowed.add(Outcome.JITTER)
        delta = float(self.pending_wh * WH_IN_KWH)
        if self.limit is not None and self.pending_wh > 0:
            assert self.base_at is not None
            hours = max((self.now - self.base_at) / HOUR, 1 / 60)
            threshold = self.limit * hours
            if near(delta, threshold):
                allowed.add(Outcome.SPIKE)
            elif delta > threshold:
                allowed = {Outcome.SPIKE}
        assert outcome in allowed, (outcome, allowed)

        if outcome is Outcome.JITTER:
            assert self.pending_wh == 0
            return
        if outcome is not Outcome.SPIKE:
            assert self.acc.held_spike is None
            self._accept(value, factor)
            return

        spike = self.acc.held_spike
        assert spike is not None
        assert spike.reading == value
        assert spike.at == self.now
        assert near(spike.delta, delta)
        if decision == "accept":
            kilograms = self.acc.accept_held_spike(factor)
            assert near(kilograms, delta * factor)
            assert self.acc.held_spike is None
            self._accept(value, factor)
        elif decision == "discard":
            self.acc.discard_held_spike()
            assert self.acc.held_spike is None
            self._accept(value, None)  # the user threw this consumption away
        # "leave": the spike stays held; its consumption is still pending.

    def consume(  # noqa: PLR0917
        self, wh: int, delivered: bool, unit: str, factor: float | None, dt: int, decision: str
    ) -> None:
        self.now += dt
        if self.reset_pending and not self.uses_last_reset and self.base_wh:
            # The 90 % rule can only see the reset while the meter stays well below the baseline.
            cap = self.base_wh * 8 // 10
            wh = max(0, min(wh, cap - self.meter_wh))
        self.meter_wh += wh
        self.pending_wh += wh
        if delivered:
            self.deliver(unit, factor, decision)
        self.check()

    def jitter(self, fraction: float, factor: float | None, dt: int) -> None:
        self.now += dt
        if self.base_value is None or self.base_value <= 0 or self.reset_pending:
            return
        value = self.base_value * (1 - fraction)
        outcome = self.acc.reading(value, self.now, factor, self._last_reset())
        assert outcome is (Outcome.JITTER if factor is not None else Outcome.NO_FACTOR)
        self.check()

    def reset(self, unit: str, factor: float, decision: str) -> None:
        if self.base_wh is not None:
            # A last reading of the old period, so none of its consumption is lost in the reset.
            self.deliver(unit, factor, decision)
            assert self.pending_wh == 0
            self.reset_pending = True
        self.meter_wh = 0
        self.period += 1
        self.check()

    def restart(self, through_json: bool) -> None:
        state = self.acc.as_dict()
        if through_json:
            state = json.loads(json.dumps(state))
        before = self.acc.total
        self.acc = CarbonAccumulator.from_dict(state, max_delta_per_hour=self.limit)
        assert self.acc.total == before
        self.check()

    def run(self, events: list[tuple]) -> None:
        for kind, *args in events:
            getattr(self, kind)(*args)
        assert abs(Fraction(self.acc.total) - self.expected) <= Fraction(1, 10**9)


factors = st.one_of(
    st.sampled_from([0.0, 0.1, 0.233, 0.5, 1.0, 9.99]),
    st.floats(min_value=0.0, max_value=10.0, allow_nan=False, allow_infinity=False),
)
maybe_factors = st.one_of(st.none(), factors, factors)
units = st.sampled_from(["kWh", "Wh", "MWh", "MJ"])
decisions = st.sampled_from(["accept", "discard", "leave"])
flush_decisions = st.sampled_from(["accept", "discard"])


def consume_events() -> st.SearchStrategy[tuple]:
    return st.tuples(
        st.just("consume"),
        st.one_of(st.just(0), st.integers(0, 1000), st.integers(0, 50_000)),  # Wh
        st.booleans(),  # delivered, or lost in an unavailable gap
        units,
        maybe_factors,
        st.integers(1, 7200),  # seconds since the previous event
        decisions,
    )


def jitter_events() -> st.SearchStrategy[tuple]:
    return st.tuples(
        st.just("jitter"),
        st.floats(min_value=0.001, max_value=0.09),  # dip below the high-water mark
        maybe_factors,
        st.integers(1, 600),
    )


reset_events = st.tuples(st.just("reset"), units, factors, flush_decisions)
restart_events = st.tuples(st.just("restart"), st.booleans())  # through JSON or not

# Weighted towards consumption by listing it several times (as distinct strategy objects).
event = st.one_of(
    *(consume_events() for _ in range(5)),
    *(jitter_events() for _ in range(2)),
    reset_events,
    restart_events,
)
events = st.lists(event, min_size=10, max_size=50)


@settings(max_examples=300, deadline=None)
@given(
    uses_last_reset=st.booleans(),
    limit=st.sampled_from([None, 1e12]),
    scenario=events,
)
def test_matches_exact_oracle_on_random_meter_histories(
    uses_last_reset: bool, limit: float | None, scenario: list[tuple]
) -> None:
    """Gaps, jitter, resets, unit and factor changes, restarts: every Wh is priced exactly once."""
    MeterScenario(CarbonAccumulator(max_delta_per_hour=limit), uses_last_reset, limit).run(scenario)


@settings(max_examples=300, deadline=None)
@given(
    uses_last_reset=st.booleans(),
    limit=st.floats(min_value=0.5, max_value=200.0),
    scenario=events,
)
def test_held_spikes_are_counted_once_or_dropped_on_random_meter_histories(
    uses_last_reset: bool, limit: float, scenario: list[tuple]
) -> None:
    """With a tight plausibility limit, accepted spikes count once and discarded ones not at all."""
    MeterScenario(CarbonAccumulator(max_delta_per_hour=limit), uses_last_reset, limit).run(scenario)


# --------------------------------------------------------------------------------------------------
# Readings whose carbon is not a finite number
# --------------------------------------------------------------------------------------------------


def test_a_corrupted_register_is_refused_and_the_total_stays_finite() -> None:
    """1e308 kWh at 1000 kg/kWh overflows: refused like a non-number, counting goes on."""
    accumulator = CarbonAccumulator()
    accumulator.reading(100.0, 0.0, 1000.0)
    assert accumulator.reading(1e308, 60.0, 1000.0) is Outcome.REFUSED
    assert accumulator.total == 0.0
    assert accumulator.baseline == 100.0
    assert accumulator.reading(101.0, 120.0, 1000.0) is Outcome.COUNTED
    assert accumulator.total == 1000.0


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_a_reading_that_is_not_finite_is_refused(value: float) -> None:
    accumulator = CarbonAccumulator()
    assert accumulator.reading(value, 0.0, 1.0) is Outcome.REFUSED
    assert accumulator.baseline is None
    accumulator.reading(5.0, 0.0, 1.0)
    assert accumulator.reading(value, 1.0, 1.0) is Outcome.REFUSED
    assert accumulator.baseline == 5.0


def test_a_total_that_would_overflow_is_refused() -> None:
    accumulator = CarbonAccumulator(total=1.5e308, baseline=0.0)
    assert accumulator.reading(1e308, 1.0, 1.0) is Outcome.REFUSED
    assert accumulator.total == 1.5e308


def test_an_overflowing_held_jump_is_discarded_when_counted() -> None:
    accumulator = CarbonAccumulator(
        total=1.0, baseline=0.0, baseline_at=0.0, max_delta_per_hour=1.0
    )
    assert accumulator.reading(1e308, 3600.0, 1e10) is Outcome.SPIKE
    assert accumulator.accept_held_spike(1e10) == 0.0
    assert accumulator.total == 1.0
    assert accumulator.baseline == 1e308
    assert accumulator.held_spike is None


@given(
    st.lists(
        st.one_of(
            st.floats(min_value=0.0, max_value=1e6, allow_nan=False),
            st.sampled_from([1e300, 1e308, float("inf"), float("nan")]),
        ),
        max_size=40,
    ),
    st.sampled_from([0.5, 1000.0, 1e10]),
)
def test_the_total_is_always_finite(readings: list[float], factor: float) -> None:
    accumulator = CarbonAccumulator()
    for at, value in enumerate(readings):
        accumulator.reading(value, float(at), factor)
        assert math.isfinite(accumulator.total)


# --------------------------------------------------------------------------------------------------
# Re-expressing the baseline in another unit
# --------------------------------------------------------------------------------------------------


def test_reexpress_scales_the_baseline_and_drops_a_held_jump() -> None:
    accumulator = CarbonAccumulator(baseline=1500.0, baseline_at=0.0, max_delta_per_hour=1.0)
    accumulator.reading(1600.0, 60.0, 1.0)
    assert accumulator.held_spike is not None
    accumulator.reexpress(0.001)
    assert accumulator.baseline == pytest.approx(1.5)
    assert accumulator.held_spike is None


def test_reexpress_without_a_ratio_forgets_the_baseline() -> None:
    accumulator = CarbonAccumulator(total=3.0, baseline=1500.0)
    accumulator.reexpress(None)
    assert accumulator.baseline is None
    assert accumulator.total == 3.0


def test_holding_after_a_meter_went_back_counts_nothing_until_passed() -> None:
    """A held baseline: no reading below it counts (no 90 % reset either), nor a repeat of it;
    past it counting goes on from it, and a new last_reset is a new cycle at once."""
    acc = CarbonAccumulator(total=20.0, baseline=100.0)
    acc.holding = True
    for value in (60.0, 80.0, 99.75):
        assert acc.reading(value, 0.0, 0.5) is Outcome.JITTER
    assert (acc.total, acc.baseline) == (20.0, 100.0)
    restored = CarbonAccumulator.from_dict(acc.as_dict())
    assert restored.holding
    assert acc.reading(104.0, 0.0, 0.5) is Outcome.COUNTED
    assert acc.total == 22.0
    assert not acc.holding
    held = CarbonAccumulator(total=20.0, baseline=100.0)
    held.holding = True
    assert held.reading(3.0, 0.0, 0.5, last_reset="new") is Outcome.RESET
    assert held.total == 21.5
    held.holding = True
    held.rebase()
    assert not held.holding
