"""The personal activity table: what one unit of an everyday activity emits. No HA imports.

Travel and gas are UK DESNZ 2025 factors (kg CO2e), each source naming its DESNZ row id, checked
against the published flat file by a test (as the factor library's and the freight modes' are). Food
is per kg of the main ingredient from Poore & Nemecek (2018) as Our World in Data publishes it
(kg CO2e per kg; a secondary source): no authoritative per-meal factor was found, so a "meal"
is declared by the weight of what it was made of. Home electricity is priced at the grid factor
the user chose, so it has no figure here.
"""

from __future__ import annotations

from dataclasses import dataclass

DESNZ = "UK DESNZ GHG conversion factors 2025"
OWID = "Poore & Nemecek 2018 via Our World in Data (ghg-per-kg-poore)"


@dataclass(frozen=True, slots=True)
class Activity:
    """One everyday activity: kg CO2e per unit, or None when the user's grid factor prices it."""

    id: str
    unit: str
    kg_per_unit: float | None
    source: str
    status: str  # V verified against the primary document, S secondary source


ACTIVITIES: tuple[Activity, ...] = (
    Activity("car_petrol", "km", 0.16272, f"{DESNZ}, average car, petrol (25_301_3070_4_1)", "V"),
    Activity("car_diesel", "km", 0.17304, f"{DESNZ}, average car, diesel (25_301_3069_4_1)", "V"),
    Activity(
        "car_electric", "km", 0.04047, f"{DESNZ}, average car, battery EV (25_301_3076_4_1)", "V"
    ),
    Activity(
        "taxi", "km", 0.14861, f"{DESNZ}, regular taxi, per passenger-km (25_313_3141_11_1)", "V"
    ),
    Activity(
        "bus",
        "km",
        0.10385,
        f"{DESNZ}, average local bus, per passenger-km (25_314_3145_11_1)",
        "V",
    ),
    Activity(
        "metro",
        "km",
        0.0278,
        f"{DESNZ}, London Underground (metro proxy), per passenger-km (25_315_3150_11_1)",
        "V",
    ),
    Activity(
        "rail", "km", 0.03546, f"{DESNZ}, national rail, per passenger-km (25_315_3147_11_1)", "V"
    ),
    Activity(
        "high_speed_rail",
        "km",
        0.00446,
        f"{DESNZ}, international rail (Eurostar, high-speed), per passenger-km (25_315_3148_11_1)",
        "V",
    ),
    Activity(
        "flight_domestic",
        "km",
        0.22928,
        f"{DESNZ}, domestic flight, average passenger, with radiative forcing (21_316_3160_11_1)",
        "V",
    ),
    Activity(
        "flight_international",
        "km",
        0.15282,
        f"{DESNZ}, long-haul flight, average passenger, with radiative forcing (21_316_3168_11_1)",
        "V",
    ),
    Activity("home_electricity", "kWh", None, "the grid factor chosen for the entry", "V"),
    Activity(
        "natural_gas", "m³", 2.06672, f"{DESNZ}, natural gas per cubic metre (1_100_1004_1_1)", "V"
    ),
    Activity("meal_beef", "kg", 99.48, f"{OWID}, beef (beef herd)", "S"),
    Activity("meal_pork", "kg", 12.31, f"{OWID}, pig meat", "S"),
    Activity("meal_poultry", "kg", 9.87, f"{OWID}, poultry meat", "S"),
    Activity("meal_vegetarian", "kg", 3.16, f"{OWID}, tofu", "S"),
)

ACTIVITIES_BY_ID = {activity.id: activity for activity in ACTIVITIES}
