"""Setting up a declaration entry: the person's book, their sensors and the reminder."""

from __future__ import annotations

from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_change

from ..core.library_store import async_load_factor_table
from ..texts import async_load_texts
from .reminder import async_setup_reminder
from .runtime import DeclarationConfigEntry, DeclarationRuntime, book_store
from .settings import CONF_GRID_FACTOR_ID, CONF_PERSON, DeclarationSettings

DECLARATION_PLATFORMS = (Platform.SENSOR,)


async def async_setup_declaration(hass: HomeAssistant, entry: DeclarationConfigEntry) -> None:
    """Read the book, start the day's clock and the reminder, forward the sensors."""
    table = await async_load_factor_table(hass)
    grid = table.factors.get(str(entry.options.get(CONF_GRID_FACTOR_ID)))
    settings = DeclarationSettings.from_options(entry.options, None if grid is None else grid.value)
    runtime = DeclarationRuntime(
        hass, entry.entry_id, entry.title, entry.data[CONF_PERSON], settings
    )
    await runtime.async_load()
    entry.runtime_data = runtime
    await async_load_texts(hass)

    @callback
    def new_day(now: datetime) -> None:
        runtime.async_new_day()

    # HA's local midnight: "declared today" is about the day in HA's time zone.
    entry.async_on_unload(async_track_time_change(hass, new_day, hour=0, minute=0, second=0))
    async_setup_reminder(hass, entry, runtime)
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    await hass.config_entries.async_forward_entry_setups(entry, DECLARATION_PLATFORMS)


async def _async_update_listener(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """New settings: the entry starts again with them (the book is kept)."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_remove_declaration(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The entry is deleted: so is the person's book."""
    await book_store(hass, entry.entry_id).async_remove()
