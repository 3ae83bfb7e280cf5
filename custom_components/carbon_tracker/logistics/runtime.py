"""A logistics entry's engine: records in, kilograms out, the ledger kept on disk.

Records come from the action, the webhook or a CSV import, one or a batch. A batch is worked in
slices, yielding to the event loop between them, so 10,000 records never hold the loop for long.
The ledger is saved to the entry's own store a few seconds after a change (and at shutdown), never
from the state machine's hot path; totals are rebuilt from the orders when it is loaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ..const import DOMAIN
from ..core.compensated import CompensatedSum
from ..core.listeners import Listeners
from ..durable import CheckedStore, CoalescedWriter
from ..texts import text
from .ledger import (
    Entry,
    Ledger,
    Outcome,
    RecordError,
    RecordProblem,
    fingerprint_text,
    parse_record,
    price,
)
from .settings import LogisticsSettings

_LOGGER = logging.getLogger(__name__)

STORE_VERSION = 1
SLICE = 1000  # records worked between two yields to the event loop

type LogisticsConfigEntry = ConfigEntry[LogisticsRuntime]


def ledger_store(hass: HomeAssistant, entry_id: str) -> CheckedStore[dict[str, Any]]:
    """The store an entry's ledger is kept in."""
    # Serialised in the executor: a ledger of tens of thousands of orders is not turned into JSON
    # on the event loop. Written atomically and fsynced: an acknowledged order survives a cut.
    return CheckedStore(
        hass,
        STORE_VERSION,
        f"{DOMAIN}.logistics.{entry_id}",
        atomic_writes=True,
        serialize_in_event_loop=False,
    )


class LogisticsRuntime:
    """The ledger of one logistics entry, and who shows it."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, name: str, settings: LogisticsSettings
    ) -> None:
        """Empty until loaded."""
        self.hass = hass
        self.entry_id = entry_id
        self.name = name
        self.settings = settings
        self.ledger = Ledger()
        self.listeners = Listeners()
        # Called with a mode id the first time that mode carries a shipment (a new sensor).
        self.new_mode_listeners: list[Any] = []
        self._store = ledger_store(hass, entry_id)
        # The integration's one write path: a burst of records is written once, within a second
        # of its first record, however long the stream goes on.
        self._writer = CoalescedWriter(hass, self._store, self._saved_now)

    async def async_load(self) -> None:
        """Read the ledger back; the totals are rebuilt from the orders, exactly."""
        data = await self._store.async_load()
        if not data:
            return
        ledger = Ledger()
        for order_id, (fingerprint, kg, mode, time) in data.get("orders", {}).items():
            # Ledgers written before the fingerprint was text kept it as a list.
            text = fingerprint if isinstance(fingerprint, str) else fingerprint_text(*fingerprint)
            ledger.orders[order_id] = (text, float(kg), str(mode), datetime.fromisoformat(time))
            ledger.total.add(float(kg))
            ledger.by_mode.setdefault(str(mode), CompensatedSum()).add(float(kg))
        ledger.last_order = data.get("last_order")
        self.ledger = ledger

    async def async_flush(self) -> None:
        """Write what is not on disk yet now (the entry unloads or reloads)."""
        await self._writer.async_close()

    def _saved_now(self) -> dict[str, Any]:
        """The ledger to write, taken on the loop when a write starts.

        A copy of the orders (cheap); their entries are replaced, never changed, so the copy is
        turned into JSON in the executor while records go on arriving.
        """
        return _saved(dict(self.ledger.orders), self.ledger.last_order)

    def last_shipment(self) -> Mapping[str, Any] | None:
        """The last order counted: its id, time, kg and mode."""
        order_id = self.ledger.last_order
        if order_id is None or (entry := self.ledger.entry(order_id)) is None:
            return None
        return {"order_id": order_id, "time": entry.time, "kg": entry.kg, "mode": entry.mode}

    async def async_record(self, raws: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Check, price and count each record; each answer says what happened or what is wrong.

        A record is checked and priced whole before it touches the ledger: a bad one changes
        nothing, a good one is never half applied. The answers come once the records they
        count are on disk: an acknowledged order survives a power cut. When the disk refuses
        the write, ``NotSaved`` is raised instead of an answer: the records stay counted in
        memory and go to disk with the next round, and a resend of the batch (answered
        "unchanged") is acknowledged once they are there.
        """
        settings = self.settings
        results: list[dict[str, Any]] = []
        modes_before = set(self.ledger.by_mode)
        changed = taken = False
        for index, raw in enumerate(raws):
            if index and not index % SLICE:
                await asyncio.sleep(0)
            order_id = raw.get("order_id") if isinstance(raw, Mapping) else None
            if not isinstance(raw, Mapping):
                results.append(
                    _refused(self.hass, None, RecordError(RecordProblem.MISSING_FIELD, "record"))
                )
                continue
            shipment = parse_record(raw)
            if isinstance(shipment, RecordError):
                results.append(_refused(self.hass, order_id, shipment))
                continue
            kg = price(shipment, settings.products, settings.modes, settings.method)
            if isinstance(kg, RecordError):
                results.append(_refused(self.hass, order_id, kg))
                continue
            outcome, moved = self.ledger.apply(shipment, kg)
            taken = True
            changed = changed or outcome is not Outcome.UNCHANGED
            if outcome is Outcome.CORRECTED:
                _LOGGER.info(
                    "%s: order %s corrected (%+.3f kg)", self.name, shipment.order_id, moved
                )
            results.append(
                {"order_id": shipment.order_id, "outcome": outcome.value, "kg": round(kg, 6)}
            )
        if changed:
            self._writer.async_changed()
            for mode in set(self.ledger.by_mode) - modes_before:
                for add_mode in self.new_mode_listeners:
                    add_mode(mode)
            self.listeners.async_notify()
        if taken:
            # Also for a batch that changed nothing: it may resend one whose write failed.
            await self._writer.async_written()
        return results


def _saved(orders: Mapping[str, Entry], last_order: str | None) -> dict[str, Any]:
    """The ledger as stored.

    Each order's plain tuple goes as it is (JSON writes a tuple as a list and a time as ISO
    8601): saving allocates nothing per order for the garbage collector.
    """
    return {"orders": orders, "last_order": last_order}


def _refused(hass: HomeAssistant, order_id: Any, error: RecordError) -> dict[str, Any]:
    """A refused record's answer: the error key for programs, a sentence for people."""
    message = text(hass, error.problem.value)
    return {
        "order_id": None if order_id is None else str(order_id),
        "error": error.problem.value,
        "detail": error.detail,
        "message": error.problem.value if message is None else message.format(detail=error.detail),
    }
