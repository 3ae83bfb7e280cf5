"""Repair flows: each issue names its entry; the entry's kind has the flow that fixes it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .declarations.repairs import DECLARATION_REPAIR_FLOWS
from .groups.repairs import GROUP_REPAIR_FLOWS
from .issues import parse_issue_id
from .kinds import EntryKind, entry_kind
from .nodes.repairs import NODE_REPAIR_FLOWS

REPAIR_FLOWS_BY_KIND: dict[EntryKind, dict[str, Any]] = {
    EntryKind.TRACKING_NODE: NODE_REPAIR_FLOWS,
    EntryKind.BINDING_GROUP: GROUP_REPAIR_FLOWS,
    EntryKind.DECLARATION: DECLARATION_REPAIR_FLOWS,
}


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Pick the flow for an issue; an issue whose entry is gone or not running just closes."""
    if (parsed := parse_issue_id(issue_id)) is None:
        return ConfirmRepairFlow()
    kind_of_issue, entry_id = parsed
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
        return ConfirmRepairFlow()
    flow = REPAIR_FLOWS_BY_KIND.get(entry_kind(entry.data), {}).get(kind_of_issue)
    return ConfirmRepairFlow() if flow is None else flow(entry)
