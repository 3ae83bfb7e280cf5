"""Flows built from per-kind step handlers rather than mixins.

A kind's steps live in a handler object that keeps its own state (what the user chose so far)
and shows its forms through the flow it is given. A flow composed of handlers finds a step it
does not define itself in them, by name: Home Assistant calls ``async_step_<id>`` on the flow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowHandler

type Step = Callable[[dict[str, Any] | None], Awaitable[ConfigFlowResult]]

STEP_PREFIX = "async_step_"


class StepHandler[F: FlowHandler[Any, ConfigFlowResult, str]]:
    """Some steps of a flow, with their own state; forms are shown through ``flow``."""

    def __init__(self, flow: F) -> None:
        """Steps shown through ``flow``."""
        self.flow = flow

    @property
    def hass(self) -> HomeAssistant:
        """The flow's Home Assistant."""
        return self.flow.hass

    def parts(self) -> tuple[StepHandler[Any], ...]:
        """The handlers whose steps the flow must find: this one, and any it hands over to."""
        return (self,)

    def steps(self) -> dict[str, Step]:
        """The steps of this handler, by method name."""
        found: dict[str, Step] = {
            name: getattr(self, name) for name in dir(type(self)) if name.startswith(STEP_PREFIX)
        }
        return found


class FlowSteps(StepHandler[ConfigFlow]):
    """One kind's steps in the integration's config flow."""

    async def async_reconfigure(
        self, entry: ConfigEntry, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Reconfigure an entry of this kind: by default everything it has is in its options."""
        return self.flow.async_abort(reason="group_in_options")


class ComposedFlow:
    """Mixed into a flow: a step the flow does not define is looked up in its handlers."""

    _steps: dict[str, Step]

    def compose(self, *handlers: StepHandler[Any]) -> None:
        """Take the steps of these handlers (and of the handlers they hand over to)."""
        steps: dict[str, Step] = {}
        for handler in handlers:
            for part in handler.parts():
                for name, step in part.steps().items():
                    if name in steps:
                        # Step ids are translation keys: two kinds cannot share one.
                        raise ValueError(f"two handlers define {name}")
                    steps[name] = step
        self._steps = steps

    def __getattr__(self, name: str) -> Step:
        """A step of a handler (only reached when normal lookup fails)."""
        # Only reached when normal lookup fails: the flow's own steps and attributes win.
        step: Step | None = self.__dict__.get("_steps", {}).get(name)
        if step is None:
            raise AttributeError(name)
        return step
