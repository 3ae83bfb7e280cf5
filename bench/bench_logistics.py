"""Benchmark of a 10,000-record batch posted to a logistics entry's webhook: time and loop blocks.

Run from the repository root:

    .venv/bin/python -m bench.bench_logistics

Prints exactly one ``name=value`` line per figure on stdout; everything else goes to stderr
(every run's figures too). Set ``BENCH_PROFILE=1`` to also print, on stderr, a cProfile of one
more batch.

One Home Assistant instance (the test harness of pytest_homeassistant_custom_component, used
outside pytest) holds one logistics entry (tonne-km, one product A1 of 12.5 kg, default modes)
whose webhook is registered with HA's ``webhook`` component, local-only, as the product does.
``bench.common.fresh_hass`` stubs the http component, so the benchmark serves HA's own
``WebhookView`` from a real aiohttp server on 127.0.0.1 (an ephemeral port, in the same event
loop), and posts to it over a real socket with an aiohttp client: the request goes through HA's
view and ``webhook.async_handle_webhook`` (method and local-only checks) to the entry's handler,
exactly as a warehouse system's POST would. ``BENCH_LOGISTICS_TRANSPORT=direct`` skips the socket:
HA's ``webhook.async_handle_webhook`` is called as the view calls it, with HA's MockRequest (plus
the Content-Length a real request carries) for a local POST of the same body.

A run posts one batch of BATCH distinct records (``{"records": [...]}``; orders new to the
ledger each run; mode hgv and rail alternating; quantities and distances varying) and checks the
answer: BATCH accepted, none refused, every record ``added`` with its hand-computed kg (to 1e-6
kg), and the ledger total and the emissions sensor moved by the hand-computed sum (math.fsum, to
1e-6 kg). The body is serialised before the clock starts; the client's own work in the loop
(sending the body, reading the answer) is a few small callbacks.

Figures, over RUNS runs:

- ``logistics_batch_10k_s``: wall seconds from the POST to the parsed answer, median of the runs.
- ``logistics_max_loop_block_ms``: the longest the event loop was held at once during any run's
  batch. Measured with a monitor task that sleeps 1 ms in a loop: a gap between two of its
  wake-ups, minus the 1 ms it asked for, is time the loop spent on something else without coming
  back to its timers. It is an upper bound on the longest single block (two callbacks run
  back-to-back in one loop iteration count as one), which is what a timer or another request
  waiting on the loop sees. Goal: at most 50 ms.
- ``logistics_max_loop_block_ms_without_gc``: the same, less the time CPython's garbage collector
  spent inside each gap (timed with ``gc.callbacks``): a full collection walks the whole heap, and
  the batch's allocations only decide when it comes. Collections over 5 ms go to stderr.

The ledger's delayed save (``durable.WRITE_DELAY`` s after a batch, its data built in the loop) is
outside the batch window; the monitor is kept running until it has happened after the last run,
and that block is logged on stderr (``save_block_ms``), not part of the figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
from dataclasses import dataclass, field
import gc
import io
import json
import logging
import math
import os
import pstats
import statistics
import sys
import time
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from homeassistant.components.webhook import (
    WebhookView,
    async_generate_path,
    async_handle_webhook,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.http import KEY_HASS
from homeassistant.setup import async_setup_component
from homeassistant.util.aiohttp import MockRequest
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from bench.common import emit, fresh_hass, run_main
from custom_components.carbon_tracker import durable
from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.logistics.modes import MODES_BY_ID

BATCH = 10_000
RUNS = 3
WEBHOOK_ID = "bench-hook"
KG_PER_UNIT = 12.5
MODES = ("hgv", "rail")
GOAL_MS = 50.0
TICK = 0.001  # seconds the monitor asks to sleep
TOLERANCE_KG = 1e-6
SHIPPED = "2026-03-01T08:00:00+00:00"

_LOGGER = logging.getLogger("bench")


@dataclass
class LoopMonitor:
    """Wakes every TICK; the longest gap beyond TICK since the last ``reset`` is the worst block."""

    worst: float = 0.0
    worst_without_gc: float = 0.0  # the same, less the garbage collection inside each gap
    blocks: list[float] = field(default_factory=list)  # every block over 5 ms, since reset
    # Garbage collections over 5 ms since reset, (generation, ms): a block's possible cause.
    collections: list[tuple[int, float]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _gc_start: float = 0.0
    _gc_in_gap: float = 0.0

    def start(self) -> None:
        """Start watching."""
        self._task = asyncio.get_running_loop().create_task(self._watch())
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            spent = time.perf_counter() - self._gc_start
            self._gc_in_gap += spent
            if spent > 0.005:
                self.collections.append((info["generation"], spent * 1000))

    async def stop(self) -> None:
        """Stop watching."""
        gc.callbacks.remove(self._on_gc)
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def reset(self) -> None:
        """Forget what was seen."""
        self.worst = 0.0
        self.worst_without_gc = 0.0
        self.blocks = []
        self.collections = []

    async def _watch(self) -> None:
        clock = time.perf_counter
        last = clock()
        while True:
            await asyncio.sleep(TICK)
            now = clock()
            block = now - last - TICK
            self.worst = max(self.worst, block)
            self.worst_without_gc = max(self.worst_without_gc, block - self._gc_in_gap)
            self._gc_in_gap = 0.0
            if block > 0.005:
                self.blocks.append(block)
            last = now


def records(run: int) -> tuple[list[dict[str, Any]], list[float]]:
    """BATCH records with order ids new to run ``run``, and each one's kg computed by hand."""
    batch = []
    expected = []
    for i in range(BATCH):
        mode = MODES[i % 2]
        quantity = 1 + i % 7
        distance = 5.0 + (i % 113) * 3.25 + run * 0.5
        batch.append(
            {
                "order_id": f"bench-{run}-{i}",
                "time": SHIPPED,
                "model": "A1",
                "quantity": quantity,
                "distance_km": distance,
                "mode": mode,
                "origin": "Warehouse",
                "destination": f"Store {i % 50}",
            }
        )
        intensity = MODES_BY_ID[mode].kg_per_tonne_km
        assert intensity is not None
        expected.append(KG_PER_UNIT * quantity / 1000.0 * distance * intensity)
    return batch, expected


