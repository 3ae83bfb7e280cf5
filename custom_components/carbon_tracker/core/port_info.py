"""What a report says about a port (a node, a logistics or declaration entry). No HA imports.

Each kind describes its own ports (``<kind>/report.py``, named by its spec); reports read them
through the registry of kinds and never a kind's options or books.
"""

from __future__ import annotations

from dataclasses import dataclass

from .scopes import Scope

# A remote port's member id: its remote site entry's id, this mark, the site's port number.
REMOTE_MARK = "#"


@dataclass(frozen=True, slots=True)
class Port:
    """A port as groups and reports bind it: a number unique among all ports, a carbon total.

    ``member_id`` is what a group or a report stores: the config entry id of an entry that is a
    port, or ``<remote site entry id>#<site port>`` for a port of a remote site.
    """

    member_id: str
    number: int
    name: str
    # Its carbon sensor's unique id (the entity id is the registry's, and the user's to change).
    unique_id: str
    # A tracking node's meter (the other ports have none).
    source: str | None = None


@dataclass(frozen=True, slots=True)
class PublishedSide:
    """A binding group's side as a site publisher offers it: a sum of ports, not a port.

    ``side_id`` names it in the publisher's options and is its cycle on the wire (the group's
    entry id and the side); ``role`` says what it is ("forecast", "measured", "total", "subs");
    ``unique_id`` is its cumulative sensor's (kilograms since the group began).
    """

    side_id: str
    label: str
    role: str
    unique_id: str


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What a report says about a node besides its kilograms: enough to check its row."""

    entry_id: str
    port: int
    name: str
    scope: Scope
    factor: str  # where its factor comes from: the source of a library factor, "typed in", ...
    gas: str  # CO2 or CO2e
    # The unit its activity is counted in (the factor's: kWh, m³, L, km); None: no metered
    # activity (a carbon meter, shipments, declarations).
    activity_unit: str | None = None
    # kg of ``gas`` per activity unit; None where it varies (a live intensity) or is not one.
    factor_value: float | None = None
    factor_row: str | None = None  # the built-in table's row id
    # The table's verification status: V read from the official file, S secondary and
    # corroborated, U unverified.
    factor_status: str | None = None
    # Declared by a person day by day (its periods run to now), not read from statistics.
    declared: bool = False
    # The meter whose long-term statistics give the activity (a node's source).
    meter: str | None = None
    # The site it was counted at, for a remote port at a region's central (None: here).
    site: str | None = None
    # A plan whatever groups say (a carbon-aware window's runs): listed, in no total.
    plan: bool = False
    # Avoided emissions (a node on an export or generation meter): the grid carbon its energy
    # displaced, in a column of its own, never in the inventory or a scope.
    avoided: bool = False
    # Scope 2 market-based: the factor (kg CO2e per kWh) and its source, and the unique id of
    # the sensor that counts it (None: location-based only).
    market_factor: float | None = None
    market_source: str | None = None
    market_unique_id: str | None = None
    # A site's binding group side published as a remote port (its role: "forecast",
    # "measured", "total", "subs"): a sum of that site's ports, in no total.
    group_side: str | None = None

    @property
    def factor_unit(self) -> str | None:
        """The factor's unit as a checker reads it: "kg CO2e/kWh"."""
        return None if self.activity_unit is None else f"kg {self.gas}/{self.activity_unit}"
