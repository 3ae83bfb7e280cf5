"""Flows of a site publisher: the form that adds one, and its options.

Its site id, the topic prefix, the ports and the binding groups' sides it publishes.

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
from ..ports import free_ports, port_entries, published_sides, used_ports
from ..region import SiteForm, SiteOptionsFlow, SiteSteps
from .settings import CONF_GROUP_SIDES, CONF_PORTS, CONF_PREFIX, CONF_SIDE_PORTS, side_ports


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


def sides_selector(hass: HomeAssistant) -> selector.SelectSelector:
    """The binding groups' sides, by group number, name and side; the value is the side's id."""
    return selector.SelectSelector(
        selector.SelectSelectorConfig(
            options=[
                selector.SelectOptionDict(value=side.side_id, label=side.label)
                for side in sorted(published_sides(hass), key=lambda side: side.label)
            ],
            multiple=True,
            mode=selector.SelectSelectorMode.DROPDOWN,
        )
    )


def check_publishing(hass: HomeAssistant, user_input: Mapping[str, Any]) -> dict[str, str]:
    """The form's errors: a prefix MQTT can carry, ports and group sides that exist."""
    prefix = str(user_input.get(CONF_PREFIX, DEFAULT_PREFIX)).strip()
    chosen = list(user_input.get(CONF_PORTS) or [])
    sides = list(user_input.get(CONF_GROUP_SIDES) or [])
    known = {entry.entry_id for entry in port_entries(hass)}
    if not PREFIX.match(prefix):
        return {CONF_PREFIX: "prefix_invalid"}
    if not set(chosen) <= known or not (chosen or sides):
        return {CONF_PORTS: "ports_required"}
    if not set(sides) <= {side.side_id for side in published_sides(hass)}:
        return {CONF_GROUP_SIDES: "group_sides_unknown"}
    return {}


def publishing_options(
    hass: HomeAssistant, user_input: Mapping[str, Any], previous: Mapping[str, Any]
) -> dict[str, Any]:
    """The options as stored, with each group side's port number.

    A side keeps its number while it is published; a side newly published takes the lowest
    number no port and no other side holds.
    """
    sides = list(user_input.get(CONF_GROUP_SIDES) or [])
    own = side_ports(previous)
    # Every number held, but this publisher's own until now (reserved by it).
    taken = used_ports(hass) - set(own.values())
    numbers: dict[str, int] = {}
    for side, port in own.items():
        if side in sides and port not in taken:
            numbers[side] = port
            taken.add(port)
    free = free_ports(taken)
    for side in sides:
        if side not in numbers:
            numbers[side] = next(free)
    return {
        CONF_PREFIX: str(user_input.get(CONF_PREFIX, DEFAULT_PREFIX)).strip(),
        CONF_PORTS: list(user_input.get(CONF_PORTS) or []),
        CONF_GROUP_SIDES: sides,
        CONF_SIDE_PORTS: numbers,
    }


def publishing_fields(hass: HomeAssistant) -> dict[vol.Marker, Any]:
    """Prefix, ports and group sides."""
    return {
        vol.Required(CONF_PREFIX, default=DEFAULT_PREFIX): selector.TextSelector(),
        vol.Optional(CONF_PORTS): ports_selector(hass),
        vol.Optional(CONF_GROUP_SIDES): sides_selector(hass),
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
