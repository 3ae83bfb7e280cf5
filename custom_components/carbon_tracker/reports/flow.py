"""Flows of a report profile: the form that adds one, and its options (the same fields)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import CONF_GROUP_NUMBER, CONF_KIND
from ..core.windows import Period
from ..flow_steps import FlowSteps
from ..kinds import EntryKind
from ..ports import all_ports, ports_by_number
from .profile_settings import (
    CONF_FORMATS,
    CONF_GROUPS,
    CONF_INTERRUPT,
    CONF_NODES,
    CONF_NOTIFY,
    CONF_PERIOD,
    CONF_THRESHOLD_KG,
)
from .request import entries_of

CONF_NAME = "name"
FIELDS = (
    CONF_NODES,
    CONF_GROUPS,
    CONF_PERIOD,
    CONF_THRESHOLD_KG,
    CONF_NOTIFY,
    CONF_FORMATS,
    CONF_INTERRUPT,
)


def _ports_selector(hass: HomeAssistant) -> selector.SelectSelector:
    """Every port by number and name (a remote site's too); the value is the member id."""
    return _multiple(
        [
            selector.SelectOptionDict(value=port.member_id, label=f"{number} · {port.name}")
            for number, port in sorted(ports_by_number(hass).items())
        ]
    )


def _groups_selector(hass: HomeAssistant) -> selector.SelectSelector:
    """Groups by number and name; the value is the entry id."""

    def label(number: Any, title: str) -> str:
        return title if number is None else f"G{number} · {title}"

    return _multiple(
        [
            selector.SelectOptionDict(
                value=entry.entry_id, label=label(entry.options.get(CONF_GROUP_NUMBER), entry.title)
            )
            for entry in sorted(
                entries_of(hass, EntryKind.BINDING_GROUP),
                key=lambda entry: (
                    entry.options.get(CONF_GROUP_NUMBER) is None,
                    entry.options.get(CONF_GROUP_NUMBER) or 0,
                    entry.title,
                ),
            )
        ]
    )


def _multiple(options: list[selector.SelectOptionDict]) -> selector.SelectSelector:
    return selector.SelectSelector(
        selector.SelectSelectorConfig(
            options=options, multiple=True, mode=selector.SelectSelectorMode.DROPDOWN
        )
    )


def profile_schema(hass: HomeAssistant, *, with_name: bool) -> vol.Schema:
    """The profile's form."""
    fields: dict[vol.Marker, Any] = {}
    if with_name:
        fields[vol.Required(CONF_NAME)] = selector.TextSelector()
    fields.update(
        {
            vol.Optional(CONF_NODES, default=[]): _ports_selector(hass),
            vol.Optional(CONF_GROUPS, default=[]): _groups_selector(hass),
            vol.Required(CONF_PERIOD, default=Period.DAY.value): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[period.value for period in Period],
                    translation_key="window",
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Optional(CONF_THRESHOLD_KG): selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=0,
                    step="any",
                    unit_of_measurement="kg",
                    mode=selector.NumberSelectorMode.BOX,
                )
            ),
            vol.Required(CONF_NOTIFY, default=True): selector.BooleanSelector(),
            vol.Optional(CONF_FORMATS, default=[]): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=["csv", "markdown"],
                    translation_key=CONF_FORMATS,
                    multiple=True,
                    mode=selector.SelectSelectorMode.LIST,
                )
            ),
            vol.Required(CONF_INTERRUPT, default=True): selector.BooleanSelector(),
        }
    )
    return vol.Schema(fields)


def profile_options(user_input: Mapping[str, Any]) -> dict[str, Any] | None:
    """The options to store; None when the profile would report on nothing."""
    options = {key: user_input.get(key) for key in FIELDS}
    options[CONF_NODES] = list(options[CONF_NODES] or [])
    options[CONF_GROUPS] = list(options[CONF_GROUPS] or [])
    options[CONF_FORMATS] = list(options[CONF_FORMATS] or [])
    if not options[CONF_NODES] and not options[CONF_GROUPS]:
        return None
    return options


class ProfileConfigSteps(FlowSteps):
    """The step that adds a report profile."""

    async def async_step_report_profile(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the profile and say what it reports on, how often and where."""
        if not all_ports(self.hass):
            return self.flow.async_abort(reason="no_nodes")
        errors: dict[str, str] = {}
        schema = profile_schema(self.hass, with_name=True)
        if user_input is not None:
            options = profile_options(user_input)
            if options is not None:
                return self.flow.async_create_entry(
                    title=user_input[CONF_NAME].strip(),
                    data={CONF_KIND: EntryKind.REPORT_PROFILE.value},
                    options=options,
                )
            errors["base"] = "profile_empty"
            schema = self.flow.add_suggested_values_to_schema(schema, user_input)
        return self.flow.async_show_form(
            step_id="report_profile", data_schema=schema, errors=errors
        )


class ProfileOptionsFlow(OptionsFlow):
    """Change what a profile reports on, how often and where."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start with the profile's form."""
        return await self.async_step_profile()

    async def async_step_profile(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The profile's form, as it is now."""
        errors: dict[str, str] = {}
        schema = profile_schema(self.hass, with_name=False)
        if user_input is not None:
            options = profile_options(user_input)
            if options is not None:
                return self.async_create_entry(data=options)
            errors["base"] = "profile_empty"
            schema = self.add_suggested_values_to_schema(schema, user_input)
        else:
            current = {k: v for k, v in self.config_entry.options.items() if v is not None}
            schema = self.add_suggested_values_to_schema(schema, current)
        return self.async_show_form(step_id="profile", data_schema=schema, errors=errors)
