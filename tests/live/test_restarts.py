"""Restarts of a real Home Assistant process: the carbon total stays exact and never drops.

One configuration folder runs every scenario in sequence on one tracking node at 0.5 kg CO2e/kWh:
a clean restart, ``kill -9`` in the middle of a burst of readings, a restart while the meter is
unavailable, and a meter reset during the downtime. Then it waits for one short-term statistics
compile, so that the recorder's states and statistics are checked against the exact carbon worked
out from what was fed. The run happens once, in the ``run`` fixture; each test checks one part.

The carbon sensor may show ``unknown`` after a restart until the first reading has been priced;
what it must never do is show a number other than the exact total, in particular an older
restored total (HA's statistics would take the drop for a meter reset and count the climb back a
second time).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
import math
from pathlib import Path
import time
from typing import Any

import pytest

from custom_components.carbon_tracker.core.throttle import WRITE_INTERVAL
from devtools.live import LiveHass, RecordedState, StatisticsRow

FACTOR = 0.5  # kg CO2e per kWh
METER = "sensor.grid_meter"
CARBON = "sensor.grid_energy_carbon_emissions"
NODE = (
    "Grid energy",
    METER,
    1,
    {"factor_mode": "custom", "factor_value": FACTOR, "factor_unit": "kWh"},
)
METER_ATTRIBUTES = {
    "unit_of_measurement": "kWh",
    "state_class": "total_increasing",
    "device_class": "energy",
}
HOST = "127.0.0.1"
TOLERANCE = 1e-9  # kg; every reading is a multiple of 0.25 kWh, so the sums are exact anyway
PERIOD = 300.0  # s, one short-term statistics period
# The period of the last reading ends within 5 minutes and is compiled 10 s after its end.
STATISTICS_WAIT = 7 * 60.0
# A carbon state shows every reading up to the moment it was written, readings are milliseconds
# apart at least ...
SLACK = 1e-4
# ... and a change is written at once, or with the other changes of its interval at the interval's
# end; the first reading after a restart may be priced a moment later (a meter reset during the
# downtime makes the node look up its last total in the recorder first).
SETTLE = WRITE_INTERVAL + 5.0  # s

CLEAN = "clean restart"
KILL = "kill -9 in a burst"
UNAVAILABLE = "restart while the meter is unavailable"
RESET = "meter reset during the downtime"


def _number(state: str | None) -> float | None:
    """The state as a statistics compile reads it: a finite number, or None (skipped)."""
    try:
        value = float(state)  # type: ignore[arg-type]
    except TypeError, ValueError:
        return None
    return value if math.isfinite(value) else None


def _timestamp(state: dict[str, Any]) -> float:
    return datetime.fromisoformat(state["last_updated"]).timestamp()


class Ledger:
    """What was fed to the meter, and the exact carbon it gives by the README's rules."""

    def __init__(self) -> None:
        self.baseline: float | None = None
        self.carbon = 0.0
        self.times: list[float] = []  # when each reading was set (its last_updated)
        self.totals: list[float] = []  # the exact total from that moment on

    def reading(self, value: float, at: float) -> None:
        if self.baseline is not None:
            if value < 0.9 * self.baseline:
                # A meter reset: the new meter's reading is counted from zero.
                self.carbon += value * FACTOR
            else:
                assert value >= self.baseline, "the scenarios feed no jitter"
                self.carbon += (value - self.baseline) * FACTOR
        self.baseline = value
        self.times.append(at)
        self.totals.append(self.carbon)

    def carbon_at(self, timestamp: float) -> float:
        """The exact total at a moment."""
        index = bisect_right(self.times, timestamp + SLACK)
        return self.totals[index - 1] if index else 0.0


@dataclass
class Check:
    """What the carbon sensor showed at one point, against the exact total."""

    what: str
    expected: float
    shown: str | None
    # Right after a restart, before a reading was priced, the sensor may show nothing numeric.
    may_be_unknown: bool = False

    @property
    def ok(self) -> bool:
        value = _number(self.shown)
        if value is None:
            return self.may_be_unknown
        return abs(value - self.expected) <= TOLERANCE


@dataclass
class Start:
    """What one started Home Assistant looked like."""

    listening: set[tuple[str, int]]
    open_issues: list[dict[str, Any]]


