"""A remote site's ports as the central binds them: in groups and in reports, like local ports.

A remote port exists at the central once it has a sensor (its first state was heard); the entity
registry keeps that across restarts, so the port is known before the site's entry has loaded
(a group set up first finds its members). Its number is the entry's port numbering plus the
site's port.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ..const import DOMAIN
from ..core.port_info import REMOTE_MARK, NodeInfo, Port
from ..core.scopes import Scope
from .settings import RemoteSettings


def remote_ports(hass: HomeAssistant, entry: ConfigEntry) -> list[Port]:
    """The site's ports the central has heard of, numbered as the entry says."""
    settings = RemoteSettings.from_entry(entry.data, entry.options)
    prefix = f"{entry.entry_id}_port_"
    found = []
    for registered in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        site_port = registered.unique_id.removeprefix(prefix)
        if site_port == registered.unique_id or not site_port.isdigit():
            continue
        state = hass.states.get(registered.entity_id)
        name = (
            str(state.name)
            if state is not None
            else registered.name or registered.original_name or registered.entity_id
        )
        found.append(
            Port(
                f"{entry.entry_id}{REMOTE_MARK}{site_port}",
                settings.port_base + int(site_port),
                name,
                registered.unique_id,
            )
        )
    return found


def remote_port_info(hass: HomeAssistant, port: Port) -> NodeInfo:
    """A remote port's row in a report: its site, and the scope and factor source it gave.

    Read from the site's ledger while the entry is loaded (an offline site's sensors are
    unavailable and carry no attributes), else from the sensor's last attributes.
    """
    entry_id, _, site_port = port.member_id.partition(REMOTE_MARK)
    entry = hass.config_entries.async_get_entry(entry_id)
    known = None
    site = None
    if entry is not None:
        site = RemoteSettings.from_entry(entry.data, entry.options).site_id
        if entry.state is ConfigEntryState.LOADED and site_port.isdigit():
            known = entry.runtime_data.ledger.ports.get(int(site_port))
    registered = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, port.unique_id)
    state = None if registered is None else hass.states.get(registered)
    attributes = {} if state is None else state.attributes
    scope = known.scope if known is not None else attributes.get("scope")
    factor = known.factor if known is not None else attributes.get("factor")
    site = site or attributes.get("site_id") or "?"
    role = known.role if known is not None else attributes.get("group_side")
    return NodeInfo(
        port.member_id,
        port.number,
        port.name,
        Scope(scope) if scope in {item.value for item in Scope} else Scope.VALUE_CHAIN,
        f"site {site}: {factor or 'not said'}",
        "CO2e",
        site=site,
        group_side=role,
    )
