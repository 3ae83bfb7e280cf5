"""Flows of a tracking node: the steps that add one, its options and its reconfiguration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from math import isfinite
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowHandler
from homeassistant.helpers import config_validation as cv, selector
import voluptuous as vol

from ..const import (
    CONF_BACKFILL,
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_NUMBER,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    CONF_GHG_SCOPE,
    CONF_INTENSITY_ENTITY,
    CONF_KIND,
    CONF_MARKET_FACTOR,
    CONF_MARKET_FACTOR_ID,
    CONF_MARKET_SOURCE,
    CONF_MAX_DELTA_PER_HOUR,
    CONF_MAX_DELTA_UNIT,
    CONF_METER_ROLE,
    CONF_PORT,
    CONF_SOURCE,
    FACTOR_MAX,
    MARKET_SCOPE,
    PORT_MAX,
    PORT_MIN,
    FactorMode,
    MeterRole,
)
from ..core.carbon_units import (
    CARBON_UNIT,
    FACTOR_PER_UNITS,
    factor_unit_label,
)
from ..core.factor_library import LibraryFactor, fits_device_class, meter_order
from ..core.library_store import FactorTable, async_load_factor_table
from ..core.scopes import Scope
from ..core.units import reading_multiplier, unit_ratio
from ..flow_steps import ComposedFlow, FlowSteps, StepHandler
from ..kinds import EntryKind
from ..ports import next_free_port, port_in_use
from .scope import node_scope
from .source_checks import (
    CheckedSource,
    SourceProblem,
    SourceRefusal,
    check_intensity,
    check_node_source,
    check_source,
)

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


def _role_field(default: str) -> dict[vol.Marker, Any]:
    """What the meter measures: consumption, or energy exported or generated (avoided)."""
    return {
        vol.Required(CONF_METER_ROLE, default=str(default)): selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=[role.value for role in MeterRole],
                translation_key=CONF_METER_ROLE,
                mode=selector.SelectSelectorMode.LIST,
            )
        )
    }


def _role_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The role as stored: only an export or generation meter's (consumption is the default)."""
    role = MeterRole(user_input.get(CONF_METER_ROLE, MeterRole.CONSUMPTION))
    return {CONF_METER_ROLE: role.value} if role is MeterRole.EXPORT else {}


def _market_fields(options: Mapping[str, Any], table: FactorTable) -> dict[vol.Marker, Any]:
    """A grid-electricity node's market-based factor.

    A row of the table (a residual mix), or one typed in (kg CO2e per kWh) with its source.
    """
    factor = options.get(CONF_MARKET_FACTOR)
    source = options.get(CONF_MARKET_SOURCE)
    rows = sorted(
        row.id
        for row in table.factors.values()
        if row.scope == MARKET_SCOPE and row.per_unit == "kWh"
    )
    return {
        vol.Optional(
            CONF_MARKET_FACTOR_ID,
            description={"suggested_value": options.get(CONF_MARKET_FACTOR_ID)},
        ): selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=rows,
                translation_key=CONF_FACTOR_ID,
                mode=selector.SelectSelectorMode.DROPDOWN,
            )
        ),
        vol.Optional(
            CONF_MARKET_FACTOR, description={"suggested_value": factor}
        ): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0,
                max=FACTOR_MAX,
                step="any",
                unit_of_measurement="kg CO2e/kWh",
                mode=selector.NumberSelectorMode.BOX,
            )
        ),
        vol.Optional(
            CONF_MARKET_SOURCE, description={"suggested_value": source}
        ): selector.TextSelector(),
    }


def _market_error(user_input: Mapping[str, Any], checked: Any) -> dict[str, str]:
    """The market-based factor's errors.

    One factor (a row or a typed one, with its source), and a meter of energy it can price per
    kWh.
    """
    typed = user_input.get(CONF_MARKET_FACTOR) is not None
    if user_input.get(CONF_MARKET_FACTOR_ID):
        if typed:
            return {CONF_MARKET_FACTOR: "market_one_factor"}
    elif not typed:
        return {}
    elif not str(user_input.get(CONF_MARKET_SOURCE) or "").strip():
        return {CONF_MARKET_SOURCE: "market_source_required"}
    if checked.is_carbon or reading_multiplier(checked.unit, "kWh") is None:
        return {CONF_MARKET_FACTOR: "market_needs_energy"}
    return {}