@dataclass
class Run:
    """Everything the scenarios observed; the tests judge it."""

    live: LiveHass
    ledger: Ledger = field(default_factory=Ledger)
    checks: dict[str, list[Check]] = field(default_factory=dict)
    starts: list[Start] = field(default_factory=list)
    # Issues in .storage/repairs.issue_registry after each clean stop.
    stored_issues: list[list[dict[str, Any]]] = field(default_factory=list)
    # (how, exit code) of every stop and kill.
    exits: list[tuple[str, int]] = field(default_factory=list)
    meter_after_restart: dict[str, Any] | None = None
    last_reading_at: float = 0.0
    statistics_wait_s: float = 0.0
    states: list[RecordedState] = field(default_factory=list)
    statistics: list[StatisticsRow] = field(default_factory=list)

    # --- driving -------------------------------------------------------------------------------

    def start(self) -> None:
        self.live.start()
        self.starts.append(Start(self.live.listening(), self.live.repair_issues()))

    def stop(self) -> None:
        self.exits.append(("stop", self.live.stop()))
        self.stored_issues.append(self.live.stored_repair_issues())

    def feed(self, scenario: str, value: float, *, settle: bool = True) -> None:
        state = self.live.set_state(METER, value, METER_ATTRIBUTES)
        self.last_reading_at = _timestamp(state)
        self.ledger.reading(value, self.last_reading_at)
        self.check(scenario, f"after a reading of {value} kWh", settle=settle)

    def feed_missing(self, scenario: str, value: str, *, after_restart: bool) -> None:
        """A state that is no reading: the total stays, but after a restart none is due yet."""
        self.live.set_state(METER, value, METER_ATTRIBUTES)
        self.check(scenario, f"after the meter went {value}", may_be_unknown=after_restart)

    def check(
        self, scenario: str, what: str, *, may_be_unknown: bool = False, settle: bool = True
    ) -> None:
        """What the sensor shows now, against the exact total.

        Settled: wait (bounded) for the reading to be priced and written; the sensor writes a
        change at once, then at most once per WRITE_INTERVAL. Not settled (in a burst, readings
        faster than that): what it shows now must be the exact total at the moment it was
        written, written no longer than an interval ago.
        """
        deadline = time.monotonic() + (SETTLE if settle and not may_be_unknown else 0.0)
        expected = self.ledger.carbon
        while True:
            carbon = self.live.get_state(CARBON)
            shown = None if carbon is None else carbon["state"]
            if _number(shown) == expected or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        if not settle and carbon is not None and _number(shown) != expected:
            written_at = _timestamp(carbon)
            if written_at >= time.time() - WRITE_INTERVAL - 1.0:
                expected = self.ledger.carbon_at(written_at)
        self.checks.setdefault(scenario, []).append(Check(what, expected, shown, may_be_unknown))

    # --- the scenarios -------------------------------------------------------------------------

    def clean_restart(self) -> None:
        self.stop()
        self.start()
        self.check(CLEAN, "right after the start", may_be_unknown=True)
        for value in (1010.0, 1012.25):
            self.feed(CLEAN, value)

    def kill_in_burst(self) -> None:
        # 40 readings 0.5 s apart, 1.5 kWh each; the process is killed after the 20th and the
        # burst goes on once it runs again.
        readings = [1012.25 + 1.5 * i for i in range(1, 41)]
        self._paced(readings[:20])
        time.sleep(0.25)
        self.exits.append(("kill", self.live.kill()))
        self.start()
        self.check(KILL, "right after the start", may_be_unknown=True)
        self._paced(readings[20:])

    def _paced(self, readings: list[float]) -> None:
        begin = time.monotonic()
        for index, value in enumerate(readings):
            time.sleep(max(0.0, begin + 0.5 * index - time.monotonic()))
            self.feed(KILL, value, settle=index == len(readings) - 1)

    def unavailable_restart(self) -> None:
        self.feed_missing(UNAVAILABLE, "unavailable", after_restart=False)
        self.stop()
        self.start()
        self.meter_after_restart = self.live.get_state(METER)
        self.check(UNAVAILABLE, "right after the start", may_be_unknown=True)
        time.sleep(1.0)
        self.feed_missing(UNAVAILABLE, "unavailable", after_restart=True)
        time.sleep(1.0)
        for value in (1100.0, 1101.5):
            self.feed(UNAVAILABLE, value)

    def reset_in_downtime(self) -> None:
        self.stop()
        self.start()
        self.check(RESET, "right after the start", may_be_unknown=True)
        # A new meter that starts again from a few kWh.
        for value in (3.0, 4.5):
            self.feed(RESET, value)

    def wait_for_statistics(self) -> None:
        """Wait (bounded) until a short-term period that includes the last reading is compiled."""
        begin = time.monotonic()
        while time.monotonic() - begin < STATISTICS_WAIT:
            rows = self.live.statistics(CARBON)
            if rows and rows[-1].start_ts + PERIOD > self.last_reading_at:
                break
            time.sleep(5.0)
        self.statistics_wait_s = time.monotonic() - begin


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, local_sockets: None) -> Iterator[Run]:
    """Run every scenario once on one real Home Assistant, then one statistics compile."""
    directory: Path = tmp_path_factory.mktemp("live-restarts")
    with LiveHass.create([NODE], directory=directory) as live:
        begin = time.monotonic()
        run = Run(live)
        run.start()
        for value in (1000.0, 1002.0, 1005.5):
            run.feed("first start", value)
        run.clean_restart()
        run.kill_in_burst()
        run.unavailable_restart()
        run.reset_in_downtime()
        scenarios = time.monotonic() - begin
        run.wait_for_statistics()
        run.stop()
        run.states = live.recorded_states(CARBON)
        run.statistics = live.statistics(CARBON)
        print(
            f"\nlive: scenarios {scenarios:.1f} s, statistics wait {run.statistics_wait_s:.1f} s,"
            f" folder {live.config_dir}"
        )
        yield run


