"""Bench meters: N cumulative energy meters for the scale benchmark (``bench/bench_scale.py``).

Only the benchmark uses it: it links this folder into a test configuration's
``custom_components/bench_meters`` and configures it in YAML::

    bench_meters:
      count: 5000

``async_setup`` loads the sensor platform by discovery, which creates the meters
``sensor.bench_meter_0`` ... ``sensor.bench_meter_{count-1}`` (kWh, energy, total_increasing),
and, with ``twins: K``, K idle entities ``sensor.bench_twin_{i}`` (kg, never written after they
are added): the benchmark's measure of what one more HA entity per meter costs by itself.
Actions, all answering with a response only:

- ``bench_meters.run`` (``rounds``, ``step``, optional ``profile``): advance every meter
  ``rounds`` times by ``step`` kWh, each advance one ``async_write_ha_state``, and await
  ``hass.async_block_till_done()`` after each round; answers the seconds taken, measured in the
  event loop (and a cProfile of the loop when ``profile`` is set).
- ``bench_meters.settle``: wait until the recorder has written everything queued so far.
- ``bench_meters.info``: how many meters exist, how many entities and config entries Carbon
  Tracker has, the recorder's backlog.
- ``bench_meters.census`` (optional ``top``, ``referrers``, ``holders``): the GC-tracked objects
  of the process by type (plain containers named by what holds them, with ``holders``), and live
  allocations by file and line when the process runs with ``PYTHONTRACEMALLOC``.
"""

from __future__ import annotations

from collections import Counter
import cProfile
import functools
import gc
import io
import pstats
import sys
import threading
import time
import tracemalloc
import types
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv, discovery, entity_registry as er
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .const import CONF_COUNT, CONF_TWINS, DOMAIN, METERS, TWIN_PREFIX
from .sensor import BenchMeter

if TYPE_CHECKING:
    from homeassistant.components.recorder.core import Recorder

CARBON_DOMAIN = "carbon_tracker"

CONFIG_SCHEMA = vol.Schema(
    {
        DOMAIN: vol.Schema(
            {
                vol.Required(CONF_COUNT): vol.All(vol.Coerce(int), vol.Range(min=1)),
                vol.Optional(CONF_TWINS, default=0): vol.All(vol.Coerce(int), vol.Range(min=0)),
            }
        )
    },
    extra=vol.ALLOW_EXTRA,
)

