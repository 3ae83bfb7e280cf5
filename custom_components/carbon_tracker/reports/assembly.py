"""A report's figures from per-period carbon, exactly. No HA imports.

The input is what the statistics say: for each period, each node's change of its statistics sum
(and, for a group whose forecast is a template, the change of its forecast sensor's), and each
node's activity (its meter's change, in the factor's unit) where the meter has statistics. From
that a report has, per period: each node's kilograms and activity; each group's two sides, its
error and relative error (by the sign convention of the groups: measured minus forecast, the
total minus its subs); and each node's share of its groups' errors. Group rows whose error's
size is at or under the report's threshold line (within tolerance, as for a group's alarm) are
left out. Totals cover the whole range: per node (kilograms and activity), per GHG scope (with
the part priced by CO2-only factors), per group, and, in a region's report (remote ports among
the nodes), per site with its scopes: the region's inventory split by where it was counted.

A node's share of a forecast-vs-measured group's error: the error spread over the measured
ports in proportion to their carbon in that period; the forecast is the reference and carries
none. A total-vs-sub group's error is what no sub-meter measured: the total's own "unaccounted"
remainder, carried by no sub-meter.

**Each flow counted once.** The inventory totals (per scope and in all) count each node once:

* a **forecast port** (the left side of a forecast-vs-measured group, or a port that is a plan
  by its kind: a carbon-aware window's planned runs) is a plan, not an emission: never in a
  total;
* a **site's group side** (a binding group's side that a site published to the central) is a
  sum of that site's ports: compared, never counted;
* a node on an **export or generation meter** counts **avoided** emissions (the grid carbon its
  energy displaced): their own total, never in the inventory or a scope; the **net** figure
  (the inventory minus them) only when asked for, labelled as such;
* a **sub-meter** (the right side of a total-vs-sub group whose total meter is counted) is a
  breakdown of its total meter: listed under it, not added again. Groups are taken in the
  order given (by group number): a sub-meter of a sub-meter is a breakdown too; where groups
  overlap or form a loop, a node already taken as a breakdown is not a total that excludes
  others. ``Inventory`` says which rule left each node out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from ..core.comparison import GroupInfo, GroupKind, group_error
from ..core.compensated import CompensatedSum
from ..core.port_info import NodeInfo
from ..core.scopes import Scope


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One group in one period."""

    group: GroupInfo
    left_kg: float
    right_kg: float
    error_kg: float
    error_pct: float | None
    shares: dict[str, float]  # node entry id -> kg of the error it carries


@dataclass(frozen=True, slots=True)
class PeriodRows:
    """One period of a report."""

    start: datetime
    end: datetime
    nodes: dict[str, float]  # node entry id -> kg (nodes with data only)
    groups: list[GroupRow]
    # node entry id -> activity in its unit (nodes whose meter has statistics then)
    activity: dict[str, float] = field(default_factory=dict)
    # The statistics cover the period up to here (its end once compiled; a period not finished
    # or not yet compiled stops at the last compiled hour).
    statistics_until: datetime | None = None

    @property
    def complete(self) -> bool:
        """Whether the statistics cover the whole period."""
        return self.statistics_until is None or self.statistics_until >= self.end


@dataclass(frozen=True, slots=True)
class GroupTotal:
    """A group over the whole range."""

    group: GroupInfo
    left_kg: float
    right_kg: float
    error_kg: float
    error_pct: float | None


@dataclass(frozen=True, slots=True)
class Inventory:
    """Which nodes the totals count, and why each other node is left out of them."""

    counted: tuple[str, ...]
    breakdown_of: dict[str, str]  # a sub-meter's node entry id -> its total-vs-sub group's
    plans: tuple[str, ...]  # forecast ports
    # A site's group sides published to the central: sums of that site's ports.
    group_sides: tuple[str, ...] = ()
    # Nodes on export or generation meters: avoided emissions, outside the inventory.
    avoided: tuple[str, ...] = ()


