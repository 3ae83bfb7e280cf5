"""Power cuts on a real Home Assistant: random ``kill -9`` with meters of every kind.

Three tracking nodes at 0.5 kg CO2e/kWh, each on a different kind of meter:

* **A**, a meter that reports its true reading (set through the REST API, as a device would):
  after each start the driver reports it again, higher when it rose while HA was down, and once
  reset to a few kWh while HA was down;
* **C**, a template sensor over an ``input_number`` that HA restores itself (from its dump, up to
  15 minutes old), counted up by the driver from whatever it shows, as an automation would;
* **D**, a ``utility_meter`` over a REST source that reports its true reading: HA restores the
  utility meter from its dump, and it jumps back when its source reports again;
* **E**, an integration (Riemann sum) sensor over a REST power sensor that the driver changes:
  HA restores it from its dump too. What it counted is read off its own states: its last reading
  minus its first, plus what it forgot at each cut.

A warehouse's logistics entry takes a stream of shipments through its webhook, as an ERP would:
a batch not answered (cut off by a kill) is sent again after the start; every order answered is
on disk, so the ledger ends at the sum of the answered orders, to the gram.

A driver sends known increments in bursts and kills the process at random moments (seeded, so
the run repeats): one within a second of the API coming up and one a few seconds after the
entries were created among them. More cuts follow until the next five-minute boundary is near;
then the meters go quiet and the recorder compiles that period's short-term statistics. At the
end each carbon total equals the exact carbon of what the driver sent, to the gram, less at most
what a meter itself forgot (C, D and E: their reading before the kill minus the older one HA
restored); no carbon state the recorder wrote ever went down (so HA's statistics never read a new
cycle that did not happen); and each statistics ``sum`` is its sensor's climb since the first
compiled period, so HA's statistics agree with the sensors.

``CARBON_TRACKER_POWER_CUTS=50`` runs a longer experiment (50 kills) as one command for
developers, outside CI: ``scripts/test tests/live/test_power_cuts.py -s``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
import os
import random
import time
from typing import Any

import pytest

from custom_components.carbon_tracker.core.throttle import WRITE_INTERVAL
from devtools.live import ApiError, LiveHass, StatisticsRow
from tests.live.recorded import (
    COMPILE_WAIT,
    PERIOD,
    drops_in,
    number,
    numbers,
    seconds_to_boundary,
    value_at,
)

FACTOR = 0.5
CUSTOM = {"factor_mode": "custom", "factor_value": FACTOR, "factor_unit": "kWh"}
# Node A is priced market-based too (Scope 2 both ways): its second sensor shares its record.
MARKET_FACTOR = 0.2
MARKET_A = "sensor.node_a_carbon_emissions_market_based"
NODES = [
    (
        "Node A",
        "sensor.meter_a",
        1,
        {**CUSTOM, "market_factor": MARKET_FACTOR, "market_source": "Supplier X 2026"},
    ),
    ("Node C", "sensor.meter_c", 3, CUSTOM),
    ("Node D", "sensor.meter_d", 4, CUSTOM),
    ("Node E", "sensor.meter_e", 5, CUSTOM),
]
METERS = "ACDE"
# The meters HA restores itself (from its dump): what they forget at a cut is measured.
RESTORED = "CDE"
# A binding group over them (A against C, D and E, over the year), the demo person's declarations.
GROUPS = [("Site", "total_vs_sub", [1], [3, 4, 5], {"window": "year"})]
GROUP_TOTAL = "sensor.site_total"
GROUP_SUBS = "sensor.site_sum_of_sub_meters"
DECLARED_TOTAL = "sensor.demo_declared_total"
DECLARATION_PORT = 10
LOGISTICS_PORT = 20
HOOK = "power-cuts-warehouse"
LOGISTICS_TOTAL = "sensor.warehouse_logistics_emissions"
CARBON = {
    "A": "sensor.node_a_carbon_emissions",
    "C": "sensor.node_c_carbon_emissions",
    "D": "sensor.node_d_carbon_emissions",
    "E": "sensor.node_e_carbon_emissions",
}
METER_ATTRIBUTES = {
    "unit_of_measurement": "kWh",
    "state_class": "total_increasing",
    "device_class": "energy",
}
POWER_ATTRIBUTES = {
    "unit_of_measurement": "kW",
    "state_class": "measurement",
    "device_class": "power",
}
CONFIGURATION = """
person:

webhook:

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

