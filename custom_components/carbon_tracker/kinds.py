"""The kinds of config entry Carbon Tracker has; each entry stores its kind in its data."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from .const import CONF_KIND


class EntryKind(StrEnum):
    """What a config entry is. The value is also the config flow's menu step for adding one."""

    TRACKING_NODE = "tracking_node"
    BINDING_GROUP = "binding_group"
    REPORT_PROFILE = "report_profile"
    LOGISTICS = "logistics"


def entry_kind(data: Mapping[str, Any]) -> EntryKind:
    """The kind an entry's data declares."""
    return EntryKind(data[CONF_KIND])
