"""Setting up a carbon-aware window: its runtime, its entities, then the forecast followed."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from .runtime import CarbonWindowConfigEntry, CarbonWindowRuntime
from .settings import WindowSettings

WINDOW_PLATFORMS = (Platform.BINARY_SENSOR, Platform.SENSOR)


async def async_build_window(
    hass: HomeAssistant, entry: CarbonWindowConfigEntry
) -> CarbonWindowRuntime:
    """The runtime, from the options."""
    return CarbonWindowRuntime(
        hass, entry.entry_id, entry.title, WindowSettings.from_entry(entry.options)
    )


async def async_start_window(hass: HomeAssistant, entry: CarbonWindowConfigEntry) -> None:
    """The entities, then the forecast read and followed."""
    runtime = entry.runtime_data
    entry.async_on_unload(runtime.async_stop)
    await hass.config_entries.async_forward_entry_setups(entry, WINDOW_PLATFORMS)
    runtime.async_start()


async def async_entry_updated(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Other settings: the window starts again with them."""
    await hass.config_entries.async_reload(entry.entry_id)
