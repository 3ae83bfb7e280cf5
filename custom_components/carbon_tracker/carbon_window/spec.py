"""The carbon-aware window, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..kinds import EntryKind, KindSpec, PortReport, adding
from .diagnostics import window_diagnostics
from .entities import async_window_binary_sensors, async_window_sensors
from .flow import WindowConfigSteps, WindowOptionsFlow
from .report import window_port_info
from .setup import WINDOW_PLATFORMS, async_build_window, async_entry_updated, async_start_window

SPEC = KindSpec(
    kind=EntryKind.CARBON_WINDOW,
    config_steps=WindowConfigSteps,
    options_flow=WindowOptionsFlow,
    build=async_build_window,
    start=async_start_window,
    updated=async_entry_updated,
    platforms=WINDOW_PLATFORMS,
    entities={
        Platform.SENSOR: adding(async_window_sensors),
        Platform.BINARY_SENSOR: adding(async_window_binary_sensors),
    },
    diagnostics=window_diagnostics,
    port_report=PortReport(window_port_info),
)