RUN_SCHEMA = vol.Schema(
    {
        vol.Required("rounds"): vol.All(vol.Coerce(int), vol.Range(min=1)),
        vol.Required("step"): vol.All(vol.Coerce(float), vol.Range(min=0)),
        vol.Optional("profile", default=False): cv.boolean,
    }
)
CENSUS_SCHEMA = vol.Schema(
    {
        vol.Optional("top", default=40): vol.All(int, vol.Range(min=1)),
        # Type names whose referrers are wanted (a few objects each, three levels up).
        vol.Optional("referrers"): [str],
        # Name plain containers (dict, list, tuple, set, cell) by what holds them.
        vol.Optional("holders", default=False): cv.boolean,
    }
)


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Twins seeded as config entries (or subentries of one): the cost of that shape."""
    await hass.config_entries.async_forward_entry_setups(entry, [Platform.SENSOR])
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Unload the twin's sensor platform."""
    return await hass.config_entries.async_unload_platforms(entry, [Platform.SENSOR])


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Load the meters (sensor platform, by discovery) and register the actions."""
    count: int = config[DOMAIN][CONF_COUNT]
    actions = BenchActions(hass, count)
    only = SupportsResponse.ONLY
    register = hass.services.async_register
    register(DOMAIN, "run", actions.run, RUN_SCHEMA, supports_response=only)
    register(DOMAIN, "settle", actions.settle, supports_response=only)
    register(DOMAIN, "info", actions.info, supports_response=only)
    register(DOMAIN, "census", actions.census, CENSUS_SCHEMA, supports_response=only)
    hass.async_create_task(
        discovery.async_load_platform(
            hass,
            Platform.SENSOR,
            DOMAIN,
            {CONF_COUNT: count, CONF_TWINS: config[DOMAIN][CONF_TWINS]},
            config,
        ),
        eager_start=True,
    )
    return True


class BenchActions:
    """The actions of the integration."""

    def __init__(self, hass: HomeAssistant, count: int) -> None:
        """Act on the ``count`` meters of ``hass``."""
        self.hass = hass
        self.count = count

    def meters(self) -> list[BenchMeter]:
        """All meters, once every one of them is in Home Assistant."""
        found = self.hass.data.get(METERS)
        if found is None or len(found) != self.count or any(m.hass is None for m in found):
            raise HomeAssistantError(f"the {self.count} bench meters are not all set up yet")
        return found

    def _recorder(self) -> Recorder | None:
        if "recorder" not in self.hass.config.components:
            return None
        from homeassistant.helpers.recorder import get_instance  # noqa: PLC0415

        return get_instance(self.hass)

    async def run(self, call: ServiceCall) -> ServiceResponse:
        """Advance every meter ``rounds`` times by ``step``; answer the seconds taken."""
        hass = self.hass
        meters = self.meters()
        rounds: int = call.data["rounds"]
        step: float = call.data["step"]
        profiler = cProfile.Profile() if call.data["profile"] else None
        await hass.async_block_till_done()
        gc_clock = GcClock()
        if profiler is not None:
            profiler.enable()
        gc_clock.start()
        try:
            start = time.perf_counter()
            for _ in range(rounds):
                for meter in meters:
                    meter.advance(step)
                await hass.async_block_till_done()
            elapsed = time.perf_counter() - start
        finally:
            gc_clock.stop()
            if profiler is not None:
                profiler.disable()
        response: dict[str, Any] = {
            "elapsed": elapsed,
            "updates": rounds * len(meters),
            "gc": gc_clock.summary(),
        }
        if profiler is not None:
            response["profile"] = _profile_text(profiler)
        return response

    async def settle(self, call: ServiceCall) -> ServiceResponse:
        """Wait for pending tasks and for the recorder to write what is queued.

        Then a full garbage collection: what is settled is what is in use, not cycles the
        collector has not reached yet (the same in the hass with and without nodes).
        """
        start = time.perf_counter()
        await self.hass.async_block_till_done()
        backlog = None
        if (recorder := self._recorder()) is not None:
            await recorder.async_block_till_done()
            backlog = recorder.backlog
        gc.collect()
        return {"elapsed": time.perf_counter() - start, "recorder_backlog": backlog}

    async def info(self, call: ServiceCall) -> ServiceResponse:
        """Meters in HA, Carbon Tracker's entities and entries, the recorder's backlog."""
        hass = self.hass
        registry = er.async_get(hass)
        recorder = self._recorder()
        return {
            "meters": sum(1 for m in hass.data.get(METERS) or [] if m.hass is not None),
            "carbon_entities": sum(
                1 for e in registry.entities.values() if e.platform == CARBON_DOMAIN
            ),
            "carbon_entries": len(hass.config_entries.async_entries(CARBON_DOMAIN)),
            "states": len(hass.states.async_entity_ids()),
            "twins": sum(
                1 for e in hass.states.async_entity_ids("sensor") if e.startswith(TWIN_PREFIX)
            ),
            "recorder_backlog": None if recorder is None else recorder.backlog,
        }

    async def census(self, call: ServiceCall) -> ServiceResponse:
        """The GC-tracked objects by type (count, shallow bytes); tracemalloc's top when tracing."""
        counts: Counter[str] = Counter()
        sizes: Counter[str] = Counter()
        gc.collect()
        every = gc.get_objects()
        holders = _container_holders(every) if call.data["holders"] else {}
        for obj in every:
            kind = type(obj)
            name = _type_name(obj)
            if (holder := holders.get(id(obj))) is not None:
                name = f"{name} in {holder}"
            # Callables by what they call: which code keeps a closure or a bound method per node.
            if kind is types.FunctionType:
                name = f"{name} {obj.__module__}.{obj.__qualname__}"
            elif kind is types.MethodType:
                name = f"{name} {type(obj.__self__).__qualname__}.{obj.__func__.__name__}"
            elif kind is functools.partial:
                name = f"{name} {getattr(obj.func, '__qualname__', type(obj.func).__name__)}"
            counts[name] += 1
            if kind.__module__ != "pytz.lazy":
                # pytz's lazy collections would load their data (blocking I/O) to be sized.
                sizes[name] += sys.getsizeof(obj)
        response: dict[str, Any] = {
            "objects": sum(counts.values()),
            "bytes": sum(sizes.values()),
            "top": [
                {"type": name, "count": counts[name], "bytes": size}
                for name, size in sizes.most_common(call.data["top"])
            ],
        }
        if wanted := call.data.get("referrers"):
            response["referrers"] = _referrers(wanted)
        if tracemalloc.is_tracing():
            # Started with PYTHONTRACEMALLOC=1: live allocations by file and by line.
            snapshot = tracemalloc.take_snapshot()
            response["traced_files"] = [
                {"where": str(stat.traceback), "bytes": stat.size, "count": stat.count}
                for stat in snapshot.statistics("filename")[: call.data["top"]]
            ]
            response["traced_lines"] = [
                {"where": str(stat.traceback), "bytes": stat.size, "count": stat.count}
                for stat in snapshot.statistics("lineno")[: call.data["top"]]
            ]
        return response


