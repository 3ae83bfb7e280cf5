"""Flows of a logistics entry: the form that adds one, and its options (method and catalogues).

The catalogues are edited as YAML in the options (HA's object selector): a list of products
(model, kg per unit, optional kg CO2e per km for the per-km method) and overrides of the modes'
intensities (or new modes), each checked with a translated error that names the item.
"""

from __future__ import annotations

from collections.abc import Mapping
from math import isfinite
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import CONF_KIND, CONF_PORT, PORT_MAX, PORT_MIN
from ..flow_steps import FlowSteps
from ..kinds import EntryKind
from ..ports import next_free_port, port_in_use
from .ledger import Method
from .settings import CONF_METHOD, CONF_MODES, CONF_PRODUCTS, CONF_WEBHOOK_ID

CONF_NAME = "name"


def _method_selector() -> selector.SelectSelector:
    return selector.SelectSelector(
        selector.SelectSelectorConfig(
            options=[method.value for method in Method],
            translation_key=CONF_METHOD,
            mode=selector.SelectSelectorMode.LIST,
        )
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except TypeError, ValueError:
        return None
    return number if isfinite(number) else None


def check_catalogues(products: Any, modes: Any) -> tuple[str, str, dict[str, str]] | None:
    """The first problem of the catalogues: (field, error key, placeholders), or None."""
    if not isinstance(products, list):
        return CONF_PRODUCTS, "products_not_a_list", {"item": ""}
    seen: set[str] = set()
    for index, item in enumerate(products, start=1):
        where = {"item": str(index)}
        if not isinstance(item, Mapping) or not str(item.get("model") or "").strip():
            return CONF_PRODUCTS, "product_without_model", where
        model = str(item["model"]).strip()
        where = {"item": model}
        if model in seen:
            return CONF_PRODUCTS, "product_repeated", where
        seen.add(model)
        mass = _number(item.get("kg_per_unit"))
        if mass is None or mass <= 0:
            return CONF_PRODUCTS, "product_bad_mass", where
        per_km = item.get("kg_co2e_per_km")
        if per_km is not None and ((value := _number(per_km)) is None or value < 0):
            return CONF_PRODUCTS, "product_bad_factor", where
    if not isinstance(modes, Mapping):
        return CONF_MODES, "modes_not_a_mapping", {"item": ""}
    for mode_id, override in modes.items():
        where = {"item": str(mode_id)}
        if not isinstance(override, Mapping):
            return CONF_MODES, "mode_bad_override", where
        for key in ("kg_per_tonne_km", "per_km_multiplier"):
            if key in override and ((value := _number(override[key])) is None or value < 0):
                return CONF_MODES, "mode_bad_override", where
        if set(override) - {"kg_per_tonne_km", "per_km_multiplier"}:
            return CONF_MODES, "mode_bad_override", where
    return None


def _catalogue_fields() -> dict[vol.Marker, Any]:
    return {
        vol.Required(CONF_METHOD, default=Method.TONNE_KM.value): _method_selector(),
        vol.Optional(CONF_PRODUCTS, default=[]): selector.ObjectSelector(),
        vol.Optional(CONF_MODES, default={}): selector.ObjectSelector(),
    }


class LogisticsConfigSteps(FlowSteps):
    """The step that adds a logistics entry."""

    async def async_step_logistics(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name, port, method and catalogues."""
        errors: dict[str, str] = {}
        placeholders = {"item": ""}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            problem = check_catalogues(
                user_input.get(CONF_PRODUCTS, []), user_input.get(CONF_MODES, {})
            )
            if port_in_use(self.hass, port):
                errors[CONF_PORT] = "port_in_use"
            elif problem is not None:
                field, key, placeholders = problem
                errors[field] = key
            else:
                return self.flow.async_create_entry(
                    title=user_input[CONF_NAME].strip(),
                    data={
                        CONF_KIND: EntryKind.LOGISTICS.value,
                        CONF_WEBHOOK_ID: webhook.async_generate_id(),
                    },
                    options={
                        CONF_PORT: port,
                        CONF_METHOD: user_input[CONF_METHOD],
                        CONF_PRODUCTS: user_input.get(CONF_PRODUCTS, []),
                        CONF_MODES: user_input.get(CONF_MODES, {}),
                    },
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): selector.TextSelector(),
                vol.Required(CONF_PORT, default=next_free_port(self.hass)): selector.NumberSelector(
                    selector.NumberSelectorConfig(
                        min=PORT_MIN, max=PORT_MAX, step=1, mode=selector.NumberSelectorMode.BOX
                    )
                ),
                **_catalogue_fields(),
            }
        )
        return self.flow.async_show_form(
            step_id="logistics",
            data_schema=self.flow.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )


class LogisticsOptionsFlow(OptionsFlow):
    """Port, method and catalogues; the ledger is kept."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start with the catalogues."""
        return await self.async_step_catalogues()

    async def async_step_catalogues(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The form, as the entry is now."""
        entry = self.config_entry
        errors: dict[str, str] = {}
        placeholders = {"item": ""}
        schema = vol.Schema(
            {
                vol.Required(CONF_PORT): selector.NumberSelector(
                    selector.NumberSelectorConfig(
                        min=PORT_MIN, max=PORT_MAX, step=1, mode=selector.NumberSelectorMode.BOX
                    )
                ),
                **_catalogue_fields(),
            }
        )
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            problem = check_catalogues(
                user_input.get(CONF_PRODUCTS, []), user_input.get(CONF_MODES, {})
            )
            if port_in_use(self.hass, port, exclude_entry_id=entry.entry_id):
                errors[CONF_PORT] = "port_in_use"
            elif problem is not None:
                field, key, placeholders = problem
                errors[field] = key
            else:
                return self.async_create_entry(
                    data={
                        CONF_PORT: port,
                        CONF_METHOD: user_input[CONF_METHOD],
                        CONF_PRODUCTS: user_input.get(CONF_PRODUCTS, []),
                        CONF_MODES: user_input.get(CONF_MODES, {}),
                    }
                )
            schema = self.add_suggested_values_to_schema(schema, user_input)
        else:
            schema = self.add_suggested_values_to_schema(schema, dict(entry.options))
        return self.async_show_form(
            step_id="catalogues",
            data_schema=schema,
            errors=errors,
            description_placeholders={
                **placeholders,
                "webhook_id": str(entry.data.get(CONF_WEBHOOK_ID)),
            },
        )
