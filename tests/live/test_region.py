"""A region as it runs: a real broker, a site's Home Assistant and a central's, each a process.

The site has two tracking nodes on meters that report their true readings (set through the REST
API, as devices would), a binding group of the two, and a site publisher of both nodes and both
of the group's sides (each side's kilograms since the group began); the central follows the site
through its own MQTT integration. A driver sends known increments in bursts while the site is killed
(``kill -9``), the central is killed, and the broker is stopped and started again (its retained
messages kept, as an operator's restart). At the end each of the central's remote port totals is
the site's exact carbon, to the gram, each side its member's, and the central's site total the
ports' (the sides not added again): nothing lost, nothing counted twice.

Then the site is offline for a day: killed (its MQTT Last Will says ``offline`` for it, and the
central's port sensors go unavailable), its meters go on, and the central and the site start
again with their clocks a day on (libfaketime), the central's placed shortly before a statistics
boundary. The site's day is counted once, and the central's compiled statistics of each remote
port and of the site total hold its state and a ``sum`` equal to its climb since the first
compiled period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
import random
import time
from typing import Any
import uuid

import pytest
import pytest_socket

from devtools import services
from devtools.live import LiveHass
from tests.live.recorded import (
    COMPILE_WAIT,
    PERIOD,
    number,
    numbers,
    seconds_to_boundary,
    value_at,
)

FACTOR = 0.5
CUSTOM = {"factor_mode": "custom", "factor_value": FACTOR, "factor_unit": "kWh"}
NODES = [
    ("Grid", "sensor.meter_grid", 1, CUSTOM),
    ("Hall", "sensor.meter_hall", 2, CUSTOM),
]
METERS = {1: "sensor.meter_grid", 2: "sensor.meter_hall"}
# The site's group, whose two sides the site publishes as ports 901 (Grid) and 902 (Hall).
GROUPS = [("Grid vs hall", "total_vs_sub", [1], [2], {"group_number": 1, "window": "hour"})]
SIDES = {901: 1, 902: 2}
METER_ATTRIBUTES = {
    "unit_of_measurement": "kWh",
    "state_class": "total_increasing",
    "device_class": "energy",
}
SITE = "site-a"
PORT_BASE = 1000
SEED = 20261207
SETTLE_S = 30.0
TOLERANCE = 1e-6
DAY_S = 86_400
# The central's clock after the day: this many seconds before a statistics boundary at its start.
BEFORE_BOUNDARY_S = 75


@dataclass
class Region:
    """The broker, the site, the central and what the driver sent."""

    broker_port: int
    broker_pid: int
    broker_folder: Path
    site: LiveHass
    central: LiveHass
    rng: random.Random
    readings: dict[int, float] = field(default_factory=lambda: {1: 1000.0, 2: 500.0})
    sent_kwh: dict[int, float] = field(default_factory=lambda: {1: 0.0, 2: 0.0})

    def report(self) -> None:
        for port, entity_id in METERS.items():
            self.site.set_state(entity_id, self.readings[port], METER_ATTRIBUTES)

    def burst(self, steps: int) -> None:
        for _ in range(steps):
            for port in METERS:
                kwh = 0.25 * self.rng.randint(1, 8)
                self.readings[port] += kwh
                self.sent_kwh[port] += kwh
            self.report()
            time.sleep(self.rng.uniform(0.0, 0.3))

    def restart_broker(self) -> None:
        services.stop(self.broker_pid)
        time.sleep(1.0)
        self.broker_pid = services.start_mosquitto(self.broker_port, self.broker_folder).pid

    def central_ports(self) -> dict[int, float]:
        """The central's remote port sensors: kg by the site's port."""
        found = {}
        for state in self.central.request("GET", "/api/states"):
            attributes = state["attributes"]
            if attributes.get("site_id") == SITE and "site_port" in attributes:
                try:
                    found[int(attributes["site_port"])] = float(state["state"])
                except ValueError:
                    continue
        return found

    def central_site_total(self) -> float | None:
        return number(self.central_site_state())

    def central_site_state(self) -> dict[str, Any] | None:
        for state in self.central.request("GET", "/api/states"):
            attributes = state["attributes"]
            if attributes.get("site_id") == SITE and "refused_messages" in attributes:
                return state
        return None

    def central_entities(self) -> dict[str, str]:
        """The central's carbon sensors of the site: entity id by port (and "site")."""
        found = {}
        for state in self.central.request("GET", "/api/states"):
            attributes = state["attributes"]
            if attributes.get("site_id") != SITE:
                continue
            if "site_port" in attributes:
                found[str(attributes["site_port"])] = state["entity_id"]
            elif "refused_messages" in attributes:
                found["site"] = state["entity_id"]
        return found


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    """A private broker (so it can be restarted), the site and the central."""
    pytest_socket.enable_socket()
    broker = services.start_mosquitto()
    broker_port, broker_pid, folder = broker.port, broker.pid, broker.folder
    # Topics of this run's own.
    prefix = f"ct-live-{uuid.uuid4().hex[:8]}"
    site = LiveHass.create(
        NODES,
        directory=tmp_path_factory.mktemp("site"),
        name="Site A",
        groups=GROUPS,
        mqtt_port=broker_port,
        publisher=(SITE, prefix),
    )
    central = LiveHass.create(
        [],
        directory=tmp_path_factory.mktemp("central"),
        name="Central",
        mqtt_port=broker_port,
        remotes=[(SITE, prefix, PORT_BASE)],
    )
    found = Region(broker_port, broker_pid, folder, site, central, random.Random(SEED))
    try:
        central.start()
        site.start()
        found.report()
        yield found
    finally:
        site.close()
        central.close()
        services.stop(found.broker_pid)


