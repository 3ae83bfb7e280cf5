"""Repair flows: each issue names its entry; the entry's kind has the flow that fixes it."""

from __future__ import annotations

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .issues import parse_issue_id
from .kinds import entry_kind
from .specs import SPECS


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
    flow = SPECS[entry_kind(entry.data)].repair_flows.get(kind_of_issue)
    return ConfirmRepairFlow() if flow is None else flow(entry)