def inventory(nodes: Mapping[str, NodeInfo], groups: Sequence[GroupInfo]) -> Inventory:
    """Each flow once: no plan, and no sub-meter beside the total meter it breaks down."""
    sides = {entry_id for entry_id, node in nodes.items() if node.group_side is not None}
    # Avoided emissions are no flow of the inventory: in no total, no scope, no group's rule.
    sides |= (avoided := {entry_id for entry_id, node in nodes.items() if node.avoided})
    plans = {
        member
        for group in groups
        if group.kind is GroupKind.FORECAST_VS_MEASURED and group.left is not None
        for member in group.left
        if member in nodes and member not in sides
    } | {entry_id for entry_id, node in nodes.items() if node.plan}
    breakdown_of: dict[str, str] = {}
    # Each breakdown's total meter: a sub-meter of a sub-meter is a breakdown too, and a loop
    # (a total that is, further up, a breakdown of its own sub-meter) is cut where it closes.
    parent: dict[str, str] = {}
    for group in groups:
        if group.kind is not GroupKind.TOTAL_VS_SUB or group.left is None:
            continue
        totals = [
            member
            for member in group.left
            if member in nodes and member not in plans and member not in sides
        ]
        if not totals:
            continue  # its total meter is not in the report: its sub-meters count themselves
        for member in group.right:
            if (
                member not in nodes
                or member in plans
                or member in sides
                or member in group.left
                or member in breakdown_of
                or any(_below(total, member, parent) for total in totals)
            ):
                continue
            breakdown_of[member] = group.entry_id
            parent[member] = totals[0]
    return Inventory(
        tuple(
            entry_id for entry_id in nodes if entry_id not in plans | sides | breakdown_of.keys()
        ),
        breakdown_of,
        tuple(entry_id for entry_id in nodes if entry_id in plans),
        tuple(entry_id for entry_id in nodes if entry_id in sides - avoided),
        tuple(entry_id for entry_id in nodes if entry_id in avoided),
    )


def _below(node: str, ancestor: str, parent: Mapping[str, str]) -> bool:
    """Whether ``ancestor`` is ``node``'s total meter, or that one's, and so on up."""
    seen = set()
    while node in parent and node not in seen:
        seen.add(node)
        node = parent[node]
        if node == ancestor:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Report:
    """A whole report."""

    periods: list[PeriodRows]
    nodes: dict[str, NodeInfo]
    node_totals: dict[str, float]
    scope_totals: dict[Scope, float]
    group_totals: list[GroupTotal]
    total_kg: float
    threshold_kg: float | None
    left_out: int = 0  # group rows under the threshold line
    notes: list[str] = field(default_factory=list)
    inventory: Inventory = field(default_factory=lambda: Inventory((), {}, ()))
    # node entry id -> its activity over the range (nodes with activity data only)
    activity_totals: dict[str, float] = field(default_factory=dict)
    # The part of the total and of each scope's that comes from CO2-only factors (no CH4, N2O).
    co2_only_kg: float = 0.0
    scope_co2_only: dict[Scope, float] = field(default_factory=dict)
    # When it was made: a person's declarations in a period not over run to here.
    as_of: datetime | None = None
    # Avoided emissions over the range (export and generation meters), outside the inventory;
    # and, when asked for, the net figure: the gross total minus them.
    avoided_kg: float = 0.0
    net_kg: float | None = None
    # Scope 2 both ways: each node's market-based kg over the range (nodes with a market-based
    # factor), and the inventory's scopes and total market-based (a node without one counts
    # its location-based kg there); empty when no node has one.
    market_node_totals: dict[str, float] = field(default_factory=dict)
    market_scope_totals: dict[Scope, float] = field(default_factory=dict)
    market_total_kg: float | None = None
    # A region's report: the inventory per site ("" for this Home Assistant's own ports), in
    # all and per scope; empty when no counted node is a remote port.
    site_totals: dict[str, float] = field(default_factory=dict)
    site_scope_totals: dict[str, dict[Scope, float]] = field(default_factory=dict)

    def mean_factor(self, entry_id: str) -> float | None:
        """Kilograms per activity unit over the range: the factor a checker can multiply back."""
        activity = self.activity_totals.get(entry_id)
        if not activity:
            return None
        return self.node_totals[entry_id] / activity


type Changes = Mapping[str, Sequence[float | None]]


def _side(members: Sequence[str], changes: Changes, index: int) -> tuple[float, bool]:
    """The kilograms of a side in one period, and whether any member had data."""
    total = CompensatedSum()
    seen = False
    for member in members:
        values = changes.get(member)
        value = None if values is None else values[index]
        if value is not None:
            total.add(value)
            seen = True
    return total.value, seen


