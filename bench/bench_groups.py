"""Benchmarks of a binding group's member updates against min_max, a template and an entity.

Run from the repository root:

    .venv/bin/python -m bench.bench_groups

Prints exactly one ``name=value`` line per figure on stdout; everything else goes to stderr
(every sample too). Set ``BENCH_PROFILE=1`` to also print, on stderr, a cProfile of one timed loop
of the 1000-member group.

One Home Assistant instance (the test harness of pytest_homeassistant_custom_component, used
outside pytest) holds MEMBERS_LARGE tracking nodes, each on its own meter. The members are the
nodes' carbon sensors, and the benchmark writes those directly: a round writes the next total
(STEP kg more) to every member's carbon sensor with ``hass.states.async_set`` (with the
attributes its node wrote: kg, weight, total_increasing), then awaits
``hass.async_block_till_done()``; a timed loop is UPDATES member updates (UPDATES / N rounds of N
sensors). The meters are never written, so the nodes themselves do no work.

The contenders, each following the same first MEMBERS (100) carbon sensors:

- group: a total-vs-sub binding group entry, member 0 the total and members 1-99 the subs (100
  members, not 1 + 100), a day window, a threshold line of 1e9 kg (armed, so that every update
  also evaluates the alarm; never crossed). Its five entities are written as the product writes
  them: the first change at once, then at most once per ``core.throttle.WRITE_INTERVAL`` (5 s).
  Each timed loop starts more than WRITE_INTERVAL after the group's last publication and lasts
  well under a second, so it holds one publication (five entity writes; checked) for its UPDATES
  member updates; the rest is the O(1) hot path.
- group, every write: the same group with WRITE_INTERVAL patched to 0, its five entities written
  on every member update (``group_update_vs_entity_every_write``, so both are visible).
- min_max: HA core's min/max helper as its UI creates it (a ``min_max`` config entry: type sum,
  round_digits 3).
- template: a template sensor helper (a ``template`` config entry: kg, weight, total) with the
  state template a user writes to add up given sensors,
  ``{{ [states('sensor.a'), states('sensor.b'), ...] | map('float') | sum }}``. Explicit entity
  ids: it is rendered again on each change of one of them (``states.sensor`` would be
  rate-limited to a render a second and follow every sensor, the group's own included).
- entity: HandWrittenSumSensor below, the ideal one-entity baseline: one
  ``async_track_state_change_event`` on the members, a running sum of (new - old), its state
  written on every update.

A contender's cost is microseconds per member update: a timed loop with that contender alone
listening, minus the mean of the bare loops (the same writes, nobody listening) just before and
just after it, divided by UPDATES. Each of REPS repetitions runs bare, C1, bare, C2, ..., bare,
the contenders' order rotated from one repetition to the next; a contender is set up before each
of its loops and torn down after it (untimed); a figure is the median over REPS. Loops are timed
in CPU time of the event loop's thread (``time.thread_time``: all the work of every contender
runs there), so that other processes on the machine do not count; the wall-clock figures go to
stderr. Ratios divide costs: what the group adds to a member's write over what the other adds.

The 1000-member group (1 total + 999 subs, the same settings) and the hand-written entity over
the same 1000 sensors are measured the same way, with the same UPDATES per loop: the group's cost
per update must not grow with its members, beyond what the entity's grows (HA's own working set).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
import cProfile
from dataclasses import dataclass, field
import gc
import io
import logging
import os
import pstats
import statistics
import sys
import time
from typing import Any, NamedTuple

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorStateClass,
)
from homeassistant.const import UnitOfMass
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    MockEntityPlatform,
)

from bench.common import carbon_entity_id, emit, fresh_hass, run_main, setup_metered_nodes
from custom_components.carbon_tracker.const import (
    CONF_KIND,
    DOMAIN,
)
from custom_components.carbon_tracker.core import throttle
from custom_components.carbon_tracker.groups import runtime as group_runtime
from custom_components.carbon_tracker.groups.arithmetic import Side
from custom_components.carbon_tracker.kinds import EntryKind

STEP = 0.125  # kg a member's total grows by each round: every sum below is exact in binary
MEMBERS = 100
MEMBERS_LARGE = 1000
UPDATES = 4000  # member updates per timed loop: 40 rounds of 100 sensors, 4 of 1000
REPS = 5
DEFAULT_WRITE_INTERVAL = throttle.WRITE_INTERVAL  # the product's, restored after each loop
THRESHOLD_KG = 1e9  # arms the group's alarm (evaluated on every update) without ever crossing
ROUND_DIGITS = 3  # of the min_max sensor


_LOGGER = logging.getLogger("bench")


class Timing(NamedTuple):
    """Seconds of a timed loop: CPU time of the event loop's thread, and wall-clock time."""

    cpu: float
    wall: float


