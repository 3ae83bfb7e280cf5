"""Scale benchmark: a real ``hass`` process with 5,000 tracking nodes on 5,000 meters.

Run from the repository root (scripts/bench does that, after bench.bench_nodes):

    .venv/bin/python -m bench.bench_scale

Prints exactly these ``name=value`` lines on stdout (N = 5000); progress and details go to stderr:

- ``scale_N_start_s``: seconds from starting the hass process until every carbon sensor has a
  numeric state (the latest ``last_changed`` of the N carbon sensors, minus the moment the
  process was started; nothing else changes them before the first update run);
- ``scale_N_rss_kib_per_node``: VmRSS (``/proc/PID/status``) of the hass with N nodes minus
  VmRSS of the same hass with the same N meters and no node, divided by N. Both processes are
  sampled twice, settled (recorder drained, RSS steady): after the start and after the update
  runs; the figure is the larger of the two differences;
- ``scale_N_updates_per_s``: meter updates per second with every carbon sensor following (best
  of RUNS timed runs of about TARGET_RUN_S each), ``scale_N_updates_per_s_no_nodes``: the same
  updates in the hass without nodes (best of RUNS), ``scale_N_updates_vs_no_nodes``: the median
  of the RUNS pairs' ratios (each pair is one run of each, back to back: a slower moment of the
  machine falls on both; the best of each, taken from different moments, would not cancel it);
- ``scale_N_sustained_vs_no_nodes``: the same median for updates per second end to end (the run
  plus the time the recorder then takes to write what it queued): at these rates the recorder
  falls behind in both processes, and what HA can take for good is what the recorder keeps up
  with;
- ``scale_N_rss_kib_per_idle_twin``, ``scale_N_updates_idle_twins_vs_no_nodes`` and
  ``scale_N_sustained_idle_twins_vs_no_nodes``: the same figures for a third hass, with the N
  meters and N idle twins (``bench_meters: twins:``, one more sensor entity per meter, in kg,
  written once when added and never again, no config entry, no device) and no node. That is the
  floor of any design that gives each meter a carbon sensor of its own: what one more HA entity
  per meter costs by itself, through HA's own memory and its cyclic garbage collector, whose
  full collections take time in proportion to every object the process holds.

Each hass is set up by ``devtools.live.LiveHass`` (configuration.yaml as it writes it: recorder
on SQLite, ``api:``, ``logger:``; ``.storage`` seeded with the nodes as config entries), plus the
benchmark's own ``bench_meters`` integration (``bench/meters/``): N real sensor entities in kWh,
in the entity registry, and the actions that drive them from inside the event loop. An update
run is the ``bench_meters.run`` action: every meter advances by STEP kWh and writes its state,
then ``hass.async_block_till_done()``, ``rounds`` times; updates/s = N x rounds / the seconds it
measured with ``time.perf_counter``. The processes run side by side (each started and
restarted in turn, the others idle meanwhile): after a warm-up run of each, a calibration run
of the node hass sets the rounds so that each of its timed runs lasts about TARGET_RUN_S, and
then the timed runs take turns, one run of each hass a turn, the same rounds, RUNS turns, each
turn starting one hass later: a slower moment of the machine falls on a whole turn, not on one
run minutes apart, and no hass always runs first or last.
The recorder is drained (``bench_meters.settle``) after each run, so the runs are independent.
At the end every meter and every carbon sensor must be exactly at the total the updates imply,
the hasses without nodes must have no Carbon Tracker entity or entry, and the twins must all be
there. Each run's log line (stderr) also gives the
time the cyclic garbage collector took, and the updates per second end to end (run + recorder
drain).

``BENCH_PROFILE=1`` adds a cProfile of one more update run of the node hass (stderr; on Python
3.14 it sees every thread, the recorder's included);
``BENCH_SCALE_DETAIL=1`` prints the GC-tracked objects per node by type (census of the node
hass and the hass without nodes, diff / N; plain containers named by what holds them).
Every hass runs on jemalloc, preloaded as Home Assistant's container and OS images preload it
(their start script, unless ``DISABLE_JEMALLOC`` is set): the allocator a factory's HA runs on.
``BENCH_SCALE_ALLOCATOR=glibc`` runs them on the C library's malloc instead (a ``hass`` started
from a virtual environment); the benchmark fails if jemalloc is asked for and missing
(``scripts/setup`` installs Debian's ``libjemalloc2``).
``BENCH_SCALE_N`` changes N (for a quick try; the names change with it).
``BENCH_SCALE_SHAPES=1`` adds two more hasses of N twins, each twin on a device of its own: as N
config entries (``scale_N_rss_kib_per_entry_twin``, ``scale_N_updates_entry_twins_vs_no_nodes``,
``scale_N_sustained_entry_twins_vs_no_nodes``) and as N subentries of one config entry (the same
with ``subentry_twin``): what Home Assistant's shape of a node costs, and what subentries save.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
import json
import logging
import math
import os
from pathlib import Path
import shutil
from statistics import median
import sys
import tempfile
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry

from bench.meters.const import (
    CONF_TWIN,
    DOMAIN as METERS_DOMAIN,
    TWIN_SUBENTRY,
    meter_entity_id as meter_id,
    meter_initial,
)
from devtools.live import LiveHass, LiveHassError
from devtools.seed import NodeSpec

N = int(os.environ.get("BENCH_SCALE_N", "5000"))
FACTOR = 0.5  # kg CO2e per kWh: the custom factor of every node
STEP = 0.25  # kWh per update: with FACTOR every total is exact in binary
RUNS = 5
TARGET_RUN_S = 8.0
WARMUP_ROUNDS = 1
CALIBRATION_ROUNDS = 5
MAX_ROUNDS = 200
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
DETAIL = os.environ.get("BENCH_SCALE_DETAIL") == "1"
SHAPES = os.environ.get("BENCH_SCALE_SHAPES") == "1"
ALLOCATOR = os.environ.get("BENCH_SCALE_ALLOCATOR", "jemalloc")
JEMALLOC_GLOB = "/usr/lib/*/libjemalloc.so.2"

METERS = Path(__file__).resolve().parent / "meters"
CARBON_SUFFIX = "_carbon_emissions"

# Bounded waits (seconds).
START_TIMEOUT = 180.0
NUMERIC_TIMEOUT = 120.0
ACTION_TIMEOUT = 300.0
RSS_SETTLE_TIMEOUT = 20.0
# Registries save 10 s after their last change: the after-start sample waits for that.
AFTER_START_MIN_S = 12.0

_LOGGER = logging.getLogger("bench.scale")
_START = time.perf_counter()


def emit(name: str, value: float, digits: int = 3) -> None:
    """The only writer to stdout: one ``name=value`` line per figure."""
    print(f"{name}={value:.{digits}f}", flush=True)


def log(message: str, *args: Any) -> None:
    """Progress on stderr, with the seconds since the benchmark started."""
    _LOGGER.info("%6.1f s  " + message, time.perf_counter() - _START, *args)


def carbon_id(index: int) -> str:
    """The carbon sensor of node "Meter {index}"."""
    return f"sensor.meter_{index}{CARBON_SUFFIX}"


def node_specs(n: int) -> list[NodeSpec]:
    """One tracking node per meter, custom factor FACTOR kg CO2e/kWh."""
    factor = {"factor_mode": "custom", "factor_value": FACTOR, "factor_unit": "kWh"}
    return [(f"Meter {i}", meter_id(i), i + 1, dict(factor)) for i in range(n)]


# --------------------------------------------------------------------------------------------------
# One hass process
# --------------------------------------------------------------------------------------------------


class ScaleHass:
    """A LiveHass with the bench meters added, and what the benchmark asks of it."""

    def __init__(self, live: LiveHass, label: str, nodes: int, twins: int) -> None:
        """Drive ``live``, created with ``nodes`` nodes and ``twins`` idle twins."""
        self.live = live
        self.label = label
        self.nodes = nodes
        self.twins = twins
        self.rounds_done = 0  # meter advances so far, the warm-up included
        self.started_at = 0.0  # time.time() just before the process was started
        self.running_at = 0.0

    @classmethod
    def create(
        cls, directory: Path, label: str, nodes: int, twins: int = 0, shape: str | None = None
    ) -> ScaleHass:
        """Seed the folder with ``nodes`` nodes, then add the N bench meters (and idle twins).

        ``shape`` "entries": N more twins, each a config entry with a device of its own;
        "subentries": the same N as subentries of one config entry.
        """
        live = LiveHass.create(node_specs(nodes), directory=directory, name=f"Scale {label}")
        if shape is not None:
            _seed_twin_entries(live.config_dir, shape)
        # Not a LiveHass option: the meters integration is linked and configured here.
        link = live.config_dir / "custom_components" / METERS_DOMAIN
        link.symlink_to(METERS, target_is_directory=True)
        with (live.config_dir / "configuration.yaml").open("a") as config:
            config.write(f"\n{METERS_DOMAIN}:\n  count: {N}\n  twins: {twins}\n")
        return cls(live, label, nodes, N if shape is not None else twins)

    @property
    def pid(self) -> int:
        """The process id (started)."""
        pid = self.live.pid
        assert pid is not None
        return pid

    def start(self) -> None:
        """Start the process; return once HA says RUNNING."""
        self.started_at = time.time()
        self.live.start(timeout=START_TIMEOUT)
        self.running_at = time.time()
        log("%s: RUNNING after %.1f s", self.label, self.running_at - self.started_at)

    def action(self, service: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a bench_meters action; returns its response."""
        answer = self.live.request(
            "POST",
            f"/api/services/bench_meters/{service}?return_response",
            data or {},
            timeout=ACTION_TIMEOUT,
        )
        response: dict[str, Any] = answer["service_response"]
        return response

    def states(self) -> dict[str, dict[str, Any]]:
        """Every state, by entity id."""
        states: list[dict[str, Any]] = self.live.request("GET", "/api/states", timeout=60)
        return {state["entity_id"]: state for state in states}

    def wait_numeric(self) -> float:
        """Wait until every meter and carbon sensor is numeric; seconds from process start."""
        deadline = time.monotonic() + NUMERIC_TIMEOUT
        while True:
            states = self.states()
            meters = sum(1 for i in range(N) if _numeric(states.get(meter_id(i))))
            carbon = [states.get(carbon_id(i)) for i in range(self.nodes)]
            numeric = [state for state in carbon if state is not None and _numeric(state)]
            if meters == N and len(numeric) == self.nodes:
                break
            if time.monotonic() > deadline:
                raise LiveHassError(
                    f"{self.label}: after {NUMERIC_TIMEOUT} s {meters}/{N} meters and "
                    f"{len(numeric)}/{self.nodes} carbon sensors are numeric"
                )
            time.sleep(1.0)
        seen = time.time() - self.started_at
        if not numeric:
            return seen
        # Fresh nodes show 0.0 from the moment they are added; no update has run yet.
        last = max(datetime.fromisoformat(state["last_changed"]).timestamp() for state in numeric)
        log("%s: all numeric, seen by the poll %.1f s after the start", self.label, seen)
        return last - self.started_at

    def settle(self, what: str) -> None:
        """Wait for pending tasks and for the recorder to write what it has queued."""
        started = time.monotonic()
        answer = self.action("settle")
        log(
            "%s: recorder drained %s in %.1f s (backlog %s)",
            self.label,
            what,
            time.monotonic() - started,
            answer["recorder_backlog"],
        )

    def rss_kib(self) -> int:
        """VmRSS of the process, in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise LiveHassError("no VmRSS in /proc/PID/status")

    def settled_rss_kib(self, what: str) -> int:
        """VmRSS once the recorder is drained and RSS has stopped moving (bounded wait)."""
        self.settle(what)
        samples = [self.rss_kib()]
        deadline = time.monotonic() + RSS_SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            time.sleep(0.5)
            samples.append(self.rss_kib())
            last = samples[-6:]
            if len(last) == 6 and max(last) - min(last) <= max(1024, max(last) // 500):
                break
        else:
            log("%s: RSS still moving after %.0f s: %s", self.label, RSS_SETTLE_TIMEOUT, last)
        rss = samples[-1]
        log("%s: VmRSS %s: %.1f MiB", self.label, what, rss / 1024)
        return rss

    def run(self, rounds: int, *, profile: bool = False) -> dict[str, Any]:
        """One update run of ``rounds`` rounds; the recorder is drained afterwards."""
        answer = self.action("run", {"rounds": rounds, "step": STEP, "profile": profile})
        self.rounds_done += rounds
        rate = answer["updates"] / answer["elapsed"]
        gc_stats = answer["gc"]
        log(
            "%s: %d rounds, %d updates in %.2f s: %.0f/s (cyclic GC: %.2f s in %d collections "
            "in the event loop, %.2f s in %d in other threads; %d full ones took %.2f s; "
            "%d tracked objects)",
            self.label,
            rounds,
            answer["updates"],
            answer["elapsed"],
            rate,
            gc_stats["seconds"]["event_loop"],
            gc_stats["collections"]["event_loop"],
            gc_stats["seconds"]["other_threads"],
            gc_stats["collections"]["other_threads"],
            gc_stats["full_collections"],
            gc_stats["seconds_by_generation"][2],
            gc_stats["tracked_objects"],
        )
        started = time.monotonic()
        self.settle("after the run")
        drain = time.monotonic() - started
        answer["rate"] = rate
        answer["sustained"] = answer["updates"] / (answer["elapsed"] + drain)
        log("%s: end to end (run + recorder drain) %.0f updates/s", self.label, answer["sustained"])
        return answer

    def check(self) -> None:
        """Every meter and carbon sensor at exactly the total the runs imply."""
        states = self.states()
        kwh = self.rounds_done * STEP
        wrong_meters = [
            i for i in range(N) if _value(states.get(meter_id(i))) != meter_initial(i) + kwh
        ]
        if wrong_meters:
            raise AssertionError(f"{self.label}: meters off, e.g. {meter_id(wrong_meters[0])}")
        expected = kwh * FACTOR
        wrong = [i for i in range(self.nodes) if _value(states.get(carbon_id(i))) != expected]
        if wrong:
            first = states.get(carbon_id(wrong[0]))
            raise AssertionError(
                f"{self.label}: {len(wrong)} carbon sensors are not at {expected} kg, "
                f"e.g. {carbon_id(wrong[0])} = {None if first is None else first['state']}"
            )
        info = self.action("info")
        carbon_states = [entity for entity in states if entity.endswith(CARBON_SUFFIX)]
        log("%s: %s; %d carbon sensors in states", self.label, info, len(carbon_states))
        if info["meters"] != N:
            raise AssertionError(f"{self.label}: {info['meters']} meters instead of {N}")
        if info["carbon_entries"] != self.nodes or len(carbon_states) != self.nodes:
            raise AssertionError(f"{self.label}: Carbon Tracker entries or entities unexpected")
        if self.nodes == 0 and info["carbon_entities"] != 0:
            raise AssertionError(f"{self.label}: Carbon Tracker entities without nodes")
        if info["twins"] != self.twins:
            raise AssertionError(f"{self.label}: {info['twins']} idle twins, not {self.twins}")
        log("%s: all %d meters and %d carbon sensors exact", self.label, N, self.nodes)

    def census(self) -> dict[str, tuple[int, int]]:
        """GC-tracked objects by type: (count, bytes)."""
        answer = self.action("census", {"top": 3000, "holders": True})
        return {row["type"]: (row["count"], row["bytes"]) for row in answer["top"]}


def _seed_twin_entries(config_dir: Path, shape: str) -> None:
    """Add N twins of the bench meters as config entries, or as subentries of one entry."""
    path = config_dir / ".storage" / "core.config_entries"
    stored = json.loads(path.read_text())

    def entry(title: str, data: dict[str, Any], subentries: list[Any] | None) -> dict[str, Any]:
        return ConfigEntry(
            data=data,
            discovery_keys={},
            domain=METERS_DOMAIN,
            minor_version=1,
            options={},
            source="user",
            subentries_data=subentries,
            title=title,
            unique_id=None,
            version=1,
        ).as_dict()

    if shape == "entries":
        added = [entry(f"Twin {i}", {CONF_TWIN: i}, None) for i in range(N)]
    else:
        subentries = [
            {
                "data": {CONF_TWIN: i},
                "subentry_type": TWIN_SUBENTRY,
                "title": f"Twin {i}",
                "unique_id": None,
            }
            for i in range(N)
        ]
        added = [entry("Twins", {}, subentries)]
    stored["data"]["entries"].extend(added)
    path.write_text(json.dumps(stored))


def _numeric(state: dict[str, Any] | None) -> bool:
    return not math.isnan(_value(state))


def _value(state: dict[str, Any] | None) -> float:
    """The state as a number; NaN when it is missing or not a number."""
    if state is None:
        return math.nan
    try:
        return float(state["state"])
    except ValueError:
        return math.nan


@contextmanager
def scale_hass(
    label: str, nodes: int, twins: int = 0, shape: str | None = None
) -> Iterator[ScaleHass]:
    """A ScaleHass in a temporary folder; killed on exit, the folder removed unless it failed."""
    directory = Path(tempfile.mkdtemp(prefix=f"carbon-scale-{label.replace(' ', '-')}-"))
    created = time.monotonic()
    done = False
    try:
        scale = ScaleHass.create(directory, label, nodes, twins, shape)
        log("%s: seeded %s in %.1f s", label, directory, time.monotonic() - created)
        try:
            yield scale
            done = True
        finally:
            scale.live.close()
            summarize_log(label, scale.live.log_path)
    finally:
        if done:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            log("%s: failed; the folder is kept: %s", label, directory)


def summarize_log(label: str, path: Path) -> None:
    """Say on stderr how many tracebacks hass logged, and the commonest errors."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return
    tracebacks = 0
    errors: Counter[str] = Counter()
    in_traceback = False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            tracebacks += 1
            in_traceback = True
        elif in_traceback and line and not line[0].isspace():
            # The first line back at the margin: "package.SomeError: message".
            errors[line[:160]] += 1
            in_traceback = False
    log("%s: hass.out.log has %d lines, %d tracebacks", label, len(lines), tracebacks)
    for line, count in errors.most_common(3):
        log("%s:   %d x %s", label, count, line)


