"""Flows of a binding group: the steps that add one, and its options.

Members are picked from the nodes (by port and name) or typed in the method's notation; either
way they are stored by config entry id. A form with an error keeps what the user typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import (
    CONF_ALARM_KG,
    CONF_FORECAST_TEMPLATE,
    CONF_GROUP_KIND,
    CONF_GROUP_NUMBER,
    CONF_HYSTERESIS_PCT,
    CONF_KIND,
    CONF_LEFT,
    CONF_MIN_REFERENCE_KG,
    CONF_NOTATION,
    CONF_RIGHT,
    CONF_THRESHOLD_KG,
    CONF_THRESHOLD_PCT,
    CONF_WINDOW,
    GROUP_NUMBER_MAX,
)
from ..core.comparison import GroupKind
from ..core.windows import Period
from ..flow_steps import FlowSteps
from ..kinds import EntryKind
from .member_checks import check_members
from .members import bindable, member_ports, resolve_member
from .notation import show_live
from .settings import DEFAULT_HYSTERESIS_PCT, DEFAULT_MIN_REFERENCE_KG, DEFAULT_WINDOW

CONF_NAME = "name"
MEMBER_FIELDS = (CONF_LEFT, CONF_RIGHT, CONF_FORECAST_TEMPLATE, CONF_NOTATION, CONF_GROUP_NUMBER)
THRESHOLD_FIELDS = (
    CONF_WINDOW,
    CONF_THRESHOLD_KG,
    CONF_ALARM_KG,
    CONF_THRESHOLD_PCT,
    CONF_HYSTERESIS_PCT,
    CONF_MIN_REFERENCE_KG,
)


def member_selector(hass: HomeAssistant, *, multiple: bool) -> selector.SelectSelector:
    """The ports by number and name; the value stored is the member id."""
    options = [
        selector.SelectOptionDict(value=port.member_id, label=f"{number} · {port.name}")
        for number, port in sorted(member_ports(hass).items())
    ]
    return selector.SelectSelector(
        selector.SelectSelectorConfig(
            options=options, multiple=multiple, mode=selector.SelectSelectorMode.DROPDOWN
        )
    )


def _box(
    minimum: float,
    maximum: float | None = None,
    step: float | Literal["any"] = "any",
    unit: str | None = None,
) -> selector.NumberSelector:
    config = selector.NumberSelectorConfig(
        min=minimum, step=step, mode=selector.NumberSelectorMode.BOX
    )
    if maximum is not None:
        config["max"] = maximum
    if unit is not None:
        config["unit_of_measurement"] = unit
    return selector.NumberSelector(config)


def members_schema(hass: HomeAssistant, kind: GroupKind) -> vol.Schema:
    """The members form of a group of ``kind``."""
    forecast = kind is GroupKind.FORECAST_VS_MEASURED
    fields: dict[vol.Marker, Any] = {
        # One total meter; one or more forecast ports.
        vol.Optional(CONF_LEFT): member_selector(hass, multiple=forecast),
    }
    if forecast:
        fields[vol.Optional(CONF_FORECAST_TEMPLATE)] = selector.TemplateSelector()
    fields[vol.Optional(CONF_RIGHT)] = member_selector(hass, multiple=True)
    fields[vol.Optional(CONF_NOTATION)] = selector.TextSelector()
    fields[vol.Optional(CONF_GROUP_NUMBER)] = _box(1, GROUP_NUMBER_MAX, 1)
    return vol.Schema(fields)


def threshold_schema() -> vol.Schema:
    """The window and threshold form."""
    return vol.Schema(
        {
            vol.Required(CONF_WINDOW, default=DEFAULT_WINDOW.value): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[period.value for period in Period],
                    translation_key=CONF_WINDOW,
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Optional(CONF_THRESHOLD_KG): _box(0, unit="kg"),
            vol.Optional(CONF_ALARM_KG): _box(0, unit="kg"),
            vol.Optional(CONF_THRESHOLD_PCT): _box(0, 10_000, unit="%"),
            vol.Required(CONF_HYSTERESIS_PCT, default=DEFAULT_HYSTERESIS_PCT): _box(
                0, 100, unit="%"
            ),
            vol.Required(CONF_MIN_REFERENCE_KG, default=DEFAULT_MIN_REFERENCE_KG): _box(
                0, unit="kg"
            ),
        }
    )


def threshold_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with the window and threshold (the selectors bound each figure)."""
    line, alarm = user_input.get(CONF_THRESHOLD_KG), user_input.get(CONF_ALARM_KG)
    if line is not None and alarm is not None and alarm < line:
        return {CONF_ALARM_KG: "alarm_below_line"}
    return {}


