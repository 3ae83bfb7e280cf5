"""Benchmarks of tracking nodes against a bare state write and a hand-written entity.

Run from the repository root (scripts/bench does that):

    .venv/bin/python -m bench.bench_nodes

Prints exactly one ``name=value`` line per figure on stdout; everything else goes to stderr.
Set ``BENCH_PROFILE=1`` to also print, on stderr, a cProfile of the 1000-node update loop, and
``BENCH_MEMORY_DETAIL=1`` for the top allocation sites of the memory figures.

Each figure is measured in its own fresh Home Assistant instance (the test harness of
pytest_homeassistant_custom_component, used outside pytest), which is stopped before the next one.

Update figures are microseconds per source update: with N sources (and N listeners of the kind
measured) set up, a loop writes M new, increasing readings to every source with
``hass.states.async_set`` and awaits ``hass.async_block_till_done()`` after each round; the best of
REPS repetitions is divided by N*M.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
import cProfile
import gc
import io
import logging
import math
import os
import pstats
import sys
import time
import tracemalloc
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import UnitOfMass
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockEntityPlatform,
)

from bench.common import FACTOR, carbon_entity_id, emit, fresh_hass, node_entry, run_main
from custom_components.carbon_tracker.const import (
    DOMAIN,
)
from custom_components.carbon_tracker.core import throttle
from custom_components.carbon_tracker.durable import durable_records

STEP = 0.25  # kWh between two readings: with FACTOR, every total below is exact in binary
REPS = 5
# Rounds per repetition: 10 000 updates per repetition for both sizes (short repetitions make the
# best of REPS robust against other load on the machine).
ROUNDS = {100: 100, 1000: 10}
MEMORY_N = 1000


def source_ids(n: int) -> list[str]:
    """Entity ids of the N meters."""
    return [f"sensor.meter_{i}" for i in range(n)]


_LOGGER = logging.getLogger("bench")


class Meter:
    """Feeds every source the same increasing reading, round after round."""

    def __init__(self, sources: list[str]) -> None:
        """No reading yet: the first :meth:`write_round` writes one STEP to every source."""
        self.sources = sources
        self.attributes = {"unit_of_measurement": "kWh", "state_class": "total_increasing"}
        self.step = 0

    @property
    def reading(self) -> float:
        """The last reading written to every source, in kWh."""
        return self.step * STEP

    def write_round(self, hass: HomeAssistant) -> None:
        """Write the next reading to every source."""
        self.step += 1
        value = repr(self.step * STEP)
        async_set = hass.states.async_set
        attributes = self.attributes
        for entity_id in self.sources:
            async_set(entity_id, value, attributes)

    async def run(self, hass: HomeAssistant, rounds: int) -> float:
        """Time ``rounds`` rounds; return the seconds taken."""
        write_round = self.write_round
        start = time.perf_counter()
        for _ in range(rounds):
            write_round(hass)
            await hass.async_block_till_done()
        return time.perf_counter() - start

    async def best_us_per_update(self, hass: HomeAssistant, rounds: int) -> float:
        """Best of REPS timed loops, in microseconds per source update (after a warm-up round)."""
        self.write_round(hass)
        await hass.async_block_till_done()
        best = math.inf
        for _ in range(REPS):
            gc.collect()
            best = min(best, await self.run(hass, rounds))
        return best / (len(self.sources) * rounds) * 1e6


# --------------------------------------------------------------------------------------------------
# The contenders
# --------------------------------------------------------------------------------------------------


def make_node_entries(sources: Iterable[str]) -> list[MockConfigEntry]:
    """One tracking node per source, as the config flow writes them (factor 0.5 kg/kWh)."""
    return [node_entry(source, i + 1) for i, source in enumerate(sources)]


async def setup_nodes(hass: HomeAssistant, sources: list[str]) -> list[MockConfigEntry]:
    """Add one node per source and set them all up as HA does at start: by setting up the domain."""
    entries = make_node_entries(sources)
    for entry in entries:
        entry.add_to_hass(hass)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    return entries


def check_nodes(hass: HomeAssistant, entries: list[MockConfigEntry], expected: float) -> None:
    """Refuse to report a figure measured on a broken path."""
    for entry in entries:
        assert entry.state is ConfigEntryState.LOADED, (entry.title, entry.state)
    for entry in (entries[0], entries[-1]):
        state = hass.states.get(carbon_entity_id(hass, entry))
        assert state is not None
        assert math.isclose(float(state.state), expected, rel_tol=1e-12), (
            entry.title,
            state.state,
            expected,
        )


class HandWrittenCarbonSensor(SensorEntity):
    """The minimal entity that does a node's job: accumulates (new - old) x factor of its source."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL_INCREASING

    def __init__(self, index: int, source: str) -> None:
        """Follow ``source``."""
        self._source = source
        self._attr_unique_id = f"bench_entity_{index}"
        self._attr_name = f"Bench {index}"
        self._total = 0.0
        self._attr_native_value = self._total

    async def async_added_to_hass(self) -> None:
        """Subscribe to the source."""
        self.async_on_remove(
            async_track_state_change_event(self.hass, self._source, self._on_source)
        )

    @callback
    def _on_source(self, event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        old_state = event.data["old_state"]
        if new_state is None or old_state is None:
            return
        try:
            delta = float(new_state.state) - float(old_state.state)
        except ValueError:
            return
        self._total += delta * FACTOR
        self._attr_native_value = self._total
        self.async_write_ha_state()


async def entity_platform(hass: HomeAssistant) -> MockEntityPlatform:
    """An entity platform for the hand-written sensors (sensor component set up, as for nodes)."""
    assert await async_setup_component(hass, "sensor", {})
    return MockEntityPlatform(hass, domain="sensor", platform_name="bench_entity")


async def add_entities(
    platform: MockEntityPlatform, sources: list[str], first_index: int = 0
) -> list[HandWrittenCarbonSensor]:
    """Add one hand-written entity per source."""
    entities = [
        HandWrittenCarbonSensor(first_index + i, source) for i, source in enumerate(sources)
    ]
    await platform.async_add_entities(entities)
    return entities


def check_entities(
    hass: HomeAssistant, entities: list[HandWrittenCarbonSensor], expected: float
) -> None:
    """The hand-written entities computed the same total as the nodes."""
    for entity in (entities[0], entities[-1]):
        assert entity.entity_id is not None
        state = hass.states.get(entity.entity_id)
        assert state is not None
        assert math.isclose(float(state.state), expected, rel_tol=1e-12), (
            entity.entity_id,
            state.state,
            expected,
        )


# --------------------------------------------------------------------------------------------------
# Benchmarks
# --------------------------------------------------------------------------------------------------


async def bench_bare(n: int) -> float:
    """Microseconds of one hass.states.async_set with no one listening."""
    async with fresh_hass() as hass:
        meter = Meter(source_ids(n))
        meter.write_round(hass)
        us = await meter.best_us_per_update(hass, ROUNDS[n])
        state = hass.states.get(meter.sources[-1])
        assert state is not None
        assert float(state.state) == meter.reading
        return us


async def bench_nodes(n: int, profile: bool = False) -> tuple[float, float]:
    """(microseconds per source update, seconds to set up the N nodes)."""
    async with fresh_hass() as hass:
        meter = Meter(source_ids(n))
        meter.write_round(hass)
        initial = meter.reading
        start = time.perf_counter()
        entries = await setup_nodes(hass, meter.sources)
        setup_s = time.perf_counter() - start
        check_nodes(hass, entries, 0.0)
        us = await meter.best_us_per_update(hass, ROUNDS[n])
        check_nodes(hass, entries, (meter.reading - initial) * FACTOR)
        if profile:
            await profile_nodes(hass, meter, ROUNDS[n])
            check_nodes(hass, entries, (meter.reading - initial) * FACTOR)
        return us, setup_s


async def bench_durable_write(n: int) -> float:
    """Milliseconds the durable write of N changed nodes blocks the event loop (best of REPS).

    Every node counts a reading, so every record changed; the loop's share of the round that
    writes them is taking each record and copying the table (durable.DurableRecords.take_round).
    Encoding and writing the file run in the executor, off the loop.
    """
    async with fresh_hass() as hass:
        meter = Meter(source_ids(n))
        meter.write_round(hass)
        entries = await setup_nodes(hass, meter.sources)
        records = durable_records(hass)
        best = math.inf
        for _ in range(REPS):
            meter.write_round(hass)
            await hass.async_block_till_done()
            gc.collect()
            start = time.perf_counter()
            table = records.take_round()
            best = min(best, time.perf_counter() - start)
            assert all(entry.entry_id in table for entry in entries)
        return best * 1e3


async def profile_nodes(hass: HomeAssistant, meter: Meter, rounds: int) -> None:
    """Profile one timed loop; on stderr: the integration's functions, then everything."""
    gc.collect()
    profiler = cProfile.Profile()
    profiler.enable()
    await meter.run(hass, rounds)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    out.write(f"\n=== node update loop, N={len(meter.sources)} x {rounds} rounds ===\n")
    out.write("--- functions of custom_components/carbon_tracker, by cumulative time ---\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats("carbon_tracker", 10)
    out.write("--- all functions, by cumulative time ---\n")
    stats.print_stats(30)
    out.write("--- all functions, by own time ---\n")
    stats.sort_stats("tottime").print_stats(20)
    sys.stderr.write(out.getvalue())


async def bench_entities(n: int) -> float:
    """Microseconds per source update with N hand-written entities following the sources."""
    async with fresh_hass() as hass:
        meter = Meter(source_ids(n))
        meter.write_round(hass)
        initial = meter.reading
        platform = await entity_platform(hass)
        entities = await add_entities(platform, meter.sources)
        await hass.async_block_till_done()
        us = await meter.best_us_per_update(hass, ROUNDS[n])
        check_entities(hass, entities, (meter.reading - initial) * FACTOR)
        return us


async def _traced_bytes(
    hass: HomeAssistant, meter: Meter, add: Callable[[], Any], settle_rounds: int = 3
) -> int:
    """Bytes still allocated after ``add()`` and a few update rounds, traced by tracemalloc.

    Automatic garbage collection is off meanwhile (a full collection of this heap under tracemalloc
    takes over half a second, inside some entity's state write) and done explicitly instead.
    """
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        try:
            before = tracemalloc.take_snapshot()
            await add()
            await hass.async_block_till_done()
            for _ in range(settle_rounds):
                meter.write_round(hass)
                await hass.async_block_till_done()
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
    finally:
        gc.enable()
    if os.environ.get("BENCH_MEMORY_DETAIL"):
        sys.stderr.write(f"\n=== memory: top allocation sites ({add.__qualname__}) ===\n")
        for stat in after.compare_to(before, "lineno")[:25]:
            sys.stderr.write(f"{stat}\n")
    return sum(stat.size_diff for stat in after.compare_to(before, "filename"))


async def memory_nodes(n: int) -> float:
    """Bytes per node (config entry, its 5 entities in the registry, device, states, runtime).

    One node is set up first so that importing and loading the integration is not counted.
    """
    async with fresh_hass() as hass:
        meter = Meter(source_ids(n + 1))
        meter.write_round(hass)
        warmup, *rest = make_node_entries(meter.sources)
        warmup.add_to_hass(hass)
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
        entries = rest

        async def add() -> None:
            for entry in entries:
                entry.add_to_hass(hass)
            results = await asyncio.gather(
                *(hass.config_entries.async_setup(entry.entry_id) for entry in entries)
            )
            assert all(results)

        size = await _traced_bytes(hass, meter, add)
        check_nodes(hass, entries, 3 * STEP * FACTOR)
        return size / n


async def memory_entities(n: int) -> float:
    """Bytes per hand-written entity (object, registry entry, state, listener)."""
    async with fresh_hass() as hass:
        meter = Meter(source_ids(n + 1))
        meter.write_round(hass)
        platform = await entity_platform(hass)
        await add_entities(platform, meter.sources[:1])
        await hass.async_block_till_done()
        added: list[HandWrittenCarbonSensor] = []

        async def add() -> None:
            added.extend(await add_entities(platform, meter.sources[1:], first_index=1))

        size = await _traced_bytes(hass, meter, add)
        check_entities(hass, added, 3 * STEP * FACTOR)
        return size / n


async def main() -> None:
    """Run every benchmark, one fresh HA instance each, and print the figures.

    Nodes write every total here, as the hand-written entity does, so the ratios compare the
    same work; a node's coalescing of fast meters (core.throttle.WRITE_INTERVAL) is measured
    by the scale run, which keeps the default.
    """
    throttle.WRITE_INTERVAL = 0.0
    profile = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
    figures: dict[str, float] = {}
    for n in (100, 1000):
        figures[f"bare_set_us_{n}"] = await bench_bare(n)
        emit(f"bare_set_us_{n}", figures[f"bare_set_us_{n}"])
        node_us, setup_s = await bench_nodes(n, profile=profile and n == 1000)
        figures[f"node_update_us_{n}"] = node_us
        emit(f"node_update_us_{n}", node_us)
        if n == 1000:
            emit("node_setup_1000_s", setup_s)
        figures[f"entity_update_us_{n}"] = await bench_entities(n)
        emit(f"entity_update_us_{n}", figures[f"entity_update_us_{n}"])

    # Which ratio is which:
    # * node_update_vs_entity_{100,1000} are OVERHEAD ratios, (node - bare) / (entity - bare): what
    #   a node adds to the bare source write, against what a hand-written entity adds.
    # * node_update_vs_entity (no suffix, N=1000) is the PLAIN ratio node / entity, the source write
    #   included. Goal: <= 1.2.
    for n in (100, 1000):
        bare = figures[f"bare_set_us_{n}"]
        node = figures[f"node_update_us_{n}"]
        emit(
            f"node_update_vs_entity_{n}",
            (node - bare) / (figures[f"entity_update_us_{n}"] - bare),
        )
    # Plain ratios at N=1000 (see above).
    emit("node_update_vs_entity", figures["node_update_us_1000"] / figures["entity_update_us_1000"])

    node_bytes = await memory_nodes(MEMORY_N)
    entity_bytes = await memory_entities(MEMORY_N)
    emit("node_memory_kib", node_bytes / 1024, 2)
    emit("entity_memory_kib", entity_bytes / 1024, 2)
    emit("node_memory_vs_entity", node_bytes / entity_bytes)
    # Goal: <= 5 ms.
    emit("durable_write_ms_5000", await bench_durable_write(5000))


def run() -> None:
    """Entry point: logs at WARNING on stderr, figures on stdout."""
    run_main(main)


if __name__ == "__main__":
    run()
