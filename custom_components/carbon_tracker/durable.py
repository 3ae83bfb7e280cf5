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
* **Honest about the disk.** HA's ``Store`` logs a failed write and goes on; ``CheckedStore`` raises
  instead, so a waiter is told ``NotSaved`` (nothing is acknowledged that is not on disk), the
  error is logged once, and the round is tried again ``RETRY_DELAY`` later with everything in it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
import logging
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util.file import WriteError
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.json import SerializationError

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

STORE_VERSION = 1
STORE_KEY = f"{DOMAIN}.durable"
# A change is on disk at most this long after it happened (plus the write itself).
WRITE_DELAY = 0.75
# A round the disk refused is tried again this long after (everything marked since included).
RETRY_DELAY = 5.0
DATA_DURABLE: HassKey[DurableRecords] = HassKey(f"{DOMAIN}_durable")

type Snapshot = Callable[[], Any]


class NotSaved(HomeAssistantError):
    """The disk refused the write: what was asked is kept in memory but not acknowledged."""

    def __init__(self, key: str) -> None:
        """Name the store that could not be written."""
        super().__init__(
            translation_domain=DOMAIN, translation_key="not_saved", translation_placeholders={}
        )
        self.key = key


class CheckedStore[T: Mapping[str, Any] | Sequence[Any]](Store[T]):
    """A ``Store`` whose save raises ``NotSaved`` when the file was not written.

    HA's ``Store`` logs a failed write (disk full, read-only file system) and returns as if it had
    written: an acknowledgement on top of it would be a promise the disk did not keep.
    """

    _write_error: Exception | None = None

    async def _async_write_data(self, data: dict[str, Any]) -> None:
        # The one place Store writes (and the one its test double replaces): the error is kept
        # for async_save before Store swallows it.
        try:
            await super()._async_write_data(data)
        except (SerializationError, WriteError) as err:
            self._write_error = err
            raise

    async def async_save(self, data: T) -> None:
        """Save, or raise ``NotSaved``."""
        self._write_error = None
        await super().async_save(data)
        if (error := self._write_error) is not None:
            self._write_error = None
            raise NotSaved(self.key) from error


class CoalescedWriter:
    """Writes one store at most ``WRITE_DELAY`` after a change, never postponed by later ones."""

    def __init__(
        self, hass: HomeAssistant, store: CheckedStore[Any], build: Callable[[], Any]
    ) -> None:
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
        self._failing = False

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
        """Write what is marked without waiting for the round's delay (HA stops).

        A write the disk refuses is logged, and tried again later.
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writing is None and self._written < self._marked:
            self._async_start_round()
        while (writing := self._writing) is not None:
            await asyncio.shield(writing)

    async def async_close(self) -> None:
        """Write what is marked now, and nothing after (its owner unloads: a new one takes over)."""
        await self.async_write_now()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @callback
    def _async_schedule_round(self, delay: float | None = None) -> asyncio.Handle:
        """The next round, a delay from now (with no delay: at the loop's next turn)."""
        delay = WRITE_DELAY if delay is None else delay
        if delay > 0:
            return self.hass.loop.call_later(delay, self._async_start_round)
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
        except NotSaved as err:
            self._async_refused(marked, err)
            return
        finally:
            if self._writing is asyncio.current_task():
                self._writing = None
        if self._failing:
            self._failing = False
            _LOGGER.warning("%s is written again", self._store.path)
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

    @callback
    def _async_refused(self, marked: int, err: NotSaved) -> None:
        """The disk refused the round: its waiters are told, and it is tried again later.

        What the round held stays in memory (the next round is built from it again), so
        nothing is lost while the process runs; nothing is acknowledged either.
        """
        if not self._failing:
            self._failing = True
            _LOGGER.error(
                "Could not write %s (%s); trying again every %.0f s",
                self._store.path,
                err.__cause__,
                RETRY_DELAY,
            )
        waiting, self._waiters = self._waiters, []
        for wanted, future in waiting:
            if wanted > marked:
                self._waiters.append((wanted, future))
            elif not future.done():
                future.set_exception(NotSaved(self._store.key))
        if self._timer is None:
            self._timer = self._async_schedule_round(RETRY_DELAY)


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


def durable_store(hass: HomeAssistant) -> CheckedStore[dict[str, Any]]:
    """The file of the records: written atomically and fsynced, encoded in the executor."""
    return CheckedStore(
        hass, STORE_VERSION, STORE_KEY, atomic_writes=True, serialize_in_event_loop=False
    )


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
