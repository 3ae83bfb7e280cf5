"""The port registry: nodes, logistics and declaration entries by port, entry id and source.

Each port has a number, unique among all of them, and a carbon sensor.

Groups and reports refer to a node by its config entry id, which never changes; the port is the
number people use and can be edited, so it is only ever translated to the id at the edge.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .const import CONF_PORT, CONF_SOURCE, DOMAIN, PORT_MAX, PORT_MIN
from .kinds import EntryKind, entries_of_kind

# The kinds of entry that are ports: each has a port, unique among all of them, and a carbon
# sensor with the unique id suffix "_emissions".
PORT_KINDS = frozenset({EntryKind.TRACKING_NODE, EntryKind.LOGISTICS, EntryKind.DECLARATION})


def port_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    """Every entry that is a port (a node, a logistics or declaration entry), loaded or not."""
    return entries_of_kind(hass, *PORT_KINDS)


def node_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    """Every tracking node entry, loaded or not."""
    return entries_of_kind(hass, EntryKind.TRACKING_NODE)


def node_entry_id_for_port(hass: HomeAssistant, port: int) -> str | None:
    """The config entry id of the node with this port, if any."""
    return next(
        (entry.entry_id for entry in node_entries(hass) if entry.options.get(CONF_PORT) == port),
        None,
    )


def node_tracking_source(
    hass: HomeAssistant, source: str, exclude_entry_id: str | None = None
) -> ConfigEntry | None:
    """The node (other than ``exclude_entry_id``) that already counts this source."""
    return next(
        (
            entry
            for entry in node_entries(hass)
            if entry.data.get(CONF_SOURCE) == source and entry.entry_id != exclude_entry_id
        ),
        None,
    )


def used_ports(hass: HomeAssistant, exclude_entry_id: str | None = None) -> set[int]:
    """Ports taken by nodes and the other ports, such as logistics (but ``exclude_entry_id``)."""
    return {
        int(entry.options[CONF_PORT])
        for entry in port_entries(hass)
        if CONF_PORT in entry.options and entry.entry_id != exclude_entry_id
    }


def emissions_entity_id(hass: HomeAssistant, entry_id: str) -> str | None:
    """The entity id of a node's carbon sensor."""
    return er.async_get(hass).async_get_entity_id(Platform.SENSOR, DOMAIN, f"{entry_id}_emissions")


def port_in_use(hass: HomeAssistant, port: int, exclude_entry_id: str | None = None) -> bool:
    """Whether another port (a node, a logistics or declaration entry) already has this one."""
    return port in used_ports(hass, exclude_entry_id)


def next_free_port(hass: HomeAssistant) -> int:
    """The lowest port nothing uses."""
    used = used_ports(hass)
    return next(port for port in range(PORT_MIN, PORT_MAX + 1) if port not in used)
