"""Flows of a remote site at the central: the form that follows one site, and its options.

The broker (address, user, password, TLS) is HA's MQTT integration's: set up there, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import PORT_MAX
from ..core.region_wire import DEFAULT_PREFIX, PREFIX
from ..kinds import EntryKind
from ..region import SiteForm, SiteOptionsFlow, SiteSteps
from .settings import CONF_PORT_BASE, CONF_PREFIX

# A site's ports are numbered from 1; its numbers at the central run from base + 1.
PORT_BASE_MAX = PORT_MAX - 1


def following_fields(hass: HomeAssistant) -> dict[vol.Marker, Any]:
    """Prefix and the numbering of the site's ports at the central (nothing to look up)."""
    return {
        vol.Required(CONF_PREFIX, default=DEFAULT_PREFIX): selector.TextSelector(),
        vol.Required(CONF_PORT_BASE, default=0): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0, max=PORT_BASE_MAX, step=1, mode=selector.NumberSelectorMode.BOX
            )
        ),
    }


def check_following(hass: HomeAssistant, user_input: Mapping[str, Any]) -> dict[str, str]:
    """The form's errors: a prefix MQTT can carry."""
    if not PREFIX.match(str(user_input.get(CONF_PREFIX, DEFAULT_PREFIX)).strip()):
        return {CONF_PREFIX: "prefix_invalid"}
    return {}


def following_options(
    hass: HomeAssistant, user_input: Mapping[str, Any], previous: Mapping[str, Any]
) -> dict[str, Any]:
    """The options as stored (nothing is kept from before but what the form shows)."""
    return {
        CONF_PREFIX: str(user_input.get(CONF_PREFIX, DEFAULT_PREFIX)).strip(),
        CONF_PORT_BASE: int(user_input.get(CONF_PORT_BASE, 0)),
    }


FOLLOWING = SiteForm(following_fields, check_following, following_options)


class RemoteConfigSteps(SiteSteps):
    """The step that follows a remote site: name, site id, prefix and the ports' numbering."""

    form = FOLLOWING
    kind = EntryKind.REMOTE_SITE

    async def async_step_remote_site(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The form."""
        return await self.async_site_step(user_input)


class RemoteOptionsFlow(SiteOptionsFlow):
    """Prefix and numbering (the site id is the entry's identity)."""

    form = FOLLOWING
    step_id = "following"

    async def async_step_following(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The form."""
        return await self.async_options_form(user_input)
