"""The built-in, sourced emission factor table (``factor_library.json``). No HA imports.

Every factor is kg of its gas basis (CO2 or CO2e) per one ``per_unit`` of activity, with the region,
data year, source and verification status (V read from the official file, S secondary and
corroborated, U unverified) that the user sees when choosing it.

A row that was dropped from the table keeps its id in ``retired``, mapped to the row that replaces
it, so that a node configured with the old id is moved to the kept one instead of breaking.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
import json
from pathlib import Path
from typing import Any

LIBRARY_FILE = Path(__file__).with_name("factor_library.json")


@dataclass(frozen=True, slots=True)
class LibraryFactor:
    """One row of the factor table."""

    id: str
    name: str
    name_zh: str
    value: float
    per_unit: str
    gas: str
    region: str
    year: int | None
    source: str
    status: str
    scope: str
    # What is burnt or bought: electricity, heat, gas, liquid_fuel, solid_fuel, road_vehicle.
    activity: str

    def label(self, language: str) -> str:
        """What the factor picker shows, in the user's language where the table has it."""
        name = self.name_zh if language.lower().startswith("zh") else self.name
        unverified = " [U]" if self.status == "U" else ""
        return f"{name}: {self.value:g} kg {self.gas}/{self.per_unit}{unverified}"


# Which activities a meter of each HA sensor device class can be priced by; a unit alone is not
# enough (a water meter counts m³ like a gas meter, and m³ of gas are not litres of LPG).
_ACTIVITIES_BY_DEVICE_CLASS: dict[str, frozenset[str]] = {
    "energy": frozenset({"electricity", "heat", "gas", "liquid_fuel", "solid_fuel"}),
    "gas": frozenset({"gas"}),
    "water": frozenset(),
    # HA gives gas meters the gas class; a plain volume meter is a fuel tank or pump.
    "volume": frozenset({"liquid_fuel"}),
    "volume_storage": frozenset({"liquid_fuel"}),
    "weight": frozenset({"gas", "liquid_fuel", "solid_fuel"}),
    "distance": frozenset({"road_vehicle"}),
}


def fits_device_class(factor: LibraryFactor, device_class: str | None) -> bool:
    """Whether a meter of this device class (None: unknown) can be priced by the factor."""
    if device_class is None or device_class not in _ACTIVITIES_BY_DEVICE_CLASS:
        return True
    return factor.activity in _ACTIVITIES_BY_DEVICE_CLASS[device_class]


# What a meter most likely measures, by the unit it counts in, in the order its factors are
# offered: an energy meter in GJ or MJ is a heat meter (district heat, a heat pump's output),
# one in kWh an electricity meter first; m³ of the gas class is gas, litres are a fuel.
_ACTIVITIES_BY_UNIT: dict[str, tuple[str, ...]] = {
    "GJ": ("heat", "gas", "electricity"),
    "MJ": ("heat", "gas", "electricity"),
    "kWh": ("electricity", "gas", "heat"),
    "Wh": ("electricity", "gas", "heat"),
    "MWh": ("electricity", "gas", "heat"),
    "GWh": ("electricity", "gas", "heat"),
    "m³": ("gas", "liquid_fuel"),
    "ft³": ("gas", "liquid_fuel"),
    "L": ("liquid_fuel", "gas"),
    "gal": ("liquid_fuel", "gas"),
}


def meter_order(factors: list[LibraryFactor], source_unit: str | None) -> list[LibraryFactor]:
    """The fitting factors in the order a meter counting in ``source_unit`` wants them.

    Factors of what the meter most likely measures come first, those priced per the meter's own
    unit first among them; otherwise the table's order (newest data years are last in a run, as
    the table lists them) is kept.
    """
    likely = _ACTIVITIES_BY_UNIT.get(source_unit or "", ())

    def rank(item: tuple[int, LibraryFactor]) -> tuple[int, int, int]:
        index, factor = item
        activity = likely.index(factor.activity) if factor.activity in likely else len(likely)
        return (activity, factor.per_unit != source_unit, index)

    return [factor for _, factor in sorted(enumerate(factors), key=rank)]


@cache
def _read_table() -> dict[str, Any]:
    """The parsed JSON file (read once; call it off the event loop the first time)."""
    table: dict[str, Any] = json.loads(LIBRARY_FILE.read_text(encoding="utf-8"))
    return table


@cache
def load_library() -> dict[str, LibraryFactor]:
    """All factors by id (read once; call it off the event loop the first time)."""
    raw = _read_table()
    return {
        row["id"]: LibraryFactor(
            id=row["id"],
            name=row["name"],
            name_zh=row["name_zh"],
            value=float(row["value"]),
            per_unit=row["per_unit"],
            gas=row["gas"],
            region=row["region"],
            year=row["year"],
            source=row["source"],
            status=row["status"],
            scope=row["scope"],
            activity=row["activity"],
        )
        for row in raw["factors"]
    }


@cache
def load_retired_ids() -> dict[str, str]:
    """Retired factor id -> the id of the row that replaced it (read once, off the event loop).

    A retired id is never a row of the table, and the row it points to always is (the tests
    check both), so one look-up is enough to migrate a node.
    """
    return {str(old): str(new) for old, new in _read_table().get("retired", {}).items()}
