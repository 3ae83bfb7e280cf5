"""Flows of a carbon-aware window: the form that adds one, and its options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.util import dt as dt_util
import voluptuous as vol

from ..const import CONF_KIND, CONF_PORT, PORT_MAX, PORT_MIN
from ..core.carbon_windows import ForecastError, parse_forecast
from ..flow_steps import FlowSteps
from ..kinds import EntryKind
from ..ports import port_in_use, ports_by_number
from .settings import (
    CONF_FORECAST_ATTRIBUTE,
    CONF_FORECAST_ENTITY,
    CONF_HORIZON_HOURS,
    CONF_LENGTH_MINUTES,
    CONF_LOAD_PORT,
    CONF_PLANNED_KWH,
    forecast_of,
)


def window_fields() -> dict[vol.Marker, Any]:
    """The forecast entity (and attribute), the run's length and the horizon."""
    return {
        vol.Required(CONF_FORECAST_ENTITY): selector.EntitySelector(
            selector.EntitySelectorConfig(domain=["sensor", "event"])
        ),
        vol.Optional(CONF_FORECAST_ATTRIBUTE): selector.TextSelector(),
        vol.Required(CONF_LENGTH_MINUTES, default=120): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=5,
                max=1440,
                step=5,
                unit_of_measurement="min",
                mode=selector.NumberSelectorMode.BOX,
            )
        ),
        vol.Required(CONF_HORIZON_HOURS, default=24): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=1, max=96, step=1, unit_of_measurement="h", mode=selector.NumberSelectorMode.BOX
            )
        ),
        vol.Optional(CONF_PLANNED_KWH): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0.01,
                max=10000,
                step="any",
                unit_of_measurement="kWh",
                mode=selector.NumberSelectorMode.BOX,
            )
        ),
        vol.Optional(CONF_PORT): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=PORT_MIN, max=PORT_MAX, step=1, mode=selector.NumberSelectorMode.BOX
            )
        ),
        vol.Optional(CONF_LOAD_PORT): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=PORT_MIN, max=PORT_MAX, step=1, mode=selector.NumberSelectorMode.BOX
            )
        ),
    }


def check_window(
    hass: HomeAssistant, user_input: Mapping[str, Any], entry_id: str | None = None
) -> dict[str, str]:
    """The form's errors.

    A forecast the window can read now, a horizon that holds the run, and for a forecast port
    its energy and a port of its own (``entry_id``: the window's own, for its options).
    """
    if float(user_input[CONF_HORIZON_HOURS]) * 60 < float(user_input[CONF_LENGTH_MINUTES]):
        return {CONF_HORIZON_HOURS: "horizon_shorter_than_length"}
    port = user_input.get(CONF_PORT)
    if port is not None and port_in_use(hass, int(port), entry_id):
        return {CONF_PORT: "port_in_use"}
    if (port is None) != (user_input.get(CONF_PLANNED_KWH) is None):
        return {CONF_PLANNED_KWH: "plan_needs_kwh_and_port"}
    load = user_input.get(CONF_LOAD_PORT)
    if load is not None:
        if port is None or int(load) not in ports_by_number(hass):
            return {CONF_LOAD_PORT: "load_port_unknown"}
        if int(load) == int(port):
            # The plan against itself: every run would measure exactly what it planned.
            return {CONF_LOAD_PORT: "load_port_is_the_plan"}
    state = hass.states.get(str(user_input[CONF_FORECAST_ENTITY]))
    attribute = str(user_input.get(CONF_FORECAST_ATTRIBUTE) or "").strip() or None
    forecast = forecast_of(state, attribute)
    if forecast is None:
        return {CONF_FORECAST_ATTRIBUTE: "forecast_not_found"}
    now = dt_util.now()
    try:
        parse_forecast(forecast, zone=now.tzinfo or dt_util.UTC, today=now.date())
    except ForecastError as err:
        return {CONF_FORECAST_ATTRIBUTE: err.reason}
    return {}


def window_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The options as stored (a port and the run's energy only for a forecast port)."""
    options: dict[str, Any] = {
        CONF_FORECAST_ENTITY: str(user_input[CONF_FORECAST_ENTITY]),
        CONF_FORECAST_ATTRIBUTE: str(user_input.get(CONF_FORECAST_ATTRIBUTE) or "").strip() or None,
        CONF_LENGTH_MINUTES: float(user_input[CONF_LENGTH_MINUTES]),
        CONF_HORIZON_HOURS: float(user_input[CONF_HORIZON_HOURS]),
    }
    if user_input.get(CONF_PORT) is not None:
        options[CONF_PORT] = int(user_input[CONF_PORT])
        options[CONF_PLANNED_KWH] = float(user_input[CONF_PLANNED_KWH])
        if user_input.get(CONF_LOAD_PORT) is not None:
            options[CONF_LOAD_PORT] = int(user_input[CONF_LOAD_PORT])
    return options


class WindowConfigSteps(FlowSteps):
    """The step that adds a carbon-aware window."""

    async def async_step_carbon_window(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name, forecast, length and horizon."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = check_window(self.hass, user_input)
            if not errors:
                return self.flow.async_create_entry(
                    title=str(user_input[CONF_NAME]).strip(),
                    data={CONF_KIND: EntryKind.CARBON_WINDOW.value},
                    options=window_options(user_input),
                )
        schema = vol.Schema({vol.Required(CONF_NAME): selector.TextSelector(), **window_fields()})
        return self.flow.async_show_form(
            step_id=EntryKind.CARBON_WINDOW.value,
            data_schema=self.flow.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
        )


class WindowOptionsFlow(OptionsFlow):
    """The forecast, the length and the horizon (the name is the entry's)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start with the form."""
        return await self.async_step_window()

    async def async_step_window(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The form, as the window is now."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = check_window(self.hass, user_input, self.config_entry.entry_id)
            if not errors:
                return self.async_create_entry(data=window_options(user_input))
        current = {
            key: value for key, value in self.config_entry.options.items() if value is not None
        }
        schema = self.add_suggested_values_to_schema(
            vol.Schema(window_fields()), user_input or current
        )
        return self.async_show_form(step_id="window", data_schema=schema, errors=errors)
