"""Power cuts on a real Home Assistant: random ``kill -9`` with meters of every kind.

Three tracking nodes at 0.5 kg CO2e/kWh, each on a different kind of meter:

* **A**, a meter that reports its true reading (set through the REST API, as a device would):
  after each start the driver reports it again, higher when it rose while HA was down, and once
  reset to a few kWh while HA was down;
* **C**, a template sensor over an ``input_number`` that HA restores itself (from its dump, up to
  15 minutes old), counted up by the driver from whatever it shows, as an automation would;
* **D**, a ``utility_meter`` over a REST source that reports its true reading: HA restores the
  utility meter from its dump, and it jumps back when its source reports again.

A driver sends known increments in bursts and kills the process at random moments (seeded, so
the run repeats): one within a second of the API coming up and one a few seconds after the
entries were created among them. At the end each carbon total equals the exact carbon of what
the driver sent, to the gram, less at most what a meter itself forgot (C and D: their reading
before the kill minus the older one HA restored), and no carbon state the recorder wrote ever
went down (so HA's statistics never read a new cycle that did not happen).

``CARBON_TRACKER_POWER_CUTS=50`` runs a longer experiment (50 kills) as one command for
developers, outside CI: ``scripts/test tests/live/test_power_cuts.py -s``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
import math
import os
import random
import time
from typing import Any

import pytest

from devtools.live import LiveHass

FACTOR = 0.5
CUSTOM = {"factor_mode": "custom", "factor_value": FACTOR, "factor_unit": "kWh"}
NODES = [
    ("Node A", "sensor.meter_a", 1, CUSTOM),
    ("Node C", "sensor.meter_c", 3, CUSTOM),
    ("Node D", "sensor.meter_d", 4, CUSTOM),
]
# A binding group over them (A against C and D, over the year) and the demo person's declarations.
GROUPS = [("Site", "total_vs_sub", [1], [3, 4], {"window": "year"})]
GROUP_TOTAL = "sensor.site_total"
GROUP_SUBS = "sensor.site_sum_of_sub_meters"
DECLARED_TOTAL = "sensor.demo_declared_total"
DECLARATION_PORT = 10
CARBON = {
    "A": "sensor.node_a_carbon_emissions",
    "C": "sensor.node_c_carbon_emissions",
    "D": "sensor.node_d_carbon_emissions",
}
METER_ATTRIBUTES = {
    "unit_of_measurement": "kWh",
    "state_class": "total_increasing",
    "device_class": "energy",
}
CONFIGURATION = """
person:

input_number:
  meter_c:
    min: 0
    max: 1000000000
    step: 0.25
    mode: box

template:
  - sensor:
      - name: Meter C
        unique_id: power_cuts_meter_c
        unit_of_measurement: kWh
        device_class: energy
        state_class: total_increasing
        state: "{{ states('input_number.meter_c') }}"

utility_meter:
  meter_d:
    source: sensor.raw_d
