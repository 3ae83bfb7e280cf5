"""Conversion of source readings into the unit a factor is priced per, with HA's unit converters."""

from __future__ import annotations

from functools import lru_cache

from homeassistant.util.unit_conversion import (
    BaseUnitConverter,
    DistanceConverter,
    EnergyConverter,
    MassConverter,
    VolumeConverter,
)

from .carbon_units import MASS_IN_KG, carbon_unit_scale

_CONVERTERS: tuple[type[BaseUnitConverter], ...] = (
    EnergyConverter,
    VolumeConverter,
    MassConverter,
    DistanceConverter,
)
# HA's mass converter has no tonne; a tonne is converted through kilograms.
_TONNE = "t"
_TONNE_IN_KG = MASS_IN_KG["t"]


@lru_cache(maxsize=256)
def reading_multiplier(source_unit: str | None, per_unit: str) -> float | None:
    """Multiply a reading in ``source_unit`` by this to express it per ``per_unit``.

    None when the two measure different things (kWh against m³) or a unit is unknown.
    """
    scale = 1.0
    if source_unit == _TONNE:
        source_unit, scale = "kg", _TONNE_IN_KG
    if per_unit == _TONNE:
        per_unit, scale = "kg", scale / _TONNE_IN_KG
    for converter in _CONVERTERS:
        if source_unit in converter.VALID_UNITS and per_unit in converter.VALID_UNITS:
            return scale * converter.converter_factory(source_unit, per_unit)(1.0)
    return None


def unit_is_trackable(source_unit: str | None) -> bool:
    """Whether a node can take readings in this unit at all (carbon, or a convertible quantity)."""
    if carbon_unit_scale(source_unit) is not None:
        return True
    if source_unit == _TONNE:
        return True
    return any(source_unit in converter.VALID_UNITS for converter in _CONVERTERS)


def unit_ratio(from_unit: str | None, to_unit: str | None) -> float | None:
    """How many ``to_unit`` one ``from_unit`` is, for quantities and carbon alike; None if none.

    Carbon units ("t CO2e") convert through kilograms; quantities through HA's converters.
    """
    if from_unit is None or to_unit is None:
        return None
    if (from_kg := carbon_unit_scale(from_unit)) is not None:
        to_kg = carbon_unit_scale(to_unit)
        return None if to_kg is None else from_kg / to_kg
    return reading_multiplier(from_unit, to_unit)


@lru_cache(maxsize=32)
def kilograms_per(unit: str | None) -> float | None:
    """Kilograms in one ``unit`` of mass (a carbon sensor shown in g or lb); None: no mass unit."""
    if unit not in MassConverter.VALID_UNITS:
        return None
    return MassConverter.convert(1.0, unit, "kg")