def _market_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The market-based factor as stored (nothing when the fields are empty)."""
    if factor_id := user_input.get(CONF_MARKET_FACTOR_ID):
        return {CONF_MARKET_FACTOR_ID: str(factor_id)}
    if user_input.get(CONF_MARKET_FACTOR) is None:
        return {}
    return {
        CONF_MARKET_FACTOR: float(user_input[CONF_MARKET_FACTOR]),
        CONF_MARKET_SOURCE: str(user_input[CONF_MARKET_SOURCE]).strip(),
    }


def _offered(previous: str | None, offered: list[str]) -> str:
    """The previous choice when it is still offered, else the first offer."""
    return previous if previous in offered else offered[0]


INTENSITY_SELECTOR = selector.EntitySelector(selector.EntitySelectorConfig(domain="sensor"))
# The unit a typed-in factor is offered in first, by what the meter measures, when the meter's own
# unit is not one a factor can be given per (Wh -> kWh, ft³ -> m³, lb -> kg).
PREFERRED_PER_UNITS = ("kWh", "m³", "L", "kg", "km")


def natural_unit(source_unit: str | None, units: list[str]) -> str:
    """The unit the meter itself counts in when a factor can be priced per it, else a usual one."""
    if source_unit in units:
        return str(source_unit)
    return next((unit for unit in PREFERRED_PER_UNITS if unit in units), units[0])


class MeterPicker(selector.EntitySelector):
    """An entity picker that lists only the meters the form would take.

    HA's picker refuses anything outside its list with a bare schema error; here a meter typed
    in (an API call, or a form left open while a sensor changed) reaches the flow's own check
    instead, which says in the user's language what is wrong with it.
    """

    def __call__(self, data: Any) -> str:
        """Any sensor's entity id; the flow checks it."""
        entity_id: str = cv.entity_domain("sensor")(data)
        return entity_id


def meter_selector(hass: HomeAssistant, keep: str | None = None) -> selector.EntitySelector:
    """Sensors to pick a meter from: those the form would take as they read now.

    Cumulative, numeric, in a unit a factor can price, and none of Carbon Tracker's own (a
    temperature, a power sensor or a carbon total would be refused on submit). ``keep``: the
    node's current meter, listed whatever it reads now. Where nothing fits yet (a meter still
    starting has no state class), every sensor is offered and the submit says what is wrong.
    """
    fitting = [
        state.entity_id
        for state in hass.states.async_all("sensor")
        if state.entity_id == keep or isinstance(check_source(hass, state.entity_id), CheckedSource)
    ]
    if not fitting:
        return MeterPicker(selector.EntitySelectorConfig(domain="sensor"))
    return MeterPicker(selector.EntitySelectorConfig(domain="sensor", include_entities=fitting))