def exact(region: Region) -> dict[int, float]:
    """Each of the site's ports' exact carbon."""
    return {port: kwh * FACTOR for port, kwh in region.sent_kwh.items()}


def expected_at_central(region: Region) -> dict[int, float]:
    """What the central must show by site port: the ports, and the group's sides (the group
    began with the nodes, so each side is its member's carbon)."""
    ports = exact(region)
    return ports | {side: ports[port] for side, port in SIDES.items()}


def wait_for_central(region: Region) -> dict[int, float]:
    """Until the central shows the site's exact carbon (or the time is up): what it shows."""
    deadline = time.monotonic() + SETTLE_S
    shown: dict[int, float] = {}
    while time.monotonic() < deadline:
        shown = region.central_ports()
        if shown and all(
            abs(shown.get(port, -1.0) - kg) <= TOLERANCE
            for port, kg in expected_at_central(region).items()
        ):
            break
        time.sleep(0.5)
    return shown


def test_the_central_counts_every_kilogram_once_through_kills_and_a_broker_restart(
    region: Region, local_sockets_in_each_test: None
) -> None:
    region.burst(5)
    assert wait_for_central(region) == pytest.approx(expected_at_central(region), abs=TOLERANCE)

    # The site killed in a burst; the meters go on while it is down and report on its start.
    region.burst(3)
    region.site.kill()
    for port in METERS:
        region.readings[port] += 1.5
        region.sent_kwh[port] += 1.5
    region.site.start()
    region.report()
    region.burst(4)
    assert wait_for_central(region) == pytest.approx(expected_at_central(region), abs=TOLERANCE)

    # The central killed while the site goes on; it reads its ledger back and catches up.
    region.central.kill()
    region.burst(4)
    region.central.start()
    region.burst(2)
    assert wait_for_central(region) == pytest.approx(expected_at_central(region), abs=TOLERANCE)

    # The broker stopped and started again while the site counts: nothing is lost.
    region.restart_broker()
    region.burst(4)
    assert wait_for_central(region) == pytest.approx(expected_at_central(region), abs=TOLERANCE)

    # Both Home Assistants killed at once, then started: still each kilogram once.
    region.site.kill()
    region.central.kill()
    region.central.start()
    region.site.start()
    region.report()
    region.burst(3)
    shown = wait_for_central(region)
    assert shown == pytest.approx(expected_at_central(region), abs=TOLERANCE)
    # The site's total is written as the ports are (at once, then at most once per interval):
    # it shows the same within an interval.
    expected = sum(exact(region).values())
    deadline = time.monotonic() + SETTLE_S
    total = region.central_site_total()
    while (total is None or abs(total - expected) > TOLERANCE) and time.monotonic() < deadline:
        time.sleep(0.5)
        total = region.central_site_total()
    assert total == pytest.approx(expected, abs=TOLERANCE)


def wait_until(check: Any, timeout: float = SETTLE_S) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def test_a_site_offline_for_a_day_is_counted_once_and_the_statistics_agree(
    region: Region, local_sockets_in_each_test: None
) -> None:
    entities = region.central_entities()
    assert set(entities) == {"1", "2", "901", "902", "site"}

    # The site dies: the broker says its Last Will, the central shows its ports unavailable.
    region.site.kill()

    def offline() -> bool:
        site = region.central_site_state()
        ports = [region.central.get_state(entities[str(port)]) for port in METERS]
        return (
            site is not None
            and site["attributes"]["online"] is False
            and all(port is not None and port["state"] == "unavailable" for port in ports)
        )

    assert wait_until(offline), region.central_site_state()

    # A day of the meters while the site is away, and the central restarted meanwhile.
    for port in METERS:
        region.readings[port] += 96.0
        region.sent_kwh[port] += 96.0
    region.central.stop()
    offset = DAY_S + round(seconds_to_boundary(DAY_S)) - BEFORE_BOUNDARY_S
    if offset < DAY_S:
        offset += PERIOD
    region.central.clock_offset_s = offset
    region.site.clock_offset_s = DAY_S
    region.central.start()
    region.site.start()
    region.report()
    region.burst(3)
    shown = wait_for_central(region)
    assert shown == pytest.approx(expected_at_central(region), abs=TOLERANCE)
    expected = sum(exact(region).values())
    assert wait_until(lambda: region.central_site_total() == pytest.approx(expected, abs=TOLERANCE))
    site_state = region.central_site_state()
    assert site_state is not None
    assert site_state["attributes"]["online"] is True

    # The meters are quiet; the central compiles the period after the boundary of its clock.
    boundary = time.time() + seconds_to_boundary(offset)
    compiled = {name: entity_id for name, entity_id in entities.items()}
    rows = {}
    while time.time() < boundary + COMPILE_WAIT:
        rows = {name: region.central.statistics(entity) for name, entity in compiled.items()}
        if all(
            found and found[-1].start_ts + PERIOD >= boundary + offset for found in rows.values()
        ):
            break
        time.sleep(5.0)
    shown_now = {
        name: number(region.central.get_state(entity)) for name, entity in compiled.items()
    }
    region.central.stop()
    for name, entity_id in compiled.items():
        found = rows[name]
        assert found, f"no short-term statistics of {entity_id}"
        last = found[-1]
        assert last.start_ts + PERIOD >= boundary + offset, (name, last.start_ts, boundary)
        assert last.state == pytest.approx(shown_now[name], abs=TOLERANCE)
        zero = value_at(numbers(region.central.recorded_states(entity_id)), found[0].start_ts)
        assert zero is not None
        assert last.state is not None
        assert last.sum == pytest.approx(last.state - zero, abs=TOLERANCE), [
            (row.start_ts, row.state, row.sum) for row in found
        ]
    assert shown_now["site"] == pytest.approx(expected, abs=TOLERANCE)
