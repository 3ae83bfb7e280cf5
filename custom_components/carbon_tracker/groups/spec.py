"""The binding group, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..kinds import EntryKind, KindSpec, adding
from .diagnostics import group_diagnostics
from .entities import async_group_binary_sensors, async_group_sensors
from .flow import GroupConfigSteps, GroupOptionsFlow
from .logbook import GROUP_LOGBOOK
from .repairs import GROUP_REPAIR_FLOWS
from .report import group_report_info
from .setup import (
    GROUP_PLATFORMS,
    async_build_group,
    async_entry_updated,
    async_remove_group,
    async_start_group,
)
from .sides import group_sides

SPEC = KindSpec(
    kind=EntryKind.BINDING_GROUP,
    config_steps=GroupConfigSteps,
    options_flow=GroupOptionsFlow,
    build=async_build_group,
    start=async_start_group,
    updated=async_entry_updated,
    platforms=GROUP_PLATFORMS,
    entities={
        Platform.SENSOR: adding(async_group_sensors),
        Platform.BINARY_SENSOR: adding(async_group_binary_sensors),
    },
    diagnostics=group_diagnostics,
    remove=async_remove_group,
    repair_flows=GROUP_REPAIR_FLOWS,
    group_report=group_report_info,
    published_sides=group_sides,
    logbook=GROUP_LOGBOOK,
)
