"""How a person's declarations appear in a report: value-chain carbon, day by day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant

from ..const import CONF_PORT
from ..core.port_info import NodeInfo
from ..core.scopes import Scope
from .book import kg_in_periods


def declaration_port_info(hass: HomeAssistant, entry: ConfigEntry) -> NodeInfo:
    """A person's own carbon (commuting, travel, home, food): value chain for an organisation."""
    return NodeInfo(
        entry.entry_id,
        int(entry.options[CONF_PORT]),
        entry.title,
        Scope.VALUE_CHAIN,
        "personal declaration (UK DESNZ 2025 travel and gas, Poore & Nemecek 2018 food, "
        "the entry's grid factor, own activities)",
        "CO2e",
        declared=True,
    )


def declared_kg_in_periods(
    entry: ConfigEntry, periods: Sequence[tuple[datetime, datetime]], zone: tzinfo
) -> list[float | None] | None:
    """Each period's kilograms from the book; None: the entry is not running.

    A day counts on that day, however late it was declared or corrected (HA's statistics have
    it in the hour it was declared); an entry that is not running leaves it to the statistics.
    """
    if entry.state is not ConfigEntryState.LOADED:
        return None
    return kg_in_periods(entry.runtime_data.book.kg_by_day(), periods, zone)