# --------------------------------------------------------------------------------------------------
# The two processes
# --------------------------------------------------------------------------------------------------


def prepare(scale: ScaleHass) -> dict[str, Any]:
    """Start a hass, measure its start and memory, and start it again (clean restart)."""
    label = scale.label
    figures: dict[str, Any] = {}
    scale.start()
    figures["start_s"] = scale.wait_numeric()
    log(
        "%s: all meters and carbon sensors numeric %.1f s after the start",
        label,
        figures["start_s"],
    )
    scale.settle("after the start")
    time.sleep(max(0.0, scale.running_at + AFTER_START_MIN_S - time.time()))
    figures["rss_first_start"] = scale.settled_rss_kib("after the first start")
    # A factory runs on a hass that was started before: registries, restore data and exposure
    # settings are read back, not created. The first start of 5,000 seeded entries also has
    # HA's conversation agent expose every new entity inside one event dispatch (over 10,000
    # nested registry events: HA refuses the rest and logs each as a traceback), a one-off flood
    # whose freed memory CPython keeps. Memory and updates are measured after a clean restart.
    scale.live.stop()
    scale.start()
    figures["restart_s"] = scale.wait_numeric()
    log("%s: all numeric %.1f s after the restart", label, figures["restart_s"])
    scale.settle("after the restart")
    time.sleep(max(0.0, scale.running_at + AFTER_START_MIN_S - time.time()))
    figures["rss_start"] = scale.settled_rss_kib("after the restart")
    return figures


