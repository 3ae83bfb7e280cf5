"""How each kind of port appears in a report: the reports read ports only through here.

A port kind describes its row (``info``); a kind whose carbon is not best read from its
statistics gives its kilograms per period itself (``kg_in_periods``: a person's declarations,
whose days count on the day declared for).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .core.port_info import NodeInfo
from .declarations.report import declaration_port_info, declared_kg_in_periods
from .kinds import EntryKind
from .logistics.report import logistics_port_info
from .nodes.report import node_port_info

type KgInPeriods = Callable[
    [Any, Sequence[tuple[datetime, datetime]], tzinfo], list[float | None] | None
]


@dataclass(frozen=True, slots=True)
class PortReport:
    """A port kind in a report."""

    info: Callable[[HomeAssistant, ConfigEntry], NodeInfo]
    kg_in_periods: KgInPeriods | None = None


PORT_REPORTS: dict[EntryKind, PortReport] = {
    EntryKind.TRACKING_NODE: PortReport(node_port_info),
    EntryKind.LOGISTICS: PortReport(logistics_port_info),
    EntryKind.DECLARATION: PortReport(declaration_port_info, declared_kg_in_periods),
}