def logistics_entry() -> MockConfigEntry:
    """A logistics entry as the config flow writes it, with the benchmark's webhook id."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Bench warehouse",
        data={"kind": "logistics", "webhook_id": WEBHOOK_ID},
        options={
            "port": 1,
            "method": "tonne_km",
            "products": [{"model": "A1", "kg_per_unit": KG_PER_UNIT}],
            "modes": {},
        },
        minor_version=3,
    )


async def serve_webhooks(hass: HomeAssistant) -> TestServer:
    """HA's own webhook view on a real aiohttp server on 127.0.0.1 (fresh_hass stubs http)."""
    app = web.Application()
    app[KEY_HASS] = hass
    WebhookView().register(hass, app, app.router)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


class DirectRequest(MockRequest):  # type: ignore[misc]
    """HA's MockRequest, with the Content-Length a real request has (MockRequest has none)."""

    def __init__(self, body: bytes) -> None:
        """A local POST of ``body``."""
        super().__init__(
            content=body,
            mock_source="bench",
            method="POST",
            headers={"Content-Type": "application/json"},
            remote="127.0.0.1",
        )
        self.content_length = len(body)


class Transport:
    """How a body reaches the webhook: over HTTP (the default), or handed to HA directly."""

    def __init__(self, hass: HomeAssistant, kind: str) -> None:
        """``kind``: "http" or "direct"."""
        assert kind in ("http", "direct"), kind
        self.hass = hass
        self.kind = kind
        self._server: TestServer | None = None
        self._session: ClientSession | None = None
        self._url = ""

    async def start(self) -> None:
        """Serve and connect (http)."""
        if self.kind == "http":
            self._server = await serve_webhooks(self.hass)
            self._session = ClientSession()
            self._url = str(self._server.make_url(async_generate_path(WEBHOOK_ID)))

    async def close(self) -> None:
        """Disconnect and stop serving."""
        if self._session is not None:
            await self._session.close()
        if self._server is not None:
            await self._server.close()

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """Post ``body``; the answer's status and body (parsed later, outside the figures)."""
        if self._session is not None:
            async with self._session.post(
                self._url, data=body, headers={"Content-Type": "application/json"}
            ) as response:
                return response.status, await response.read()
        # As HA's WebhookView does, after routing: the same checks, the same handler.
        answer = await async_handle_webhook(self.hass, WEBHOOK_ID, DirectRequest(body))
        raw = answer.body
        assert raw is None or isinstance(raw, bytes), type(raw)
        return answer.status, raw or b""


@dataclass
class Run:
    """One batch's figures."""

    seconds: float
    worst_ms: float
    worst_without_gc_ms: float
    blocks_ms: list[float]