def interleaved_rates(bare: ScaleHass, contenders: list[ScaleHass]) -> dict[str, Any]:
    """Warm every hass up; then RUNS timed runs of each, in turns, the same rounds.

    A calibration run of the first contender after the warm-ups sets the rounds. Side by side in
    time, a slower or busier moment of the machine falls on every run of a turn; each turn starts
    one hass later than the one before, so that no hass always runs first or last. Answers the
    rounds, the best rate of the hass without nodes, and for each contender (by label) its best
    rate and the medians of the turns' ratios to the hass without nodes, as measured and end to
    end.
    """
    for scale in (bare, *contenders):
        scale.run(WARMUP_ROUNDS)
    # Timed on a run of a few rounds after the warm-up: a first round is slower than the rest
    # (caches, the carbon sensors' first writes), and runs set by it lasted a third of the target.
    calibration = contenders[0].run(CALIBRATION_ROUNDS)
    rounds = max(2, min(MAX_ROUNDS, round(TARGET_RUN_S * calibration["rate"] / N)))
    log("%d rounds a run (%.0f updates/s in the calibration run)", rounds, calibration["rate"])
    every = [bare, *contenders]
    turns: list[dict[str, dict[str, Any]]] = []
    for turn in range(RUNS):
        first = turn % len(every)
        turns.append({scale.label: scale.run(rounds) for scale in every[first:] + every[:first]})
    rates: dict[str, Any] = {
        "rounds": rounds,
        "bare": max(runs[bare.label]["rate"] for runs in turns),
    }
    for scale in contenders:
        pairs = [(runs[bare.label], runs[scale.label]) for runs in turns]
        ratios = [run["rate"] / without["rate"] for without, run in pairs]
        sustained = [run["sustained"] / without["sustained"] for without, run in pairs]
        log("%s: ratios %s, end to end %s", scale.label, _rounded(ratios), _rounded(sustained))
        rates[scale.label] = {
            "best": max(run["rate"] for _, run in pairs),
            "ratio": median(ratios),
            "sustained": median(sustained),
        }
    return rates