class Members:
    """Writes every member's carbon sensor the same increasing total, round after round."""

    def __init__(self, hass: HomeAssistant, entity_ids: list[str], step: int = 0) -> None:
        """Take over the sensors with the attributes their nodes wrote; totals from ``step``."""
        self.hass = hass
        self.entity_ids = entity_ids
        self.attributes: list[dict[str, Any]] = []
        for entity_id in entity_ids:
            state = hass.states.get(entity_id)
            assert state is not None
            assert state.attributes["unit_of_measurement"] == UnitOfMass.KILOGRAMS
            assert state.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
            self.attributes.append(dict(state.attributes))
        self.step = step

    @property
    def total(self) -> float:
        """The total last written to every member, in kg."""
        return self.step * STEP

    def write_round(self) -> None:
        """Write the next total to every member."""
        self.step += 1
        value = repr(self.step * STEP)
        async_set = self.hass.states.async_set
        for entity_id, attributes in zip(self.entity_ids, self.attributes, strict=True):
            async_set(entity_id, value, attributes)

    async def run(self, rounds: int) -> Timing:
        """Time ``rounds`` rounds, each awaiting every listener."""
        hass = self.hass
        write_round = self.write_round
        gc.collect()
        wall = time.perf_counter()
        cpu = time.thread_time()
        for _ in range(rounds):
            write_round()
            await hass.async_block_till_done()
        return Timing(time.thread_time() - cpu, time.perf_counter() - wall)


# --------------------------------------------------------------------------------------------------
# The contenders
# --------------------------------------------------------------------------------------------------


