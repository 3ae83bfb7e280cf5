"""Actions of Carbon Tracker, registered once in ``async_setup``."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback

from .declarations.actions import async_register_declaration_actions
from .logistics.intake import async_register_logistics_actions
from .nodes.actions import async_register_node_actions
from .reports.actions import async_register_report_actions


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions: each kind registers its own."""
    async_register_node_actions(hass)
    async_register_report_actions(hass)
    async_register_logistics_actions(hass)
    async_register_declaration_actions(hass)
