"""The region as it runs: a real broker, a load generator and a real central ``hass``.

A private Mosquitto, a load generator publishing as site publishers do, and a central following
SITES sites of PORTS ports each.

Run from the repository root (scripts/bench does that):

    .venv/bin/python -m bench.bench_region_live

Prints one ``name=value`` line per figure on stdout; progress goes to stderr.

The broker is a private Mosquitto (``devtools.services.start_mosquitto``: its own port and
folder, persistence on). The load generator is one MQTT client (paho, QoS 1) that publishes what
SITES site publishers would: each port's state on ``<prefix>/<site>/port/<port>/<cycle>``,
retained, encoded by the integration's own ``core.region_wire.encode``, each port's kg a multiple
of 0.5 (exact in binary), ``seq = [1, count]``. The central is ``devtools.live.LiveHass``
(recorder on SQLite, HA's MQTT integration on the broker, one remote site entry per site, site i
numbered ``1000 * i + n``), started with ``--skip-pip``.

* ``region_10000_ports_first_start_s``: the central's first start with every site's states
  retained at the broker and nothing known at the central (no entity, no ledger): seconds from
  the process's start to the last of the SITES x PORTS remote port sensors showing its site's
  exact total (the latest ``last_updated`` of those states, minus the moment the process was
  started).
* ``region_10000_ports_start_s``: the same for the central started again (as after an update or
  a power cut: its entities and ledgers known, the broker delivering every retained state
  again). Goal: <= 30.
* ``region_latency_p50_ms``, ``region_latency_p99_ms``: the generator sends RATE updates per
  second for RUN_S seconds, round robin over the ports (so a port changes every SITES x PORTS /
  RATE seconds, as a publisher that coalesces to one state per 5 s would at most), and records
  when it handed each to its client. After the run the central is stopped and its recorder's
  ``states`` rows give when each port's sensor showed each total; an update's latency is the time
  from its publication to the first state showing it (or a later total). Goal for p99: <= 1,000.
  ``region_updates_per_s``: the rate the generator reached. Every update must be shown, and at the
  end every sensor must show its port's last total.

SITES and PORTS can be changed with BENCH_REGION_SITES and BENCH_REGION_PORTS (for a quick
try; the figures' names keep the 10000).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
import logging
import math
import os
from pathlib import Path
import shutil
import sqlite3
import tempfile
import time
from typing import Any

from paho.mqtt.client import CallbackAPIVersion, Client, MQTTMessageInfo

from bench.common import configure_logging, emit
from custom_components.carbon_tracker.core.region_wire import PortState, encode, state_topic
from devtools import services
from devtools.live import LiveHass

SITES = int(os.environ.get("BENCH_REGION_SITES", "50"))
PORTS = int(os.environ.get("BENCH_REGION_PORTS", "200"))
RATE = 1000  # updates per second
RUN_S = 30.0
KG_STEP = 0.5  # kg per update: exact in binary
PREFIX = "ct-bench"
START_TIMEOUT_S = 300.0

_LOGGER = logging.getLogger("bench")


def site_id(site: int) -> str:
    """The id of site ``site`` (0-based)."""
    return f"site-{site:02d}"


def port_base(site: int) -> int:
    """Site ``site``'s numbering at the central."""
    return 1000 * (site + 1)


@dataclass
class Generator:
    """One MQTT client publishing as every site's publisher would."""

    broker_port: int
    counts: dict[tuple[int, int], int] = field(default_factory=dict)
    published_at: dict[tuple[int, int, int], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Connected, its network loop in a thread of its own."""
        self.client = Client(CallbackAPIVersion.VERSION2, client_id="ct-bench-generator")
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", self.broker_port)
        self.client.loop_start()

    def publish(self, site: int, port: int) -> MQTTMessageInfo:
        """The port's next state (its count up by one)."""
        count = self.counts.get((site, port), 0) + 1
        self.counts[site, port] = count
        sid = site_id(site)
        cycle = f"c{port}"
        state = PortState(
            sid, port, cycle, (1, count), count * KG_STEP, f"Meter {port}", "2", "typed"
        )
        self.published_at[site, port, count] = time.time()
        return self.client.publish(
            state_topic(PREFIX, sid, port, cycle), encode(state), qos=1, retain=True
        )

    def everything_once(self) -> None:
        """Every port's first state, retained at the broker (all acknowledged)."""
        infos = [self.publish(site, port) for site in range(SITES) for port in range(1, PORTS + 1)]
        for info in infos:
            info.wait_for_publish(60)

    def run(self, rate: float, seconds: float) -> float:
        """``rate`` updates per second, round robin over the ports; the rate reached."""
        order = [(site, port) for port in range(1, PORTS + 1) for site in range(SITES)]
        total = int(rate * seconds)
        start = time.perf_counter()
        infos = []
        for index in range(total):
            due = start + index / rate
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            infos.append(self.publish(*order[index % len(order)]))
        elapsed = time.perf_counter() - start
        for info in infos:
            info.wait_for_publish(60)
        return total / elapsed

    def expected(self) -> dict[tuple[int, int], float]:
        """Each port's total now."""
        return {key: count * KG_STEP for key, count in self.counts.items()}

    def close(self) -> None:
        """Disconnected."""
        self.client.loop_stop()
        self.client.disconnect()


def port_states(central: LiveHass) -> dict[tuple[int, int], dict[str, Any]]:
    """The central's remote port sensors' states, by (site, port)."""
    sites = {site_id(site): site for site in range(SITES)}
    found = {}
    for state in central.request("GET", "/api/states", timeout=60):
        attributes = state["attributes"]
        site = sites.get(attributes.get("site_id", ""))
        if site is not None and "site_port" in attributes:
            found[site, int(attributes["site_port"])] = state
    return found


def shown_everything(
    states: dict[tuple[int, int], dict[str, Any]], expected: dict[tuple[int, int], float]
) -> bool:
    """Every port's sensor at its exact total."""
    if len(states) != len(expected):
        return False
    for key, kg in expected.items():
        try:
            if float(states[key]["state"]) != kg:
                return False
        except KeyError, ValueError:
            return False
    return True


def timed_start(central: LiveHass, expected: dict[tuple[int, int], float]) -> float:
    """Seconds from the process's start to the last port sensor at its exact total."""
    started = time.time()
    central.start(timeout=START_TIMEOUT_S)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        states = port_states(central)
        if shown_everything(states, expected):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(states)} of {len(expected)} ports shown after the timeout")
        time.sleep(2.0)
    last = max(
        _timestamp(state.get("last_updated", state["last_changed"])) for state in states.values()
    )
    return last - started


