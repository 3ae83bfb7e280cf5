"""Parsing of carbon units ("kg CO2e") and intensity units ("gCO2eq/kWh"). No HA imports.

Carbon is always accounted in kilograms CO2e; these helpers say how many kilograms one unit of a
source or an intensity stands for.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Final

# Kilograms in one unit of mass, for the mass part of carbon and intensity units.
MASS_IN_KG: Final[dict[str, float]] = {
    "mg": 1e-6,
    "g": 1e-3,
    "kg": 1.0,
    "Kg": 1.0,
    "KG": 1.0,
    "Mg": 1e3,
    "t": 1e3,
    "kt": 1e6,
    "lb": 0.45359237,
}

# The quantity units a factor can be priced per, grouped by what the HA layer converts between.
FACTOR_PER_UNITS: Final = ("kWh", "MWh", "GJ", "MJ", "m³", "L", "gal", "kg", "t", "km", "mi")

# The gas basis of a factor: CO2 alone, or all greenhouse gases as CO2 equivalent.
GAS_CO2: Final = "CO2"
GAS_CO2E: Final = "CO2e"
CARBON_UNIT: Final = "kg CO2e"

# Mass prefixes are matched case-sensitively: "Mg" is a megagram (a tonne), "mg" a milligram.
_MASS = "(" + "|".join(sorted(MASS_IN_KG, key=len, reverse=True)) + ")"
_GAS = r"(?i:co2|co₂)(?i:[-_ ]?(?:e|eq|equivalent))?"
_CARBON_RE: Final = re.compile(rf"^\s*{_MASS}\s*{_GAS}\s*$")
_INTENSITY_RE: Final = re.compile(
    rf"^\s*{_MASS}\s*(?i:(co2|co₂)([-_ ]?(?:e|eq|equivalent))?)?\s*(?i:/|per)\s*(.+?)\s*$"
)
# Spelled exactly: case matters for prefixes ("mWh" is a milliwatt-hour, "MWh" a megawatt-hour).
_PER_UNIT_ALIASES: Final[dict[str, str]] = {
    "kWh": "kWh",
    "kwh": "kWh",
    "KWh": "kWh",
    "KWH": "kWh",
    "MWh": "MWh",
    "MWH": "MWh",
    "Wh": "Wh",
    "GJ": "GJ",
    "MJ": "MJ",
    "m³": "m³",
    "m3": "m³",
    "Nm³": "m³",
    "Nm3": "m³",
    "L": "L",
    "l": "L",
    "litre": "L",
    "liter": "L",
    "gal": "gal",
    "kg": "kg",
    "t": "t",
    "tonne": "t",
    "km": "km",
    "mi": "mi",
}


def carbon_unit_scale(unit: str | None) -> float | None:
    """Kilograms CO2e in one unit of a source that already measures carbon, else None.

    Plain mass units ("kg") are not carbon: a weighing scale reports material, which needs a factor.
    """
    if not unit:
        return None
    match = _CARBON_RE.match(unit)
    if match is None:
        return None
    return MASS_IN_KG[match.group(1)]


@dataclass(frozen=True, slots=True)
class IntensityUnit:
    """What an intensity unit says: kilograms per its mass unit, what it is per, and its gas."""

    kg_per_mass: float
    per_unit: str
    gas: str


def parse_intensity_unit(unit: str | None) -> IntensityUnit | None:
    """Split an intensity unit into its parts, or None if unknown.

    "gCO2eq/kWh" -> (0.001, "kWh", "CO2e"); "t CO2/MWh" -> (1000.0, "MWh", "CO2"). A unit that
    names no gas ("g/kWh") is taken as CO2e, what carbon-intensity services publish.
    """
    if not unit:
        return None
    match = _INTENSITY_RE.match(unit)
    if match is None:
        return None
    mass, named_gas, equivalent, per_text = match.groups()
    per = _PER_UNIT_ALIASES.get(per_text)
    if per is None:
        return None
    gas = GAS_CO2 if named_gas is not None and equivalent is None else GAS_CO2E
    return IntensityUnit(MASS_IN_KG[mass], per, gas)


def factor_unit_label(per_unit: str, gas: str = GAS_CO2E) -> str:
    """How a factor priced per ``per_unit`` is written, with its own gas basis: "kg CO2/kWh"."""
    return f"kg {gas}/{per_unit}"