def _rounded(values: list[float]) -> list[float]:
    return [round(value, 3) for value in values]


def finish(scale: ScaleHass, figures: dict[str, Any]) -> None:
    """Check every total, then memory after the runs (and the census)."""
    scale.check()
    figures["rss_after"] = scale.settled_rss_kib("after the update runs")
    if DETAIL:
        figures["census"] = scale.census()


def print_census(
    with_nodes: dict[str, tuple[int, int]], without: dict[str, tuple[int, int]]
) -> None:
    """The object types that grow with the nodes, per node (stderr)."""
    rows = []
    for name, (count, size) in with_nodes.items():
        base_count, base_size = without.get(name, (0, 0))
        rows.append((size - base_size, count - base_count, name))
    rows.sort(reverse=True)
    print(f"--- GC-tracked objects per node (census diff / {N}) ---", file=sys.stderr)
    for size, count, name in rows[:30]:
        print(f"{size / N:9.1f} B {count / N:7.2f} obj  {name}", file=sys.stderr)
    print(f"--- the same, by objects per node (census diff / {N}) ---", file=sys.stderr)
    for size, count, name in sorted(rows, key=lambda row: -row[1])[:40]:
        print(f"{count / N:7.2f} obj {size / N:9.1f} B  {name}", file=sys.stderr)
    print(f"{sum(row[1] for row in rows) / N:7.2f} objects per node in all", file=sys.stderr)
    total = sum(row[0] for row in rows)
    print(f"{total / N / 1024:9.2f} KiB per node in the top types (shallow)", file=sys.stderr)


