"""A binding group's sides by name, and as a site publisher offers them (sums of ports)."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry

from ..core.comparison import GroupKind
from ..core.port_info import PublishedSide
from .arithmetic import Side
from .settings import GroupSettings

# Translation keys of each side's sum, by kind of group (also a published side's role).
SIDE_KEYS = {
    GroupKind.FORECAST_VS_MEASURED: {Side.LEFT: "forecast", Side.RIGHT: "measured"},
    GroupKind.TOTAL_VS_SUB: {Side.LEFT: "total", Side.RIGHT: "subs"},
}

# A side's cumulative sensor: its window sensor's key with this suffix.
CUMULATIVE_SUFFIX = "_cumulative"


def cumulative_key(kind: GroupKind, side: Side) -> str:
    """The translation key (and unique id suffix) of a side's cumulative sensor."""
    return SIDE_KEYS[kind][side] + CUMULATIVE_SUFFIX


def group_sides(entry: ConfigEntry) -> list[PublishedSide]:
    """The group's sides a site can publish: each with a cumulative sensor (not a template's)."""
    settings = GroupSettings.from_entry(entry.data, entry.options)
    number = "G?" if settings.number is None else f"G{settings.number}"
    sides = [Side.RIGHT] if settings.forecast_template else [Side.LEFT, Side.RIGHT]
    return [
        PublishedSide(
            f"{entry.entry_id}-{side.value}",
            f"{number} · {entry.title} · {SIDE_KEYS[settings.kind][side]}",
            SIDE_KEYS[settings.kind][side],
            f"{entry.entry_id}_{cumulative_key(settings.kind, side)}",
        )
        for side in sides
    ]