def check_threshold(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The window and threshold options."""
    return {
        CONF_WINDOW: user_input[CONF_WINDOW],
        CONF_THRESHOLD_KG: user_input.get(CONF_THRESHOLD_KG),
        CONF_ALARM_KG: user_input.get(CONF_ALARM_KG),
        CONF_THRESHOLD_PCT: user_input.get(CONF_THRESHOLD_PCT),
        CONF_HYSTERESIS_PCT: user_input[CONF_HYSTERESIS_PCT],
        CONF_MIN_REFERENCE_KG: user_input[CONF_MIN_REFERENCE_KG],
    }


def current_members_input(
    hass: HomeAssistant, kind: GroupKind, options: Mapping[str, Any]
) -> dict[str, Any]:
    """A group's options as the members form shows them.

    Deleted members are left out: the pickers no longer offer them (the description's notation
    shows them as ``?``).
    """
    known = {port.member_id for port in bindable(hass)}

    def members(side: str) -> list[str]:
        return [member for member in options.get(side) or [] if member in known]

    left = members(CONF_LEFT)
    values: dict[str, Any] = {
        CONF_LEFT: left if kind is GroupKind.FORECAST_VS_MEASURED else (left[0] if left else None),
        CONF_RIGHT: members(CONF_RIGHT),
        CONF_FORECAST_TEMPLATE: options.get(CONF_FORECAST_TEMPLATE),
        CONF_GROUP_NUMBER: options.get(CONF_GROUP_NUMBER),
    }
    return {key: value for key, value in values.items() if value not in (None, [])}


def live_notation(hass: HomeAssistant, options: Mapping[str, Any]) -> str:
    """The group's members in the notation, with the ports they have now."""

    def ports(side: str) -> list[int | None]:
        return [resolve_member(hass, member).port for member in options.get(side) or []]

    return show_live(
        options.get(CONF_GROUP_NUMBER),
        None if options.get(CONF_FORECAST_TEMPLATE) else ports(CONF_LEFT),
        ports(CONF_RIGHT),
    )


class GroupConfigSteps(FlowSteps):
    """The steps that add a binding group: its kind and name, its members, its threshold."""

    def __init__(self, flow: ConfigFlow) -> None:
        """Nothing chosen yet."""
        super().__init__(flow)
        self.group_kind = GroupKind.FORECAST_VS_MEASURED
        self.name = ""
        self.options: dict[str, Any] = {}

    async def async_step_binding_group(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the group and say what it compares."""
        if not bindable(self.hass):
            return self.flow.async_abort(reason="no_nodes")
        if user_input is not None:
            self.group_kind = GroupKind(user_input[CONF_GROUP_KIND])
            self.name = user_input[CONF_NAME].strip()
            self.options = {}
            return await self.async_step_group_members()
        return self.flow.async_show_form(
            step_id="binding_group",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_NAME): selector.TextSelector(),
                    vol.Required(
                        CONF_GROUP_KIND, default=GroupKind.FORECAST_VS_MEASURED.value
                    ): selector.SelectSelector(
                        selector.SelectSelectorConfig(
                            options=[kind.value for kind in GroupKind],
                            translation_key=CONF_GROUP_KIND,
                            mode=selector.SelectSelectorMode.LIST,
                        )
                    ),
                }
            ),
        )

    async def async_step_group_members(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick or type the members."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        schema = members_schema(self.hass, self.group_kind)
        if user_input is not None:
            check = check_members(self.hass, self.group_kind, user_input)
            if not check.errors:
                self.options.update(check.options)
                return await self.async_step_group_threshold()
            errors, placeholders = check.errors, check.placeholders
            schema = self.flow.add_suggested_values_to_schema(schema, user_input)
        return self.flow.async_show_form(
            step_id=f"group_members_{self.group_kind.value}",
            data_schema=schema,
            errors=errors,
            description_placeholders={"notation": "-", **_placeholder_defaults(), **placeholders},
        )

    async def async_step_group_members_forecast_vs_measured(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The members form of a forecast-vs-measured group (its own step: its own texts)."""
        return await self.async_step_group_members(user_input)

    async def async_step_group_members_total_vs_sub(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The members form of a total-vs-sub group."""
        return await self.async_step_group_members(user_input)

    async def async_step_group_threshold(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The window and the threshold line; then the group is made."""
        errors = {} if user_input is None else threshold_errors(user_input)
        if user_input is not None and not errors:
            self.options.update(check_threshold(user_input))
            return self.flow.async_create_entry(
                title=self.name,
                data={
                    CONF_KIND: EntryKind.BINDING_GROUP.value,
                    CONF_GROUP_KIND: self.group_kind.value,
                },
                options=self.options,
            )
        return self.flow.async_show_form(
            step_id="group_threshold",
            data_schema=self.flow.add_suggested_values_to_schema(
                threshold_schema(), user_input or {}
            ),
            errors=errors,
            description_placeholders={"notation": live_notation(self.hass, self.options)},
        )


def _placeholder_defaults() -> dict[str, str]:
    """Every placeholder an error text may use, so that none is ever left unfilled."""
    return {"position": "", "port": "", "name": "", "group": "", "reason": ""}


class GroupOptionsFlow(OptionsFlow):
    """Change a group's members, window and threshold; the group restarts with them."""

    def __init__(self) -> None:
        """Nothing changed yet."""
        self._options: dict[str, Any] = {}

    @property
    def _kind(self) -> GroupKind:
        return GroupKind(self.config_entry.data[CONF_GROUP_KIND])

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start with the members."""
        return await self.async_step_group_members()

    async def async_step_group_members(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The members, as they are now."""
        entry = self.config_entry
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        schema = members_schema(self.hass, self._kind)
        if user_input is not None:
            check = check_members(self.hass, self._kind, user_input, entry.entry_id)
            if not check.errors:
                self._options = {**entry.options, **check.options}
                return await self.async_step_group_threshold()
            errors, placeholders = check.errors, check.placeholders
            schema = self.add_suggested_values_to_schema(schema, user_input)
        else:
            schema = self.add_suggested_values_to_schema(
                schema, current_members_input(self.hass, self._kind, entry.options)
            )
        return self.async_show_form(
            step_id="group_members",
            data_schema=schema,
            errors=errors,
            description_placeholders={
                **_placeholder_defaults(),
                "notation": live_notation(self.hass, entry.options),
                **placeholders,
            },
        )

    async def async_step_group_threshold(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The window and threshold, as they are now."""
        errors = {} if user_input is None else threshold_errors(user_input)
        if user_input is not None and not errors:
            return self.async_create_entry(data={**self._options, **check_threshold(user_input)})
        current = user_input or {
            key: self.config_entry.options[key]
            for key in THRESHOLD_FIELDS
            if self.config_entry.options.get(key) is not None
        }
        return self.async_show_form(
            step_id="group_threshold",
            data_schema=self.add_suggested_values_to_schema(threshold_schema(), current),
            errors=errors,
            description_placeholders={"notation": live_notation(self.hass, self._options)},
        )
