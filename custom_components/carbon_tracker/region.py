"""What the region's two kinds (site publisher, remote site) share at the HA level.

Both talk through HA's MQTT integration: the broker, its user, password and TLS are set up
there, once, and used by both. Both are added with a name and a site id, and have one options
form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from homeassistant.components import mqtt
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import selector
import voluptuous as vol

from .const import CONF_KIND, DOMAIN
from .core.region_wire import SITE_ID
from .flow_steps import FlowSteps
from .kinds import EntryKind

MQTT = "mqtt"
CONF_NAME = "name"
CONF_SITE_ID = "site_id"
# Every state and status goes at least once: the central drops what it has already.
QOS = 1


def mqtt_set_up(hass: HomeAssistant) -> bool:
    """Whether HA's MQTT integration has a loaded entry (the broker is configured there)."""
    return any(
        entry.state is ConfigEntryState.LOADED for entry in hass.config_entries.async_entries(MQTT)
    )


def site_diagnostics(entry: ConfigEntry, loaded: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """A region entry's diagnostics: its settings, and once loaded what ``loaded`` reads.

    No secret is among them: the broker's are HA's MQTT integration's.
    """
    described: dict[str, Any] = {
        "data": dict(entry.data),
        "options": dict(entry.options),
        "state": entry.state.value,
    }
    if entry.state is not ConfigEntryState.LOADED:
        return described
    return described | loaded(entry.runtime_data)


async def async_require_mqtt(hass: HomeAssistant) -> None:
    """Wait for HA's MQTT integration; an entry set up before it is there is tried again."""
    if not await mqtt.async_wait_for_mqtt_client(hass):
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="mqtt_not_ready")


@dataclass(frozen=True, slots=True)
class SiteForm:
    """A region kind's own fields: shown after the name and site id, and in its options."""

    fields: Callable[[HomeAssistant], dict[vol.Marker, Any]]
    errors: Callable[[HomeAssistant, Mapping[str, Any]], dict[str, str]]
    # The options to store, from the form and the entry's options until now ({} for a new one).
    options: Callable[[HomeAssistant, Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]


class SiteSteps(FlowSteps):
    """The step that adds a region entry: a name, the site id, and the kind's own fields."""

    kind: ClassVar[EntryKind]
    form: ClassVar[SiteForm]

    def lacking(self) -> str | None:
        """Why the kind cannot be added yet besides MQTT (an abort reason), if it cannot."""
        return None

    async def async_site_step(self, user_input: dict[str, Any] | None) -> ConfigFlowResult:
        """The form, its checks, then the entry (the step is named after the kind)."""
        if not mqtt_set_up(self.hass):
            return self.flow.async_abort(reason="mqtt_not_set_up")
        if (reason := self.lacking()) is not None:
            return self.flow.async_abort(reason=reason)
        errors: dict[str, str] = {}
        if user_input is not None:
            site = str(user_input[CONF_SITE_ID]).strip()
            errors = (
                {CONF_SITE_ID: "site_id_invalid"}
                if not SITE_ID.match(site)
                else self.form.errors(self.hass, user_input)
            )
            if not errors:
                return self.flow.async_create_entry(
                    title=str(user_input[CONF_NAME]).strip() or site,
                    data={CONF_KIND: self.kind.value, CONF_SITE_ID: site},
                    options=self.form.options(self.hass, user_input, {}),
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): selector.TextSelector(),
                vol.Required(CONF_SITE_ID): selector.TextSelector(),
                **self.form.fields(self.hass),
            }
        )
        return self.flow.async_show_form(
            step_id=self.kind.value,
            data_schema=self.flow.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
        )


class SiteOptionsFlow(OptionsFlow):
    """A region entry's options: one form (the site id is the entry's identity)."""

    step_id: ClassVar[str]
    form: ClassVar[SiteForm]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start with the form (a step of its own name: its own texts)."""
        return await self.async_options_form()

    async def async_options_form(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The form, as the entry is now; the entry reloads with what is kept."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self.form.errors(self.hass, user_input)
            if not errors:
                return self.async_create_entry(
                    data=self.form.options(self.hass, user_input, self.config_entry.options)
                )
        schema = self.add_suggested_values_to_schema(
            vol.Schema(self.form.fields(self.hass)), user_input or dict(self.config_entry.options)
        )
        return self.async_show_form(step_id=self.step_id, data_schema=schema, errors=errors)
