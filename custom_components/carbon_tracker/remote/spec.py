"""The remote site, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..kinds import EntryKind, KindSpec
from .diagnostics import remote_diagnostics
from .entities import async_remote_sensors
from .flow import RemoteConfigSteps, RemoteOptionsFlow
from .ports import remote_port_info, remote_ports
from .settings import CONF_SITE_ID
from .setup import (
    REMOTE_PLATFORMS,
    async_build_remote,
    async_entry_updated,
    async_remove_remote,
    async_start_remote,
)

SPEC = KindSpec(
    kind=EntryKind.REMOTE_SITE,
    config_steps=RemoteConfigSteps,
    options_flow=RemoteOptionsFlow,
    # One entry per site followed: two would count it twice.
    identity=(CONF_SITE_ID,),
    build=async_build_remote,
    start=async_start_remote,
    updated=async_entry_updated,
    platforms=REMOTE_PLATFORMS,
    # A sensor for each remote port as it is first heard of: the adder keeps the callback.
    entities={Platform.SENSOR: async_remote_sensors},
    diagnostics=remote_diagnostics,
    remove=async_remove_remote,
    extra_ports=remote_ports,
    extra_port_info=remote_port_info,
)
