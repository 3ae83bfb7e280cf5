"""Flows of a site publisher: the form that adds one (site id, prefix, ports), and its options.

The broker (address, user, password, TLS) is HA's MQTT integration's: set up there, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import CONF_PORT
from ..core.region_wire import DEFAULT_PREFIX, PREFIX
from ..kinds import EntryKind
from ..ports import port_entries
from ..region import SiteForm, SiteOptionsFlow, SiteSteps
from .settings import CONF_PORTS, CONF_PREFIX


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


PUBLISHING = SiteForm(publishing_fields, check_publishing, publishing_options)


class PublisherConfigSteps(SiteSteps):
    """The step that adds a site publisher: name, site id, topic prefix and the ports."""

    form = PUBLISHING
    kind = EntryKind.SITE_PUBLISHER

    def lacking(self) -> str | None:
        """A site with no port has nothing to publish."""
        return None if port_entries(self.hass) else "no_nodes"

    async def async_step_site_publisher(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The form."""
        return await self.async_site_step(user_input)


class PublisherOptionsFlow(SiteOptionsFlow):
    """Prefix and ports (the site id is the publisher's identity: a new one is a new entry)."""

    form = PUBLISHING
    step_id = "publishing"

    async def async_step_publishing(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The form."""
        return await self.async_options_form(user_input)
