"""Repair flows for problems the user can act on: a vanished source, a held-back jump."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from .const import CONF_SOURCE, DOMAIN
from .node import TrackingNodeConfigEntry
from .source_check import (
    SourceProblem,
    check_source,
    factor_fit_problem,
    tracked_by_other_node,
)


def _entry(hass: HomeAssistant, data: dict[str, Any] | None) -> TrackingNodeConfigEntry | None:
    entry_id = (data or {}).get("entry_id")
    entry = hass.config_entries.async_get_entry(str(entry_id)) if entry_id else None
    return entry if entry is not None and entry.domain == DOMAIN else None


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
        if user_input is not None:
            source = user_input[CONF_SOURCE]
            checked = check_source(self.hass, source)
            if tracked_by_other_node(self.hass, source, self._entry.entry_id):
                errors[CONF_SOURCE] = "source_already_tracked"
            elif isinstance(checked, SourceProblem):
                errors[CONF_SOURCE] = checked.value
            elif (
                problem := factor_fit_problem(self.hass, self._entry.options, checked)
            ) is not None:
                errors[CONF_SOURCE] = problem.value
            else:
                self.hass.config_entries.async_update_entry(
                    self._entry, data={**self._entry.data, CONF_SOURCE: source}
                )
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="pick_source",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_SOURCE): selector.EntitySelector(
                        selector.EntitySelectorConfig(domain="sensor")
                    )
                }
            ),
            errors=errors,
            description_placeholders={
                "name": self._entry.title,
                "source": self._entry.data[CONF_SOURCE],
            },
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
        sensor = self._entry.runtime_data.carbon_sensor
        if sensor is None or sensor.accumulator.held_spike is None:
            return self.async_abort(reason="nothing_held")
        if count and sensor.factor is None:
            # Counting needs a price; the jump stays held until the live intensity is back.
            return self.async_abort(reason="factor_unknown")
        sensor.async_resolve_spike(count)
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Pick the flow for an issue."""
    entry = _entry(hass, data)
    if entry is not None and hasattr(entry, "runtime_data"):
        if issue_id.startswith("source_missing_"):
            return SourceMissingRepairFlow(entry)
        if issue_id.startswith("spike_"):
            return ImplausibleJumpRepairFlow(entry)
    return ConfirmRepairFlow()
