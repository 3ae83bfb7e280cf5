"""Repair flow of a binding group: members that were deleted are replaced or dropped."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
import voluptuous as vol

from ..const import CONF_LEFT, CONF_RIGHT
from ..issues import MEMBER_DELETED
from .flow import member_selector
from .member_checks import check_members
from .runtime import BindingGroupConfigEntry

CONF_REPLACEMENT = "replacement"


class MemberDeletedRepairFlow(RepairsFlow):
    """Drop the deleted members from the group, optionally binding another node in their place.

    A replacement takes the side of the first deleted member; the group is checked as its
    options form checks it (an empty side, a node on both sides are refused).
    """

    def __init__(self, entry: BindingGroupConfigEntry) -> None:
        """Remember the group."""
        self._entry = entry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Start at the only step."""
        return await self.async_step_replace()

    async def async_step_replace(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Pick a replacement, or none."""
        entry = self._entry
        runtime = entry.runtime_data
        deleted = {member for member, seen in runtime.members.items() if seen.port is None}
        if not deleted:
            return self.async_abort(reason="nothing_deleted")
        errors: dict[str, str] = {}
        if user_input is not None:
            replacement = user_input.get(CONF_REPLACEMENT)
            sides = {
                side: [member for member in entry.options.get(side) or [] if member not in deleted]
                for side in (CONF_LEFT, CONF_RIGHT)
            }
            if replacement:
                first = next(iter(sorted(deleted)))
                side = CONF_LEFT if first in (entry.options.get(CONF_LEFT) or []) else CONF_RIGHT
                if replacement not in sides[side]:
                    sides[side].append(replacement)
            check = check_members(
                self.hass,
                runtime.settings.kind,
                {**entry.options, **sides, "notation": None},
                entry.entry_id,
            )
            if not check.errors:
                self.hass.config_entries.async_update_entry(
                    entry, options={**entry.options, **check.options}
                )
                return self.async_create_entry(data={})
            errors = {CONF_REPLACEMENT: next(iter(check.errors.values()))}
        return self.async_show_form(
            step_id="replace",
            data_schema=vol.Schema(
                {vol.Optional(CONF_REPLACEMENT): member_selector(self.hass, multiple=False)}
            ),
            errors=errors,
            description_placeholders={"name": entry.title, "count": str(len(deleted))},
        )


GROUP_REPAIR_FLOWS: dict[str, type[MemberDeletedRepairFlow]] = {
    MEMBER_DELETED: MemberDeletedRepairFlow
}
