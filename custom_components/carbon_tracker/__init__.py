"""Carbon Tracker: meters become carbon streams at the source; HA adds them up."""

from __future__ import annotations

import logging

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.device import async_entity_id_to_device_id
from homeassistant.helpers.helper_integration import async_handle_source_entity_changes
from homeassistant.helpers.start import async_at_started

from .const import CONF_SOURCE, DOMAIN
from .factor_library import load_library
from .node import NodeSettings, TrackingNode, TrackingNodeConfigEntry
from .settings_update import async_apply_factor

_LOGGER = logging.getLogger(__name__)

PLATFORMS = [Platform.NUMBER, Platform.SENSOR]


def source_missing_issue_id(entry_id: str) -> str:
    """Repair issue raised when a node's source is gone."""
    return f"source_missing_{entry_id}"


async def async_setup_entry(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> bool:
    """Set up one tracking node."""
    # The factor table is read from disk once, off the event loop.
    await hass.async_add_executor_job(load_library)
    try:
        settings = NodeSettings.from_entry(entry)
    except KeyError as err:
        # A factor id the built-in table no longer has: the user must pick another factor.
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="unknown_library_factor",
            translation_placeholders={"factor_id": str(err.args[0])},
        ) from err
    entry.runtime_data = TrackingNode(settings)

    @callback
    def set_source(source: str) -> None:
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_SOURCE: source})

    async def source_removed() -> None:
        _raise_source_missing(hass, entry)

    entry.async_on_unload(
        async_handle_source_entity_changes(
            hass,
            helper_config_entry_id=entry.entry_id,
            set_source_entity_id_or_uuid=set_source,
            source_device_id=async_entity_id_to_device_id(hass, settings.source),
            source_entity_id_or_uuid=settings.source,
            source_entity_removed=source_removed,
        )
    )

    @callback
    def check_source_exists(_: HomeAssistant) -> None:
        if (
            hass.states.get(settings.source) is None
            and er.async_get(hass).async_get(settings.source) is None
        ):
            _raise_source_missing(hass, entry)
        else:
            ir.async_delete_issue(hass, DOMAIN, source_missing_issue_id(entry.entry_id))

    entry.async_on_unload(async_at_started(hass, check_source_exists))
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _raise_source_missing(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
    source = entry.runtime_data.settings.source
    _LOGGER.warning("Source %s of tracking node %s no longer exists", source, entry.title)
    ir.async_create_issue(
        hass,
        DOMAIN,
        source_missing_issue_id(entry.entry_id),
        data={"entry_id": entry.entry_id},
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="source_missing",
        translation_placeholders={"name": entry.title, "source": source},
    )


async def _async_update_listener(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
    """Apply a factor change in place; anything else reloads the node (state is restored)."""
    node = entry.runtime_data
    new = NodeSettings.from_entry(entry)
    if new == node.settings:
        return
    if node.settings.differs_only_in_factor(new):
        async_apply_factor(hass, entry, new)
        return
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> bool:
    """Unload a tracking node."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
    """Drop the node's repair issues with it."""
    ir.async_delete_issue(hass, DOMAIN, source_missing_issue_id(entry.entry_id))
    ir.async_delete_issue(hass, DOMAIN, f"spike_{entry.entry_id}")
