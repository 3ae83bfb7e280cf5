"""A flow composed of per-kind step handlers."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowHandler
import pytest

from custom_components.carbon_tracker.config_flow import CarbonTrackerConfigFlow
from custom_components.carbon_tracker.flow_steps import ComposedFlow, FlowSteps
from custom_components.carbon_tracker.kinds import EntryKind
from custom_components.carbon_tracker.specs import SPECS


class Counter(FlowSteps):
    """A handler with its own state."""

    def __init__(self, flow: FlowHandler[Any, Any, Any]) -> None:
        super().__init__(flow)
        self.seen = 0

    async def async_step_count(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        self.seen += 1
        return self.flow.async_abort(reason=str(self.seen))


class Flow(ComposedFlow, FlowHandler[Any, Any, Any]):
    """A flow with nothing of its own."""


async def test_a_flow_finds_a_handlers_step_and_the_handler_keeps_its_state(
    hass: HomeAssistant,
) -> None:
    flow = Flow()
    flow.hass = hass
    counter = Counter(flow)
    flow.compose(counter)
    assert counter.hass is hass
    await flow.async_step_count(None)
    result = await flow.async_step_count(None)
    assert result["reason"] == "2"
    assert counter.seen == 2


def test_a_step_no_handler_has_is_not_an_attribute() -> None:
    flow = Flow()
    flow.compose(Counter(flow))
    assert not hasattr(flow, "async_step_missing")
    with pytest.raises(AttributeError):
        _ = flow.async_step_missing


def test_two_handlers_with_one_step_are_refused() -> None:
    """Step ids are translation keys: two kinds sharing one would show each other's texts."""
    flow = Flow()
    with pytest.raises(ValueError, match="async_step_count"):
        flow.compose(Counter(flow), Counter(flow))


def test_the_config_flow_has_one_handler_per_kind_and_every_menu_step() -> None:
    flow = CarbonTrackerConfigFlow()
    assert set(flow.kind_steps) == set(EntryKind) == set(SPECS)
    for kind in EntryKind:
        # The menu's options are the kinds: each is its handler's first step.
        assert callable(getattr(flow, f"async_step_{kind.value}"))
    # Two flows do not share a handler's state.
    other = CarbonTrackerConfigFlow()
    assert other.kind_steps[EntryKind.BINDING_GROUP] is not flow.kind_steps[EntryKind.BINDING_GROUP]
