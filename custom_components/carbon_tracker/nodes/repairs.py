"""Repair flows of a tracking node: a vanished meter, a held-back jump."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
import voluptuous as vol

from ..const import CONF_SOURCE
from ..issues import IMPLAUSIBLE_JUMP, SOURCE_MISSING
from .flow import meter_selector
from .runtime import TrackingNodeConfigEntry
from .source_checks import SourceRefusal, check_node_source


class SourceMissingRepairFlow(RepairsFlow):
    """Pick a new source for a node whose meter is gone."""

    def __init__(self, entry: TrackingNodeConfigEntry) -> None:
        """Remember the node."""
        self._entry = entry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Start at the only step."""
        return await self.async_step_pick_source()

    async def async_step_pick_source(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Choose the replacement meter."""
        errors: dict[str, str] = {}
        placeholders = {"name": self._entry.title, "source": self._entry.data[CONF_SOURCE]}
        if user_input is not None:
            source = user_input[CONF_SOURCE]
            checked = check_node_source(
                self.hass, source, entry_id=self._entry.entry_id, options=self._entry.options
            )
            if isinstance(checked, SourceRefusal):
                errors[CONF_SOURCE] = checked.problem.value
                if checked.node is not None:
                    placeholders["node"] = checked.node
            else:
                self.hass.config_entries.async_update_entry(
                    self._entry, data={**self._entry.data, CONF_SOURCE: source}
                )
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="pick_source",
            data_schema=vol.Schema({vol.Required(CONF_SOURCE): meter_selector(self.hass)}),
            errors=errors,
            description_placeholders=placeholders,
        )


class ImplausibleJumpRepairFlow(RepairsFlow):
    """Count a held-back jump after all, or start again from the new reading."""

    def __init__(self, entry: TrackingNodeConfigEntry) -> None:
        """Remember the node."""
        self._entry = entry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Offer the two answers."""
        return self.async_show_menu(step_id="init", menu_options=["count", "discard"])

    async def async_step_count(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Count the jump at the factor in force."""
        return self._resolve(count=True)

    async def async_step_discard(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Do not count it; the next delta is measured from the new reading."""
        return self._resolve(count=False)

    def _resolve(self, count: bool) -> RepairsFlowResult:
        runtime = self._entry.runtime_data
        if not runtime.has_held_jump:
            return self.async_abort(reason="nothing_held")
        if count and runtime.factor is None:
            # Counting needs a price; the jump stays held until the live intensity is back.
            return self.async_abort(reason="factor_unknown")
        runtime.async_resolve_jump(count)
        return self.async_create_entry(data={})


NODE_REPAIR_FLOWS: dict[str, type[SourceMissingRepairFlow | ImplausibleJumpRepairFlow]] = {
    SOURCE_MISSING: SourceMissingRepairFlow,
    IMPLAUSIBLE_JUMP: ImplausibleJumpRepairFlow,
}