def _shares(
    group: GroupInfo, changes: Changes, index: int, right_kg: float, error_kg: float
) -> dict[str, float]:
    if right_kg <= 0.0 or group.kind is GroupKind.TOTAL_VS_SUB:
        # What no sub-meter measured is the total's own remainder, not the sub-meters'.
        return {}
    shares = {}
    for member in group.right:
        values = changes.get(member)
        value = None if values is None else values[index]
        if value:
            shares[member] = value / right_kg * error_kg
    return shares


def assemble(  # noqa: PLR0917 (what a report is made of)
    windows: Sequence[tuple[datetime, datetime]],
    nodes: Mapping[str, NodeInfo],
    groups: Sequence[GroupInfo],
    node_changes: Changes,
    forecast_changes: Changes,
    threshold_kg: float | None = None,
    activity_changes: Changes | None = None,
    statistics_until: datetime | None = None,
    as_of: datetime | None = None,
    *,
    net: bool = False,
    market_changes: Changes | None = None,
) -> Report:
    """Build a report; ``*_changes`` hold one value per window (None: no data then).

    ``statistics_until``: the end of the last compiled hour (None: everything is compiled);
    ``as_of``: when the report is made.
    """
    periods: list[PeriodRows] = []
    node_totals = {entry_id: CompensatedSum() for entry_id in nodes}
    activity_totals: dict[str, CompensatedSum] = {}
    groups_seen = _GroupSums(groups, threshold_kg)
    for index, (start, end) in enumerate(windows):
        period_nodes = _period_values(nodes, node_changes, index, node_totals)
        period_activity = _period_values(nodes, activity_changes or {}, index, activity_totals)
        rows = groups_seen.period(node_changes, forecast_changes, index)
        covered = None if statistics_until is None else min(end, max(start, statistics_until))
        periods.append(PeriodRows(start, end, period_nodes, rows, period_activity, covered))
    counts = inventory(nodes, groups)
    totals = _Totals()
    for entry_id in counts.counted:
        totals.add(nodes[entry_id], node_totals[entry_id].value)
    site_totals, site_scope_totals = totals.by_site()
    market_totals = {
        entry_id: CompensatedSum()
        for entry_id in nodes
        if nodes[entry_id].market_factor is not None
    }
    # Over the whole range only: the periods' rows stay location-based.
    for entry_id, market_total in market_totals.items():
        for value in (market_changes or {}).get(entry_id) or ():
            if value is not None:
                market_total.add(value)
    market = _Totals()
    for entry_id in counts.counted if market_totals else ():
        source = market_totals.get(entry_id, node_totals[entry_id])
        market.add_here(nodes[entry_id], source.value)
    avoided = CompensatedSum()
    for entry_id in counts.avoided:
        avoided.add(node_totals[entry_id].value)
    return Report(
        periods=periods,
        nodes=dict(nodes),
        node_totals={entry_id: total.value for entry_id, total in node_totals.items()},
        scope_totals=totals.by_scope(totals.scopes),
        group_totals=groups_seen.totals(),
        total_kg=totals.grand.value,
        threshold_kg=threshold_kg,
        left_out=groups_seen.left_out,
        inventory=counts,
        activity_totals={entry_id: total.value for entry_id, total in activity_totals.items()},
        co2_only_kg=totals.co2_only.value,
        scope_co2_only=totals.by_scope(totals.scopes_co2_only),
        as_of=as_of,
        site_totals=site_totals,
        site_scope_totals=site_scope_totals,
        avoided_kg=avoided.value,
        net_kg=totals.grand.value - avoided.value if net else None,
        market_node_totals={entry_id: total.value for entry_id, total in market_totals.items()},
        market_scope_totals=market.by_scope(market.scopes) if market_totals else {},
        market_total_kg=market.grand.value if market_totals else None,
    )


def _period_values(
    nodes: Mapping[str, NodeInfo],
    changes: Changes,
    index: int,
    totals: dict[str, CompensatedSum],
) -> dict[str, float]:
    """The nodes' values in one period (those with data), added to their totals."""
    values: dict[str, float] = {}
    for entry_id in nodes:
        series = changes.get(entry_id)
        if series is not None and (value := series[index]) is not None:
            values[entry_id] = value
            totals.setdefault(entry_id, CompensatedSum()).add(value)
    return values