async def post_batch(
    hass: HomeAssistant,
    transport: Transport,
    entry: MockConfigEntry,
    emissions_id: str | None,
    monitor: LoopMonitor,
    *,
    run: int,
) -> Run:
    """Post one batch, time it, check it."""
    batch, expected = records(run)
    body = json.dumps({"records": batch}).encode()
    ledger_before = entry.runtime_data.ledger.total.value
    await hass.async_block_till_done()
    await asyncio.sleep(0.05)  # the monitor settles; what came before is not counted
    monitor.reset()
    start = time.perf_counter()
    status, raw = await transport.post(body)
    seconds = time.perf_counter() - start
    worst_ms = monitor.worst * 1000
    worst_without_gc_ms = monitor.worst_without_gc * 1000
    blocks_ms = [block * 1000 for block in monitor.blocks]
    collections = list(monitor.collections)
    await hass.async_block_till_done()

    answer = json.loads(raw) if raw else None
    assert status == 200, (status, answer)
    assert answer is not None, "an empty answer: the handler failed (see HA's log above)"
    assert answer["accepted"] == BATCH, {k: answer[k] for k in ("accepted", "refused")}
    assert answer["refused"] == 0, answer["refused"]
    for result, record, kg in zip(answer["results"], batch, expected, strict=True):
        assert result["order_id"] == record["order_id"], (result, record)
        assert result["outcome"] == "added", result
        assert abs(result["kg"] - kg) <= TOLERANCE_KG, (result, kg)
    hand_sum = math.fsum(expected)
    moved = entry.runtime_data.ledger.total.value - ledger_before
    assert abs(moved - hand_sum) <= TOLERANCE_KG, (moved, hand_sum)
    if emissions_id is not None:
        state = hass.states.get(emissions_id)
        assert state is not None
        total = entry.runtime_data.ledger.total.value
        assert abs(float(state.state) - total) <= TOLERANCE_KG, (state.state, total)
    _LOGGER.info(
        "run %d: %d records in %.3f s, %.1f kg (hand sum %.6f kg), worst loop block %.1f ms "
        "(%.1f ms without garbage collection); "
        "blocks over 5 ms: %s; garbage collections over 5 ms (generation: ms): %s",
        run,
        BATCH,
        seconds,
        moved,
        hand_sum,
        worst_ms,
        worst_without_gc_ms,
        " ".join(f"{block:.1f}" for block in blocks_ms) or "none",
        " ".join(f"{gen}: {ms:.1f}" for gen, ms in collections) or "none",
    )
    return Run(seconds, worst_ms, worst_without_gc_ms, blocks_ms)


async def profile_batch(hass: HomeAssistant, transport: Transport, run: int) -> None:
    """Profile one more batch; on stderr, by cumulative then by own time."""
    batch, _ = records(run)
    body = json.dumps({"records": batch}).encode()
    profiler = cProfile.Profile()
    profiler.enable()
    await transport.post(body)
    profiler.disable()
    await hass.async_block_till_done()
    out = io.StringIO()
    out.write(f"\n=== one webhook batch of {BATCH} records ===\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(20)
    sys.stderr.write(out.getvalue())


async def main() -> None:
    """Set up the entry and the webhook server, post RUNS batches, then wait for the save."""
    profile = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
    async with fresh_hass() as hass:
        assert await async_setup_component(hass, "webhook", {})
        entry = logistics_entry()
        entry.add_to_hass(hass)
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED, entry.state
        emissions_id = er.async_get(hass).async_get_entity_id(
            "sensor", DOMAIN, f"{entry.entry_id}_emissions"
        )
        if emissions_id is None:
            _LOGGER.warning("no emissions sensor registered: its state is not checked")

        transport = Transport(hass, os.environ.get("BENCH_LOGISTICS_TRANSPORT", "http"))
        await transport.start()
        monitor = LoopMonitor()
        monitor.start()
        try:
            runs = [
                await post_batch(hass, transport, entry, emissions_id, monitor, run=run)
                for run in range(RUNS)
            ]
            # The ledger's delayed save, after the last batch: its block is logged, apart.
            monitor.reset()
            await asyncio.sleep(durable.WRITE_DELAY + 1.0)
            await hass.async_block_till_done()
            _LOGGER.info(
                "save_block_ms (delayed save of %d orders, after the batches): %.1f; "
                "garbage collections over 5 ms: %s",
                len(entry.runtime_data.ledger.orders),
                monitor.worst * 1000,
                " ".join(f"{gen}: {ms:.1f}" for gen, ms in monitor.collections) or "none",
            )
            if profile:
                await profile_batch(hass, transport, RUNS)
        finally:
            await monitor.stop()
            await transport.close()

    worst = max(run.worst_ms for run in runs)
    emit("logistics_batch_10k_s", statistics.median(run.seconds for run in runs))
    emit("logistics_max_loop_block_ms", worst, 1)
    emit(
        "logistics_max_loop_block_ms_without_gc",
        max(run.worst_without_gc_ms for run in runs),
        1,
    )
    if worst > GOAL_MS:
        _LOGGER.warning("loop blocked %.1f ms at once: over the %.0f ms goal", worst, GOAL_MS)


def run() -> None:
    """Entry point: logs at WARNING on stderr, figures on stdout."""
    run_main(main)


if __name__ == "__main__":
    run()
