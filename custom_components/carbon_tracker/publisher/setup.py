"""Setting up a site publisher: MQTT ready, a new session on disk, then the ports followed."""

from __future__ import annotations

from homeassistant.components import mqtt
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, Platform
from homeassistant.core import CoreState, Event, HomeAssistant, callback

from ..region import async_require_mqtt
from .runtime import PublisherConfigEntry, PublisherRuntime, session_store
from .settings import PublisherSettings

PUBLISHER_PLATFORMS = (Platform.SENSOR,)


async def async_build_publisher(
    hass: HomeAssistant, entry: PublisherConfigEntry
) -> PublisherRuntime:
    """The runtime, once HA's MQTT integration is there, with its new session stored."""
    await async_require_mqtt(hass)
    runtime = PublisherRuntime(
        hass, entry.entry_id, PublisherSettings.from_entry(entry.data, entry.options)
    )
    await runtime.async_start_session()
    return runtime


async def async_start_publisher(hass: HomeAssistant, entry: PublisherConfigEntry) -> None:
    """Follow the ports (once HA has started: their sensors exist then) and the connection."""
    runtime = entry.runtime_data

    @callback
    def start_watching(_: Event | None = None) -> None:
        entry.async_on_unload(runtime.async_watch())
        entry.async_on_unload(
            mqtt.async_subscribe_connection_status(hass, runtime.async_connection_changed)
        )
        runtime.async_connection_changed(mqtt.is_connected(hass))

    if hass.state is CoreState.running:
        start_watching()
    else:
        entry.async_on_unload(
            hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, start_watching)
        )
    entry.async_on_unload(runtime.async_stop)
    await hass.config_entries.async_forward_entry_setups(entry, PUBLISHER_PLATFORMS)


async def async_entry_updated(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Other ports or another prefix: the publisher starts again with them."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_remove_publisher(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The entry is deleted: so is its session number.

    The retained states stay on the broker: they were counted, and a central that was away
    still reads them.
    """
    await session_store(hass, entry.entry_id).async_remove()