class _GroupSums:
    """The groups' rows period by period, and their sides summed over the range."""

    def __init__(self, groups: Sequence[GroupInfo], threshold_kg: float | None) -> None:
        self.groups = groups
        self.threshold_kg = threshold_kg
        self.sides = {group.entry_id: (CompensatedSum(), CompensatedSum()) for group in groups}
        self.seen: set[str] = set()
        self.left_out = 0  # rows at or under the threshold line

    def period(
        self, node_changes: Changes, forecast_changes: Changes, index: int
    ) -> list[GroupRow]:
        rows: list[GroupRow] = []
        for group in self.groups:
            if group.left is None:
                values = forecast_changes.get(group.entry_id)
                forecast = None if values is None else values[index]
                left_kg, left_seen = (0.0, False) if forecast is None else (forecast, True)
            else:
                left_kg, left_seen = _side(group.left, node_changes, index)
            right_kg, right_seen = _side(group.right, node_changes, index)
            if not (left_seen and right_seen):
                continue
            self.seen.add(group.entry_id)
            left_sum, right_sum = self.sides[group.entry_id]
            left_sum.add(left_kg)
            right_sum.add(right_kg)
            error = group_error(group.kind, left_kg, right_kg)
            # At or under the line is within tolerance, as for a group's alarm.
            if self.threshold_kg is not None and abs(error.kilograms) <= self.threshold_kg:
                self.left_out += 1
                continue
            shares = _shares(group, node_changes, index, right_kg, error.kilograms)
            rows.append(
                GroupRow(group, left_kg, right_kg, error.kilograms, error.relative_pct, shares)
            )
        return rows

    def totals(self) -> list[GroupTotal]:
        totals = []
        for group in self.groups:
            if group.entry_id not in self.seen:
                continue
            left_sum, right_sum = self.sides[group.entry_id]
            error = group_error(group.kind, left_sum.value, right_sum.value)
            totals.append(
                GroupTotal(
                    group, left_sum.value, right_sum.value, error.kilograms, error.relative_pct
                )
            )
        return totals


class _Totals:
    """The inventory's sums: in all and per scope, and their CO2-only parts."""

    def __init__(self) -> None:
        self.grand = CompensatedSum()
        self.co2_only = CompensatedSum()
        self.scopes: dict[Scope, CompensatedSum] = {}
        self.scopes_co2_only: dict[Scope, CompensatedSum] = {}
        self.sites: dict[str, _Totals] = {}
        self.remote = False

    def add(self, node: NodeInfo, kilograms: float) -> None:
        self.add_here(node, kilograms)
        if node.site is not None:
            self.remote = True
        self.sites.setdefault(node.site or "", _Totals()).add_here(node, kilograms)

    def add_here(self, node: NodeInfo, kilograms: float) -> None:
        self.grand.add(kilograms)
        self.scopes.setdefault(node.scope, CompensatedSum()).add(kilograms)
        only = self.scopes_co2_only.setdefault(node.scope, CompensatedSum())
        if node.gas == "CO2":
            only.add(kilograms)
            self.co2_only.add(kilograms)

    @staticmethod
    def by_scope(sums: Mapping[Scope, CompensatedSum]) -> dict[Scope, float]:
        """In the scopes' order."""
        return {scope: sums[scope].value for scope in Scope if scope in sums}

    def by_site(self) -> tuple[dict[str, float], dict[str, dict[Scope, float]]]:
        """A region's per-site totals and scopes, by site id (none without a remote port)."""
        if not self.remote:
            return {}, {}
        sites = sorted(self.sites)
        return (
            {site: self.sites[site].grand.value for site in sites},
            {site: self.by_scope(self.sites[site].scopes) for site in sites},
        )


def changes_between(sums: Sequence[float | None]) -> list[float | None]:
    """Per-period changes from the statistics sums at the periods' boundaries.

    ``sums`` has one more value than there are periods; None where nothing was recorded yet
    (before the first statistics row the sum counts as 0). A period with no data at either end
    has no change.
    """
    changes: list[float | None] = []
    for before, after in pairwise(sums):
        if after is None:
            changes.append(None)
        else:
            changes.append(after - (0.0 if before is None else before))
    return changes
