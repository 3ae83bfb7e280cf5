"""A declaration entry's engine: one person's book of days, kept on disk, and who shows it.

Declarations come from the action (a dashboard form, a script, the companion app's webhook) and
from the reminder's buttons; all of them go through ``async_declare``, the one path a day changes
by. The book is written to the entry's store at once, off the event loop, so a power cut right
after a declaration loses nothing; the totals are rebuilt from the days when it is read back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import astuple
from datetime import date, datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..core.listeners import Listeners
from ..durable import CheckedStore
from .book import Book, Declaration, Line, check_day, declare
from .settings import DeclarationSettings

STORE_VERSION = 1
EVENT_DECLARED = "carbon_tracker_declared"

type DeclarationConfigEntry = ConfigEntry[DeclarationRuntime]


def book_store(hass: HomeAssistant, entry_id: str) -> CheckedStore[dict[str, Any]]:
    """The store a person's book is kept in: written atomically and fsynced, or refused."""
    return CheckedStore(
        hass, STORE_VERSION, f"{DOMAIN}.declarations.{entry_id}", atomic_writes=True
    )


class DeclarationRuntime:
    """One person's declarations, and the entities that show them."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        name: str,
        person: str,
        settings: DeclarationSettings,
    ) -> None:
        """Empty until loaded."""
        self.hass = hass
        self.entry_id = entry_id
        self.name = name
        self.person = person
        self.settings = settings
        self.book = Book()
        self.last_declared: datetime | None = None
        self.listeners = Listeners()
        self._store = book_store(hass, entry_id)
        # One declaration at a time, from the book to the disk to the event: two sent at once
        # end as the later one everywhere (and a failed write never undoes the other's day).
        self._declaring = asyncio.Lock()

    def today(self) -> date:
        """Today in HA's time zone: the day a declaration is for unless it names one."""
        return dt_util.now().date()

    async def async_load(self) -> None:
        """Read the book back; the total is the sum of the days, exactly."""
        data = await self._store.async_load()
        if not data:
            return
        self.book = Book.read_back(
            Declaration(
                date.fromisoformat(day_text),
                tuple(Line(*line) for line in saved["lines"]),
                float(saved["direct_kg"]),
                saved["note"],
            )
            for day_text, saved in data.get("days", {}).items()
        )
        if (last := data.get("last_declared")) is not None:
            self.last_declared = datetime.fromisoformat(last)

    async def async_declare(
        self,
        day: date | None,
        items: Iterable[Mapping[str, Any]],
        *,
        direct_kg: Any,
        note: str | None,
        context: Context | None = None,
    ) -> dict[str, Any]:
        """Check, price and keep a day's declaration (replacing the day's earlier one).

        Raises ``DeclarationError`` and changes nothing when the declaration is refused; answers
        the breakdown otherwise.
        """
        day = self.today() if day is None else day
        check_day(day, self.today(), self.settings.max_age_days)
        declaration = declare(
            day,
            items,
            direct_kg=direct_kg,
            note=note,
            activities=self.settings.activities,
            grid_factor=self.settings.grid_factor,
        )
        async with self._declaring:
            previous = self.book.days.get(day)
            last_declared = self.last_declared
            self.book.record(declaration)
            self.last_declared = dt_util.utcnow()
            try:
                await self._store.async_save(self._saved())
            except BaseException:
                # Not on disk, not counted: the book stays what the store holds.
                self.book.put_back(day, previous)
                self.last_declared = last_declared
                raise
            self.listeners.async_notify()
            self.hass.bus.async_fire(
                EVENT_DECLARED,
                {
                    "entry_id": self.entry_id,
                    "name": self.name,
                    "person": self.person,
                    "date": day.isoformat(),
                    "kg": round(declaration.kg, 6),
                    "previous_kg": None if previous is None else round(previous.kg, 6),
                },
                context=context,
            )
            return self.breakdown(declaration, previous)

    async def async_declare_like(
        self, earlier: date, day: date, *, context: Context | None = None
    ) -> dict[str, Any] | None:
        """Declare for ``day`` what was declared for ``earlier``; None when nothing was."""
        found = self.book.days.get(earlier)
        if found is None:
            return None
        items = [{"activity": line.activity, "amount": line.amount} for line in found.lines]
        return await self.async_declare(
            day,
            items,
            direct_kg=found.direct_kg if found.direct_kg or not items else None,
            note=found.note,
            context=context,
        )

    def breakdown(
        self, declaration: Declaration, previous: Declaration | None = None
    ) -> dict[str, Any]:
        """What a declaration is made of: each item, its factor and source, and the total."""
        return {
            "person": self.person,
            "date": declaration.day.isoformat(),
            "items": [
                {
                    "activity": line.activity,
                    "amount": line.amount,
                    "unit": line.unit,
                    "factor": line.factor,
                    "factor_unit": f"kg CO2e/{line.unit}",
                    "source": line.source,
                    "kg": round(line.kg, 6),
                }
                for line in declaration.lines
            ],
            "direct_kg": declaration.direct_kg,
            "total_kg": round(declaration.kg, 6),
            "replaced_kg": None if previous is None else round(previous.kg, 6),
            "note": declaration.note,
            "declared_total_kg": round(self.book.total, 6),
        }

    @callback
    def async_new_day(self) -> None:
        """Midnight: "declared today" starts again from what today has (usually nothing)."""
        self.listeners.async_notify()

    def _saved(self) -> dict[str, Any]:
        return {
            "days": {
                day.isoformat(): {
                    "lines": [list(astuple(line)) for line in declaration.lines],
                    "direct_kg": declaration.direct_kg,
                    "note": declaration.note,
                }
                for day, declaration in sorted(self.book.days.items())
            },
            "last_declared": None if self.last_declared is None else self.last_declared.isoformat(),
        }