class FactorSteps(StepHandler[FlowHandler[Any, ConfigFlowResult, str]]):
    """The factor steps, shared by the config flow and the options flow.

    The flow that hands over to them says the unit readings come in (``source_unit``), the
    meter's device class, the options the entry had (``previous``, to suggest them again) and
    what ``finish`` does with the chosen factor.
    """

    def __init__(
        self,
        flow: FlowHandler[Any, ConfigFlowResult, str],
        finish: Callable[[dict[str, Any]], ConfigFlowResult],
    ) -> None:
        """Steps shown through ``flow`` that end with ``finish``."""
        super().__init__(flow)
        self._finish = finish
        self.source_unit: str | None = None
        self.source_device_class: str | None = None
        self.previous: Mapping[str, Any] = {}

    async def async_step_factor(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose where the factor comes from; the table only when it has a factor that fits."""
        menu = FACTOR_MENU
        if not await self._async_fitting_factors():
            # A water meter, say: a choice that cannot work is not offered (the form says why).
            menu = [option for option in FACTOR_MENU if option != f"factor_{FactorMode.LIBRARY}"]
        return self.flow.async_show_menu(step_id="factor", menu_options=menu)

    async def _async_fitting_factors(self) -> list[LibraryFactor]:
        """The table's factors this meter can be priced by, those of its kind first."""
        table = await async_load_factor_table(self.hass)
        fitting = [
            factor
            for factor in table.factors.values()
            if reading_multiplier(self.source_unit, factor.per_unit) is not None
            and fits_device_class(factor, self.source_device_class)
        ]
        return meter_order(fitting, self.source_unit)

    async def async_step_factor_library(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick a factor from the built-in table (only ones that fit the source's unit)."""
        fitting = await self._async_fitting_factors()
        if not fitting:
            # Only reached by a stale form: the menu offers the table only when something fits.
            return self.flow.async_abort(reason="no_library_factor")
        if user_input is not None:
            return self._finish(
                {
                    CONF_FACTOR_MODE: FactorMode.LIBRARY.value,
                    CONF_FACTOR_ID: user_input[CONF_FACTOR_ID],
                }
            )
        # Labels come from the translations (selector.factor_id), so each user reads the factor
        # names in their own language, not the server's.
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_FACTOR_ID,
                    default=_offered(self.previous.get(CONF_FACTOR_ID), [f.id for f in fitting]),
                ): selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=[f.id for f in fitting],
                        translation_key=CONF_FACTOR_ID,
                        mode=selector.SelectSelectorMode.DROPDOWN,
                    )
                )
            }
        )
        return self.flow.async_show_form(step_id="factor_library", data_schema=schema)

    async def async_step_factor_custom(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Type a factor in, with the unit it is priced per."""
        units = [u for u in FACTOR_PER_UNITS if reading_multiplier(self.source_unit, u) is not None]
        errors: dict[str, str] = {}
        if user_input is not None:
            value = float(user_input.get(CONF_FACTOR_VALUE, "nan"))
            if CONF_FACTOR_VALUE not in user_input:
                errors[CONF_FACTOR_VALUE] = "factor_required"
            elif user_input[CONF_FACTOR_UNIT] not in units:
                errors[CONF_FACTOR_UNIT] = "unit_incompatible"
            elif not (isfinite(value) and 0.0 <= value <= FACTOR_MAX):
                errors[CONF_FACTOR_VALUE] = "factor_out_of_range"
            else:
                return self._finish(
                    {
                        CONF_FACTOR_MODE: FactorMode.CUSTOM.value,
                        CONF_FACTOR_VALUE: value,
                        CONF_FACTOR_UNIT: user_input[CONF_FACTOR_UNIT],
                    }
                )
        previous = self.previous
        schema = vol.Schema(
            {
                # No bounds in the selector: out-of-range values get the integration's own
                # translated error below, not HA's generic English one.
                # Optional for the form only: HA's frontend fills a required number with 0,
                # which would be a factor too. A missing value is a translated error below.
                vol.Optional(CONF_FACTOR_VALUE): selector.NumberSelector(
                    selector.NumberSelectorConfig(step="any", mode=selector.NumberSelectorMode.BOX)
                ),
                vol.Required(CONF_FACTOR_UNIT): selector.SelectSelector(
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
        # Empty for a new factor (a pre-filled 0 would be a factor too); what was typed stays.
        suggested = user_input or {
            CONF_FACTOR_VALUE: previous.get(CONF_FACTOR_VALUE),
            CONF_FACTOR_UNIT: previous.get(CONF_FACTOR_UNIT)
            if previous.get(CONF_FACTOR_UNIT) in units
            else natural_unit(self.source_unit, units),
        }
        return self.flow.async_show_form(
            step_id="factor_custom",
            data_schema=self.flow.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={"max": f"{FACTOR_MAX:,.0f}"},
        )

    async def async_step_factor_entity(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Follow a live carbon-intensity entity."""
        errors: dict[str, str] = {}
        if user_input is not None:
            intensity = user_input[CONF_INTENSITY_ENTITY]
            problem = check_intensity(self.hass, intensity, self.source_unit)
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
                    default=self.previous.get(CONF_INTENSITY_ENTITY, vol.UNDEFINED),
                ): INTENSITY_SELECTOR
            }
        )
        return self.flow.async_show_form(step_id="factor_entity", data_schema=schema, errors=errors)


