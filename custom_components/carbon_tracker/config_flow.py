"""Config flow of Carbon Tracker: "Create helper" starts with a menu of the kinds of entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import callback

from .const import CONF_KIND, CONF_PORT, CONF_SOURCE, DOMAIN
from .declarations.flow import DeclarationConfigSteps, DeclarationOptionsFlow
from .declarations.settings import CONF_PERSON
from .groups.flow import GroupConfigSteps, GroupOptionsFlow
from .kinds import EntryKind, entry_kind
from .logistics.flow import LogisticsConfigSteps, LogisticsOptionsFlow
from .nodes.flow import NodeConfigSteps, NodeOptionsFlow
from .reports.flow import ProfileConfigSteps, ProfileOptionsFlow
from .runtime_data import CarbonTrackerConfigEntry

OPTIONS_FLOW_BY_KIND: dict[EntryKind, type[OptionsFlow]] = {
    EntryKind.TRACKING_NODE: NodeOptionsFlow,
    EntryKind.BINDING_GROUP: GroupOptionsFlow,
    EntryKind.REPORT_PROFILE: ProfileOptionsFlow,
    EntryKind.LOGISTICS: LogisticsOptionsFlow,
    EntryKind.DECLARATION: DeclarationOptionsFlow,
}


# What makes an entry of a kind the same as another: one node per meter, one declaration entry per
# person. Groups, report profiles and logistics entries are definitions a user may well want
# several alike of (the same nodes over another window, a second warehouse), so only their port
# is theirs alone.
IDENTITY_BY_KIND: dict[EntryKind, tuple[str, ...]] = {
    EntryKind.TRACKING_NODE: (CONF_SOURCE,),
    EntryKind.DECLARATION: (CONF_PERSON,),
}


def identities(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The matches that make a new entry a duplicate: its identity, and its port."""
    kind = entry_kind(data)
    found = []
    if keys := IDENTITY_BY_KIND.get(kind):
        found.append({CONF_KIND: kind.value, **{key: data[key] for key in keys}})
    if CONF_PORT in options:
        found.append({CONF_PORT: options[CONF_PORT]})
    return found


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
