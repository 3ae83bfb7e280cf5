"""Config, options and reconfigure flows of Carbon Tracker."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector
import voluptuous as vol

from .const import (
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    CONF_INTENSITY_ENTITY,
    CONF_MAX_DELTA_PER_HOUR,
    CONF_PORT,
    CONF_SOURCE,
    DOMAIN,
    FACTOR_MAX,
    PORT_MAX,
    PORT_MIN,
    FactorMode,
    NodeType,
)
from .factor_library import fits_device_class, load_library
from .factor_units import FACTOR_PER_UNITS, factor_unit_label
from .source_check import (
    SourceProblem,
    check_intensity,
    check_source,
    factor_fit_problem,
    next_free_port,
    port_in_use,
    tracked_by_other_node,
)
from .units import reading_multiplier

CONF_NAME = "name"
FACTOR_MENU = [
    f"factor_{FactorMode.LIBRARY}",
    f"factor_{FactorMode.CUSTOM}",
    f"factor_{FactorMode.ENTITY}",
]


def _port_field(default: int) -> dict[vol.Marker, Any]:
    return {
        vol.Required(CONF_PORT, default=default): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=PORT_MIN, max=PORT_MAX, step=1, mode=selector.NumberSelectorMode.BOX
            )
        )
    }


def _limit_field(default: float | None) -> dict[vol.Marker, Any]:
    marker = (
        vol.Optional(CONF_MAX_DELTA_PER_HOUR)
        if default is None
        else vol.Optional(CONF_MAX_DELTA_PER_HOUR, description={"suggested_value": default})
    )
    return {
        marker: selector.NumberSelector(
            selector.NumberSelectorConfig(min=0, step="any", mode=selector.NumberSelectorMode.BOX)
        )
    }


def _offered(previous: str | None, offered: list[str]) -> str:
    """The previous choice when it is still offered, else the first offer."""
    return previous if previous in offered else offered[0]


SOURCE_SELECTOR = selector.EntitySelector(selector.EntitySelectorConfig(domain="sensor"))


class FactorSteps:
    """The factor steps, shared by the config flow and the options flow.

    A subclass provides ``_source_unit`` (the unit readings come in) and ``_finish``.
    """

    _source_unit: str | None
    _source_device_class: str | None = None
    _entry_options: dict[str, Any]
    hass: HomeAssistant

    def _finish(self, options: dict[str, Any]) -> ConfigFlowResult:
        raise NotImplementedError

    async def async_step_factor(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose where the factor comes from."""
        return self.async_show_menu(step_id="factor", menu_options=FACTOR_MENU)  # type: ignore[attr-defined,no-any-return]

    async def async_step_factor_library(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick a factor from the built-in table (only ones that fit the source's unit)."""
        library = await self.hass.async_add_executor_job(load_library)
        fitting = [
            factor
            for factor in library.values()
            if reading_multiplier(self._source_unit, factor.per_unit) is not None
            and fits_device_class(factor, self._source_device_class)
        ]
        if not fitting:
            return self.async_abort(reason="no_library_factor")  # type: ignore[attr-defined,no-any-return]
        if user_input is not None:
            return self._finish(
                {
                    CONF_FACTOR_MODE: FactorMode.LIBRARY.value,
                    CONF_FACTOR_ID: user_input[CONF_FACTOR_ID],
                }
            )
        language = self.hass.config.language
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_FACTOR_ID,
                    default=_offered(
                        self._entry_options.get(CONF_FACTOR_ID), [f.id for f in fitting]
                    ),
                ): selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=[
                            selector.SelectOptionDict(value=f.id, label=f.label(language))
                            for f in fitting
                        ],
                        mode=selector.SelectSelectorMode.DROPDOWN,
                    )
                )
            }
        )
        return self.async_show_form(step_id="factor_library", data_schema=schema)  # type: ignore[attr-defined,no-any-return]

    async def async_step_factor_custom(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Type a factor in, with the unit it is priced per."""
        units = [
            u for u in FACTOR_PER_UNITS if reading_multiplier(self._source_unit, u) is not None
        ]
        errors: dict[str, str] = {}
        if user_input is not None:
            value = float(user_input[CONF_FACTOR_VALUE])
            if user_input[CONF_FACTOR_UNIT] not in units:
                errors[CONF_FACTOR_UNIT] = "unit_incompatible"
            elif not 0.0 <= value <= FACTOR_MAX:
                errors[CONF_FACTOR_VALUE] = "factor_out_of_range"
            else:
                return self._finish(
                    {
                        CONF_FACTOR_MODE: FactorMode.CUSTOM.value,
                        CONF_FACTOR_VALUE: value,
                        CONF_FACTOR_UNIT: user_input[CONF_FACTOR_UNIT],
                    }
                )
        defaults = self._entry_options
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_FACTOR_VALUE, default=defaults.get(CONF_FACTOR_VALUE, vol.UNDEFINED)
                ): selector.NumberSelector(
                    selector.NumberSelectorConfig(
                        min=0, max=FACTOR_MAX, step="any", mode=selector.NumberSelectorMode.BOX
                    )
                ),
                vol.Required(
                    CONF_FACTOR_UNIT, default=_offered(defaults.get(CONF_FACTOR_UNIT), units)
                ): selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=[
                            selector.SelectOptionDict(value=u, label=factor_unit_label(u))
                            for u in units
                        ],
                        mode=selector.SelectSelectorMode.DROPDOWN,
                    )
                ),
            }
        )
        return self.async_show_form(  # type: ignore[attr-defined,no-any-return]
            step_id="factor_custom", data_schema=schema, errors=errors
        )

    async def async_step_factor_entity(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Follow a live carbon-intensity entity."""
        errors: dict[str, str] = {}
        if user_input is not None:
            intensity = user_input[CONF_INTENSITY_ENTITY]
            problem = check_intensity(self.hass, intensity, self._source_unit)
            if problem is None:
                return self._finish(
                    {
                        CONF_FACTOR_MODE: FactorMode.ENTITY.value,
                        CONF_INTENSITY_ENTITY: intensity,
                    }
                )
            errors[CONF_INTENSITY_ENTITY] = problem.value
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_INTENSITY_ENTITY,
                    default=self._entry_options.get(CONF_INTENSITY_ENTITY, vol.UNDEFINED),
                ): SOURCE_SELECTOR
            }
        )
        return self.async_show_form(  # type: ignore[attr-defined,no-any-return]
            step_id="factor_entity", data_schema=schema, errors=errors
        )


