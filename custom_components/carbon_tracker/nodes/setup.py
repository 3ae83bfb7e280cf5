"""Setting up, changing and removing one tracking node entry."""

from __future__ import annotations

from functools import partial
import logging

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device import async_entity_id_to_device_id
from homeassistant.helpers.helper_integration import (
    async_remove_helper_devices,
)

from ..const import CONF_BACKFILL, DOMAIN, FactorMode
from ..core.library_store import factor_table
from .backfill import async_schedule_pending_backfill
from .entities import FACTOR_NUMBER_KEY
from .factor_change import async_announce_factor_change
from .hub import node_hub
from .runtime import NodeRuntime, TrackingNodeConfigEntry
from .settings import NodeSettings

_LOGGER = logging.getLogger(__name__)

# Every platform a node can have; node_platforms says which one node has.
NODE_PLATFORMS = (Platform.NUMBER, Platform.SENSOR)


def node_platforms(settings: NodeSettings) -> tuple[Platform, ...]:
    """The carbon sensor always; the factor number when the options ask for it and it fits.

    A node without a number does not set the number platform up at all: at factory scale even
    an empty platform per node is memory.
    """
    number = settings.factor_number and settings.mode in (FactorMode.LIBRARY, FactorMode.CUSTOM)
    return tuple(platform for platform in NODE_PLATFORMS if platform is Platform.SENSOR or number)


def node_settings(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> NodeSettings:
    """The entry's settings; a factor gone from the table fails setup with a translated error."""
    try:
        return NodeSettings.from_entry(entry, factor_table(hass))
    except KeyError as err:
        # A factor id the built-in table no longer has: the user must pick another factor.
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="unknown_library_factor",
            translation_placeholders={"factor_id": str(err.args[0])},
        ) from err


async def async_build_node(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> NodeRuntime:
    """The node's runtime, from its settings, continuing from its durable record if it has one."""
    runtime = NodeRuntime(hass, entry.entry_id, entry.title, node_settings(hass, entry))
    runtime.async_restore_durable()
    return runtime


async def async_start_node(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
    """Follow the node's source's registry changes, forward the platforms."""
    settings = entry.runtime_data.settings
    source_device_id = async_entity_id_to_device_id(hass, settings.source)
    _remove_stale_devices(hass, entry, source_device_id)

    # The meter's registry changes (renamed, removed, moved to another device) reach the node
    # through the hub, which listens once for all nodes.
    hub = node_hub(hass)
    hub.async_add(entry.runtime_data)
    entry.async_on_unload(partial(hub.async_remove, entry.runtime_data))

    platforms = entry.runtime_data.platforms = node_platforms(settings)
    if Platform.NUMBER not in platforms:
        _remove_factor_number(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, platforms)
    if entry.data.get(CONF_BACKFILL):
        # Asked for in the flow: the meter's history, once the node has statistics.
        async_schedule_pending_backfill(hass, entry)


def _remove_factor_number(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
    """A number left from before (the factor is live now, or the option was turned off)."""
    registry = er.async_get(hass)
    if stale := registry.async_get_entity_id(
        Platform.NUMBER, DOMAIN, f"{entry.entry_id}_{FACTOR_NUMBER_KEY}"
    ):
        registry.async_remove(stale)


def _remove_stale_devices(
    hass: HomeAssistant, entry: TrackingNodeConfigEntry, source_device_id: str | None
) -> None:
    """Keep only the device the node's entities show on.

    With a source device the entities sit on it, and a device the node made for itself earlier
    (when its meter had none) is left without entities: it goes. Without one the node keeps its
    own device.
    """
    if source_device_id is None:
        own = dr.async_get(hass).async_get_device_by_identifier(
            (DOMAIN, entry.entry_id), entry.entry_id
        )
        keep = () if own is None else (own.id,)
    else:
        keep = ()
    async_remove_helper_devices(
        hass,
        helper_config_entry_id=entry.entry_id,
        source_device_id=source_device_id,
        remove_all_devices=True,
        keep_device_ids=keep,
    )


async def async_entry_updated(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
    """Announce a factor change once; apply it in place, or reload for anything else."""
    runtime = entry.runtime_data
    old = runtime.settings
    new = node_settings(hass, entry)
    changed_by, runtime.changed_by = runtime.changed_by, None
    # A new title is only a name in logs and repairs: nothing to restart for.
    runtime.name = entry.title
    if new == old:
        return
    if old.factor_differs(new):
        async_announce_factor_change(hass, entry, old, new, changed_by)
    if old.differs_only_in_factor(new):
        _LOGGER.debug("%s: factor %s applied in place", entry.title, new.static_factor)
        runtime.async_apply_factor(new)
        return
    await hass.config_entries.async_reload(entry.entry_id)
