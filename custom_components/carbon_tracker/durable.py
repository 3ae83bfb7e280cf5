"""What the integration counted, on disk within a second of each change: one write path for all.

HA saves entities' restore data at start, every 15 minutes and at a clean stop; a power cut loses
everything since. Each runtime that counts (a node's total and baseline, a group's window sums,
a logistics ledger) therefore marks its record changed here, and one writer puts every changed
record on disk at most ``WRITE_DELAY`` seconds later:

* **O(1) on the hot path.** Marking is a dict assignment and, for the first change of a round, one
  timer; the record itself is taken when the round is written, once however often it changed.
* **Never postponed.** A round starts a fixed delay after its first change; later changes join it
  (or the next round), so a steady stream cannot push a write away, unlike a delayed save that
  restarts its delay on each change.
* **Off the event loop.** The loop takes each changed record (a small list or dict) and a shallow
  copy of the table; JSON encoding and the atomic, fsynced file write run in the executor (HA's
  ``Store``).
* **Awaitable.** ``async_written`` returns once everything marked before the call is on disk: an
  action or a webhook answers after its records are durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

STORE_VERSION = 1
STORE_KEY = f"{DOMAIN}.durable"
# A change is on disk at most this long after it happened (plus the write itself).
WRITE_DELAY = 0.75
DATA_DURABLE: HassKey[DurableRecords] = HassKey(f"{DOMAIN}_durable")

type Snapshot = Callable[[], Any]


class CoalescedWriter:
    """Writes one store at most ``WRITE_DELAY`` after a change, never postponed by later ones."""

    def __init__(self, hass: HomeAssistant, store: Store[Any], build: Callable[[], Any]) -> None:
        """``build()`` is called on the loop when a round starts: it returns what is written."""
        self.hass = hass
        self._store = store
        self._build = build
        self._timer: asyncio.Handle | None = None
        self._writing: asyncio.Task[None] | None = None
        # Changes marked and changes on disk, counted; a waiter waits for its count.
        self._marked = 0
        self._written = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    @callback
    def async_changed(self) -> None:
        """Something changed: a round writes it at most a delay from now."""
        self._marked += 1
        if self._timer is None and self._writing is None:
            self._timer = self._async_schedule_round()

    async def async_written(self) -> None:
        """Return once every change marked so far is on disk."""
        if self._written >= self._marked:
            return
        future: asyncio.Future[None] = self.hass.loop.create_future()
        self._waiters.append((self._marked, future))
        await future

    async def async_write_now(self) -> None:
        """Write what is marked without waiting for the round's delay (unload, stop)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writing is None and self._written < self._marked:
            self._async_start_round()
        while (writing := self._writing) is not None:
            await asyncio.shield(writing)

    @callback
    def _async_schedule_round(self) -> asyncio.Handle:
        """The next round, a delay from now (with no delay: at the loop's next turn)."""
        if WRITE_DELAY > 0:
            return self.hass.loop.call_later(WRITE_DELAY, self._async_start_round)
        return self.hass.loop.call_soon(self._async_start_round)

    @callback
    def _async_start_round(self) -> None:
        self._timer = None
        marked = self._marked
        data = self._build()
        task = self.hass.async_create_background_task(
            self._async_write(marked, data), f"{DOMAIN} durable write {self._store.key}"
        )
        # HA starts tasks eagerly: a write that never had to wait is already done here.
        if not task.done():
            self._writing = task

    async def _async_write(self, marked: int, data: Any) -> None:
        try:
            await self._store.async_save(data)
        finally:
            if self._writing is asyncio.current_task():
                self._writing = None
        self._written = max(self._written, marked)
        waiting, self._waiters = self._waiters, []
        for wanted, future in waiting:
            if wanted > self._written:
                self._waiters.append((wanted, future))
            elif not future.done():
                future.set_result(None)
        if self._written < self._marked and self._timer is None:
            # Changes came in while writing: the next round, a full delay after this one.
            self._timer = self._async_schedule_round()


class DurableRecords:
    """Every entry's record, keyed by entry id, kept on disk by one coalesced writer."""

    def __init__(self, hass: HomeAssistant, records: dict[str, Any]) -> None:
        """Start from what the last run left on disk."""
        self._records = records
        # Changed since the last round was taken: entry id -> how to take its record now.
        self._changed: dict[str, Snapshot] = {}
        self.writer = CoalescedWriter(hass, durable_store(hass), self.take_round)

    def get(self, key: str) -> Any:
        """``key``'s newest record: a change not written yet, else what is on disk; or None.

        An entry that reloads reads its record here right after its old runtime stopped: a
        change still waiting for its round is taken now, so the new runtime misses nothing.
        """
        if (snapshot := self._changed.get(key)) is not None:
            self._records[key] = snapshot()
        return self._records.get(key)

    @callback
    def async_mark(self, key: str, snapshot: Snapshot) -> None:
        """``key``'s record changed: ``snapshot()`` is taken when the round is written."""
        self._changed[key] = snapshot
        self.writer.async_changed()

    @callback
    def async_forget(self, key: str) -> None:
        """The entry is gone: its record goes with the next round."""
        self._changed.pop(key, None)
        if self._records.pop(key, None) is not None:
            self.writer.async_changed()

    def take_round(self) -> dict[str, Any]:
        """Take every changed record (on the loop) and the table to write: the loop's share.

        The table is a shallow copy: a record is replaced by a new one, never changed in place,
        so the executor encodes a copy nothing else touches.
        """
        changed, self._changed = self._changed, {}
        records = self._records
        for key, snapshot in changed.items():
            records[key] = snapshot()
        return dict(records)


def durable_store(hass: HomeAssistant) -> Store[dict[str, Any]]:
    """The file of the records: written atomically and fsynced, encoded in the executor."""
    return Store(hass, STORE_VERSION, STORE_KEY, atomic_writes=True, serialize_in_event_loop=False)


async def async_setup_durable(hass: HomeAssistant) -> DurableRecords:
    """Read the records once, and write the last round when HA stops."""
    if (durable := hass.data.get(DATA_DURABLE)) is not None:
        return durable
    loaded = await durable_store(hass).async_load()
    records = loaded if isinstance(loaded, dict) else {}
    durable = hass.data[DATA_DURABLE] = DurableRecords(hass, records)

    async def write_last_round(_: Event) -> None:
        await durable.writer.async_write_now()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_FINAL_WRITE, write_last_round)
    _LOGGER.debug("Durable records of %d entries read", len(records))
    return durable


def durable_records(hass: HomeAssistant) -> DurableRecords:
    """The integration's records (set up with the integration)."""
    return hass.data[DATA_DURABLE]
