"""The tracking node, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..const import CONF_SOURCE
from ..kinds import EntryKind, KindSpec, PortReport, adding
from .diagnostics import node_diagnostics
from .entities import async_node_numbers, async_node_sensors
from .flow import NodeConfigSteps, NodeOptionsFlow
from .logbook import NODE_LOGBOOK
from .repairs import NODE_REPAIR_FLOWS
from .report import node_port_info
from .setup import NODE_PLATFORMS, async_build_node, async_entry_updated, async_start_node

SPEC = KindSpec(
    kind=EntryKind.TRACKING_NODE,
    config_steps=NodeConfigSteps,
    options_flow=NodeOptionsFlow,
    identity=(CONF_SOURCE,),
    build=async_build_node,
    start=async_start_node,
    updated=async_entry_updated,
    platforms=NODE_PLATFORMS,
    entities={
        Platform.SENSOR: adding(async_node_sensors),
        Platform.NUMBER: adding(async_node_numbers),
    },
    diagnostics=node_diagnostics,
    repair_flows=NODE_REPAIR_FLOWS,
    port_report=PortReport(node_port_info),
    logbook=NODE_LOGBOOK,
)