class GcClock:
    """Counts the cyclic garbage collections of the process and the time they take, by thread."""

    def __init__(self) -> None:
        """Nothing counted yet."""
        self._loop_thread = threading.get_ident()
        self._started: dict[int, float] = {}
        self.seconds = {"event_loop": 0.0, "other_threads": 0.0}
        self.collections = {"event_loop": 0, "other_threads": 0}
        # Seconds by generation (0 and 1 young, 2 the full collection), all threads.
        self.by_generation = [0.0, 0.0, 0.0]
        self.full_collections = 0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        thread = threading.get_ident()
        if phase == "start":
            self._started[thread] = time.perf_counter()
            return
        began = self._started.pop(thread, None)
        if began is None:
            return
        seconds = time.perf_counter() - began
        where = "event_loop" if thread == self._loop_thread else "other_threads"
        self.seconds[where] += seconds
        self.collections[where] += 1
        generation = min(int(info.get("generation", 0)), 2)
        self.by_generation[generation] += seconds
        self.full_collections += generation == 2

    def start(self) -> None:
        """Start counting."""
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        """Stop counting."""
        gc.callbacks.remove(self._callback)

    def summary(self) -> dict[str, Any]:
        """Collections and seconds, in the event loop and in other threads."""
        return {
            "collections": dict(self.collections),
            "seconds": {key: round(value, 3) for key, value in self.seconds.items()},
            "seconds_by_generation": [round(value, 3) for value in self.by_generation],
            "full_collections": self.full_collections,
            "tracked_objects": len(gc.get_objects()),
        }


def _profile_text(profiler: cProfile.Profile, lines: int = 35) -> str:
    """The heaviest functions of a profile, by own time and by cumulative time."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def _describe(obj: Any) -> str:
    """A type name, with what a callable calls or which attribute of what a dict is."""
    kind = type(obj)
    name = kind.__qualname__
    if kind is types.FunctionType:
        return f"function {obj.__qualname__}"
    if kind is types.MethodType:
        return f"method {type(obj.__self__).__qualname__}.{obj.__func__.__name__}"
    if kind is dict:
        keys = list(obj)[:4]
        return f"dict{keys}"
    return name


_PLAIN = (dict, list, tuple, set, types.CellType)


def _type_name(obj: Any) -> str:
    """The census's name of an object's type: module and qualified name."""
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _container_holders(every: list[Any]) -> dict[int, str]:
    """For each plain container, the type of an object that holds it.

    Held by another plain container: named after that container's holder ("dict in list in
    State"), two levels at most; the holder found first wins.
    """
    holders: dict[int, str] = {}
    plain: list[Any] = []
    for obj in every:
        if isinstance(obj, _PLAIN):
            plain.append(obj)
            continue
        owner = _type_name(obj)
        for ref in gc.get_referents(obj):
            if isinstance(ref, _PLAIN):
                holders.setdefault(id(ref), owner)
    for _ in range(2):
        found: dict[int, str] = {}
        for obj in plain:
            if (owner := holders.get(id(obj))) is None:
                continue
            for ref in gc.get_referents(obj):
                if isinstance(ref, _PLAIN) and id(ref) not in holders:
                    found.setdefault(id(ref), f"{type(obj).__name__} in {owner}")
        holders.update(found)
    return holders


def _referrers(wanted: list[str]) -> dict[str, list[str]]:
    """For 5 objects of each wanted type, spread over all of them, their referrers 3 levels up.

    A type is named as the census names it ("homeassistant.core.State").
    """
    gc.collect()
    found: dict[str, list[Any]] = {name: [] for name in wanted}
    for obj in gc.get_objects():
        if (name := _type_name(obj)) in found:
            found[name].append(obj)
    answer: dict[str, list[str]] = {}
    for name, every in found.items():
        samples = every[:: max(1, len(every) // 5)][:5]
        every.clear()
        lines = answer[name] = []
        for sample in samples:
            lines.append(f"{_describe(sample)}: {repr(sample)[:100]}")
            level = [sample]
            for depth in range(1, 4):
                upper = []
                for obj in level:
                    for ref in gc.get_referrers(obj):
                        if isinstance(ref, types.FrameType) or ref is level or ref is samples:
                            continue
                        if isinstance(ref, (list, dict)) and len(ref) > 1000:
                            lines.append(f"{'  ' * depth}<- big {type(ref).__name__} {len(ref)}")
                            continue
                        lines.append(f"{'  ' * depth}<- {_describe(ref)}")
                        upper.append(ref)
                level = upper[:4]
    return answer
