"""Setting up, changing and removing one binding group entry."""

from __future__ import annotations

from functools import partial
import logging

from homeassistant.components import persistent_notification
from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.const import Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from ..const import DOMAIN
from ..core.comparison import GroupKind
from ..issues import MEMBER_DELETED, async_clear, async_raise_member_deleted
from ..ports import entry_id_of, member_id_of
from ..texts import async_load_texts
from .alerts import async_announce, notification_id
from .arithmetic import Side
from .members import resolve_member
from .runtime import BindingGroupConfigEntry, GroupRuntime, Member
from .settings import GroupSettings
from .sides import cumulative_key

_LOGGER = logging.getLogger(__name__)

GROUP_PLATFORMS = (Platform.BINARY_SENSOR, Platform.SENSOR)


async def async_build_group(hass: HomeAssistant, entry: BindingGroupConfigEntry) -> GroupRuntime:
    """The group's runtime, with its members as they are now."""
    settings = GroupSettings.from_entry(entry.data, entry.options)
    await async_load_texts(hass)
    members = {member: resolve_member(hass, member) for member in settings.members}
    runtime = GroupRuntime(
        hass, entry.entry_id, entry.title, settings, members=members, on_transition=async_announce
    )
    runtime.async_restore_durable()
    return runtime


async def async_start_group(hass: HomeAssistant, entry: BindingGroupConfigEntry) -> None:
    """Watch the group's members' entries, forward the platforms."""
    members = entry.runtime_data.members
    deleted = [member.entry_id for member in members.values() if member.port is None]
    if deleted:
        _LOGGER.warning("%s: bound members no longer exist: %s", entry.title, deleted)
        async_raise_member_deleted(hass, entry.entry_id, entry.title, len(deleted))
    else:
        async_clear(hass, MEMBER_DELETED, entry.entry_id)
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, SIGNAL_CONFIG_ENTRY_CHANGED, partial(_on_entry_changed, hass, entry)
        )
    )
    entry.async_on_unload(
        hass.bus.async_listen(
            er.EVENT_ENTITY_REGISTRY_UPDATED,
            partial(_on_registry_updated, hass, entry),
            event_filter=_created_or_updated,
        )
    )
    if entry.runtime_data.uses_template:
        _remove_forecast_cumulative(hass, entry.entry_id)
    await hass.config_entries.async_forward_entry_setups(entry, GROUP_PLATFORMS)


def _remove_forecast_cumulative(hass: HomeAssistant, entry_id: str) -> None:
    """A group whose forecast became a template has no cumulative forecast: its sensor goes."""
    registry = er.async_get(hass)
    key = cumulative_key(GroupKind.FORECAST_VS_MEASURED, Side.LEFT)
    if (
        entity_id := registry.async_get_entity_id("sensor", DOMAIN, f"{entry_id}_{key}")
    ) is not None:
        registry.async_remove(entity_id)


@callback
def _on_entry_changed(
    hass: HomeAssistant,
    group: BindingGroupConfigEntry,
    change: ConfigEntryChange,
    changed: ConfigEntry,
) -> None:
    """A member's entry was edited (port, name) or deleted (a remote site: all its ports)."""
    runtime = group.runtime_data
    touched = [member for member in runtime.members if entry_id_of(member) == changed.entry_id]
    if not touched:
        return
    if change is ConfigEntryChange.REMOVED:
        _LOGGER.warning("%s: member %s was deleted", group.title, changed.title)
        for member in touched:
            runtime.async_member_changed(Member(member, None, None, changed.title))
        deleted = sum(1 for member in runtime.members.values() if member.port is None)
        async_raise_member_deleted(hass, group.entry_id, group.title, deleted)
        return
    for member in touched:
        runtime.async_member_changed(resolve_member(hass, member))


@callback
def _created_or_updated(data: er.EventEntityRegistryUpdatedData) -> bool:
    return data["action"] != "remove"


@callback
def _on_registry_updated(
    hass: HomeAssistant,
    group: BindingGroupConfigEntry,
    event: Event[er.EventEntityRegistryUpdatedData],
) -> None:
    """A member's carbon sensor was registered (after the group started) or renamed."""
    registered = er.async_get(hass).async_get(event.data["entity_id"])
    member = None if registered is None else member_id_of(registered)
    runtime = group.runtime_data
    if member is None or member not in runtime.members:
        return
    runtime.async_member_changed(resolve_member(hass, member))
    if all(member.port is not None for member in runtime.members.values()):
        # A member missing at the start has come (a remote port first heard of): all are here.
        async_clear(hass, MEMBER_DELETED, group.entry_id)


async def async_entry_updated(hass: HomeAssistant, entry: BindingGroupConfigEntry) -> None:
    """New members, window or threshold: the group starts again with them."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_remove_group(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The group is deleted: so is its notification."""
    persistent_notification.async_dismiss(hass, notification_id(entry.entry_id))
