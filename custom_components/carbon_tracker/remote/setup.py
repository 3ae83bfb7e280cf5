"""Setting up a remote site at the central: its ledger read back, then the site's topics."""

from __future__ import annotations

from homeassistant.components import mqtt
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from ..core.region_wire import site_states_filter, status_topic
from ..region import QOS, async_require_mqtt
from .runtime import RemoteSiteConfigEntry, RemoteSiteRuntime, ledger_store
from .settings import RemoteSettings

REMOTE_PLATFORMS = (Platform.SENSOR,)


async def async_build_remote(
    hass: HomeAssistant, entry: RemoteSiteConfigEntry
) -> RemoteSiteRuntime:
    """The runtime with the ledger as it was left, once HA's MQTT integration is there."""
    await async_require_mqtt(hass)
    runtime = RemoteSiteRuntime(
        hass, entry.entry_id, RemoteSettings.from_entry(entry.data, entry.options)
    )
    await runtime.async_load()
    return runtime


async def async_start_remote(hass: HomeAssistant, entry: RemoteSiteConfigEntry) -> None:
    """The sensors first (so a port heard of at once has its adder), then the subscriptions."""
    runtime = entry.runtime_data
    settings = runtime.settings
    entry.async_on_unload(runtime.async_flush)
    await hass.config_entries.async_forward_entry_setups(entry, REMOTE_PLATFORMS)
    # Payloads as bytes: the wire's own check reads them (and refuses what is not UTF-8 JSON).
    entry.async_on_unload(
        await mqtt.async_subscribe(
            hass,
            site_states_filter(settings.prefix, settings.site_id),
            runtime.async_state_message,
            qos=QOS,
            encoding=None,
        )
    )
    entry.async_on_unload(
        await mqtt.async_subscribe(
            hass,
            status_topic(settings.prefix, settings.site_id),
            runtime.async_status_message,
            qos=QOS,
            encoding=None,
        )
    )


async def async_entry_updated(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Another prefix or numbering: the entry starts again with them (the ledger is kept)."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_remove_remote(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The entry is deleted: so is its ledger."""
    await ledger_store(hass, entry.entry_id).async_remove()
