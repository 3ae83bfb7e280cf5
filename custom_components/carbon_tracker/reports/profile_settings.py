"""A report profile's settings, read from its config entry's options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.windows import Period

CONF_NODES = "nodes"
CONF_GROUPS = "groups"
CONF_PERIOD = "period"
CONF_THRESHOLD_KG = "threshold_kg"
CONF_NOTIFY = "notify"
CONF_FORMATS = "formats"
CONF_INTERRUPT = "interrupt"


@dataclass(frozen=True, slots=True)
class ProfileSettings:
    """What a profile reports on, how often, and where its reports go."""

    nodes: tuple[str, ...]
    groups: tuple[str, ...]
    period: Period
    threshold_kg: float | None
    notify: bool
    formats: tuple[str, ...]
    interrupt: bool

    @classmethod
    def from_entry(cls, options: Mapping[str, Any]) -> ProfileSettings:
        """Read a profile entry's options."""
        threshold = options.get(CONF_THRESHOLD_KG)
        return cls(
            nodes=tuple(options.get(CONF_NODES) or ()),
            groups=tuple(options.get(CONF_GROUPS) or ()),
            period=Period(options.get(CONF_PERIOD, Period.DAY)),
            threshold_kg=None if threshold is None else float(threshold),
            notify=bool(options.get(CONF_NOTIFY, True)),
            formats=tuple(options.get(CONF_FORMATS) or ()),
            interrupt=bool(options.get(CONF_INTERRUPT, True)),
        )
