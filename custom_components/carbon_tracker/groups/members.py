"""The ports a group can bind, and how a group sees each of them.

Any port with a cumulative carbon sensor can be a member: a tracking node, a logistics or a
declaration entry, and at a region's central each port of a remote site.
"""

from __future__ import annotations

from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util.unit_conversion import MassConverter

from ..core.port_info import Port
from ..ports import all_ports, emissions_entity_id, port_of, ports_by_number
from .runtime import Member

CUMULATIVE = (SensorStateClass.TOTAL_INCREASING, SensorStateClass.TOTAL)


def bindable(hass: HomeAssistant) -> list[Port]:
    """Every port that can be bound into a group (a remote site's ports too)."""
    return all_ports(hass)


def member_ports(hass: HomeAssistant) -> dict[int, Port]:
    """The ports by number."""
    return ports_by_number(hass)


def resolve_member(hass: HomeAssistant, member_id: str) -> Member:
    """A member as it is now; a deleted one keeps its id, with no sensor, port or name."""
    port = port_of(hass, member_id)
    if port is None:
        return Member(member_id, None, None, member_id)
    return Member(
        member_id, emissions_entity_id(hass, member_id), port.number, port.name, port.source
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
