"""Checks the flows run on a chosen source, intensity entity and port."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ..const import (
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_UNIT,
    CONF_INTENSITY_ENTITY,
    DOMAIN,
    FactorMode,
)
from ..core.carbon_units import carbon_unit_scale, parse_intensity_unit
from ..core.library_store import factor_table
from ..core.units import reading_multiplier, unit_is_trackable
from ..ports import node_tracking_source

ATTR_STATE_CLASS = "state_class"
CUMULATIVE_STATE_CLASSES = frozenset((SensorStateClass.TOTAL, SensorStateClass.TOTAL_INCREASING))
SOURCE_DEVICE_CLASSES = frozenset(
    (
        None,
        SensorDeviceClass.ENERGY,
        SensorDeviceClass.GAS,
        SensorDeviceClass.WATER,
        SensorDeviceClass.VOLUME,
        SensorDeviceClass.VOLUME_STORAGE,
        SensorDeviceClass.WEIGHT,
        SensorDeviceClass.DISTANCE,
    )
)


class SourceProblem(StrEnum):
    """Why an entity cannot be a node's source or intensity; values are translated error keys."""

    NOT_FOUND = "source_not_found"
    OWN_ENTITY = "source_is_own_entity"
    NOT_CUMULATIVE = "source_not_cumulative"
    DEVICE_CLASS = "source_device_class_unsupported"
    UNIT = "source_unit_unsupported"
    NOT_NUMERIC = "source_not_numeric"
    INTENSITY_NOT_FOUND = "intensity_not_found"
    INTENSITY_UNIT = "intensity_unit_unsupported"
    UNIT_INCOMPATIBLE = "unit_incompatible"
    ALREADY_TRACKED = "source_already_tracked"


@dataclass(frozen=True, slots=True)
class CheckedSource:
    """A usable source: the unit its readings come in, and whether it already is carbon."""

    unit: str | None
    is_carbon: bool
    device_class: str | None = None


def _is_own_entity(hass: HomeAssistant, entity_id: str) -> bool:
    entry = er.async_get(hass).async_get(entity_id)
    return entry is not None and entry.platform == DOMAIN


def check_source(hass: HomeAssistant, entity_id: str) -> CheckedSource | SourceProblem:
    """Accept a numeric cumulative sensor in a unit a factor can price (or a carbon unit)."""
    state = hass.states.get(entity_id)
    if state is None:
        return SourceProblem.NOT_FOUND
    if _is_own_entity(hass, entity_id):
        return SourceProblem.OWN_ENTITY
    attributes = state.attributes
    if attributes.get(ATTR_STATE_CLASS) not in CUMULATIVE_STATE_CLASSES:
        return SourceProblem.NOT_CUMULATIVE
    if attributes.get(ATTR_DEVICE_CLASS) not in SOURCE_DEVICE_CLASSES:
        return SourceProblem.DEVICE_CLASS
    unit = attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    if not unit_is_trackable(unit):
        return SourceProblem.UNIT
    if state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        try:
            float(state.state)
        except ValueError:
            return SourceProblem.NOT_NUMERIC
    return CheckedSource(
        unit, carbon_unit_scale(unit) is not None, attributes.get(ATTR_DEVICE_CLASS)
    )


def check_intensity(
    hass: HomeAssistant, entity_id: str, source_unit: str | None
) -> SourceProblem | None:
    """Accept an intensity entity whose unit (e.g. gCO2eq/kWh) prices the source's readings."""
    state = hass.states.get(entity_id)
    if state is None:
        return SourceProblem.INTENSITY_NOT_FOUND
    parsed = parse_intensity_unit(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))
    if parsed is None:
        return SourceProblem.INTENSITY_UNIT
    if reading_multiplier(source_unit, parsed.per_unit) is None:
        return SourceProblem.UNIT_INCOMPATIBLE
    return None


def factor_fit_problem(
    hass: HomeAssistant, options: Mapping[str, Any], source: CheckedSource
) -> SourceProblem | None:
    """Why the node's current factor (its options) cannot price ``source``, or None if it can."""
    mode = FactorMode(options[CONF_FACTOR_MODE])
    if mode is FactorMode.CARBON or source.is_carbon:
        both_carbon = mode is FactorMode.CARBON and source.is_carbon
        return None if both_carbon else SourceProblem.UNIT_INCOMPATIBLE
    if mode is FactorMode.ENTITY:
        return check_intensity(hass, options[CONF_INTENSITY_ENTITY], source.unit)
    per_unit = (
        factor_table(hass).factors[options[CONF_FACTOR_ID]].per_unit
        if mode is FactorMode.LIBRARY
        else options[CONF_FACTOR_UNIT]
    )
    if reading_multiplier(source.unit, per_unit) is None:
        return SourceProblem.UNIT_INCOMPATIBLE
    return None


@dataclass(frozen=True, slots=True)
class SourceRefusal:
    """Why a meter cannot be a node's source; ``node`` names the node that already counts it."""

    problem: SourceProblem
    node: str | None = None


def check_node_source(
    hass: HomeAssistant,
    source: str,
    *,
    entry_id: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> CheckedSource | SourceRefusal:
    """The checks every flow that picks a node's meter runs (create, reconfigure, repair).

    ``options`` are the node's current options when it already has a factor that must fit.
    """
    if (node := tracked_by_other_node(hass, source, entry_id)) is not None:
        return SourceRefusal(SourceProblem.ALREADY_TRACKED, node)
    checked = check_source(hass, source)
    if isinstance(checked, SourceProblem):
        return SourceRefusal(checked)
    if options is not None and (problem := factor_fit_problem(hass, options, checked)):
        return SourceRefusal(problem)
    return checked


def tracked_by_other_node(hass: HomeAssistant, source: str, entry_id: str | None) -> str | None:
    """The name of the node other than ``entry_id`` that already counts this source, if any.

    A second node on one meter would count its carbon twice.
    """
    entry = node_tracking_source(hass, source, entry_id)
    return None if entry is None else entry.title
