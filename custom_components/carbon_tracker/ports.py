"""The port registry: every port by number and member id, and nodes by source.

Each port has a number, unique among all of them, and a carbon sensor. A node, a logistics or a
declaration entry is one port; a kind with many (a remote site at the central: one per port of
the site) lists them through its spec (``extra_ports``, read from the registry of kinds).

Groups and reports refer to a port by its member id, which never changes (the config entry id,
or ``<entry id>#<site port>`` for a remote port); the port number is what people use and can be
edited, so it is only ever translated to the id at the edge.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .const import CONF_KIND, CONF_PORT, CONF_SOURCE, DOMAIN, PORT_MAX, PORT_MIN
from .core.port_info import REMOTE_MARK, Port, PublishedSide
from .kinds import KINDS, EntryKind, entries_of_kind

# The kinds of entry that are ports: each has a port, unique among all of them, and a carbon
# sensor with the unique id suffix "_emissions".
PORT_KINDS = frozenset(
    {
        EntryKind.TRACKING_NODE,
        EntryKind.LOGISTICS,
        EntryKind.DECLARATION,
        # A carbon-aware window that records its planned runs (a forecast port) has a port.
        EntryKind.CARBON_WINDOW,
    }
)


def port_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    """Every entry that is a port, loaded or not.

    A node, a logistics or declaration entry, a carbon-aware window that is a forecast port.
    """
    return [entry for entry in entries_of_kind(hass, *PORT_KINDS) if CONF_PORT in entry.options]


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


def entry_id_of(member_id: str) -> str:
    """The config entry that counts a port."""
    return member_id.split(REMOTE_MARK, 1)[0]


def single_port(entry: ConfigEntry) -> Port:
    """The port an entry that is one port is."""
    return Port(
        entry.entry_id,
        int(entry.options[CONF_PORT]),
        entry.title,
        f"{entry.entry_id}_emissions",
        entry.data.get(CONF_SOURCE),
    )


def all_ports(hass: HomeAssistant) -> list[Port]:
    """Every port: each node, logistics and declaration entry, and each kind's own list."""
    found = [single_port(entry) for entry in port_entries(hass) if CONF_PORT in entry.options]
    for spec in hass.data.get(KINDS, {}).values():
        if spec.extra_ports is not None:
            for entry in entries_of_kind(hass, spec.kind):
                found.extend(spec.extra_ports(hass, entry))
    return found


def port_of(hass: HomeAssistant, member_id: str) -> Port | None:
    """The port a member id names, as it is now; None when it is gone."""
    entry = hass.config_entries.async_get_entry(entry_id_of(member_id))
    if entry is None or entry.domain != DOMAIN:
        return None
    if REMOTE_MARK not in member_id:
        kind = entry.data.get(CONF_KIND, EntryKind.TRACKING_NODE)
        return single_port(entry) if kind in PORT_KINDS and CONF_PORT in entry.options else None
    spec = next(
        (
            spec
            for spec in hass.data.get(KINDS, {}).values()
            if spec.kind == entry.data.get(CONF_KIND)
        ),
        None,
    )
    if spec is None or spec.extra_ports is None:
        return None
    return next(
        (port for port in spec.extra_ports(hass, entry) if port.member_id == member_id), None
    )


def ports_by_number(hass: HomeAssistant) -> dict[int, Port]:
    """Every port by its number."""
    return {port.number: port for port in all_ports(hass)}


def used_ports(hass: HomeAssistant, exclude_entry_id: str | None = None) -> set[int]:
    """Port numbers taken (but those of ``exclude_entry_id``).

    The ports', and those a kind holds without being ports (a site publisher's group sides).
    """
    used = {
        port.number for port in all_ports(hass) if entry_id_of(port.member_id) != exclude_entry_id
    }
    for spec in hass.data.get(KINDS, {}).values():
        if spec.reserved_ports is not None:
            for entry in entries_of_kind(hass, spec.kind):
                if entry.entry_id != exclude_entry_id:
                    used.update(spec.reserved_ports(entry))
    return used


def published_sides(hass: HomeAssistant) -> list[PublishedSide]:
    """Every group side a site publisher can publish (each kind's that has sides)."""
    found = []
    for spec in hass.data.get(KINDS, {}).values():
        if spec.published_sides is not None:
            for entry in entries_of_kind(hass, spec.kind):
                found.extend(spec.published_sides(entry))
    return found


def emissions_entity_id(hass: HomeAssistant, member_id: str) -> str | None:
    """The entity id of a port's carbon sensor (a node's, or a remote port's at the central)."""
    if REMOTE_MARK in member_id:
        entry_id, site_port = member_id.split(REMOTE_MARK, 1)
        unique_id = f"{entry_id}_port_{site_port}"
    else:
        unique_id = f"{member_id}_emissions"
    return er.async_get(hass).async_get_entity_id(Platform.SENSOR, DOMAIN, unique_id)


def member_id_of(registered: er.RegistryEntry) -> str | None:
    """The member id of a port's carbon sensor, from its registry entry; None for another."""
    entry_id = registered.config_entry_id
    if entry_id is None or registered.platform != DOMAIN:
        return None
    if registered.unique_id == f"{entry_id}_emissions":
        return entry_id
    site_port = registered.unique_id.removeprefix(f"{entry_id}_port_")
    if site_port != registered.unique_id and site_port.isdigit():
        return f"{entry_id}{REMOTE_MARK}{site_port}"
    return None


def port_in_use(hass: HomeAssistant, port: int, exclude_entry_id: str | None = None) -> bool:
    """Whether another port (a node, a logistics or declaration entry) already has this one."""
    return port in used_ports(hass, exclude_entry_id)


def next_free_port(hass: HomeAssistant) -> int:
    """The lowest port nothing uses."""
    return next(free_ports(used_ports(hass)))


def free_ports(used: Collection[int]) -> Iterator[int]:
    """The port numbers not in ``used``, lowest first."""
    return (port for port in range(PORT_MIN, PORT_MAX + 1) if port not in used)
