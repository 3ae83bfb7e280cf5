"""The site publisher, as Home Assistant's hooks see it (see kinds.KindSpec)."""

from __future__ import annotations

from homeassistant.const import Platform

from ..kinds import EntryKind, KindSpec, adding
from .diagnostics import publisher_diagnostics
from .entities import async_publisher_sensors
from .flow import PublisherConfigSteps, PublisherOptionsFlow
from .settings import CONF_SITE_ID, side_ports
from .setup import (
    PUBLISHER_PLATFORMS,
    async_build_publisher,
    async_entry_updated,
    async_remove_publisher,
    async_start_publisher,
)

SPEC = KindSpec(
    kind=EntryKind.SITE_PUBLISHER,
    config_steps=PublisherConfigSteps,
    options_flow=PublisherOptionsFlow,
    # One publisher per site id: two would publish the same topics.
    identity=(CONF_SITE_ID,),
    build=async_build_publisher,
    start=async_start_publisher,
    updated=async_entry_updated,
    platforms=PUBLISHER_PLATFORMS,
    entities={Platform.SENSOR: adding(async_publisher_sensors)},
    diagnostics=publisher_diagnostics,
    remove=async_remove_publisher,
    reserved_ports=lambda entry: side_ports(entry.options).values(),
)
