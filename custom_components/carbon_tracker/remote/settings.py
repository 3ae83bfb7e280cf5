"""A remote site's settings at the central: which site, under which prefix, its ports' numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.region_wire import DEFAULT_PREFIX

CONF_SITE_ID = "site_id"
CONF_PREFIX = "prefix"
CONF_PORT_BASE = "port_base"


@dataclass(frozen=True, slots=True)
class RemoteSettings:
    """The site followed; a remote port ``n`` is numbered ``port_base + n`` at the central."""

    site_id: str
    prefix: str
    port_base: int

    @classmethod
    def from_entry(cls, data: Mapping[str, Any], options: Mapping[str, Any]) -> RemoteSettings:
        """The site id is the entry's identity (data); prefix and numbering are options."""
        return cls(
            str(data[CONF_SITE_ID]),
            str(options.get(CONF_PREFIX) or DEFAULT_PREFIX),
            int(options.get(CONF_PORT_BASE, 0)),
        )