def _assert_exact(checks: list[Check]) -> None:
    wrong = [check for check in checks if not check.ok]
    assert checks
    assert not wrong, "\n".join(
        f"{check.what}: shown {check.shown!r}, exact {check.expected!r}" for check in wrong
    )


def test_first_start_counts_readings(run: Run) -> None:
    _assert_exact(run.checks["first start"])
    assert run.ledger.totals[:3] == [0.0, 1.0, 2.75]


def test_clean_restart_is_exact(run: Run) -> None:
    _assert_exact(run.checks[CLEAN])
    assert run.checks[CLEAN][-1].expected == (1012.25 - 1000.0) * FACTOR


def test_kill_in_a_burst_is_exact(run: Run) -> None:
    """The carbon is exact after the kill; right after the start it is exact or unknown."""
    _assert_exact(run.checks[KILL])
    assert run.checks[KILL][-1].expected == (1072.25 - 1000.0) * FACTOR


def test_restart_while_meter_unavailable_is_exact(run: Run) -> None:
    # The meter's state came from the REST API, so it is gone after the restart.
    assert run.meter_after_restart is None
    _assert_exact(run.checks[UNAVAILABLE])
    assert run.checks[UNAVAILABLE][-1].expected == (1101.5 - 1000.0) * FACTOR


def test_meter_reset_during_downtime_counts_the_new_meter(run: Run) -> None:
    _assert_exact(run.checks[RESET])
    assert run.checks[RESET][-2].expected == (1101.5 - 1000.0 + 3.0) * FACTOR
    assert run.checks[RESET][-1].expected == (1101.5 - 1000.0 + 4.5) * FACTOR


def _published(run: Run) -> list[tuple[float, float]]:
    """The numeric states of the carbon sensor in the recorder, in time order."""
    return [
        (state.last_updated_ts, value)
        for state in run.states
        if (value := _number(state.state)) is not None
    ]


def test_published_carbon_never_decreases(run: Run) -> None:
    published = _published(run)
    # Fewer states than readings (changes within an interval are written together), yet
    # enough for the order to say something.
    assert len(published) > 10
    assert len(published) < len(run.ledger.totals)
    drops = [(before, after) for before, after in pairwise(published) if after[1] < before[1]]
    assert not drops, f"the carbon sensor published a lower total: {drops}"


def test_every_published_total_is_exact(run: Run) -> None:
    """Each number the sensor published is the exact total at that moment, none is stale."""
    wrong = [
        (at, value, run.ledger.carbon_at(at))
        for at, value in _published(run)
        if abs(value - run.ledger.carbon_at(at)) > TOLERANCE
    ]
    assert not wrong, f"(time, published, exact): {wrong}"


def _zero_point(states: list[RecordedState], first_start: float) -> float:
    """When the state was published that HA's first compiled period counts its sum from.

    A compile reads the state in effect at the period's start and the states in the period, and
    skips the non-numeric ones; the first statistics of a sensor start from the first number.
    """
    before = [state for state in states if state.last_updated_ts < first_start]
    seen = before[-1:] + [state for state in states if state.last_updated_ts >= first_start]
    return next(state.last_updated_ts for state in seen if _number(state.state) is not None)


def test_short_term_statistics_sum_is_exact(run: Run) -> None:
    """The statistics count every kilogram once: no restart is taken for a meter reset."""
    rows = run.statistics
    assert rows, f"no short-term statistics after {run.statistics_wait_s:.0f} s"
    last = rows[-1]
    end = last.start_ts + PERIOD
    assert end > run.last_reading_at, "no compiled period includes the last reading"
    zero = _zero_point(run.states, rows[0].start_ts)
    expected = run.ledger.carbon_at(end) - run.ledger.carbon_at(zero)
    assert last.state is not None
    assert last.sum is not None
    assert abs(last.state - run.ledger.carbon) <= TOLERANCE
    assert abs(last.sum - expected) <= TOLERANCE, (
        f"sum {last.sum!r}, exact {expected!r}; rows (start, state, sum): "
        f"{[(row.start_ts, row.state, row.sum) for row in rows]}"
    )


def test_process_stops_and_dies_as_told(run: Run) -> None:
    expected = [("stop", 0), ("kill", -9), ("stop", 0), ("stop", 0), ("stop", 0)]
    assert run.exits == expected, run.live.log_tail()


def test_http_listens_on_loopback_only(run: Run) -> None:
    assert len(run.starts) == 5
    for start in run.starts:
        assert start.listening == {(HOST, run.live.port)}


def test_no_http_repair_issue(run: Run) -> None:
    assert len(run.stored_issues) == 4
    for issues in [start.open_issues for start in run.starts] + run.stored_issues:
        assert [issue for issue in issues if issue["domain"] == "http"] == []
