"""Flows of a site publisher: the form that adds one (site id, prefix, ports), and its options.

The broker (address, user, password, TLS) is HA's MQTT integration's: set up there, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import CONF_KIND, CONF_PORT
from ..core.region_wire import DEFAULT_PREFIX, PREFIX, SITE_ID
from ..flow_steps import FlowSteps
from ..kinds import EntryKind
from ..ports import port_entries
from ..region import mqtt_set_up
from .settings import CONF_PORTS, CONF_PREFIX, CONF_SITE_ID

CONF_NAME = "name"


def ports_selector(hass: HomeAssistant) -> selector.SelectSelector:
    """The site's ports by number and name; the value is the entry id (its cycle)."""
    entries = sorted(port_entries(hass), key=lambda entry: int(entry.options[CONF_PORT]))
    return selector.SelectSelector(
        selector.SelectSelectorConfig(
            options=[
                selector.SelectOptionDict(
                    value=entry.entry_id, label=f"{entry.options[CONF_PORT]} · {entry.title}"
                )
                for entry in entries
            ],
            multiple=True,
            mode=selector.SelectSelectorMode.DROPDOWN,
        )
    )


def check_publishing(hass: HomeAssistant, user_input: Mapping[str, Any]) -> dict[str, str]:
    """The form's errors: a prefix MQTT can carry, and ports that exist."""
    prefix = str(user_input.get(CONF_PREFIX, DEFAULT_PREFIX)).strip()
    chosen = list(user_input.get(CONF_PORTS) or [])
    known = {entry.entry_id for entry in port_entries(hass)}
    if not PREFIX.match(prefix):
        return {CONF_PREFIX: "prefix_invalid"}
    if not chosen or not set(chosen) <= known:
        return {CONF_PORTS: "ports_required"}
    return {}


def publishing_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The options as stored."""
    return {
        CONF_PREFIX: str(user_input.get(CONF_PREFIX, DEFAULT_PREFIX)).strip(),
        CONF_PORTS: list(user_input[CONF_PORTS]),
    }


def publishing_fields(hass: HomeAssistant) -> dict[vol.Marker, Any]:
    """Prefix and ports."""
    return {
        vol.Required(CONF_PREFIX, default=DEFAULT_PREFIX): selector.TextSelector(),
        vol.Required(CONF_PORTS): ports_selector(hass),
    }


class PublisherConfigSteps(FlowSteps):
    """The step that adds a site publisher."""

    async def async_step_site_publisher(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name, site id, topic prefix and the ports to publish."""
        if not mqtt_set_up(self.hass):
            return self.flow.async_abort(reason="mqtt_not_set_up")
        if not port_entries(self.hass):
            return self.flow.async_abort(reason="no_nodes")
        errors: dict[str, str] = {}
        if user_input is not None:
            site = str(user_input[CONF_SITE_ID]).strip()
            errors = (
                {CONF_SITE_ID: "site_id_invalid"}
                if not SITE_ID.match(site)
                else check_publishing(self.hass, user_input)
            )
            if not errors:
                return self.flow.async_create_entry(
                    title=str(user_input[CONF_NAME]).strip() or site,
                    data={CONF_KIND: EntryKind.SITE_PUBLISHER.value, CONF_SITE_ID: site},
                    options=publishing_options(user_input),
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): selector.TextSelector(),
                vol.Required(CONF_SITE_ID): selector.TextSelector(),
                **publishing_fields(self.hass),
            }
        )
        return self.flow.async_show_form(
            step_id="site_publisher",
            data_schema=self.flow.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
        )


class PublisherOptionsFlow(OptionsFlow):
    """Prefix and ports (the site id is the publisher's identity: a new one is a new entry)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start with the form (a step of its own name: its own texts)."""
        return await self.async_step_publishing()

    async def async_step_publishing(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The form, as the entry is now."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = check_publishing(self.hass, user_input)
            if not errors:
                return self.async_create_entry(data=publishing_options(user_input))
        schema = self.add_suggested_values_to_schema(
            vol.Schema(publishing_fields(self.hass)), user_input or dict(self.config_entry.options)
        )
        return self.async_show_form(step_id="publishing", data_schema=schema, errors=errors)
