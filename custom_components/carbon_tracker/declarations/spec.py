"""The personal declaration entry, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..kinds import EntryKind, KindSpec, PortReport, adding
from .diagnostics import declaration_diagnostics
from .entities import async_declaration_sensors
from .flow import DeclarationConfigSteps, DeclarationOptionsFlow
from .logbook import DECLARATION_LOGBOOK
from .repairs import DECLARATION_REPAIR_FLOWS
from .report import declaration_port_info, declared_kg_in_periods
from .settings import CONF_PERSON
from .setup import (
    DECLARATION_PLATFORMS,
    async_build_declaration,
    async_entry_updated,
    async_remove_declaration,
    async_start_declaration,
)

SPEC = KindSpec(
    kind=EntryKind.DECLARATION,
    config_steps=DeclarationConfigSteps,
    options_flow=DeclarationOptionsFlow,
    identity=(CONF_PERSON,),
    build=async_build_declaration,
    start=async_start_declaration,
    updated=async_entry_updated,
    platforms=DECLARATION_PLATFORMS,
    entities={Platform.SENSOR: adding(async_declaration_sensors)},
    diagnostics=declaration_diagnostics,
    remove=async_remove_declaration,
    repair_flows=DECLARATION_REPAIR_FLOWS,
    port_report=PortReport(declaration_port_info, declared_kg_in_periods),
    logbook=DECLARATION_LOGBOOK,
)
