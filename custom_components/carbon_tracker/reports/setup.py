"""Setting up a report profile entry."""

from __future__ import annotations

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from ..const import DOMAIN
from .profile_settings import ProfileSettings
from .runtime import ProfileRuntime, ReportProfileConfigEntry

PROFILE_PLATFORMS = (Platform.SENSOR,)


async def async_build_profile(
    hass: HomeAssistant, entry: ReportProfileConfigEntry
) -> ProfileRuntime:
    """The profile's runtime, from its options."""
    runtime = ProfileRuntime(
        hass, entry.entry_id, entry.title, ProfileSettings.from_entry(entry.options)
    )
    runtime.async_restore_durable()
    return runtime


async def async_start_profile(hass: HomeAssistant, entry: ReportProfileConfigEntry) -> None:
    """Forward the profile's sensor (which starts it)."""
    await hass.config_entries.async_forward_entry_setups(entry, PROFILE_PLATFORMS)


async def async_entry_updated(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """New settings: the profile starts again with them."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_remove_profile(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The profile is deleted: so is its last notification."""
    persistent_notification.async_dismiss(hass, f"{DOMAIN}_report_{entry.entry_id}")
