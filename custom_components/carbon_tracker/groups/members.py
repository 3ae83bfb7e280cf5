"""The entries a group can bind, and how a group sees each of them.

Any entry with a port and a cumulative carbon sensor can be a member; today those are the
tracking nodes (declarations and logistics entries join here when they exist).
"""

from __future__ import annotations

from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util.unit_conversion import MassConverter

from ..const import CONF_KIND, CONF_PORT, CONF_SOURCE, DOMAIN
from ..ports import PORT_KINDS, emissions_entity_id, port_entries
from .runtime import Member

CUMULATIVE = (SensorStateClass.TOTAL_INCREASING, SensorStateClass.TOTAL)


def member_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    """Every entry that can be bound into a group: the ports."""
    return port_entries(hass)


def is_member_entry(entry: ConfigEntry) -> bool:
    """Whether an entry can be bound (O(1): checked for every member at a group's setup)."""
    return entry.domain == DOMAIN and entry.data.get(CONF_KIND) in PORT_KINDS


def member_ports(hass: HomeAssistant) -> dict[int, ConfigEntry]:
    """The member entries by port."""
    return {int(entry.options[CONF_PORT]): entry for entry in member_entries(hass)}


def resolve_member(hass: HomeAssistant, entry_id: str) -> Member:
    """A member as it is now; a deleted one keeps its id, with no sensor, port or name."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or not is_member_entry(entry):
        return Member(entry_id, None, None, entry_id)
    return Member(
        entry_id,
        emissions_entity_id(hass, entry_id),
        int(entry.options[CONF_PORT]),
        entry.title,
        # A tracking node's meter (the other ports have none).
        entry.data.get(CONF_SOURCE),
    )


def is_cumulative_carbon(hass: HomeAssistant, entity_id: str | None) -> bool:
    """Whether an entity is a carbon total HA's statistics sum (a mass, total or total increasing).

    A sensor the user has disabled, or one whose state class or unit was changed, cannot be
    bound: the group would add up something that is not carbon.
    """
    if entity_id is None:
        return False
    entry = er.async_get(hass).async_get(entity_id)
    if entry is None or entry.disabled_by is not None:
        return False
    state = hass.states.get(entity_id)
    if state is None:
        # Not written yet (its node is starting): the registry's word is all there is.
        return True
    return (
        state.attributes.get(ATTR_STATE_CLASS) in CUMULATIVE
        and state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) in MassConverter.VALID_UNITS
    )