def _timestamp(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def shown_at(
    db_path: Path, entity_ports: dict[str, tuple[int, int]], since: float
) -> dict[tuple[int, int], list[tuple[float, float]]]:
    """(time, kg) of each port sensor's states the recorder wrote since ``since``."""
    found: dict[tuple[int, int], list[tuple[float, float]]] = {}
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT m.entity_id, s.state, s.last_updated_ts FROM states AS s"
            " JOIN states_meta AS m ON s.metadata_id = m.metadata_id"
            " WHERE s.last_updated_ts >= ? ORDER BY s.last_updated_ts",
            (since,),
        ).fetchall()
    for entity_id, state, at in rows:
        key = entity_ports.get(entity_id)
        if key is None:
            continue
        try:
            found.setdefault(key, []).append((at, float(state)))
        except ValueError:
            continue
    return found


def latencies(
    generator: Generator, shown: dict[tuple[int, int], list[tuple[float, float]]], since: float
) -> list[float]:
    """Each update's seconds from publication to the first state showing it (or more)."""
    found = []
    for (site, port, count), published in generator.published_at.items():
        if published < since:
            continue
        kg = count * KG_STEP
        first = next((at for at, value in shown.get((site, port), []) if value >= kg), None)
        if first is None:
            raise RuntimeError(f"site {site} port {port}: {kg} kg never shown")
        found.append(first - published)
    return found


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@contextmanager
def region(folder: Path) -> Iterator[tuple[Generator, LiveHass]]:
    """The broker, the generator and the central (not started)."""
    broker = services.start_mosquitto(folder=folder / "broker")
    generator = Generator(broker.port)
    central = LiveHass.create(
        [],
        directory=folder / "central",
        name="Central",
        mqtt_port=broker.port,
        remotes=[(site_id(site), PREFIX, port_base(site)) for site in range(SITES)],
    )
    try:
        yield generator, central
    finally:
        central.close()
        generator.close()
        services.stop(broker.pid)


def main() -> None:
    """Both starts, then the latency run."""
    folder = Path(tempfile.mkdtemp(prefix="ct-bench-region-"))
    ports = SITES * PORTS
    try:
        with region(folder) as (generator, central):
            clock = time.perf_counter()
            generator.everything_once()
            _LOGGER.info(
                "%d retained states at the broker in %.1f s", ports, time.perf_counter() - clock
            )
            first = timed_start(central, generator.expected())
            _LOGGER.info("first start: %.1f s", first)
            central.stop()
            again = timed_start(central, generator.expected())
            _LOGGER.info("start again: %.1f s", again)
            entity_ports = {state["entity_id"]: key for key, state in port_states(central).items()}
            time.sleep(5.0)  # the retained states delivered again are taken and changed nothing
            since = time.time()
            rate = generator.run(RATE, RUN_S)
            _LOGGER.info("%d updates at %.0f per second", int(RATE * RUN_S), rate)
            deadline = time.monotonic() + 120
            while not shown_everything(port_states(central), generator.expected()):
                if time.monotonic() > deadline:
                    raise RuntimeError("the central did not show every last total")
                time.sleep(2.0)
            central.stop()
            found = latencies(generator, shown_at(central.db_path, entity_ports, since), since)
        emit("region_10000_ports_first_start_s", first, 2)
        emit("region_10000_ports_start_s", again, 2)
        emit("region_updates_per_s", rate, 0)
        emit("region_latency_p50_ms", percentile(found, 0.5) * 1000, 1)
        emit("region_latency_p99_ms", percentile(found, 0.99) * 1000, 1)
        _LOGGER.info("%d latencies, max %.1f ms", len(found), max(found) * 1000)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run() -> None:
    """Entry point: logs on stderr, figures on stdout."""
    configure_logging()
    main()


if __name__ == "__main__":
    run()