sensor:
  - platform: integration
    name: Meter E
    unique_id: power_cuts_meter_e
    source: sensor.power_e
    unit_time: h
    round: 3
    method: left
"""
KILLS = int(os.environ.get("CARBON_TRACKER_POWER_CUTS", "8"))
SEED = 20261206
TOLERANCE = 1e-6  # kg: every increment is a multiple of 0.25 kWh, so the sums are exact
SETTLE = 15.0  # s a total may take to show after the last reading (a start, a recorder look-up)
QUIET_BEFORE_BOUNDARY = 75.0  # s: the cuts stop this long before the period to compile ends
QUIET_MIN = 35.0  # s: at least this long, for the last burst and the totals to settle


@dataclass
class Driver:
    """What was sent, and what each meter is known to have forgotten."""

    live: LiveHass
    rng: random.Random
    sent_kwh: dict[str, float] = field(default_factory=lambda: dict.fromkeys("ACD", 0.0))
    forgot_kwh: dict[str, float] = field(default_factory=lambda: dict.fromkeys(RESTORED, 0.0))
    reading_a: float = 1000.0
    raw_d: float = 500.0
    power_e: float = 1000.0  # kW: a few hundred kWh an hour, a few tenths of one per step
    kills: int = 0
    # The last kg declared for each day (declaring a day again replaces it).
    declared: dict[str, float] = field(default_factory=dict)
    # Shipments: the kg of each order the webhook answered, and batches still to be answered.
    shipped: dict[str, float] = field(default_factory=dict)
    unanswered: list[list[dict[str, Any]]] = field(default_factory=list)
    orders: int = 0

    # --- the meters ---------------------------------------------------------------------------

    def report_a(self) -> None:
        self.live.set_state("sensor.meter_a", self.reading_a, METER_ATTRIBUTES)

    def report_d(self) -> None:
        self.live.set_state("sensor.raw_d", self.raw_d, METER_ATTRIBUTES)

    def report_e(self) -> None:
        self.live.set_state("sensor.power_e", self.power_e, POWER_ATTRIBUTES)

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
        # E integrates the power it had since the last change.
        self.power_e = 1000.0 * self.rng.randint(1, 8)
        self.report_e()

    def declare(self) -> None:
        """The demo user declares a random day of the last few (answered once it is stored)."""
        day = (datetime.now(UTC).date() - timedelta(days=self.rng.randint(0, 5))).isoformat()
        kg = 0.25 * self.rng.randint(1, 40)
        self.live.request(
            "POST", "/api/services/carbon_tracker/declare?return_response", {"date": day, "kg": kg}
        )
        self.declared[day] = kg

    def ship(self) -> None:
        """A batch of one to three new orders to the warehouse's webhook."""
        batch = []
        for _ in range(self.rng.randint(1, 3)):
            self.orders += 1
            batch.append(
                {
                    "order_id": f"SO-{self.orders}",
                    "time": datetime.now(UTC).isoformat(),
                    "model": "BOX",
                    "quantity": self.rng.randint(1, 50),
                    "distance_km": self.rng.randint(10, 800),
                    "mode": "hgv",
                }
            )
        self.unanswered.append(batch)
        self.send_unanswered()

    def send_unanswered(self) -> None:
        """Send each batch not answered yet; an answered order is taken at its kg."""
        while self.unanswered:
            try:
                answer = self.live.request("POST", f"/api/webhook/{HOOK}", self.unanswered[0])
            except ApiError, OSError:
                return  # cut off: sent again after the next start
            for result in answer["results"]:
                assert "error" not in result, result
                self.shipped[result["order_id"]] = result["kg"]
            self.unanswered.pop(0)

    def burst(self, steps: int) -> None:
        for _ in range(steps):
            self.step()
            if self.rng.random() < 0.2:
                self.declare()
            if self.rng.random() < 0.3:
                self.ship()
            time.sleep(self.rng.uniform(0.0, 0.3))

    # --- the cuts -----------------------------------------------------------------------------

    def start(self) -> None:
        self.live.start()
        # The REST meters report again (their states are gone with the process).
        self.report_a()
        self.report_d()
        self.report_e()
        self.send_unanswered()

    def cut(self, *, reset_a: bool = False, again_at_once: bool = False) -> None:
        """kill -9 and start again; A rises (or is reset) while HA is down.

        What C, D and E showed before the kill is compared with what they go on from once HA
        runs again: the difference is what the meter itself forgot. C and D show it once the
        sources have reported; E shows nothing until it has counted again, so what it goes on
        from is read where HA restores it from (its dump, read before the start).
        """
        before = {which: self.meter(f"sensor.meter_{which.lower()}") for which in RESTORED}
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
        after: dict[str, float | None] = {"E": self.restored_e()}
        self.start()
        time.sleep(2.0)
        after |= {which: self.meter(f"sensor.meter_{which.lower()}") for which in "CD"}
        for which in RESTORED:
            was, went_to = before[which], after[which]
            if was is not None and went_to is not None and went_to < was:
                self.forgot_kwh[which] += was - went_to

    def restored_e(self) -> float:
        """What E goes on from at the next start: as HA's integration sensor reads its dump
        (its own value, else its last valid one; nothing saved yet is 0)."""
        dump = self.live.config_dir / ".storage" / "core.restore_state"
        saved = json.loads(dump.read_text())["data"] if dump.exists() else []
        for item in saved:
            if item["state"]["entity_id"] != "sensor.meter_e":
                continue
            extra = item.get("extra_data") or {}
            for saved_value in (extra.get("native_value"), extra.get("last_valid_state")):
                value = (
                    saved_value.get("decimal_str") if isinstance(saved_value, dict) else saved_value
                )
                if value not in (None, "", 0, "0"):
                    return float(value)
        return 0.0


