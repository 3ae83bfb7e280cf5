"""Repair flows: each issue names its entry; the entry's kind has the flow that fixes it."""

from __future__ import annotations

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .issues import parse_issue_id
from .kinds import EntryKind, entry_kind
from .nodes.repairs import NODE_REPAIR_FLOWS


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Pick the flow for an issue; an issue whose entry is gone or not running just closes."""
    parsed = parse_issue_id(issue_id)
    entry = None if parsed is None else hass.config_entries.async_get_entry(parsed[1])
    if (
        parsed is not None
        and entry is not None
        and entry.domain == DOMAIN
        and entry.state is ConfigEntryState.LOADED
    ):
        match entry_kind(entry.data):
            case EntryKind.TRACKING_NODE:
                if (flow := NODE_REPAIR_FLOWS.get(parsed[0])) is not None:
                    return flow(entry)
    return ConfirmRepairFlow()
