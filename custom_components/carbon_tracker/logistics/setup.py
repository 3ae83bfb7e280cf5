"""Setting up a logistics entry: its ledger, its sensors and its warehouse webhook."""

from __future__ import annotations

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from ..const import DOMAIN
from ..texts import async_load_texts
from .intake import async_handle_webhook
from .runtime import LogisticsConfigEntry, LogisticsRuntime, ledger_store
from .settings import CONF_WEBHOOK_ID, LogisticsSettings

LOGISTICS_PLATFORMS = (Platform.SENSOR,)


async def async_build_logistics(
    hass: HomeAssistant, entry: LogisticsConfigEntry
) -> LogisticsRuntime:
    """The entry's runtime, its ledger loaded (and the refusals' texts, for its answers)."""
    await async_load_texts(hass)
    runtime = LogisticsRuntime(
        hass, entry.entry_id, entry.title, LogisticsSettings.from_entry(entry.options)
    )
    await runtime.async_load()
    return runtime


async def async_start_logistics(hass: HomeAssistant, entry: LogisticsConfigEntry) -> None:
    """Register the webhook (local only), forward the sensors."""
    runtime = entry.runtime_data
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    webhook.async_register(
        hass,
        DOMAIN,
        f"Carbon Tracker logistics: {entry.title}",
        webhook_id,
        async_handle_webhook,
        local_only=True,
        allowed_methods=("POST",),
    )
    entry.async_on_unload(lambda: webhook.async_unregister(hass, webhook_id))
    # A reload right after a batch must not read the ledger from before it.
    entry.async_on_unload(runtime.async_flush)
    await hass.config_entries.async_forward_entry_setups(entry, LOGISTICS_PLATFORMS)


async def async_entry_updated(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """New catalogues or method: the entry starts again with them (the ledger is kept)."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_remove_logistics(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The entry is deleted: so is its ledger."""
    await ledger_store(hass, entry.entry_id).async_remove()
