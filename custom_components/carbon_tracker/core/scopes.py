"""GHG Protocol scopes of a node's carbon, and the default a node's factor implies. No HA imports.

Scope 1: fuel burnt on site and in own vehicles. Scope 2: purchased electricity, heat and steam.
Scope 3: everything else in the value chain (logistics, personal travel, ...).
"""

from __future__ import annotations

from enum import StrEnum

# The energy units a typed-in factor can be given per (see carbon_units.FACTOR_PER_UNITS).
ENERGY_UNITS = frozenset({"kWh", "MWh", "GJ", "MJ"})


class Scope(StrEnum):
    """The GHG Protocol scope a node's carbon belongs to."""

    DIRECT = "1"
    ENERGY = "2"
    VALUE_CHAIN = "3"


# What a meter measures (its device class) when that alone says the scope: purchased water
# (supply and treatment) is in the value chain, scope 3 category 1.
SCOPE_BY_MEASURE = {"water": Scope.VALUE_CHAIN}


def default_scope(
    factor_mode: str,
    library_scope: str | None,
    per_unit: str | None,
    measures: str | None = None,
) -> Scope:
    """The scope a node's factor and meter imply; the user can change it in the node's options.

    A library factor says its scope (``scope2_location`` and ``scope2_market`` are scope 2). A
    meter of water (``measures``: its device class) is purchased water: scope 3, whatever the
    factor is given per. A live grid intensity prices purchased electricity: scope 2. A typed-in
    factor per energy unit is taken as purchased energy (scope 2), per anything else as a fuel
    (scope 1); a source that measures carbon itself is a stack or a device burning fuel (1).
    """
    if factor_mode == "library" and library_scope:
        return Scope(library_scope.removeprefix("scope")[0])
    if (by_measure := SCOPE_BY_MEASURE.get(measures or "")) is not None:
        return by_measure
    if factor_mode == "entity":
        return Scope.ENERGY
    if factor_mode == "custom" and per_unit in ENERGY_UNITS:
        return Scope.ENERGY
    return Scope.DIRECT
