"""Flows of a declaration entry: the form that adds one for a person, and its options.

One entry per person. The options hold the port, the grid factor home electricity is priced at
(one of the table's grid factors, or typed in), how far back a day may be declared, the daily
reminder and the form it opens, and the person's own activities (YAML, each checked with a
translated error that names it).
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import CONF_KIND, CONF_PORT, PORT_MAX, PORT_MIN
from ..core.library_store import async_load_factor_table
from ..flow_steps import FlowSteps
from ..kinds import EntryKind, entries_of_kind
from ..ports import next_free_port, port_in_use
from .settings import (
    CONF_ACTIVITIES,
    CONF_FORM_PATH,
    CONF_GRID_FACTOR,
    CONF_GRID_FACTOR_ID,
    CONF_MAX_AGE_DAYS,
    CONF_PERSON,
    CONF_REMINDER,
    CONF_REMINDER_TIME,
    DEFAULT_FORM_PATH,
    DEFAULT_MAX_AGE_DAYS,
    DEFAULT_REMINDER_TIME,
    MAX_AGE_DAYS_LIMIT,
    check_own_activities,
)

DEFAULT_GRID_FACTOR_BY_COUNTRY = {"CN": "cn_mee_grid_national_2023", "US": "us_egrid_2022_average"}
DEFAULT_GRID_FACTOR = "uk_desnz_2025_electricity"


async def _grid_factor_selector(hass: HomeAssistant) -> selector.SelectSelector:
    """The table's grid factors (electricity per kWh), in the user's language."""
    table = await async_load_factor_table(hass)
    return selector.SelectSelector(
        selector.SelectSelectorConfig(
            options=[
                selector.SelectOptionDict(value=factor.id, label=factor.label(hass.config.language))
                for factor in table.factors.values()
                if factor.activity == "electricity" and factor.per_unit == "kWh"
            ],
            mode=selector.SelectSelectorMode.DROPDOWN,
        )
    )


def _port_selector() -> selector.NumberSelector:
    return selector.NumberSelector(
        selector.NumberSelectorConfig(
            min=PORT_MIN, max=PORT_MAX, step=1, mode=selector.NumberSelectorMode.BOX
        )
    )


async def _settings_fields(hass: HomeAssistant) -> dict[vol.Marker, Any]:
    """What both forms ask, after the person."""
    return {
        vol.Required(CONF_PORT): _port_selector(),
        vol.Optional(CONF_GRID_FACTOR_ID): await _grid_factor_selector(hass),
        vol.Optional(CONF_GRID_FACTOR): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0, max=10, step="any", mode=selector.NumberSelectorMode.BOX
            )
        ),
        vol.Required(CONF_MAX_AGE_DAYS, default=DEFAULT_MAX_AGE_DAYS): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0, max=MAX_AGE_DAYS_LIMIT, step=1, mode=selector.NumberSelectorMode.BOX
            )
        ),
        vol.Required(CONF_REMINDER, default=False): selector.BooleanSelector(),
        vol.Required(CONF_REMINDER_TIME, default=DEFAULT_REMINDER_TIME): selector.TimeSelector(),
        vol.Required(CONF_FORM_PATH, default=DEFAULT_FORM_PATH): selector.TextSelector(),
    }


def _check_settings(
    hass: HomeAssistant, user_input: dict[str, Any], entry_id: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Errors by field, and the placeholders they name."""
    if port_in_use(hass, int(user_input[CONF_PORT]), exclude_entry_id=entry_id):
        return {CONF_PORT: "port_in_use"}, {}
    if (
        user_input.get(CONF_GRID_FACTOR_ID) is not None
        and user_input.get(CONF_GRID_FACTOR) is not None
    ):
        return {CONF_GRID_FACTOR: "grid_factor_twice"}, {}
    if not str(user_input[CONF_FORM_PATH]).strip().startswith("/"):
        return {CONF_FORM_PATH: "form_path_not_a_path"}, {}
    if CONF_ACTIVITIES in user_input:
        problem = check_own_activities(user_input[CONF_ACTIVITIES])
        if problem is not None:
            key, placeholders = problem
            return {CONF_ACTIVITIES: key}, placeholders
    return {}, {}


def _options(user_input: dict[str, Any]) -> dict[str, Any]:
    """The options to keep: numbers as numbers, the unset grid choices left out."""
    options: dict[str, Any] = {
        CONF_PORT: int(user_input[CONF_PORT]),
        CONF_MAX_AGE_DAYS: int(user_input[CONF_MAX_AGE_DAYS]),
        CONF_REMINDER: bool(user_input[CONF_REMINDER]),
        CONF_REMINDER_TIME: str(user_input[CONF_REMINDER_TIME]),
        CONF_FORM_PATH: str(user_input[CONF_FORM_PATH]).strip(),
        CONF_ACTIVITIES: list(user_input.get(CONF_ACTIVITIES, [])),
    }
    if user_input.get(CONF_GRID_FACTOR_ID) is not None:
        options[CONF_GRID_FACTOR_ID] = user_input[CONF_GRID_FACTOR_ID]
    if user_input.get(CONF_GRID_FACTOR) is not None:
        options[CONF_GRID_FACTOR] = float(user_input[CONF_GRID_FACTOR])
    return options


class DeclarationConfigSteps(FlowSteps):
    """The step that adds a person's declaration entry."""

    async def async_step_declaration(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The person, the port, the grid factor, the limits and the reminder."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            person = user_input[CONF_PERSON]
            taken = [
                entry
                for entry in entries_of_kind(self.hass, EntryKind.DECLARATION)
                if entry.data.get(CONF_PERSON) == person
            ]
            state = self.hass.states.get(person)
            if taken:
                errors[CONF_PERSON] = "person_already_declares"
            elif state is None:
                errors[CONF_PERSON] = "person_not_found"
            else:
                errors, placeholders = _check_settings(self.hass, user_input, None)
            if state is not None and not errors:
                return self.flow.async_create_entry(
                    title=str(state.name),
                    data={CONF_KIND: EntryKind.DECLARATION.value, CONF_PERSON: person},
                    options=_options(user_input),
                )
        country = self.hass.config.country or ""
        schema = vol.Schema(
            {
                vol.Required(CONF_PERSON): selector.EntitySelector(
                    selector.EntitySelectorConfig(domain="person")
                ),
                **await _settings_fields(self.hass),
            }
        )
        suggested = user_input or {
            CONF_PORT: next_free_port(self.hass),
            CONF_GRID_FACTOR_ID: DEFAULT_GRID_FACTOR_BY_COUNTRY.get(country, DEFAULT_GRID_FACTOR),
        }
        return self.flow.async_show_form(
            step_id="declaration",
            data_schema=self.flow.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )


class DeclarationOptionsFlow(OptionsFlow):
    """Everything but the person; the book is kept."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start with the settings."""
        return await self.async_step_declaration_settings()

    async def async_step_declaration_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The form, as the entry is now, with the person's own activities."""
        entry = self.config_entry
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"item": ""}
        schema = vol.Schema(
            {
                **await _settings_fields(self.hass),
                vol.Optional(CONF_ACTIVITIES, default=list): selector.ObjectSelector(),
            }
        )
        if user_input is not None:
            errors, found = _check_settings(self.hass, user_input, entry.entry_id)
            placeholders.update(found)
            if not errors:
                return self.async_create_entry(data=_options(user_input))
        return self.async_show_form(
            step_id="declaration_settings",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input if user_input is not None else dict(entry.options)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )
