"""Setting up a declaration entry: the person's book, their sensors and the reminder."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_time
from homeassistant.util import dt as dt_util

from ..core.library_store import async_load_factor_table
from ..texts import async_load_texts
from .person import async_follow_person
from .reminder import async_setup_reminder
from .runtime import DeclarationConfigEntry, DeclarationRuntime, book_store
from .settings import CONF_GRID_FACTOR_ID, CONF_PERSON, DeclarationSettings

DECLARATION_PLATFORMS = (Platform.SENSOR,)


async def async_build_declaration(
    hass: HomeAssistant, entry: DeclarationConfigEntry
) -> DeclarationRuntime:
    """The person's runtime, their book read."""
    table = await async_load_factor_table(hass)
    grid = table.factors.get(str(entry.options.get(CONF_GRID_FACTOR_ID)))
    settings = DeclarationSettings.from_options(entry.options, None if grid is None else grid.value)
    runtime = DeclarationRuntime(
        hass, entry.entry_id, entry.title, entry.data[CONF_PERSON], settings
    )
    await runtime.async_load()
    return runtime


async def async_start_declaration(hass: HomeAssistant, entry: DeclarationConfigEntry) -> None:
    """Start the day's clock and the reminder, forward the sensors."""
    runtime = entry.runtime_data
    await async_load_texts(hass)

    _async_follow_days(hass, entry, runtime)
    async_follow_person(hass, entry)
    async_setup_reminder(hass, entry, runtime)
    await hass.config_entries.async_forward_entry_setups(entry, DECLARATION_PLATFORMS)


def _async_follow_days(
    hass: HomeAssistant, entry: DeclarationConfigEntry, runtime: DeclarationRuntime
) -> None:
    """Tell the sensors at each local midnight: "declared today" is about HA's day.

    Each midnight is worked out from the day, not matched on the clock's 00:00:00, which a
    change of summer time at midnight skips in some time zones.
    """
    cancel: CALLBACK_TYPE | None = None

    @callback
    def schedule() -> None:
        nonlocal cancel
        tomorrow = dt_util.start_of_local_day(dt_util.now().date() + timedelta(days=1))
        cancel = async_track_point_in_time(hass, new_day, tomorrow)

    @callback
    def new_day(now: datetime) -> None:
        runtime.async_new_day()
        schedule()

    @callback
    def stop() -> None:
        if cancel is not None:
            cancel()

    schedule()
    entry.async_on_unload(stop)


async def async_entry_updated(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """New settings: the entry starts again with them (the book is kept)."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_remove_declaration(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The entry is deleted: so is the person's book."""
    await book_store(hass, entry.entry_id).async_remove()
