"""A region as it runs: a real broker, two sites' Home Assistants and a central's, each a process.

Each site has two tracking nodes on meters that report their true readings (set through the
REST API, as devices would), a binding group of the two, and a site publisher of both nodes and
both of the group's sides (each side's kilograms since the group began); the central follows
both sites through its own MQTT integration. A driver sends known increments to both sites in
bursts while a site is killed (``kill -9``), the central is killed, the broker is stopped and
started again (its retained messages kept, as an operator's restart), and everything is killed
at once. At the end each of the central's remote port totals is its site's exact carbon, to the
gram, each side its member's, and each site's total at the central its ports' (the sides not
added again): nothing lost, nothing counted twice.

Then one site is offline for a day: killed (its MQTT Last Will says ``offline`` for it, and the
central's sensors of its ports go unavailable) while the other goes on; its meters go on too,
and the central and the sites start again with their clocks a day on (libfaketime), the
central's placed shortly before a statistics boundary. The day is counted once, and the
central's compiled statistics of every remote port and of each site's total hold its state and
a ``sum`` equal to its climb since the first compiled period.
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
METER_ATTRIBUTES = {
    "unit_of_measurement": "kWh",
    "state_class": "total_increasing",
    "device_class": "energy",
}
# Each site's group, whose two sides its publisher publishes as ports 901 (Grid) and 902 (Hall).
GROUPS = [("Grid vs hall", "total_vs_sub", [1], [2], {"group_number": 1, "window": "hour"})]
SIDES = {901: 1, 902: 2}
# The sites and their numbering at the central.
SITES = {"site-a": 1000, "site-b": 2000}
OFFLINE_SITE = "site-b"
SEED = 20261207
SETTLE_S = 30.0
TOLERANCE = 1e-6
DAY_S = 86_400
# The central's clock after the day: this many seconds before a statistics boundary at its start.
BEFORE_BOUNDARY_S = 75

type Key = tuple[str, int]  # (site id, site port)


@dataclass
class Region:
    """The broker, the sites, the central and what the driver sent."""

    broker_port: int
    broker_pid: int
    broker_folder: Path
    sites: dict[str, LiveHass]
    central: LiveHass
    rng: random.Random
    readings: dict[Key, float] = field(default_factory=dict)
    sent_kwh: dict[Key, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for site in self.sites:
            for port in METERS:
                self.readings[site, port] = 1000.0 if port == 1 else 500.0
                self.sent_kwh[site, port] = 0.0

    def report(self, *sites: str) -> None:
        for site in sites or tuple(self.sites):
            for port, entity_id in METERS.items():
                self.sites[site].set_state(entity_id, self.readings[site, port], METER_ATTRIBUTES)

    def advance(self, site: str, port: int, kwh: float) -> None:
        self.readings[site, port] += kwh
        self.sent_kwh[site, port] += kwh

    def burst(self, steps: int, *sites: str) -> None:
        running = sites or tuple(self.sites)
        for _ in range(steps):
            for site in running:
                for port in METERS:
                    self.advance(site, port, 0.25 * self.rng.randint(1, 8))
            self.report(*running)
            time.sleep(self.rng.uniform(0.0, 0.3))

    def restart_broker(self) -> None:
        services.stop(self.broker_pid)
        time.sleep(1.0)
        self.broker_pid = services.start_mosquitto(self.broker_port, self.broker_folder).pid

    def central_states(self) -> list[dict[str, Any]]:
        """The central's sensors of the sites."""
        return [
            state
            for state in self.central.request("GET", "/api/states")
            if state["attributes"].get("site_id") in self.sites
        ]

    def central_ports(self) -> dict[Key, float]:
        """The central's remote port sensors: kg by (site, site port)."""
        found = {}
        for state in self.central_states():
            attributes = state["attributes"]
            if "site_port" in attributes and (kg := number(state)) is not None:
                found[attributes["site_id"], int(attributes["site_port"])] = kg
        return found

    def central_site_state(self, site: str) -> dict[str, Any] | None:
        for state in self.central_states():
            attributes = state["attributes"]
            if attributes.get("site_id") == site and "refused_messages" in attributes:
                return state
        return None

    def central_entities(self) -> dict[str, str]:
        """The central's carbon sensors of the sites: entity id by "site/port" (and "site")."""
        found = {}
        for state in self.central_states():
            attributes = state["attributes"]
            site = attributes["site_id"]
            if "site_port" in attributes:
                found[f"{site}/{attributes['site_port']}"] = state["entity_id"]
            elif "refused_messages" in attributes:
                found[f"{site}/site"] = state["entity_id"]
        return found


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    """A private broker (so it can be restarted), the sites and the central."""
    pytest_socket.enable_socket()
    broker = services.start_mosquitto()
    # Topics of this run's own.
    prefix = f"ct-live-{uuid.uuid4().hex[:8]}"
    sites = {
        site: LiveHass.create(
            NODES,
            directory=tmp_path_factory.mktemp(site),
            name=site,
            groups=GROUPS,
            mqtt_port=broker.port,
            publisher=(site, prefix),
        )
        for site in SITES
    }
    central = LiveHass.create(
        [],
        directory=tmp_path_factory.mktemp("central"),
        name="Central",
        mqtt_port=broker.port,
        remotes=[(site, prefix, base) for site, base in SITES.items()],
    )
    found = Region(broker.port, broker.pid, broker.folder, sites, central, random.Random(SEED))
    try:
        central.start()
        for site in sites.values():
            site.start()
        found.report()
        yield found
    finally:
        for site in sites.values():
            site.close()
        central.close()
        services.stop(found.broker_pid)


