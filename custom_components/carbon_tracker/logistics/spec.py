"""The logistics entry, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..kinds import EntryKind, KindSpec, PortReport
from .diagnostics import logistics_diagnostics
from .entities import async_logistics_sensors
from .flow import LogisticsConfigSteps, LogisticsOptionsFlow
from .report import logistics_port_info
from .setup import (
    LOGISTICS_PLATFORMS,
    async_build_logistics,
    async_entry_updated,
    async_remove_logistics,
    async_start_logistics,
)

SPEC = KindSpec(
    kind=EntryKind.LOGISTICS,
    config_steps=LogisticsConfigSteps,
    options_flow=LogisticsOptionsFlow,
    build=async_build_logistics,
    start=async_start_logistics,
    updated=async_entry_updated,
    platforms=LOGISTICS_PLATFORMS,
    # A sensor for each transport mode as it first carries goods: the adder keeps the callback.
    entities={Platform.SENSOR: async_logistics_sensors},
    diagnostics=logistics_diagnostics,
    port_report=PortReport(logistics_port_info),
    remove=async_remove_logistics,
)
