"""Actions of Carbon Tracker, registered once in ``async_setup``."""

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
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from .const import CONF_FACTOR_MODE, CONF_PORT, CONF_SOURCE, DOMAIN
from .declarations.actions import async_register_declaration_actions
from .logistics.intake import async_register_logistics_actions
from .nodes.runtime import NodeRuntime
from .ports import emissions_entity_id, node_entries, node_entry_id_for_port
from .reports.actions import async_register_report_actions

SERVICE_LIST_NODES = "list_nodes"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"

LIST_NODES_SCHEMA = vol.Schema(
    {
        vol.Exclusive(CONF_PORT, "node"): vol.All(vol.Coerce(int), vol.Range(min=1, max=65535)),
        vol.Exclusive(ATTR_CONFIG_ENTRY_ID, "node"): cv.string,
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    async_register_report_actions(hass)
    async_register_logistics_actions(hass)
    async_register_declaration_actions(hass)
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST_NODES,
        _async_list_nodes,
        schema=LIST_NODES_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )


async def _async_list_nodes(call: ServiceCall) -> ServiceResponse:
    """The nodes, or the one with a port or config entry id: what each is and counts now."""
    hass = call.hass
    entries = node_entries(hass)
    if (port := call.data.get(CONF_PORT)) is not None:
        entry_id = node_entry_id_for_port(hass, port)
        if entry_id is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_node_on_port",
                translation_placeholders={"port": str(port)},
            )
        entries = [entry for entry in entries if entry.entry_id == entry_id]
    elif (entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID)) is not None:
        entries = [entry for entry in entries if entry.entry_id == entry_id]
        if not entries:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_node",
                translation_placeholders={"entry_id": entry_id},
            )
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