def use_allocator() -> None:
    """Have every hass started from now on run on ALLOCATOR (jemalloc: preloaded as HA does)."""
    if ALLOCATOR == "glibc":
        log("allocator: the C library's malloc")
        return
    if ALLOCATOR != "jemalloc":
        raise SystemExit(f"BENCH_SCALE_ALLOCATOR={ALLOCATOR}: jemalloc or glibc")
    libraries = sorted(Path("/").glob(JEMALLOC_GLOB.removeprefix("/")))
    if not libraries:
        raise SystemExit(f"no {JEMALLOC_GLOB}: scripts/setup installs libjemalloc2")
    # Inherited by each hass (LiveHass passes this environment on).
    os.environ["LD_PRELOAD"] = str(libraries[0])
    log("allocator: jemalloc (%s preloaded)", libraries[0])


def main() -> None:
    """The processes side by side (started one after the other, runs taking turns)."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    use_allocator()
    log("scale benchmark: %d meters, with and without %d nodes", N, N)
    with ExitStack() as stack:
        with_nodes = stack.enter_context(scale_hass("nodes", N))
        without = stack.enter_context(scale_hass("no nodes", 0))
        # Contenders beside the nodes, by the name their figures carry.
        others = {"idle_twin": stack.enter_context(scale_hass("idle twins", 0, twins=N))}
        if SHAPES:
            for shape in ("entries", "subentries"):
                name = f"{shape.removesuffix('ies')}y_twin"
                others[name] = stack.enter_context(scale_hass(f"{name}s", 0, shape=shape))
        nodes = prepare(with_nodes)
        bare = prepare(without)
        other_figures = {name: prepare(scale) for name, scale in others.items()}
        rates = interleaved_rates(without, [with_nodes, *others.values()])
        if PROFILE:
            answer = with_nodes.run(int(rates["rounds"]), profile=True)
            print("--- cProfile of an update run of nodes ---", file=sys.stderr)
            print(answer["profile"], file=sys.stderr, flush=True)
        finish(with_nodes, nodes)
        finish(without, bare)
        for name, scale in others.items():
            finish(scale, other_figures[name])
    if DETAIL:
        print_census(nodes["census"], bare["census"])
    node_rates = rates[with_nodes.label]
    emit(f"scale_{N}_start_s", nodes["start_s"], 2)
    emit(f"scale_{N}_restart_s", nodes["restart_s"], 2)
    emit(f"scale_{N}_rss_kib_per_node", _kib_each(with_nodes.label, nodes, bare), 1)
    emit(
        f"scale_{N}_rss_kib_per_node_first_start",
        (nodes["rss_first_start"] - bare["rss_first_start"]) / N,
        1,
    )
    emit(f"scale_{N}_updates_per_s", node_rates["best"], 0)
    emit(f"scale_{N}_updates_per_s_no_nodes", rates["bare"], 0)
    emit(f"scale_{N}_updates_vs_no_nodes", node_rates["ratio"], 3)
    emit(f"scale_{N}_sustained_vs_no_nodes", node_rates["sustained"], 3)
    for name, scale in others.items():
        other_rates = rates[scale.label]
        emit(f"scale_{N}_rss_kib_per_{name}", _kib_each(scale.label, other_figures[name], bare), 1)
        emit(f"scale_{N}_updates_{name}s_vs_no_nodes", other_rates["ratio"], 3)
        emit(f"scale_{N}_sustained_{name}s_vs_no_nodes", other_rates["sustained"], 3)
    log("scale benchmark done")


def _kib_each(label: str, figures: dict[str, Any], bare: dict[str, Any]) -> float:
    """KiB per node (or twin) over the hass without nodes: the larger of the two samples."""
    after_start = (figures["rss_start"] - bare["rss_start"]) / N
    after_updates = (figures["rss_after"] - bare["rss_after"]) / N
    log(
        "%s: KiB each after the start %.1f, after the updates %.1f",
        label,
        *(after_start, after_updates),
    )
    return max(after_start, after_updates)


if __name__ == "__main__":
    main()
