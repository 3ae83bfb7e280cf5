"""The factor table, read from disk once per HA run off the event loop, kept under a HassKey."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from .factor_library import LibraryFactor, load_library, load_retired_ids


@dataclass(frozen=True, slots=True)
class FactorTable:
    """The built-in factors by id, and the ids that were retired for another one."""

    factors: dict[str, LibraryFactor]
    retired: dict[str, str]


LIBRARY_KEY: HassKey[FactorTable] = HassKey(f"{DOMAIN}_factor_table")


def _read() -> FactorTable:
    return FactorTable(load_library(), load_retired_ids())


async def async_load_factor_table(hass: HomeAssistant) -> FactorTable:
    """The table, read in the executor the first time (setup, a flow or a migration)."""
    if (table := hass.data.get(LIBRARY_KEY)) is None:
        table = hass.data[LIBRARY_KEY] = await hass.async_add_executor_job(_read)
    return table


def factor_table(hass: HomeAssistant) -> FactorTable:
    """The table, once ``async_setup`` has loaded it; never reads the disk."""
    return hass.data[LIBRARY_KEY]