@dataclass
class Contender:
    """Something that follows the members; set up before each timed loop, torn down after it."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]
    # Checks the result of a loop: called with the members' total before and after it.
    check: Callable[[float, float], None]
    # Called after start and before the timed loop (a snapshot for the check, a wait).
    ready: Callable[[], Awaitable[None]] | None = None
    # Microseconds added per member update, one per repetition: CPU time, wall-clock time.
    samples: list[float] = field(default_factory=list)
    wall_samples: list[float] = field(default_factory=list)


def group_entry(hass: HomeAssistant, entity_ids: list[str], title: str) -> MockConfigEntry:
    """A total-vs-sub group entry: the first member the total, the others the subs.

    Members are bound by their nodes' config entry ids, as the config flow binds them.
    """
    registry = er.async_get(hass)
    member_ids = []
    for entity_id in entity_ids:
        registered = registry.async_get(entity_id)
        assert registered is not None
        assert registered.config_entry_id is not None
        member_ids.append(registered.config_entry_id)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data={CONF_KIND: EntryKind.BINDING_GROUP.value, "group_kind": "total_vs_sub"},
        minor_version=3,
        options={
            "left": member_ids[:1],
            "right": member_ids[1:],
            "forecast_template": None,
            "group_number": None,
            "window": "day",
            "threshold_kg": THRESHOLD_KG,
            "threshold_pct": None,
            "hysteresis_pct": 10.0,
            "min_reference_kg": 1.0,
        },
    )
    entry.add_to_hass(hass)
    return entry


def group_contender(
    hass: HomeAssistant, members: Members, name: str, write_interval: float
) -> Contender:
    """A group over the members, its entities written at most once per ``write_interval``."""
    entity_ids = members.entity_ids
    registry = er.async_get(hass)
    entry = group_entry(hass, entity_ids, f"Bench group {len(entity_ids)} {name}")
    before: dict[Side, float] = {}
    registered_error: list[str] = []

    async def start() -> None:
        throttle.WRITE_INTERVAL = write_interval
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        if not registered_error:
            error_id = registry.async_get_entity_id("sensor", DOMAIN, f"{entry.entry_id}_error")
            assert error_id is not None
            registered_error.append(error_id)

    async def ready() -> None:
        # The loop's first update is then written at once, the others coalesced (see above).
        if write_interval:
            await asyncio.sleep(write_interval * 1.05)
        runtime: group_runtime.GroupRuntime = entry.runtime_data
        assert not runtime.missing, runtime.missing
        for side in Side:
            kg = runtime.side_kg(side)
            assert kg is not None
            before[side] = kg

    async def stop() -> None:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        throttle.WRITE_INTERVAL = DEFAULT_WRITE_INTERVAL

    def check(first: float, last: float) -> None:
        runtime: group_runtime.GroupRuntime = entry.runtime_data
        grown = last - first
        left = runtime.side_kg(Side.LEFT)
        right = runtime.side_kg(Side.RIGHT)
        assert left is not None
        assert right is not None
        assert left - before[Side.LEFT] == grown, (left, before, grown)
        assert right - before[Side.RIGHT] == grown * (len(entity_ids) - 1), (right, before, grown)
        error = runtime.error()
        assert error is not None
        state = hass.states.get(registered_error[0])
        assert state is not None
        shown = float(state.state)
        if not write_interval:
            # Written on every update: the state is the runtime's error now.
            assert shown == error.kilograms, (state.state, error)
        else:
            # Written at the loop's first update (the total's: STEP more on the left), then
            # coalesced: still shown unless the loop outlasted WRITE_INTERVAL.
            at_first = before[Side.LEFT] + STEP - before[Side.RIGHT]
            assert shown in (at_first, error.kilograms), (state.state, at_first, error)

    return Contender(name, start, stop, check, ready)


def config_entry_contender(
    hass: HomeAssistant, domain: str, options: dict[str, Any], expected: Callable[[float], float]
) -> Contender:
    """A helper of HA core (min_max, template) created as its UI creates it: a config entry.

    ``expected``: its state when every member's total is the one given.
    """
    entry = MockConfigEntry(domain=domain, title=options["name"], options=options)
    entry.add_to_hass(hass)
    registry = er.async_get(hass)

    async def start() -> None:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()

    async def stop() -> None:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()

    def check(first: float, last: float) -> None:
        entity_id = registry.async_get_entity_id("sensor", domain, entry.entry_id)
        assert entity_id is not None
        state = hass.states.get(entity_id)
        assert state is not None
        assert float(state.state) == expected(last), (domain, state.state, expected(last))

    return Contender(domain, start, stop, check)


def min_max_contender(hass: HomeAssistant, members: Members) -> Contender:
    """HA core's min_max sensor, type sum, over the members."""
    n = len(members.entity_ids)
    return config_entry_contender(
        hass,
        "min_max",
        {
            "name": "Members min_max sum",
            "entity_ids": members.entity_ids,
            "type": "sum",
            "round_digits": ROUND_DIGITS,
        },
        lambda total: round(n * total, ROUND_DIGITS),
    )


def sum_template(entity_ids: Sequence[str]) -> str:
    """The template a user writes to add up given sensors."""
    states = ", ".join(f"states('{entity_id}')" for entity_id in entity_ids)
    return f"{{{{ [{states}] | map('float') | sum }}}}"


def template_contender(hass: HomeAssistant, members: Members) -> Contender:
    """A template sensor helper summing the members."""
    n = len(members.entity_ids)
    return config_entry_contender(
        hass,
        "template",
        {
            "template_type": "sensor",
            "name": "Members template sum",
            "state": sum_template(members.entity_ids),
            "unit_of_measurement": UnitOfMass.KILOGRAMS,
            "device_class": SensorDeviceClass.WEIGHT,
            "state_class": SensorStateClass.TOTAL,
        },
        lambda total: n * total,
    )