def _refusal_errors(refusal: SourceRefusal) -> tuple[dict[str, str], dict[str, str]]:
    """The form errors (and the placeholders they name) for a refused meter."""
    placeholders = {"node": refusal.node} if refusal.node is not None else {}
    return {CONF_SOURCE: refusal.problem.value}, placeholders


def _limit_options(user_input: dict[str, Any], unit: str | None) -> dict[str, Any]:
    """The plausibility limit with the unit it is in: the meter's own."""
    if (limit := user_input.get(CONF_MAX_DELTA_PER_HOUR)) is None:
        return {}
    return {CONF_MAX_DELTA_PER_HOUR: float(limit), CONF_MAX_DELTA_UNIT: unit or CARBON_UNIT}


def _limit_in(options: Mapping[str, Any], unit: str) -> float | None:
    """The stored plausibility limit expressed in ``unit`` (the meter's unit now)."""
    limit = options.get(CONF_MAX_DELTA_PER_HOUR)
    if limit is None:
        return None
    stored_unit = options.get(CONF_MAX_DELTA_UNIT) or unit
    multiplier = 1.0 if stored_unit == unit else unit_ratio(stored_unit, unit)
    return None if multiplier is None else float(limit) * multiplier


class NodeConfigSteps(FlowSteps):
    """The config flow's steps for a tracking node; then the factor steps."""

    def __init__(self, flow: ConfigFlow) -> None:
        """Nothing chosen yet."""
        super().__init__(flow)
        self.factor = FactorSteps(flow, self._finish)
        self.title = ""
        self.data: dict[str, Any] = {}
        self.options: dict[str, Any] = {}

    def parts(self) -> tuple[StepHandler[Any], ...]:
        """These steps and the factor steps they hand over to."""
        return (self, self.factor)

    async def async_step_tracking_node(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the node, pick its meter and its port."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            source = user_input[CONF_SOURCE]
            port = int(user_input[CONF_PORT])
            checked = check_node_source(self.hass, source)
            if isinstance(checked, SourceRefusal):
                errors, placeholders = _refusal_errors(checked)
            elif port_in_use(self.hass, port):
                errors[CONF_PORT] = "port_in_use"
            else:
                self.title = user_input[CONF_NAME]
                self.data = {CONF_KIND: EntryKind.TRACKING_NODE.value, CONF_SOURCE: source}
                if user_input.get(CONF_BACKFILL):
                    self.data[CONF_BACKFILL] = True
                self.options = {
                    CONF_PORT: port,
                    **_role_options(user_input),
                    **_limit_options(user_input, checked.unit),
                }
                if checked.is_carbon:
                    return self._finish({CONF_FACTOR_MODE: FactorMode.CARBON.value})
                self.factor.source_unit = checked.unit
                self.factor.source_device_class = checked.device_class
                return await self.factor.async_step_factor()
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): selector.TextSelector(),
                vol.Required(CONF_SOURCE): meter_selector(self.hass),
                **_port_field(next_free_port(self.hass)),
                **_limit_field(None),
                **_role_field(MeterRole.CONSUMPTION),
                vol.Optional(CONF_BACKFILL, default=False): selector.BooleanSelector(),
            }
        )
        return self.flow.async_show_form(
            step_id="tracking_node",
            data_schema=self.flow.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _finish(self, options: dict[str, Any]) -> ConfigFlowResult:
        return self.flow.async_create_entry(
            title=self.title, data=self.data, options={**self.options, **options}
        )

    async def async_reconfigure(
        self, entry: ConfigEntry, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Point a node at another meter; the total carries on, the new meter gets a baseline."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            source = user_input[CONF_SOURCE]
            # The node's library factor must be looked up to check the new meter against it.
            await async_load_factor_table(self.hass)
            checked = check_node_source(
                self.hass, source, entry_id=entry.entry_id, options=entry.options
            )
            if isinstance(checked, SourceRefusal):
                errors, placeholders = _refusal_errors(checked)
            else:
                return self.flow.async_update_and_abort(
                    entry, title=user_input[CONF_NAME], data={**entry.data, CONF_SOURCE: source}
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): selector.TextSelector(),
                vol.Required(CONF_SOURCE): meter_selector(self.hass, entry.data[CONF_SOURCE]),
            }
        )
        suggested = user_input or {CONF_NAME: entry.title, CONF_SOURCE: entry.data[CONF_SOURCE]}
        return self.flow.async_show_form(
            step_id="reconfigure",
            data_schema=self.flow.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )


