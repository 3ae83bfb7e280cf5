"""A site publisher's settings: its site id, the topic prefix and the ports it publishes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.region_wire import DEFAULT_PREFIX

CONF_SITE_ID = "site_id"
CONF_PREFIX = "prefix"
CONF_PORTS = "ports"


@dataclass(frozen=True, slots=True)
class PublisherSettings:
    """Where the site publishes and what: the config entry ids of its ports."""

    site_id: str
    prefix: str
    ports: tuple[str, ...]

    @classmethod
    def from_entry(cls, data: Mapping[str, Any], options: Mapping[str, Any]) -> PublisherSettings:
        """The site id is the entry's identity (data); prefix and ports are options."""
        return cls(
            str(data[CONF_SITE_ID]),
            str(options.get(CONF_PREFIX) or DEFAULT_PREFIX),
            tuple(str(port) for port in options.get(CONF_PORTS) or ()),
        )