@dataclass
class Outcome:
    """What the run ended with."""

    totals: dict[str, float | None]
    group: tuple[float | None, float | None]
    declared: float | None
    declared_exact: float
    logistics: float | None
    shipped: dict[str, float]
    exact: dict[str, float]
    forgot: dict[str, float]
    drops: dict[str, list[tuple[float, float]]]
    statistics: dict[str, tuple[list[StatisticsRow], float | None]]
    kills: int


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory, local_sockets: None) -> Iterator[Outcome]:
    """Run the experiment once."""
    directory = tmp_path_factory.mktemp("power-cuts")
    with LiveHass.create(
        NODES,
        directory=directory,
        declaration_port=DECLARATION_PORT,
        groups=GROUPS,
        logistics=(LOGISTICS_PORT, HOOK),
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
        # More of the same until the period to compile is nearly over, then quiet meters. Too
        # close to a boundary to settle before it (the kills above may end anywhere in a
        # period): bursts without cuts into the next period, and the cuts go on there.
        while not QUIET_MIN < seconds_to_boundary() <= QUIET_BEFORE_BOUNDARY:
            if seconds_to_boundary() <= QUIET_MIN:
                driver.burst(4)
                continue
            driver.burst(driver.rng.randint(4, 12))
            driver.cut()
        driver.burst(3)
        driver.send_unanswered()
        assert not driver.unanswered
        deadline = time.monotonic() + SETTLE
        exact = {which: kwh * FACTOR for which, kwh in driver.sent_kwh.items()}
        totals: dict[str, float | None] = {}
        while time.monotonic() < deadline:
            totals = {which: number(live.get_state(CARBON[which])) for which in METERS}
            if totals["A"] is not None and abs(totals["A"] - exact["A"]) <= TOLERANCE:
                break
            time.sleep(0.2)
        # The other nodes had their last readings with A's: each shows it at most an interval
        # later; then the group follows, at most an interval later again.
        time.sleep(2 * WRITE_INTERVAL + 1.5)
        # Read again: A showed its last reading first, the others may have shown theirs since.
        totals = {which: number(live.get_state(CARBON[which])) for which in METERS}
        totals["market"] = number(live.get_state(MARKET_A))
        exact["market"] = driver.sent_kwh["A"] * MARKET_FACTOR
        final_e = driver.meter("sensor.meter_e")
        group = (number(live.get_state(GROUP_TOTAL)), number(live.get_state(GROUP_SUBS)))
        declared = number(live.get_state(DECLARED_TOTAL))
        logistics = number(live.get_state(LOGISTICS_TOTAL))
        boundary = time.time() + seconds_to_boundary()
        assert seconds_to_boundary() > 10, "the meters were not quiet before the boundary"
        compiled = {entity: CARBON[entity] for entity in METERS} | {
            "market": MARKET_A,
            "logistics": LOGISTICS_TOTAL,
            "declared": DECLARED_TOTAL,
        }
        rows: dict[str, list[StatisticsRow]] = {}
        while time.time() < boundary + COMPILE_WAIT:
            rows = {name: live.statistics(entity) for name, entity in compiled.items()}
            if all(found and found[-1].start_ts + PERIOD >= boundary for found in rows.values()):
                break
            time.sleep(5.0)
        live.stop()
        recorded = {
            name: numbers(live.recorded_states(entity)) for name, entity in compiled.items()
        }
        # E's own count: its last reading minus its first, plus what it forgot at the cuts.
        first_e = numbers(live.recorded_states("sensor.meter_e"))[0][1]
        assert final_e is not None
        exact["E"] = (final_e - first_e + driver.forgot_kwh["E"]) * FACTOR
        drops = {which: drops_in(recorded[which], TOLERANCE) for which in [*METERS, "market"]}
        forgot = {which: kwh * FACTOR for which, kwh in driver.forgot_kwh.items()} | {"A": 0.0}
        statistics = {
            name: (found, value_at(recorded[name], found[0].start_ts) if found else None)
            for name, found in rows.items()
        }
        print(f"\npower cuts: {driver.kills} kills, exact {exact}, shown {totals}, forgot {forgot}")
        yield Outcome(
            totals,
            group,
            declared,
            sum(driver.declared.values()),
            logistics,
            driver.shipped,
            exact,
            forgot,
            drops,
            statistics,
            driver.kills,
        )


def test_the_run_had_its_kills(outcome: Outcome) -> None:
    assert outcome.kills >= KILLS


def test_a_meter_that_reports_its_true_reading_is_exact(outcome: Outcome) -> None:
    """Rises and a reset while down, killed in bursts: to the gram, location- and market-based."""
    assert outcome.totals["A"] == pytest.approx(outcome.exact["A"], abs=TOLERANCE)
    assert outcome.totals["market"] == pytest.approx(outcome.exact["market"], abs=TOLERANCE)


@pytest.mark.parametrize("which", list(RESTORED))
def test_a_meter_ha_restores_loses_at_most_what_it_forgot(outcome: Outcome, which: str) -> None:
    """Never more than sent (nothing counted twice), never less than sent minus what it forgot."""
    shown = outcome.totals[which]
    assert shown is not None
    assert shown <= outcome.exact[which] + TOLERANCE
    assert shown >= outcome.exact[which] - outcome.forgot[which] - TOLERANCE


@pytest.mark.parametrize("which", [*METERS, "market"])
def test_no_recorded_carbon_state_ever_went_down(outcome: Outcome, which: str) -> None:
    """HA's statistics read a drop of a total_increasing sensor as a new cycle: there is none."""
    assert outcome.drops[which] == []


def test_the_group_follows_its_members_exactly(outcome: Outcome) -> None:
    """The group's sums are its members' totals (all counted within this year's window)."""
    total, subs = outcome.group
    node_a, node_c, node_d, node_e = (outcome.totals[which] for which in METERS)
    assert None not in (total, subs, node_a, node_c, node_d, node_e)
    assert total == pytest.approx(node_a, abs=TOLERANCE)
    assert subs == pytest.approx(node_c + node_d + node_e, abs=TOLERANCE)  # type: ignore[operator]


def test_every_acknowledged_declaration_is_kept(outcome: Outcome) -> None:
    """Each day's last declaration, whatever the kills: the total is their sum."""
    assert outcome.declared_exact > 0
    assert outcome.declared == pytest.approx(outcome.declared_exact, abs=TOLERANCE)


def test_every_acknowledged_shipment_is_kept_once(outcome: Outcome) -> None:
    """The ledger ends at the sum of the orders the webhook answered, each counted once (each
    answer gives its kg rounded to the milligram)."""
    assert len(outcome.shipped) >= 10
    rounding = 5e-7 * len(outcome.shipped)
    assert outcome.logistics == pytest.approx(sum(outcome.shipped.values()), abs=rounding)


@pytest.mark.parametrize("name", [*METERS, "market", "logistics", "declared"])
def test_statistics_agree_with_the_sensor(outcome: Outcome, name: str) -> None:
    """The compiled period after the last change holds the sensor's state, and its ``sum`` is the
    sensor's climb since the first compiled period: no cut was read as a new cycle."""
    rows, zero = outcome.statistics[name]
    assert rows, f"no short-term statistics of {name}"
    shown = {"logistics": outcome.logistics, "declared": outcome.declared}.get(name)
    if shown is None:
        shown = outcome.totals[name]
    last = rows[-1]
    assert last.state == pytest.approx(shown, abs=TOLERANCE)
    assert zero is not None
    assert last.state is not None
    assert last.sum == pytest.approx(last.state - zero, abs=TOLERANCE), [
        (row.start_ts, row.state, row.sum) for row in rows
    ]
