"""The report profile, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..kinds import EntryKind, KindSpec, adding
from .diagnostics import profile_diagnostics
from .entities import async_profile_sensors
from .flow import ProfileConfigSteps, ProfileOptionsFlow
from .setup import (
    PROFILE_PLATFORMS,
    async_build_profile,
    async_entry_updated,
    async_remove_profile,
    async_start_profile,
)

SPEC = KindSpec(
    kind=EntryKind.REPORT_PROFILE,
    config_steps=ProfileConfigSteps,
    options_flow=ProfileOptionsFlow,
    build=async_build_profile,
    start=async_start_profile,
    updated=async_entry_updated,
    platforms=PROFILE_PLATFORMS,
    entities={Platform.SENSOR: adding(async_profile_sensors)},
    diagnostics=profile_diagnostics,
    remove=async_remove_profile,
)
