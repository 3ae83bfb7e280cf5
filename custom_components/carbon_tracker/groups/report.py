"""How a binding group appears in a report: what it compares, between which members."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry

from ..const import CONF_GROUP_KIND
from ..core.comparison import GroupInfo, GroupKind
from .settings import GroupSettings


def group_report_info(entry: ConfigEntry) -> GroupInfo:
    """The group as a report reads it; a forecast template has no left-hand members."""
    settings = GroupSettings.from_entry(entry.data, entry.options)
    return GroupInfo(
        entry.entry_id,
        entry.title,
        settings.number,
        GroupKind(entry.data[CONF_GROUP_KIND]),
        None if settings.forecast_template else settings.left,
        settings.right,
    )
