"""The binding group, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..kinds import EntryKind, KindSpec, adding
from .diagnostics import group_diagnostics
from .entities import async_group_binary_sensors, async_group_sensors
from .logbook import GROUP_LOGBOOK
from .repairs import GROUP_REPAIR_FLOWS
from .setup import GROUP_PLATFORMS, async_build_group, async_remove_group, async_start_group

SPEC = KindSpec(
    kind=EntryKind.BINDING_GROUP,
    build=async_build_group,
    start=async_start_group,
    platforms=GROUP_PLATFORMS,
    entities={
        Platform.SENSOR: adding(async_group_sensors),
        Platform.BINARY_SENSOR: adding(async_group_binary_sensors),
    },
    diagnostics=group_diagnostics,
    remove=async_remove_group,
    repair_flows=GROUP_REPAIR_FLOWS,
    logbook=GROUP_LOGBOOK,
)