class NodeOptionsFlow(ComposedFlow, OptionsFlow):
    """Port, plausibility limit and factor of a node."""

    def __init__(self) -> None:
        """The factor steps are a handler of their own."""
        self.factor = FactorSteps(self, self._finish)
        self.compose(self.factor)
        self._options: dict[str, Any] = {}

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Port and plausibility limit first, then the factor (unless the source is carbon)."""
        entry = self.config_entry
        self.factor.previous = dict(entry.options)
        checked = check_source(self.hass, entry.data[CONF_SOURCE])
        if isinstance(checked, SourceProblem):
            return self.async_abort(reason="source_unavailable")
        limit_unit = checked.unit or CARBON_UNIT
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            if port_in_use(self.hass, port, exclude_entry_id=entry.entry_id):
                errors[CONF_PORT] = "port_in_use"
            elif market_error := _market_error(user_input, checked):
                errors.update(market_error)
            else:
                self._options = {
                    k: v
                    for k, v in entry.options.items()
                    if k not in (CONF_PORT, CONF_MAX_DELTA_PER_HOUR, CONF_MAX_DELTA_UNIT)
                }
                self._options[CONF_PORT] = port
                self._options[CONF_FACTOR_NUMBER] = bool(user_input[CONF_FACTOR_NUMBER])
                self._options[CONF_GHG_SCOPE] = user_input[CONF_GHG_SCOPE]
                self._options.pop(CONF_METER_ROLE, None)
                self._options.update(_role_options(user_input))
                for key in (CONF_MARKET_FACTOR, CONF_MARKET_SOURCE, CONF_MARKET_FACTOR_ID):
                    self._options.pop(key, None)
                self._options.update(_market_options(user_input))
                self._options.update(_limit_options(user_input, checked.unit))
                if checked.is_carbon:
                    # A source that measures carbon itself always counts 1:1.
                    return self._finish({CONF_FACTOR_MODE: FactorMode.CARBON.value})
                self.factor.source_unit = checked.unit
                self.factor.source_device_class = checked.device_class
                return await self.factor.async_step_factor()
        schema = vol.Schema(
            {
                **_port_field(entry.options[CONF_PORT]),
                **_limit_field(_limit_in(entry.options, limit_unit)),
                vol.Required(
                    CONF_FACTOR_NUMBER, default=bool(entry.options.get(CONF_FACTOR_NUMBER, False))
                ): selector.BooleanSelector(),
                vol.Required(
                    CONF_GHG_SCOPE, default=await self._async_scope_in_force(entry)
                ): selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=[scope.value for scope in Scope],
                        translation_key=CONF_GHG_SCOPE,
                        mode=selector.SelectSelectorMode.DROPDOWN,
                    )
                ),
                **_role_field(entry.options.get(CONF_METER_ROLE, MeterRole.CONSUMPTION)),
                **_market_fields(entry.options, await async_load_factor_table(self.hass)),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={"limit_unit": limit_unit},
        )

    async def _async_scope_in_force(self, entry: ConfigEntry) -> str:
        """The node's scope: the one chosen, else the one its factor and meter imply."""
        return node_scope(self.hass, entry, await async_load_factor_table(self.hass)).value

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
