"""The tracking nodes' actions: ``list_nodes`` (anyone) and ``backfill`` (administrators).

Both name a node the same way: by its port or its config entry id.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_register_admin_service
import voluptuous as vol

from ..const import CONF_FACTOR_MODE, CONF_PORT, CONF_SOURCE, DOMAIN, PORT_MAX, PORT_MIN
from ..errors import CarbonTrackerError
from ..ports import emissions_entity_id, node_entries, node_entry_id_for_port
from .backfill import async_backfill
from .runtime import NodeRuntime

SERVICE_LIST_NODES = "list_nodes"
SERVICE_BACKFILL = "backfill"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"

NODE_SCHEMA = vol.Schema(
    {
        vol.Exclusive(CONF_PORT, "node"): vol.All(
            vol.Coerce(int), vol.Range(min=PORT_MIN, max=PORT_MAX)
        ),
        vol.Exclusive(ATTR_CONFIG_ENTRY_ID, "node"): cv.string,
    }
)


@callback
def async_register_node_actions(hass: HomeAssistant) -> None:
    """Register the nodes' actions (from ``async_setup``).

    Listing reads only; backfill writes long-term statistics: administrators only.
    """
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST_NODES,
        _async_list_nodes,
        schema=NODE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_BACKFILL,
        _async_backfill,
        schema=NODE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


def named_nodes(hass: HomeAssistant, data: dict[str, Any]) -> list[ConfigEntry] | None:
    """The node a call names by port or config entry id; None when it names none."""
    if (port := data.get(CONF_PORT)) is not None:
        entry_id = node_entry_id_for_port(hass, port)
        if entry_id is None:
            raise CarbonTrackerError("no_node_on_port", port=port)
    elif (entry_id := data.get(ATTR_CONFIG_ENTRY_ID)) is None:
        return None
    named = [entry for entry in node_entries(hass) if entry.entry_id == entry_id]
    if not named:
        raise CarbonTrackerError("not_a_node", entry_id=entry_id)
    return named


async def _async_list_nodes(call: ServiceCall) -> ServiceResponse:
    """The nodes, or the one named: what each is and counts now."""
    hass = call.hass
    entries = named_nodes(hass, dict(call.data))
    if entries is None:
        entries = node_entries(hass)
    return {"nodes": [_describe_node(hass, entry) for entry in entries]}


def _describe_node(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, Any]:
    described: dict[str, Any] = {
        "config_entry_id": entry.entry_id,
        "name": entry.title,
        "port": entry.options.get(CONF_PORT),
        "source": entry.data.get(CONF_SOURCE),
        "emissions_entity_id": emissions_entity_id(hass, entry.entry_id),
        "loaded": entry.state is ConfigEntryState.LOADED,
        "total_kg": None,
        "factor_mode": entry.options.get(CONF_FACTOR_MODE),
        "factor": None,
        "factor_unit": None,
    }
    if described["loaded"]:
        runtime: NodeRuntime = entry.runtime_data
        described.update(
            # To the milligram, as the sensor's statistics are read: 9.426999999999524 is 9.427.
            total_kg=round(runtime.total, 6),
            factor=runtime.factor,
            factor_unit=runtime.factor_label,
        )
    return described


async def _async_backfill(call: ServiceCall) -> ServiceResponse:
    """Import a node's past carbon from its meter's statistics."""
    named = named_nodes(call.hass, dict(call.data))
    if named is None:
        raise CarbonTrackerError("backfill_which_node")
    (entry,) = named
    if entry.state is not ConfigEntryState.LOADED:
        raise CarbonTrackerError("backfill_no_statistics_yet", name=entry.title)
    return await async_backfill(call.hass, entry)