"""
KILLS = int(os.environ.get("CARBON_TRACKER_POWER_CUTS", "8"))
SEED = 20261206
TOLERANCE = 1e-6  # kg: every increment is a multiple of 0.25 kWh, so the sums are exact
SETTLE = 15.0  # s a total may take to show after the last reading (a start, a recorder look-up)


def number(state: dict[str, Any] | None) -> float | None:
    """A state as a finite number, or None."""
    try:
        value = float(state["state"])  # type: ignore[index]
    except TypeError, ValueError, KeyError:
        return None
    return value if math.isfinite(value) else None


@dataclass
class Driver:
    """What was sent, and what each meter is known to have forgotten."""

    live: LiveHass
    rng: random.Random
    sent_kwh: dict[str, float] = field(default_factory=lambda: dict.fromkeys("ACD", 0.0))
    forgot_kwh: dict[str, float] = field(default_factory=lambda: dict.fromkeys("ACD", 0.0))
    reading_a: float = 1000.0
    raw_d: float = 500.0
    kills: int = 0
    # The last kg declared for each day (declaring a day again replaces it).
    declared: dict[str, float] = field(default_factory=dict)

    # --- the meters ---------------------------------------------------------------------------

    def report_a(self) -> None:
        self.live.set_state("sensor.meter_a", self.reading_a, METER_ATTRIBUTES)

    def report_d(self) -> None:
        self.live.set_state("sensor.raw_d", self.raw_d, METER_ATTRIBUTES)

    def meter(self, entity_id: str) -> float | None:
        return number(self.live.get_state(entity_id))

    def step(self) -> None:
        """One increment of a random size to every meter."""
        for which in "ACD":
            kwh = 0.25 * self.rng.randint(1, 8)
            self.sent_kwh[which] += kwh
            if which == "A":
                self.reading_a += kwh
                self.report_a()
            elif which == "C":
                # Counted up from what the helper shows, as an automation would.
                shown = self.meter("input_number.meter_c") or 0.0
                self.live.request(
                    "POST",
                    "/api/services/input_number/set_value",
                    {"entity_id": "input_number.meter_c", "value": shown + kwh},
                )
            else:
                self.raw_d += kwh
                self.report_d()

    def declare(self) -> None:
        """The demo user declares a random day of the last few (answered once it is stored)."""
        day = (datetime.now(UTC).date() - timedelta(days=self.rng.randint(0, 5))).isoformat()
        kg = 0.25 * self.rng.randint(1, 40)
        self.live.request(
            "POST", "/api/services/carbon_tracker/declare?return_response", {"date": day, "kg": kg}
        )
        self.declared[day] = kg

    def burst(self, steps: int) -> None:
        for _ in range(steps):
            self.step()
            if self.rng.random() < 0.2:
                self.declare()
            time.sleep(self.rng.uniform(0.0, 0.3))

    # --- the cuts -----------------------------------------------------------------------------

    def start(self) -> None:
        self.live.start()
        # The REST meters report again (their states are gone with the process).
        self.report_a()
        self.report_d()

    def cut(self, *, reset_a: bool = False, again_at_once: bool = False) -> None:
        """kill -9 and start again; A rises (or is reset) while HA is down.

        What C and D showed before the kill is compared with what they show once HA runs again
        and D's source has reported: the difference is what the meter itself forgot.
        """
        before = {which: self.meter(f"sensor.meter_{which.lower()}") for which in "CD"}
        self.live.kill()
        self.kills += 1
        rise = 2.0 if reset_a else 0.25 * self.rng.randint(0, 20)
        self.reading_a = rise if reset_a else self.reading_a + rise
        self.sent_kwh["A"] += rise
        if again_at_once:
            # Killed again within a second of the API coming up.
            self.live.start()
            self.live.kill()
            self.kills += 1
        self.start()
        time.sleep(2.0)
        for which in "CD":
            after = self.meter(f"sensor.meter_{which.lower()}")
            if before[which] is not None and after is not None and after < before[which]:
                self.forgot_kwh[which] += before[which] - after


@dataclass
class Outcome:
    """What the run ended with."""

    totals: dict[str, float | None]
    group: tuple[float | None, float | None]
    declared: float | None
    declared_exact: float
    exact: dict[str, float]
    forgot: dict[str, float]
    drops: dict[str, list[tuple[float, float]]]
    kills: int


def recorded_drops(live: LiveHass, entity_id: str) -> list[tuple[float, float]]:
    """Consecutive numeric states the recorder wrote where the second is lower."""
    values = []
    for state in live.recorded_states(entity_id):
        if (value := number({"state": state.state})) is not None:
            values.append(value)
    return [(a, b) for a, b in pairwise(values) if b < a - TOLERANCE]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory, local_sockets: None) -> Iterator[Outcome]:
    """Run the experiment once."""
    directory = tmp_path_factory.mktemp("power-cuts")
    with LiveHass.create(
        NODES, directory=directory, declaration_port=DECLARATION_PORT, groups=GROUPS
    ) as live:
        with (live.config_dir / "configuration.yaml").open("a") as config:
            config.write(CONFIGURATION)
        driver = Driver(live, random.Random(SEED))
        driver.start()
        driver.burst(3)
        # Seconds after the entries were created, long before HA's first restore dump; and
        # killed again within a second of the API coming up.
        driver.cut(again_at_once=True)
        reset_at = driver.rng.randrange(3, KILLS)
        while driver.kills < KILLS:
            driver.burst(driver.rng.randint(4, 12))
            if driver.kills >= reset_at:
                # A reset of A while HA is down, after a quiet second (a reset meter cannot give
                # back what was counted in the last second before the cut).
                time.sleep(1.5)
                driver.cut(reset_a=True)
                reset_at = KILLS + 1
            else:
                driver.cut()
        driver.burst(3)
        deadline = time.monotonic() + SETTLE
        exact = {which: kwh * FACTOR for which, kwh in driver.sent_kwh.items()}
        totals: dict[str, float | None] = {}
        while time.monotonic() < deadline:
            totals = {which: number(live.get_state(CARBON[which])) for which in "ACD"}
            if totals["A"] is not None and abs(totals["A"] - exact["A"]) <= TOLERANCE:
                break
            time.sleep(0.2)
        time.sleep(1.5)  # the group publishes at most once a second
        group = (number(live.get_state(GROUP_TOTAL)), number(live.get_state(GROUP_SUBS)))
        declared = number(live.get_state(DECLARED_TOTAL))
        live.stop()
        drops = {which: recorded_drops(live, CARBON[which]) for which in "ACD"}
        forgot = {which: kwh * FACTOR for which, kwh in driver.forgot_kwh.items()}
        print(f"\npower cuts: {driver.kills} kills, exact {exact}, shown {totals}, forgot {forgot}")
        yield Outcome(
            totals,
            group,
            declared,
            sum(driver.declared.values()),
            exact,
            forgot,
            drops,
            driver.kills,
        )


def test_the_run_had_its_kills(outcome: Outcome) -> None:
    assert outcome.kills >= KILLS


def test_a_meter_that_reports_its_true_reading_is_exact(outcome: Outcome) -> None:
    """Rises and a reset while down, killed in bursts: to the gram."""
    assert outcome.totals["A"] == pytest.approx(outcome.exact["A"], abs=TOLERANCE)


@pytest.mark.parametrize("which", ["C", "D"])
def test_a_meter_ha_restores_loses_at_most_what_it_forgot(outcome: Outcome, which: str) -> None:
    """Never more than sent (nothing counted twice), never less than sent minus what it forgot."""
    shown = outcome.totals[which]
    assert shown is not None
    assert shown <= outcome.exact[which] + TOLERANCE
    assert shown >= outcome.exact[which] - outcome.forgot[which] - TOLERANCE


@pytest.mark.parametrize("which", ["A", "C", "D"])
def test_no_recorded_carbon_state_ever_went_down(outcome: Outcome, which: str) -> None:
    """HA's statistics read a drop of a total_increasing sensor as a new cycle: there is none."""
    assert outcome.drops[which] == []


def test_the_group_follows_its_members_exactly(outcome: Outcome) -> None:
    """The group's sums are its members' totals (all counted within this year's window)."""
    total, subs = outcome.group
    node_a, node_c, node_d = (outcome.totals[which] for which in "ACD")
    assert None not in (total, subs, node_a, node_c, node_d)
    assert total == pytest.approx(node_a, abs=TOLERANCE)
    assert subs == pytest.approx(node_c + node_d, abs=TOLERANCE)  # type: ignore[operator]


def test_every_acknowledged_declaration_is_kept(outcome: Outcome) -> None:
    """Each day's last declaration, whatever the kills: the total is their sum."""
    assert outcome.declared_exact > 0
    assert outcome.declared == pytest.approx(outcome.declared_exact, abs=TOLERANCE)