class CarbonTrackerConfigFlow(FactorSteps, ConfigFlow, domain=DOMAIN):
    """Add a tracking node (and, later, the other kinds of entry)."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._data: dict[str, Any] = {}
        self._options: dict[str, Any] = {}
        self._title = ""
        self._source_unit = None
        self._entry_options = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> CarbonTrackerOptionsFlow:
        """Change a node's factor, port and plausibility limit."""
        return CarbonTrackerOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to add."""
        return self.async_show_menu(step_id="user", menu_options=[NodeType.TRACKING_NODE.value])

    async def async_step_tracking_node(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the node, pick its meter and its port."""
        errors: dict[str, str] = {}
        if user_input is not None:
            source = user_input[CONF_SOURCE]
            port = int(user_input[CONF_PORT])
            self._async_abort_entries_match({CONF_SOURCE: source})
            checked = check_source(self.hass, source)
            if isinstance(checked, SourceProblem):
                errors[CONF_SOURCE] = checked.value
            elif port_in_use(self.hass, port):
                errors[CONF_PORT] = "port_in_use"
            else:
                self._title = user_input[CONF_NAME]
                self._data = {CONF_SOURCE: source}
                self._options = {CONF_PORT: port}
                if (limit := user_input.get(CONF_MAX_DELTA_PER_HOUR)) is not None:
                    self._options[CONF_MAX_DELTA_PER_HOUR] = float(limit)
                self._source_unit = checked.unit
                self._source_device_class = checked.device_class
                if checked.is_carbon:
                    return self._finish({CONF_FACTOR_MODE: FactorMode.CARBON.value})
                return await self.async_step_factor()
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): selector.TextSelector(),
                vol.Required(CONF_SOURCE): SOURCE_SELECTOR,
                **_port_field(next_free_port(self.hass)),
                **_limit_field(None),
            }
        )
        return self.async_show_form(
            step_id="tracking_node",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    def _finish(self, options: dict[str, Any]) -> ConfigFlowResult:
        return self.async_create_entry(
            title=self._title, data=self._data, options={**self._options, **options}
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Point a node at another meter; the total carries on, the new meter gets a baseline."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            source = user_input[CONF_SOURCE]
            checked = check_source(self.hass, source)
            if tracked_by_other_node(self.hass, source, entry.entry_id):
                errors[CONF_SOURCE] = "source_already_tracked"
            elif isinstance(checked, SourceProblem):
                errors[CONF_SOURCE] = checked.value
            elif (problem := factor_fit_problem(self.hass, entry.options, checked)) is not None:
                errors[CONF_SOURCE] = problem.value
            else:
                return self.async_update_and_abort(
                    entry, title=user_input[CONF_NAME], data={**entry.data, CONF_SOURCE: source}
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): selector.TextSelector(),
                vol.Required(CONF_SOURCE): SOURCE_SELECTOR,
            }
        )
        suggested = user_input or {CONF_NAME: entry.title, CONF_SOURCE: entry.data[CONF_SOURCE]}
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )


class CarbonTrackerOptionsFlow(FactorSteps, OptionsFlow):
    """Port, plausibility limit and factor of a node."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Port and plausibility limit first, then the factor (unless the source is carbon)."""
        entry = self.config_entry
        self._entry_options = dict(entry.options)
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            if port_in_use(self.hass, port, exclude_entry_id=entry.entry_id):
                errors[CONF_PORT] = "port_in_use"
            else:
                self._options = {
                    k: v
                    for k, v in entry.options.items()
                    if k not in (CONF_PORT, CONF_MAX_DELTA_PER_HOUR)
                }
                self._options[CONF_PORT] = port
                if (limit := user_input.get(CONF_MAX_DELTA_PER_HOUR)) is not None:
                    self._options[CONF_MAX_DELTA_PER_HOUR] = float(limit)
                checked = check_source(self.hass, entry.data[CONF_SOURCE])
                if isinstance(checked, SourceProblem):
                    return self.async_abort(reason="source_unavailable")
                if checked.is_carbon:
                    # A source that measures carbon itself always counts 1:1.
                    return self._finish({CONF_FACTOR_MODE: FactorMode.CARBON.value})
                self._source_unit = checked.unit
                self._source_device_class = checked.device_class
                return await self.async_step_factor()
        schema = vol.Schema(
            {
                **_port_field(entry.options[CONF_PORT]),
                **_limit_field(entry.options.get(CONF_MAX_DELTA_PER_HOUR)),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)

    def _finish(self, options: dict[str, Any]) -> ConfigFlowResult:
        kept = {
            k: v
            for k, v in self._options.items()
            if k
            not in (
                CONF_FACTOR_MODE,
                CONF_FACTOR_ID,
                CONF_FACTOR_VALUE,
                CONF_FACTOR_UNIT,
                CONF_INTENSITY_ENTITY,
            )
        }
        return self.async_create_entry(data={**kept, **options})
