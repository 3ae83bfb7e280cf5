"""Carbon Tracker: meters become carbon streams at the source; HA adds them up.

Every config entry has a kind (``kinds.py``); setup, platforms, diagnostics and repairs dispatch
on it to the kind's own subpackage.
"""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import (
    CONF_KIND,
    DOMAIN,
)
from .core.library_store import async_load_factor_table
from .durable import DATA_DURABLE, async_setup_durable
from .entity import async_device_follows_title
from .issues import async_clear_all
from .kinds import KINDS, EntryKind, entry_kind
from .nodes.migration import node_options_v1_2, node_options_v1_3
from .reports.downloads import async_register_downloads
from .runtime_data import CarbonTrackerConfigEntry
from .services import async_setup_services
from .specs import SPECS, spec_of

_LOGGER = logging.getLogger(__name__)

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Read the factor table once, off the event loop, and register the actions."""
    await async_load_factor_table(hass)
    await async_setup_durable(hass)
    hass.data[KINDS] = SPECS
    async_setup_services(hass)
    async_register_downloads(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: CarbonTrackerConfigEntry) -> bool:
    """Set up one entry of whatever kind it is."""
    spec = spec_of(entry)
    entry.runtime_data = await spec.build(hass, entry)
    await spec.start(hass, entry)
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    return True


async def _async_entry_updated(hass: HomeAssistant, entry: CarbonTrackerConfigEntry) -> None:
    """One listener per entry (at factory scale each is memory): the device, then the kind.

    Every kind's device is named after its entry, so a rename reaches the device at once; then
    the kind applies the change in place or reloads the entry.
    """
    await async_device_follows_title(hass, entry)
    await spec_of(entry).updated(hass, entry)


async def async_unload_entry(hass: HomeAssistant, entry: CarbonTrackerConfigEntry) -> bool:
    """Unload the platforms the entry set up (a node's runtime says which of its kind's)."""
    platforms = getattr(entry.runtime_data, "platforms", None) or spec_of(entry).platforms
    return await hass.config_entries.async_unload_platforms(entry, platforms)


async def async_remove_entry(hass: HomeAssistant, entry: CarbonTrackerConfigEntry) -> None:
    """Drop the entry's repair issues, its durable record (and a group's notification) with it."""
    async_clear_all(hass, entry.entry_id)
    if (durable := hass.data.get(DATA_DURABLE)) is not None:
        durable.async_forget(entry.entry_id)
    await spec_of(entry).remove(hass, entry)


async def async_migrate_entry(hass: HomeAssistant, entry: CarbonTrackerConfigEntry) -> bool:
    """Bring an entry written by an older version up to date; never break a node.

    HA itself refuses entries of a newer major version, so only older minors arrive here.
    """
    if entry.minor_version < 2:
        table = await async_load_factor_table(hass)
        hass.config_entries.async_update_entry(
            entry,
            data={**entry.data, CONF_KIND: EntryKind.TRACKING_NODE.value},
            options=node_options_v1_2(hass, dict(entry.options), table),
            minor_version=2,
        )
        _LOGGER.debug("Migrated %s to version 1.2", entry.title)
    if entry.minor_version < 3:
        # Until 1.3 every fixed factor had its number entity: existing nodes keep theirs.
        options = dict(entry.options)
        if entry_kind(entry.data) is EntryKind.TRACKING_NODE:
            options = node_options_v1_3(options)
        hass.config_entries.async_update_entry(entry, options=options, minor_version=3)
        _LOGGER.debug("Migrated %s to version 1.3", entry.title)
    return True