class HandWrittenSumSensor(SensorEntity):
    """The minimal entity that adds up members: a running sum of their increases, always written."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_device_class = SensorDeviceClass.WEIGHT
    _attr_native_unit_of_measurement = UnitOfMass.KILOGRAMS
    _attr_state_class = SensorStateClass.TOTAL

    def __init__(self, members: list[str]) -> None:
        """Follow ``members``."""
        self._members = members
        self._attr_unique_id = "bench_sum"
        self._attr_name = "Bench sum"
        self._total = 0.0
        self._attr_native_value = self._total

    async def async_added_to_hass(self) -> None:
        """Subscribe to the members."""
        self.async_on_remove(
            async_track_state_change_event(self.hass, self._members, self._on_member)
        )

    @callback
    def _on_member(self, event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        old_state = event.data["old_state"]
        if new_state is None or old_state is None:
            return
        try:
            delta = float(new_state.state) - float(old_state.state)
        except ValueError:
            return
        self._total += delta
        self._attr_native_value = self._total
        self.async_write_ha_state()


def entity_contender(
    hass: HomeAssistant, members: Members, platform: MockEntityPlatform
) -> Contender:
    """A new hand-written entity for each loop, removed after it."""
    current: list[HandWrittenSumSensor] = []

    async def start() -> None:
        entity = HandWrittenSumSensor(members.entity_ids)
        await platform.async_add_entities([entity])
        await hass.async_block_till_done()
        current.append(entity)

    async def stop() -> None:
        entity = current.pop()
        assert entity.entity_id is not None
        await platform.async_remove_entity(entity.entity_id)
        await hass.async_block_till_done()

    def check(first: float, last: float) -> None:
        entity = current[-1]
        assert entity.entity_id is not None
        state = hass.states.get(entity.entity_id)
        assert state is not None
        expected = (last - first) * len(members.entity_ids)
        assert float(state.state) == expected, (state.state, expected)

    return Contender("entity", start, stop, check)


# --------------------------------------------------------------------------------------------------
# Benchmarks
# --------------------------------------------------------------------------------------------------


async def timed_loop(members: Members, contender: Contender | None, rounds: int) -> Timing:
    """One timed loop, with ``contender`` (set up and torn down around it) or bare."""
    if contender is None:
        return await members.run(rounds)
    await contender.start()
    if contender.ready is not None:
        await contender.ready()
    first = members.total
    timing = await members.run(rounds)
    contender.check(first, members.total)
    await contender.stop()
    return timing


async def interleaved(members: Members, contenders: list[Contender]) -> list[float]:
    """REPS times bare, C1, bare, C2, ..., bare; returns the bare loops' CPU us per update.

    Each contender gets one sample per repetition: its loop minus the mean of the bare loops
    around it, in microseconds per member update (CPU time; wall-clock time for the log).
    """
    n = len(members.entity_ids)
    rounds = UPDATES // n
    updates = rounds * n
    members.write_round()  # every member has a total before anyone follows it
    await members.hass.async_block_till_done()
    await members.run(rounds)  # warm-up
    bare_loops: list[Timing] = []
    for rep in range(REPS):
        shift = rep % len(contenders)
        order = contenders[shift:] + contenders[:shift]
        before = await timed_loop(members, None, rounds)
        bare_loops.append(before)
        for contender in order:
            loop = await timed_loop(members, contender, rounds)
            after = await timed_loop(members, None, rounds)
            bare_loops.append(after)
            contender.samples.append((loop.cpu - (before.cpu + after.cpu) / 2) / updates * 1e6)
            contender.wall_samples.append(
                (loop.wall - (before.wall + after.wall) / 2) / updates * 1e6
            )
            before = after
    for contender in contenders:
        _LOGGER.info(
            "N=%d %-17s us/update added, CPU: %s (wall: %s)",
            n,
            contender.name,
            " ".join(f"{sample:.2f}" for sample in contender.samples),
            " ".join(f"{sample:.2f}" for sample in contender.wall_samples),
        )
    _LOGGER.info(
        "N=%d bare us/update, CPU: %s (wall: %s)",
        n,
        " ".join(f"{loop.cpu / updates * 1e6:.2f}" for loop in bare_loops),
        " ".join(f"{loop.wall / updates * 1e6:.2f}" for loop in bare_loops),
    )
    return [loop.cpu / updates * 1e6 for loop in bare_loops]


async def profile_group(members: Members, contender: Contender) -> None:
    """Profile one timed loop of a group; on stderr: the integration's functions, then all."""
    rounds = UPDATES // len(members.entity_ids)
    await contender.start()
    if contender.ready is not None:
        await contender.ready()
    first = members.total
    profiler = cProfile.Profile()
    profiler.enable()
    await members.run(rounds)
    profiler.disable()
    contender.check(first, members.total)
    await contender.stop()
    out = io.StringIO()
    out.write(f"\n=== group update loop, N={len(members.entity_ids)} x {rounds} rounds ===\n")
    out.write("--- functions of custom_components/carbon_tracker, by cumulative time ---\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats("carbon_tracker", 10)
    out.write("--- all functions, by own time ---\n")
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(20)
    sys.stderr.write(out.getvalue())


async def main() -> None:
    """Set up the nodes once; every contender over 100 members, then group and entity over 1000."""
    profile = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
    async with fresh_hass() as hass:
        start = time.perf_counter()
        entries = await setup_metered_nodes(hass, MEMBERS_LARGE)
        _LOGGER.info("%d nodes set up in %.1f s", len(entries), time.perf_counter() - start)
        carbon_ids = [carbon_entity_id(hass, entry) for entry in entries]
        assert await async_setup_component(hass, "sensor", {})
        platform = MockEntityPlatform(hass, domain="sensor", platform_name="bench_sum")

        members = Members(hass, carbon_ids[:MEMBERS])
        group = group_contender(hass, members, "group", DEFAULT_WRITE_INTERVAL)
        every_write = group_contender(hass, members, "group_every_write", 0.0)
        min_max = min_max_contender(hass, members)
        template = template_contender(hass, members)
        entity = entity_contender(hass, members, platform)
        bare = await interleaved(members, [group, every_write, min_max, template, entity])
        figures = {
            "group_bench_bare_set_us_100": statistics.median(bare),
            "group_update_us_100": statistics.median(group.samples),
            "group_update_us_100_every_write": statistics.median(every_write.samples),
            "min_max_sum_update_us_100": statistics.median(min_max.samples),
            "template_sum_update_us_100": statistics.median(template.samples),
            "sum_entity_update_us_100": statistics.median(entity.samples),
        }
        for name, value in figures.items():
            emit(name, value)

        # The first 100 members carry on from their totals (no member's total goes down).
        large_members = Members(hass, carbon_ids, members.step)
        large = group_contender(hass, large_members, "group", DEFAULT_WRITE_INTERVAL)
        large_entity = entity_contender(hass, large_members, platform)
        bare_large = await interleaved(large_members, [large, large_entity])
        for name, value in {
            "group_bench_bare_set_us_1000": statistics.median(bare_large),
            "group_update_us_1000": statistics.median(large.samples),
            "sum_entity_update_us_1000": statistics.median(large_entity.samples),
        }.items():
            figures[name] = value
            emit(name, value)
        if profile:
            await profile_group(large_members, large)

    # Overhead over overhead: what the group adds to a member's write, against what the other adds.
    group_us = figures["group_update_us_100"]
    emit("group_update_vs_entity", group_us / figures["sum_entity_update_us_100"])
    emit("group_update_vs_min_max", group_us / figures["min_max_sum_update_us_100"])
    emit("group_update_vs_template_sum", group_us / figures["template_sum_update_us_100"])
    emit(
        "group_update_vs_entity_every_write",
        figures["group_update_us_100_every_write"] / figures["sum_entity_update_us_100"],
    )
    # Growth with the member count; the hand-written entity's shows what HA itself adds (more
    # states and subscriptions, a working set ten times larger).
    emit("group_update_1000_vs_100", figures["group_update_us_1000"] / group_us)
    emit(
        "sum_entity_update_1000_vs_100",
        figures["sum_entity_update_us_1000"] / figures["sum_entity_update_us_100"],
    )


def run() -> None:
    """Entry point: logs at WARNING on stderr, figures on stdout."""
    run_main(main)


if __name__ == "__main__":
    run()
