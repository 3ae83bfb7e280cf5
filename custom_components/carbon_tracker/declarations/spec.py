"""The personal declaration entry, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..kinds import EntryKind, KindSpec, adding
from .diagnostics import declaration_diagnostics
from .entities import async_declaration_sensors
from .logbook import DECLARATION_LOGBOOK
from .repairs import DECLARATION_REPAIR_FLOWS
from .setup import (
    DECLARATION_PLATFORMS,
    async_build_declaration,
    async_remove_declaration,
    async_start_declaration,
)

SPEC = KindSpec(
    kind=EntryKind.DECLARATION,
    build=async_build_declaration,
    start=async_start_declaration,
    platforms=DECLARATION_PLATFORMS,
    entities={Platform.SENSOR: adding(async_declaration_sensors)},
    diagnostics=declaration_diagnostics,
    remove=async_remove_declaration,
    repair_flows=DECLARATION_REPAIR_FLOWS,
    logbook=DECLARATION_LOGBOOK,
)
