"""The kinds of config entry Carbon Tracker has; each entry stores its kind in its data."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import CONF_KIND, DOMAIN


class EntryKind(StrEnum):
    """What a config entry is. The value is also the config flow's menu step for adding one."""

    TRACKING_NODE = "tracking_node"
    BINDING_GROUP = "binding_group"
    REPORT_PROFILE = "report_profile"
    LOGISTICS = "logistics"
    DECLARATION = "declaration"


def entry_kind(data: Mapping[str, Any]) -> EntryKind:
    """The kind an entry's data declares."""
    return EntryKind(data[CONF_KIND])


def entries_of_kind(hass: HomeAssistant, *kinds: EntryKind) -> list[ConfigEntry]:
    """The integration's entries of these kinds, loaded or not.

    An entry written before kinds existed (1.1, until it is migrated) is a tracking node.
    """
    wanted = set(kinds)
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get(CONF_KIND, EntryKind.TRACKING_NODE) in wanted
    ]
