"""Config flow of the bench meters: none to run; it declares the twins' entries and subentries.

The benchmark seeds twins as config entries (or subentries of one) in ``.storage``; Home Assistant
sets an entry up only when its integration has a config flow, and a subentry only of a type the
flow supports.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigSubentryFlow
from homeassistant.core import callback

from .const import DOMAIN, TWIN_SUBENTRY


class BenchTwinSubentryFlow(ConfigSubentryFlow):
    """Twins are seeded, never added through a flow."""


class BenchMetersFlow(ConfigFlow, domain=DOMAIN):
    """No entry is added through a flow."""

    VERSION = 1

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """A twin, seeded as a subentry."""
        return {TWIN_SUBENTRY: BenchTwinSubentryFlow}
