"""Flows of a remote site at the central: the form that follows one site, and its options.

The broker (address, user, password, TLS) is HA's MQTT integration's: set up there, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import CONF_KIND, PORT_MAX
from ..core.region_wire import DEFAULT_PREFIX, PREFIX, SITE_ID
from ..flow_steps import FlowSteps
from ..kinds import EntryKind
from ..region import mqtt_set_up
from .settings import CONF_PORT_BASE, CONF_PREFIX, CONF_SITE_ID

CONF_NAME = "name"
# A site's ports are numbered from 1; its numbers at the central run from base + 1.
PORT_BASE_MAX = PORT_MAX - 1


def following_fields() -> dict[vol.Marker, Any]:
    """Prefix and the numbering of the site's ports at the central."""
    return {
        vol.Required(CONF_PREFIX, default=DEFAULT_PREFIX): selector.TextSelector(),
        vol.Required(CONF_PORT_BASE, default=0): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0, max=PORT_BASE_MAX, step=1, mode=selector.NumberSelectorMode.BOX
            )
        ),
    }


def check_following(user_input: Mapping[str, Any]) -> dict[str, str]:
    """The form's errors: a prefix MQTT can carry."""
    if not PREFIX.match(str(user_input.get(CONF_PREFIX, DEFAULT_PREFIX)).strip()):
        return {CONF_PREFIX: "prefix_invalid"}
    return {}


def following_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The options as stored."""
    return {
        CONF_PREFIX: str(user_input.get(CONF_PREFIX, DEFAULT_PREFIX)).strip(),
        CONF_PORT_BASE: int(user_input.get(CONF_PORT_BASE, 0)),
    }


class RemoteConfigSteps(FlowSteps):
    """The step that follows a remote site."""

    async def async_step_remote_site(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name, the site's id, the topic prefix and the numbering of its ports here."""
        if not mqtt_set_up(self.hass):
            return self.flow.async_abort(reason="mqtt_not_set_up")
        errors: dict[str, str] = {}
        if user_input is not None:
            site = str(user_input[CONF_SITE_ID]).strip()
            errors = (
                {CONF_SITE_ID: "site_id_invalid"}
                if not SITE_ID.match(site)
                else check_following(user_input)
            )
            if not errors:
                return self.flow.async_create_entry(
                    title=str(user_input[CONF_NAME]).strip() or site,
                    data={CONF_KIND: EntryKind.REMOTE_SITE.value, CONF_SITE_ID: site},
                    options=following_options(user_input),
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): selector.TextSelector(),
                vol.Required(CONF_SITE_ID): selector.TextSelector(),
                **following_fields(),
            }
        )
        return self.flow.async_show_form(
            step_id="remote_site",
            data_schema=self.flow.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
        )


class RemoteOptionsFlow(OptionsFlow):
    """Prefix and numbering (the site id is the entry's identity)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start with the form (a step of its own name: its own texts)."""
        return await self.async_step_following()

    async def async_step_following(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The form, as the entry is now."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = check_following(user_input)
            if not errors:
                return self.async_create_entry(data=following_options(user_input))
        schema = self.add_suggested_values_to_schema(
            vol.Schema(following_fields()), user_input or dict(self.config_entry.options)
        )
        return self.async_show_form(step_id="following", data_schema=schema, errors=errors)
