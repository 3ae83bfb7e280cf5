"""Config flow of Carbon Tracker: "Create helper" starts with a menu of the kinds of entry."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import callback

from .const import DOMAIN
from .declarations.flow import DeclarationConfigSteps, DeclarationOptionsFlow
from .groups.flow import GroupConfigSteps, GroupOptionsFlow
from .kinds import EntryKind, entry_kind
from .logistics.flow import LogisticsConfigSteps, LogisticsOptionsFlow
from .nodes.flow import NodeConfigSteps, NodeOptionsFlow
from .reports.flow import ProfileConfigSteps, ProfileOptionsFlow

OPTIONS_FLOW_BY_KIND: dict[EntryKind, type[OptionsFlow]] = {
    EntryKind.TRACKING_NODE: NodeOptionsFlow,
    EntryKind.BINDING_GROUP: GroupOptionsFlow,
    EntryKind.REPORT_PROFILE: ProfileOptionsFlow,
    EntryKind.LOGISTICS: LogisticsOptionsFlow,
    EntryKind.DECLARATION: DeclarationOptionsFlow,
}


class CarbonTrackerConfigFlow(
    NodeConfigSteps,
    GroupConfigSteps,
    ProfileConfigSteps,
    LogisticsConfigSteps,
    DeclarationConfigSteps,
    ConfigFlow,
    domain=DOMAIN,
):
    """Add an entry of any kind; each kind's steps come from its own subpackage."""

    VERSION = 1
    MINOR_VERSION = 3

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._data: dict[str, Any] = {}
        self._options: dict[str, Any] = {}
        self._title = ""
        self._source_unit = None
        self._entry_options = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """The options of the entry's kind."""
        return OPTIONS_FLOW_BY_KIND[entry_kind(config_entry.data)]()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to add."""
        return self.async_show_menu(step_id="user", menu_options=[kind.value for kind in EntryKind])

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reconfigure an entry of any kind."""
        entry = self._get_reconfigure_entry()
        if entry_kind(entry.data) is not EntryKind.TRACKING_NODE:
            # Everything a group or a profile has is in its options.
            return self.async_abort(reason="group_in_options")
        return await self.async_reconfigure_node(entry, user_input)
