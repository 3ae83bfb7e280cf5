"""Config flow of Carbon Tracker: "Create helper" starts with a menu of the kinds of entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import callback

from .const import CONF_KIND, CONF_PORT, DOMAIN
from .flow_steps import ComposedFlow
from .kinds import EntryKind, entry_kind
from .runtime_data import CarbonTrackerConfigEntry
from .specs import SPECS, spec_of


def identities(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The matches that make a new entry a duplicate: its kind's identity, and its port."""
    kind = entry_kind(data)
    found = []
    if keys := SPECS[kind].identity:
        found.append({CONF_KIND: kind.value, **{key: data[key] for key in keys}})
    if CONF_PORT in options:
        found.append({CONF_PORT: options[CONF_PORT]})
    return found


class CarbonTrackerConfigFlow(ComposedFlow, ConfigFlow, domain=DOMAIN):
    """Add an entry of any kind; each kind's steps are a handler from its own subpackage."""

    VERSION = 1
    MINOR_VERSION = 3

    def __init__(self) -> None:
        """One handler per kind, each with nothing chosen yet."""
        self.kind_steps = {kind: spec.config_steps(self) for kind, spec in SPECS.items()}
        self.compose(*self.kind_steps.values())

    def async_create_entry(  # type: ignore[override]
        self,
        *,
        title: str,
        data: Mapping[str, Any],
        options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> ConfigFlowResult:
        """Create the entry, unless another flow added the same one meanwhile.

        Each kind's form refuses a meter, person or port already taken; this is the last check,
        for two flows open at once that both passed it.
        """
        for match in identities(data, options or {}):
            self._async_abort_entries_match(match)
        return super().async_create_entry(title=title, data=data, options=options, **kwargs)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: CarbonTrackerConfigEntry) -> OptionsFlow:
        """The options of the entry's kind."""
        return spec_of(config_entry).options_flow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to add."""
        return self.async_show_menu(step_id="user", menu_options=[kind.value for kind in EntryKind])

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reconfigure an entry of any kind."""
        entry = self._get_reconfigure_entry()
        return await self.kind_steps[entry_kind(entry.data)].async_reconfigure(entry, user_input)
