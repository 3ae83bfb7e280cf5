"""A site publisher's settings: site id, topic prefix, the ports and group sides it publishes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.region_wire import DEFAULT_PREFIX

CONF_SITE_ID = "site_id"
CONF_PREFIX = "prefix"
CONF_PORTS = "ports"
CONF_GROUP_SIDES = "group_sides"
# The port number each published group side has on the wire (kept while it is published).
CONF_SIDE_PORTS = "side_ports"


@dataclass(frozen=True, slots=True)
class PublisherSettings:
    """Where the site publishes and what.

    Its ports by config entry id, and group sides by id with the port number each is published as.
    """

    site_id: str
    prefix: str
    ports: tuple[str, ...]
    sides: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_entry(cls, data: Mapping[str, Any], options: Mapping[str, Any]) -> PublisherSettings:
        """The site id is the entry's identity (data); prefix and ports are options."""
        return cls(
            str(data[CONF_SITE_ID]),
            str(options.get(CONF_PREFIX) or DEFAULT_PREFIX),
            tuple(str(port) for port in options.get(CONF_PORTS) or ()),
            side_ports(options),
        )


def side_ports(options: Mapping[str, Any]) -> dict[str, int]:
    """The published group sides and their port numbers, as the options hold them."""
    numbers = options.get(CONF_SIDE_PORTS) or {}
    return {
        str(side): int(numbers[side])
        for side in options.get(CONF_GROUP_SIDES) or ()
        if side in numbers
    }
