"""The tracking node, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..kinds import EntryKind, KindSpec, adding
from .diagnostics import node_diagnostics
from .entities import async_node_numbers, async_node_sensors
from .logbook import NODE_LOGBOOK
from .repairs import NODE_REPAIR_FLOWS
from .setup import NODE_PLATFORMS, async_build_node, async_start_node

SPEC = KindSpec(
    kind=EntryKind.TRACKING_NODE,
    build=async_build_node,
    start=async_start_node,
    platforms=NODE_PLATFORMS,
    entities={
        Platform.SENSOR: adding(async_node_sensors),
        Platform.NUMBER: adding(async_node_numbers),
    },
    diagnostics=node_diagnostics,
    repair_flows=NODE_REPAIR_FLOWS,
    logbook=NODE_LOGBOOK,
)
