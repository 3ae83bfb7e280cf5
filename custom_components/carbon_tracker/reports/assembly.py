"""A report's figures from per-period carbon, exactly. No HA imports.

The input is what the statistics say: for each period, each node's change of its statistics sum
(and, for a group whose forecast is a template, the change of its forecast sensor's). From that a
report has, per period: each node's kilograms; each group's two sides, its error and relative
error (by the sign convention of the groups: measured minus forecast, the total minus its subs);
and each node's share of its groups' errors. Group rows whose error's size is at or under the
report's threshold line (within tolerance, as for a group's alarm) are left out. Totals cover
the whole range: per node, per GHG scope, per group.

A node's share of a forecast-vs-measured group's error: the error spread over the measured
ports in proportion to their carbon in that period; the forecast is the reference and carries
none. A total-vs-sub group's error is what no sub-meter measured: the total's own "unaccounted"
remainder, carried by no sub-meter.

**Each flow counted once.** The inventory totals (per scope and in all) count each node once:

* a **forecast port** (the left side of a forecast-vs-measured group) is a plan, not an emission:
  never in a total;
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

from ..core.compensated import CompensatedSum
from ..core.scopes import Scope
from ..groups.arithmetic import GroupKind, group_error


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What a report says about a node besides its kilograms."""

    entry_id: str
    port: int
    name: str
    scope: Scope
    factor: str  # where its factor comes from: the source of a library factor, "typed in", ...
    gas: str  # CO2 or CO2e


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A group as a report reads it; ``left`` is None for a forecast template."""

    entry_id: str
    name: str
    number: int | None
    kind: GroupKind
    left: tuple[str, ...] | None
    right: tuple[str, ...]


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


def inventory(nodes: Mapping[str, NodeInfo], groups: Sequence[GroupInfo]) -> Inventory:
    """Each flow once: no plan, and no sub-meter beside the total meter it breaks down."""
    plans = {
        member
        for group in groups
        if group.kind is GroupKind.FORECAST_VS_MEASURED and group.left is not None
        for member in group.left
        if member in nodes
    }
    breakdown_of: dict[str, str] = {}
    # Each breakdown's total meter: a sub-meter of a sub-meter is a breakdown too, and a loop
    # (a total that is, further up, a breakdown of its own sub-meter) is cut where it closes.
    parent: dict[str, str] = {}
    for group in groups:
        if group.kind is not GroupKind.TOTAL_VS_SUB or group.left is None:
            continue
        totals = [member for member in group.left if member in nodes and member not in plans]
        if not totals:
            continue  # its total meter is not in the report: its sub-meters count themselves
        for member in group.right:
            if (
                member not in nodes
                or member in plans
                or member in group.left
                or member in breakdown_of
                or any(_below(total, member, parent) for total in totals)
            ):
                continue
            breakdown_of[member] = group.entry_id
            parent[member] = totals[0]
    return Inventory(
        tuple(entry_id for entry_id in nodes if entry_id not in plans | breakdown_of.keys()),
        breakdown_of,
        tuple(entry_id for entry_id in nodes if entry_id in plans),
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
) -> Report:
    """Build a report; ``*_changes`` hold one value per window (None: no data then)."""
    periods: list[PeriodRows] = []
    node_totals = {entry_id: CompensatedSum() for entry_id in nodes}
    side_totals = {group.entry_id: (CompensatedSum(), CompensatedSum()) for group in groups}
    seen_groups: set[str] = set()
    left_out = 0
    for index, (start, end) in enumerate(windows):
        period_nodes: dict[str, float] = {}
        for entry_id in nodes:
            values = node_changes.get(entry_id)
            value = None if values is None else values[index]
            if value is not None:
                period_nodes[entry_id] = value
                node_totals[entry_id].add(value)
        rows: list[GroupRow] = []
        for group in groups:
            if group.left is None:
                values = forecast_changes.get(group.entry_id)
                forecast = None if values is None else values[index]
                left_kg, left_seen = (0.0, False) if forecast is None else (forecast, True)
            else:
                left_kg, left_seen = _side(group.left, node_changes, index)
            right_kg, right_seen = _side(group.right, node_changes, index)
            if not (left_seen and right_seen):
                continue
            seen_groups.add(group.entry_id)
            left_sum, right_sum = side_totals[group.entry_id]
            left_sum.add(left_kg)
            right_sum.add(right_kg)
            error = group_error(group.kind, left_kg, right_kg)
            # At or under the line is within tolerance, as for a group's alarm.
            if threshold_kg is not None and abs(error.kilograms) <= threshold_kg:
                left_out += 1
                continue
            rows.append(
                GroupRow(
                    group,
                    left_kg,
                    right_kg,
                    error.kilograms,
                    error.relative_pct,
                    _shares(group, node_changes, index, right_kg, error.kilograms),
                )
            )
        periods.append(PeriodRows(start, end, period_nodes, rows))
    counts = inventory(nodes, groups)
    scope_totals: dict[Scope, CompensatedSum] = {}
    grand = CompensatedSum()
    for entry_id in counts.counted:
        total = node_totals[entry_id]
        scope_totals.setdefault(nodes[entry_id].scope, CompensatedSum()).add(total.value)
        grand.add(total.value)
    group_totals = []
    for group in groups:
        if group.entry_id not in seen_groups:
            continue
        left_sum, right_sum = side_totals[group.entry_id]
        error = group_error(group.kind, left_sum.value, right_sum.value)
        group_totals.append(
            GroupTotal(group, left_sum.value, right_sum.value, error.kilograms, error.relative_pct)
        )
    return Report(
        periods=periods,
        nodes=dict(nodes),
        node_totals={entry_id: total.value for entry_id, total in node_totals.items()},
        scope_totals={scope: scope_totals[scope].value for scope in Scope if scope in scope_totals},
        group_totals=group_totals,
        total_kg=grand.value,
        threshold_kg=threshold_kg,
        left_out=left_out,
        inventory=counts,
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