def exact(region: Region) -> dict[Key, float]:
    """Each site port's exact carbon."""
    return {key: kwh * FACTOR for key, kwh in region.sent_kwh.items()}


def expected_at_central(region: Region) -> dict[Key, float]:
    """What the central must show: the ports, and each site's group sides (the group began
    with the nodes, so each side is its member's carbon)."""
    ports = exact(region)
    sides = {(site, side): ports[site, port] for site in SITES for side, port in SIDES.items()}
    return ports | sides


def site_total(region: Region, site: str) -> float:
    return sum(kg for (owner, _), kg in exact(region).items() if owner == site)


def wait_until(check: Any, timeout: float = SETTLE_S) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def wait_for_central(region: Region) -> dict[Key, float]:
    """Until the central shows every exact figure (or the time is up): what it shows."""
    shown: dict[Key, float] = {}

    def exact_now() -> bool:
        nonlocal shown
        shown = region.central_ports()
        return all(
            abs(shown.get(key, -1.0) - kg) <= TOLERANCE
            for key, kg in expected_at_central(region).items()
        )

    wait_until(exact_now)
    return shown


def assert_site_totals(region: Region) -> None:
    """Each site's total at the central is its ports' exact carbon (written at once, then at
    most once per interval: the same within an interval)."""
    for site in SITES:
        expected = site_total(region, site)
        assert wait_until(
            lambda site=site, expected=expected: (
                abs((number(region.central_site_state(site)) or -1.0) - expected) <= TOLERANCE
            )
        ), (site, region.central_site_state(site), expected)


def test_the_central_counts_every_kilogram_once_through_kills_and_a_broker_restart(
    region: Region, local_sockets_in_each_test: None
) -> None:
    region.burst(5)
    assert wait_for_central(region) == pytest.approx(expected_at_central(region), abs=TOLERANCE)

    # A site killed in a burst; its meters go on while it is down and report on its start.
    region.burst(3)
    region.sites["site-a"].kill()
    for port in METERS:
        region.advance("site-a", port, 1.5)
    region.burst(2, "site-b")
    region.sites["site-a"].start()
    region.report("site-a")
    region.burst(4)
    assert wait_for_central(region) == pytest.approx(expected_at_central(region), abs=TOLERANCE)

    # The central killed while the sites go on; it reads its ledgers back and catches up.
    region.central.kill()
    region.burst(4)
    region.central.start()
    region.burst(2)
    assert wait_for_central(region) == pytest.approx(expected_at_central(region), abs=TOLERANCE)

    # The broker stopped and started again while the sites count: nothing is lost.
    region.restart_broker()
    region.burst(4)
    assert wait_for_central(region) == pytest.approx(expected_at_central(region), abs=TOLERANCE)

    # Every Home Assistant killed at once, then started: still each kilogram once.
    for site in region.sites.values():
        site.kill()
    region.central.kill()
    region.central.start()
    for site in region.sites.values():
        site.start()
    region.report()
    region.burst(3)
    assert wait_for_central(region) == pytest.approx(expected_at_central(region), abs=TOLERANCE)
    assert_site_totals(region)


def test_a_site_offline_for_a_day_is_counted_once_and_the_statistics_agree(
    region: Region, local_sockets_in_each_test: None
) -> None:
    entities = region.central_entities()
    assert set(entities) == {
        f"{site}/{port}" for site in SITES for port in ("1", "2", "901", "902", "site")
    }

    # The site dies: the broker says its Last Will, the central shows its ports unavailable;
    # the other site is counted on.
    region.sites[OFFLINE_SITE].kill()

    def offline() -> bool:
        site = region.central_site_state(OFFLINE_SITE)
        ports = [region.central.get_state(entities[f"{OFFLINE_SITE}/{port}"]) for port in METERS]
        return (
            site is not None
            and site["attributes"]["online"] is False
            and all(port is not None and port["state"] == "unavailable" for port in ports)
        )

    assert wait_until(offline), region.central_site_state(OFFLINE_SITE)
    region.burst(3, "site-a")

    # A day of the meters while the site is away, and the central restarted meanwhile.
    for port in METERS:
        region.advance(OFFLINE_SITE, port, 96.0)
    region.central.stop()
    region.sites["site-a"].stop()
    offset = DAY_S + round(seconds_to_boundary(DAY_S)) - BEFORE_BOUNDARY_S
    if offset < DAY_S:
        offset += PERIOD
    region.central.clock_offset_s = offset
    for site in region.sites.values():
        site.clock_offset_s = DAY_S
    region.central.start()
    for site in region.sites.values():
        site.start()
    region.report()
    region.burst(3)
    shown = wait_for_central(region)
    assert shown == pytest.approx(expected_at_central(region), abs=TOLERANCE)
    assert_site_totals(region)
    site_state = region.central_site_state(OFFLINE_SITE)
    assert site_state is not None
    assert site_state["attributes"]["online"] is True

    # The meters are quiet; the central compiles the period after the boundary of its clock.
    boundary = time.time() + seconds_to_boundary(offset)
    rows = {}
    while time.time() < boundary + COMPILE_WAIT:
        rows = {name: region.central.statistics(entity) for name, entity in entities.items()}
        if all(
            found and found[-1].start_ts + PERIOD >= boundary + offset for found in rows.values()
        ):
            break
        time.sleep(5.0)
    shown_now = {
        name: number(region.central.get_state(entity)) for name, entity in entities.items()
    }
    region.central.stop()
    for name, entity_id in entities.items():
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
    for site in SITES:
        assert shown_now[f"{site}/site"] == pytest.approx(site_total(region, site), abs=TOLERANCE)
