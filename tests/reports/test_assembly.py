"""Tests of a report's assembly: hand-computed reports, and random ones against an exact oracle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import pairwise
import math

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.carbon_tracker.core.comparison import GroupInfo, GroupKind
from custom_components.carbon_tracker.core.factor_library import load_library
from custom_components.carbon_tracker.core.port_info import NodeInfo
from custom_components.carbon_tracker.core.scopes import ENERGY_UNITS, Scope, default_scope
from custom_components.carbon_tracker.reports.assembly import (
    GroupRow,
    Inventory,
    Report,
    assemble,
    changes_between,
)

FVM = GroupKind.FORECAST_VS_MEASURED
TVS = GroupKind.TOTAL_VS_SUB
START = datetime(2024, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def hours(count: int) -> list[tuple[datetime, datetime]]:
    return [(START + index * HOUR, START + (index + 1) * HOUR) for index in range(count)]


def node(entry_id: str, port: int, scope: Scope = Scope.ENERGY) -> NodeInfo:
    return NodeInfo(entry_id, port, f"Node {port}", scope, "typed in", "CO2e")


def approx(value: float) -> object:
    return pytest.approx(value, abs=1e-9)


def row_of(report: Report, period: int, group_id: str) -> GroupRow:
    (row,) = [row for row in report.periods[period].groups if row.group.entry_id == group_id]
    return row


# --- Hand-computed reports ------------------------------------------------------------------


def test_forecast_vs_measured_with_two_forecasts_and_two_meters() -> None:
    nodes = {
        "f1": node("f1", 1),
        "f2": node("f2", 2),
        "m1": node("m1", 3),
        "m2": node("m2", 4, Scope.DIRECT),
    }
    group = GroupInfo("g", "Line", 7, FVM, ("f1", "f2"), ("m1", "m2"))
    changes = {
        "f1": [1.5, 2.0],
        "f2": [2.5, 2.0],
        "m1": [3.0, 1.0],
        "m2": [2.0, 2.0],
    }
    report = assemble(hours(2), nodes, [group], changes, {})

    first, second = report.periods
    assert (first.start, first.end) == (START, START + HOUR)
    assert first.nodes == {"f1": 1.5, "f2": 2.5, "m1": 3.0, "m2": 2.0}
    (row,) = first.groups
    # measured 5 - forecast 4 = +1, over the forecast: +25 %.
    assert (row.left_kg, row.right_kg, row.error_kg, row.error_pct) == (4.0, 5.0, 1.0, 25.0)
    assert row.shares == {"m1": approx(0.6), "m2": approx(0.4)}
    (row,) = second.groups
    assert (row.left_kg, row.right_kg, row.error_kg, row.error_pct) == (4.0, 3.0, -1.0, -25.0)
    assert row.shares == {"m1": approx(-1 / 3), "m2": approx(-2 / 3)}

    assert report.node_totals == {"f1": 3.5, "f2": 4.5, "m1": 4.0, "m2": 4.0}
    # The forecasts are plans: only what was measured is in the inventory.
    assert report.inventory == Inventory(("m1", "m2"), {}, ("f1", "f2"))
    assert report.scope_totals == {Scope.ENERGY: 4.0, Scope.DIRECT: 4.0}
    assert list(report.scope_totals) == [Scope.DIRECT, Scope.ENERGY]  # in the scopes' order
    assert report.total_kg == 8.0
    (total,) = report.group_totals
    assert total.group is group
    assert (total.left_kg, total.right_kg, total.error_kg, total.error_pct) == (8.0, 8.0, 0.0, 0.0)
    assert report.threshold_kg is None
    assert report.left_out == 0
    assert report.notes == []
    assert report.nodes == nodes
    assert report.nodes is not nodes


def test_total_vs_sub_is_the_total_minus_its_subs() -> None:
    nodes = {"t": node("t", 1), "s1": node("s1", 2), "s2": node("s2", 3)}
    group = GroupInfo("g", "Main", None, TVS, ("t",), ("s1", "s2"))
    changes = {"t": [10.0, 5.0], "s1": [6.0, 4.0], "s2": [3.0, 2.0]}
    report = assemble(hours(2), nodes, [group], changes, {})

    row = row_of(report, 0, "g")
    assert (row.left_kg, row.right_kg, row.error_kg, row.error_pct) == (10.0, 9.0, 1.0, 10.0)
    # What no sub-meter measured is the total's own remainder: no sub-meter carries it.
    assert row.shares == {}
    row = row_of(report, 1, "g")
    assert (row.left_kg, row.right_kg, row.error_kg, row.error_pct) == (5.0, 6.0, -1.0, -20.0)
    assert row.shares == {}
    (total,) = report.group_totals
    assert (total.left_kg, total.right_kg, total.error_kg, total.error_pct) == (15.0, 15.0, 0, 0)
    # The sub-meters are a breakdown of the total meter: the site emitted 15 kg, not 30.
    assert report.inventory == Inventory(("t",), {"s1": "g", "s2": "g"}, ())
    assert report.total_kg == 15.0
    assert report.scope_totals == {Scope.ENERGY: 15.0}


def test_nested_overlapping_and_looping_groups_count_each_node_once() -> None:
    """Site 1 > 2/3 and 2 > 4 (nested): only 1 counts; 5 > 6 with 6 also a sub of 1's group
    (overlap) is counted once, in 1; a loop 7 > 8, 8 > 7 counts 7 (the first group's total);
    a group whose total meter is not in the report leaves its sub-meters counted."""
    nodes = {name: node(name, port) for port, name in enumerate("abcdefgh", start=1)}
    groups = [
        GroupInfo("g1", "Site", 1, TVS, ("a",), ("b", "c", "f")),
        GroupInfo("g2", "Hall", 2, TVS, ("b",), ("d",)),
        GroupInfo("g3", "Line", 3, TVS, ("e",), ("f",)),
        GroupInfo("g4", "Loop A", 4, TVS, ("g",), ("h",)),
        GroupInfo("g5", "Loop B", 5, TVS, ("h",), ("g",)),
        GroupInfo("g6", "Elsewhere", 6, TVS, ("zz",), ("e",)),
    ]
    changes = {name: [float(port)] for port, name in enumerate("abcdefgh", start=1)}
    report = assemble(hours(1), nodes, groups, changes, {})
    assert report.inventory == Inventory(
        ("a", "e", "g"),
        {"b": "g1", "c": "g1", "f": "g1", "d": "g2", "h": "g4"},
        (),
    )
    assert report.total_kg == 1.0 + 5.0 + 7.0
    assert report.node_totals == {name: float(port) for port, name in enumerate("abcdefgh", 1)}


def test_a_template_forecast_reads_the_forecast_changes_and_is_no_node() -> None:
    nodes = {"m": node("m", 1)}
    group = GroupInfo("g", "Templated", 2, FVM, None, ("m",))
    report = assemble(hours(3), nodes, [group], {"m": [2.5, 1.0, 1.0]}, {"g": [2.0, None, 0.0]})

    row = row_of(report, 0, "g")
    assert (row.left_kg, row.right_kg, row.error_kg, row.error_pct) == (2.0, 2.5, 0.5, 25.0)
    assert row.shares == {"m": 0.5}
    assert report.periods[1].groups == []  # no forecast then: no row
    row = row_of(report, 2, "g")
    # A forecast of 0 is data: the row is there, its relative error is not.
    assert (row.left_kg, row.right_kg, row.error_kg, row.error_pct) == (0.0, 1.0, 1.0, None)
    (total,) = report.group_totals
    # The group's totals cover the periods it has a row in; the node's, all of its data.
    assert (total.left_kg, total.right_kg, total.error_kg, total.error_pct) == (2.0, 3.5, 1.5, 75)
    assert report.node_totals == {"m": 4.5}
    assert report.total_kg == 4.5  # the forecast is not carbon of any node


def test_a_template_forecast_with_no_forecast_statistics_has_no_rows() -> None:
    group = GroupInfo("g", "Templated", None, FVM, None, ("m",))
    report = assemble(hours(2), {"m": node("m", 1)}, [group], {"m": [1.0, 1.0]}, {})
    assert [period.groups for period in report.periods] == [[], []]
    assert report.group_totals == []


def test_nodes_with_no_data_in_some_periods() -> None:
    nodes = {"a": node("a", 1), "b": node("b", 2), "c": node("c", 3)}
    changes = {"a": [1.0, None, 2.0], "c": [None, None, None]}  # b: no statistics at all
    report = assemble(hours(3), nodes, [], changes, {})

    assert [period.nodes for period in report.periods] == [{"a": 1.0}, {}, {"a": 2.0}]
    assert report.node_totals == {"a": 3.0, "b": 0.0, "c": 0.0}
    assert report.scope_totals == {Scope.ENERGY: 3.0}
    assert report.total_kg == 3.0
    assert report.group_totals == []


def test_a_group_is_skipped_in_a_period_where_a_side_has_no_data() -> None:
    nodes = {"a": node("a", 1), "b": node("b", 2), "c": node("c", 3)}
    group = GroupInfo("g", "Half", None, FVM, ("a",), ("b", "c"))
    silent = GroupInfo("s", "Silent", None, TVS, ("c",), ("c",))
    empty = GroupInfo("e", "No left side", None, TVS, (), ("a",))
    changes = {"a": [1.0, None, 1.0, 0.0], "b": [2.0, 2.0, None, 0.0], "c": [None, 1.0, None, None]}
    report = assemble(hours(4), nodes, [group, silent, empty], changes, {})

    row = row_of(report, 0, "g")  # c has no data, b has: the right side has data
    assert (row.left_kg, row.right_kg, row.error_kg) == (1.0, 2.0, 1.0)
    assert row.shares == {"b": 1.0}
    assert [r.group.entry_id for r in report.periods[1].groups] == ["s"]  # no left side for g
    assert report.periods[2].groups == []  # no right side for g
    row = row_of(report, 3, "g")  # zeros are data; no share of a zero right side
    assert (row.left_kg, row.right_kg, row.error_kg, row.error_pct) == (0.0, 0.0, 0.0, None)
    assert row.shares == {}
    assert [(t.group.entry_id, t.left_kg, t.right_kg) for t in report.group_totals] == [
        ("g", 1.0, 2.0),
        ("s", 1.0, 1.0),
    ]


def test_no_shares_when_the_right_side_has_no_carbon() -> None:
    nodes = {"f": node("f", 1), "m1": node("m1", 2), "m2": node("m2", 3)}
    group = GroupInfo("g", "G", None, FVM, ("f",), ("m1", "m2"))
    report = assemble(hours(1), nodes, [group], {"f": [2.0], "m1": [0.0], "m2": [0.0]}, {})
    row = row_of(report, 0, "g")
    assert (row.error_kg, row.error_pct, row.shares) == (-2.0, -100.0, {})


def test_a_share_goes_only_to_right_members_with_carbon() -> None:
    nodes = {"f": node("f", 1), "m1": node("m1", 2), "m2": node("m2", 3), "m3": node("m3", 4)}
    group = GroupInfo("g", "G", None, FVM, ("f",), ("m1", "m2", "m3"))
    changes = {"f": [1.0], "m1": [0.0], "m2": [3.0], "m3": [None]}
    row = row_of(assemble(hours(1), nodes, [group], changes, {}), 0, "g")
    assert row.shares == {"m2": 2.0}


def test_group_rows_under_the_threshold_line_are_left_out_and_counted() -> None:
    nodes = {name: node(name, port) for port, name in enumerate(("f", "m", "t", "s"), 1)}
    forecast = GroupInfo("g1", "Forecast", 1, FVM, ("f",), ("m",))
    meter = GroupInfo("g2", "Meter", 2, TVS, ("t",), ("s",))
    changes = {
        "f": [1.0, 1.0, 1.0],
        "m": [1.25, 0.5, 1.5],  # errors +0.25, -0.5, +0.5
        "t": [2.0, 2.0, 2.0],
        "s": [2.0, 1.0, 2.125],  # errors 0, +1, -0.125
    }
    report = assemble(hours(3), nodes, [forecast, meter], changes, {}, threshold_kg=0.5)

    kept = [[(r.group.entry_id, r.error_kg) for r in period.groups] for period in report.periods]
    # At or under the line is within tolerance, as for a group's alarm: left out.
    assert kept == [[], [("g2", 1.0)], []]
    assert report.left_out == 5
    assert report.threshold_kg == 0.5
    # The totals still cover every period.
    assert [(t.group.entry_id, t.error_kg) for t in report.group_totals] == [
        ("g1", 0.25),
        ("g2", 0.875),
    ]

    every = assemble(hours(3), nodes, [forecast, meter], changes, {})
    assert every.left_out == 0
    assert sum(len(period.groups) for period in every.periods) == 6
    # A line at 0 leaves out only the rows without any error.
    at_zero = assemble(hours(3), nodes, [forecast, meter], changes, {}, threshold_kg=0.0)
    assert at_zero.left_out == 1
    assert sum(len(period.groups) for period in at_zero.periods) == 5


def test_shares_add_up_to_the_error() -> None:
    """Of a forecast-vs-measured group's error, over its measured ports."""
    nodes = {f"n{i}": node(f"n{i}", i) for i in range(1, 6)}
    group = GroupInfo("g", "G", None, FVM, ("n1",), ("n2", "n3", "n4", "n5"))
    changes = {"n1": [10.0, 0.7], "n2": [0.1, 0.2], "n3": [0.2, 0.3], "n4": [0.3, None]}
    changes["n5"] = [1 / 3, 0.1]
    report = assemble(hours(2), nodes, [group], changes, {})
    for period in report.periods:
        (row,) = period.groups
        assert math.fsum(row.shares.values()) == approx(row.error_kg)
        assert set(row.shares) <= set(group.right)


def test_scope_totals_and_the_grand_total() -> None:
    nodes = {
        "gas": node("gas", 1, Scope.DIRECT),
        "car": node("car", 2, Scope.DIRECT),
        "grid": node("grid", 3, Scope.ENERGY),
        "travel": node("travel", 4, Scope.VALUE_CHAIN),
    }
    changes = {
        "gas": [1.0, 2.0],
        "car": [0.5, None],
        "grid": [4.0, 4.0],
        "travel": [None, 0.25],
    }
    report = assemble(hours(2), nodes, [], changes, {})
    assert report.scope_totals == {Scope.DIRECT: 3.5, Scope.ENERGY: 8.0, Scope.VALUE_CHAIN: 0.25}
    assert report.total_kg == 11.75
    assert report.total_kg == sum(report.node_totals.values())
    assert report.total_kg == sum(report.scope_totals.values())

    no_nodes = assemble(hours(2), {}, [], {}, {})
    assert (no_nodes.scope_totals, no_nodes.node_totals, no_nodes.total_kg) == ({}, {}, 0.0)
    assert [period.nodes for period in no_nodes.periods] == [{}, {}]


def test_a_regions_inventory_per_site_with_its_scopes() -> None:
    """Remote ports carry their site: the counted nodes' kilograms per site and scope, "" for
    the central's own ports; a breakdown is in no site's total, as in no total."""
    nodes = {
        "main": node("main", 1, Scope.ENERGY),
        "a_grid": replace(node("a_grid", 1001, Scope.ENERGY), site="factory-a"),
        "a_gas": replace(node("a_gas", 1002, Scope.DIRECT), site="factory-a"),
        "a_sub": replace(node("a_sub", 1003, Scope.ENERGY), site="factory-a"),
        "b_grid": replace(node("b_grid", 2001, Scope.ENERGY), site="factory-b"),
    }
    changes = {
        "main": [1.0, 2.0],
        "a_grid": [4.0, 4.0],
        "a_gas": [0.5, 0.25],
        "a_sub": [3.0, 3.0],
        "b_grid": [None, 2.5],
    }
    group = GroupInfo("g", "A", 1, TVS, ("a_grid",), ("a_sub",))
    report = assemble(hours(2), nodes, [group], changes, {})
    assert report.site_totals == {"": 3.0, "factory-a": 8.75, "factory-b": 2.5}
    assert report.site_scope_totals == {
        "": {Scope.ENERGY: 3.0},
        "factory-a": {Scope.DIRECT: 0.75, Scope.ENERGY: 8.0},
        "factory-b": {Scope.ENERGY: 2.5},
    }
    assert sum(report.site_totals.values()) == report.total_kg
    for scope, total in report.scope_totals.items():
        assert total == sum(by.get(scope, 0.0) for by in report.site_scope_totals.values())
    # Without a remote port there is no per-site split.
    local = assemble(hours(2), {"main": nodes["main"]}, [], changes, {})
    assert (local.site_totals, local.site_scope_totals) == ({}, {})


def test_a_sites_group_side_is_compared_but_counted_in_no_total() -> None:
    """At the central a site's published group side is a sum of that site's ports: a group may
    bind it, a report lists it, no total (nor its site's) counts it."""
    nodes = {
        "a_grid": replace(node("a_grid", 1001), site="factory-a"),
        "a_sub": replace(node("a_sub", 1002), site="factory-a"),
        "a_total_side": replace(node("a_total_side", 1901), site="factory-a", group_side="total"),
        "a_subs_side": replace(node("a_subs_side", 1902), site="factory-a", group_side="subs"),
    }
    changes = {"a_grid": [4.0], "a_sub": [3.0], "a_total_side": [4.0], "a_subs_side": [3.0]}
    region = GroupInfo("g", "Region", 1, TVS, ("a_total_side",), ("a_subs_side",))
    report = assemble(hours(1), nodes, [region], changes, {})
    assert report.inventory.group_sides == ("a_total_side", "a_subs_side")
    assert report.inventory.counted == ("a_grid", "a_sub")
    assert report.inventory.breakdown_of == {}
    assert report.total_kg == 7.0
    assert report.site_totals == {"factory-a": 7.0}
    row = row_of(report, 0, "g")
    assert (row.left_kg, row.right_kg, row.error_kg) == (4.0, 3.0, 1.0)


def test_avoided_emissions_have_their_own_total_and_the_net_only_when_asked() -> None:
    nodes = {
        "grid": node("grid", 1, Scope.ENERGY),
        "gas": node("gas", 2, Scope.DIRECT),
        "solar": replace(node("solar", 3, Scope.ENERGY), avoided=True),
    }
    changes = {"grid": [4.0, 2.0], "gas": [1.0, None], "solar": [1.5, 2.5]}
    report = assemble(hours(2), nodes, [], changes, {})
    assert report.inventory.avoided == ("solar",)
    assert report.inventory.counted == ("grid", "gas")
    assert (report.total_kg, report.avoided_kg, report.net_kg) == (7.0, 4.0, None)
    assert report.scope_totals == {Scope.DIRECT: 1.0, Scope.ENERGY: 6.0}
    assert report.node_totals["solar"] == 4.0  # its own row, its own figure
    asked = assemble(hours(2), nodes, [], changes, {}, net=True)
    assert asked.net_kg == 3.0
    assert asked.total_kg == 7.0  # the inventory stays gross


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Scope)),
            st.booleans(),
            st.lists(st.one_of(st.none(), st.integers(0, 10_000)), min_size=3, max_size=3),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_avoided_emissions_never_enter_a_scope_subtotal(
    cases: list[tuple[Scope, bool, list[int | None]]],
) -> None:
    """Any nodes, some on export meters: every scope subtotal is its consumption nodes' grams
    exactly, the avoided total is the export nodes', and the net is the one minus the other."""
    nodes = {
        f"n{index}": replace(node(f"n{index}", index + 1, scope), avoided=avoided)
        for index, (scope, avoided, _) in enumerate(cases)
    }
    changes = {
        f"n{index}": [None if grams is None else grams / 1000 for grams in values]
        for index, (_, _, values) in enumerate(cases)
    }
    report = assemble(hours(3), nodes, [], changes, {}, net=True)
    grams = {
        f"n{index}": Fraction(sum(g for g in values if g is not None), 1000)
        for index, (_, _, values) in enumerate(cases)
    }
    for scope in Scope:
        expected = sum(
            (grams[key] for key, info in nodes.items() if info.scope is scope and not info.avoided),
            Fraction(0),
        )
        assert abs(Fraction(report.scope_totals.get(scope, 0.0)) - expected) < Fraction(1, 10**9)
    avoided = sum((grams[key] for key, info in nodes.items() if info.avoided), Fraction(0))
    assert abs(Fraction(report.avoided_kg) - avoided) < Fraction(1, 10**9)
    assert report.net_kg is not None
    assert abs(report.net_kg - (report.total_kg - report.avoided_kg)) < 1e-9


def test_scope_2_location_and_market_based_side_by_side() -> None:
    """The same inventory twice: a node with a market-based factor counts its market-based kg
    in the second, one without counts its location-based kg in both."""
    nodes = {
        "grid": replace(node("grid", 1, Scope.ENERGY), market_factor=0.1, market_source="Tariff"),
        "heat": node("heat", 2, Scope.ENERGY),
        "gas": node("gas", 3, Scope.DIRECT),
        "sub": replace(node("sub", 4, Scope.ENERGY), market_factor=0.1, market_source="Tariff"),
    }
    changes = {"grid": [4.0, 2.0], "heat": [1.0, 1.0], "gas": [0.5, None], "sub": [1.0, 1.0]}
    market = {"grid": [0.8, 0.4], "sub": [0.2, 0.2]}
    group = GroupInfo("g", "Main", 1, TVS, ("grid",), ("sub",))
    report = assemble(hours(2), nodes, [group], changes, {}, market_changes=market)
    assert report.market_node_totals == {"grid": approx(1.2), "sub": approx(0.4)}
    assert report.scope_totals == {Scope.DIRECT: 0.5, Scope.ENERGY: 8.0}
    # The sub-meter is a breakdown in both; heat has no market factor: its 2 kg in both.
    assert report.market_scope_totals == {Scope.DIRECT: 0.5, Scope.ENERGY: approx(3.2)}
    assert report.market_total_kg == approx(3.7)
    without = assemble(hours(2), {"heat": nodes["heat"]}, [], changes, {})
    assert (without.market_total_kg, without.market_scope_totals) == (None, {})


def test_a_group_member_outside_the_report_still_counts_in_the_group() -> None:
    """The sides are read from the changes; only the report's nodes get node rows."""
    group = GroupInfo("g", "G", None, FVM, ("f",), ("m",))
    report = assemble(hours(1), {"m": node("m", 1)}, [group], {"f": [1.0], "m": [3.0]}, {})
    row = row_of(report, 0, "g")
    assert (row.left_kg, row.right_kg, row.error_kg) == (1.0, 3.0, 2.0)
    assert report.periods[0].nodes == {"m": 3.0}
    assert report.total_kg == 3.0


def test_many_small_changes_stay_exact_to_far_below_a_gram() -> None:
    nodes = {"a": node("a", 1)}
    report = assemble(hours(10_000), nodes, [], {"a": [0.1] * 10_000}, {})
    assert report.total_kg == approx(1000.0)
    assert abs(report.total_kg - 1000.0) < 1e-12


# --- changes_between ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sums", "changes"),
    [
        ([], []),
        ([3.0], []),
        ([1.0, 1.0], [0.0]),
        ([1.0, 4.0, 6.5], [3.0, 2.5]),
        ([None, None], [None]),
        ([None, 2.0], [2.0]),  # before the first statistics row the sum counts as 0
        ([None, None, 2.0, 5.0], [None, 2.0, 3.0]),
        ([1.0, None], [None]),  # no data at the end: no change
    ],
)
def test_changes_between(sums: list[float | None], changes: list[float | None]) -> None:
    assert changes_between(sums) == changes


boundary_sums = st.tuples(
    st.integers(0, 5), st.lists(st.integers(0, 10**7).map(lambda g: g / 1000), max_size=10)
).map(
    lambda drawn: [None] * drawn[0] + [float(sum(drawn[1][: i + 1])) for i in range(len(drawn[1]))]
)


@given(boundary_sums)
def test_changes_between_sum_back_to_last_minus_first(sums: list[float | None]) -> None:
    changes = changes_between(sums)
    assert len(changes) == max(len(sums) - 1, 0)
    for (before, after), change in zip(pairwise(sums), changes, strict=True):
        if after is None:
            assert change is None
        else:
            assert change == after - (before or 0.0)
    if len(sums) >= 2:
        total = sum((Fraction(c) for c in changes if c is not None), Fraction(0))
        first, last = sums[0] or 0.0, sums[-1] or 0.0
        assert abs(total - (Fraction(last) - Fraction(first))) < Fraction(1, 10**9)


# --- Random reports against an exact oracle --------------------------------------------------

kilograms = st.one_of(
    st.integers(0, 2_000_000).map(lambda grams: grams / 1000),  # integer grams
    st.decimals(min_value=0, max_value=100, places=2).map(float),  # small decimals
)
maybe_kilograms = st.one_of(st.none(), kilograms, kilograms)


@dataclass
class Scenario:
    windows: list[tuple[datetime, datetime]]
    nodes: dict[str, NodeInfo]
    groups: list[GroupInfo]
    node_changes: dict[str, list[float | None]]
    forecast_changes: dict[str, list[float | None]]
    threshold_kg: float | None


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    periods = draw(st.integers(1, 5))
    ids = [f"n{index}" for index in range(draw(st.integers(1, 5)))]
    nodes = {
        entry_id: NodeInfo(
            entry_id, port, f"Node {port}", draw(st.sampled_from(Scope)), "x", "CO2e"
        )
        for port, entry_id in enumerate(ids, 1)
    }
    # Some nodes have no statistics; "out" is a group member the report has no node row for.
    node_changes = {
        entry_id: draw(st.lists(maybe_kilograms, min_size=periods, max_size=periods))
        for entry_id in [*ids, "out"]
        if draw(st.integers(0, 4))
    }
    members = st.lists(st.sampled_from([*ids, "out"]), unique=True, max_size=4)
    groups = []
    forecast_changes = {}
    for number in range(draw(st.integers(0, 3))):
        entry_id = f"g{number}"
        template = draw(st.booleans())
        left = None if template else tuple(draw(members))
        groups.append(
            GroupInfo(
                entry_id,
                f"Group {number}",
                number,
                draw(st.sampled_from(GroupKind)),
                left,
                tuple(draw(members)),
            )
        )
        if template and draw(st.integers(0, 4)):
            forecast_changes[entry_id] = draw(
                st.lists(maybe_kilograms, min_size=periods, max_size=periods)
            )
    # Half a gram off the grams: no error of the oracle's sits on the line.
    threshold = draw(st.one_of(st.none(), st.integers(0, 3000).map(lambda g: (g + 0.5) / 1000)))
    return Scenario(hours(periods), nodes, groups, node_changes, forecast_changes, threshold)


@dataclass
class OracleRow:
    left: Fraction
    right: Fraction
    error: Fraction
    shares: dict[str, Fraction]


def exact(values: Sequence[float | None] | None, index: int) -> Fraction | None:
    value = None if values is None else values[index]
    return None if value is None else Fraction(value)


def exact_side(
    members: Sequence[str], changes: Mapping[str, Sequence[float | None]], index: int
) -> Fraction | None:
    found = [v for m in members if (v := exact(changes.get(m), index)) is not None]
    return sum(found, Fraction(0)) if found else None


def exact_error(kind: GroupKind, left: Fraction, right: Fraction) -> Fraction:
    return right - left if kind is GroupKind.FORECAST_VS_MEASURED else left - right


def close(value: float, oracle: Fraction) -> bool:
    return abs(Fraction(value) - oracle) < Fraction(1, 10**9)


def close_pct(value: float | None, left: Fraction, error: Fraction) -> bool:
    if left <= 0:
        return value is None
    return value is not None and math.isclose(value, error / left * 100, rel_tol=1e-9, abs_tol=1e-9)


def oracle_rows(
    s: Scenario, index: int, totals: dict[str, list[Fraction]]
) -> tuple[dict[str, OracleRow], int]:
    """The kept group rows of one period, and how many were left out; adds to the side totals."""
    rows: dict[str, OracleRow] = {}
    left_out = 0
    for group in s.groups:
        if group.left is None:
            left = exact(s.forecast_changes.get(group.entry_id), index)
        else:
            left = exact_side(group.left, s.node_changes, index)
        right = exact_side(group.right, s.node_changes, index)
        if left is None or right is None:
            continue
        sides = totals.setdefault(group.entry_id, [Fraction(0), Fraction(0)])
        sides[0] += left
        sides[1] += right
        error = exact_error(group.kind, left, right)
        if s.threshold_kg is not None and abs(error) < Fraction(s.threshold_kg):
            left_out += 1
            continue
        shares = {}
        if right > 0 and group.kind is GroupKind.FORECAST_VS_MEASURED:
            for member in group.right:
                value = exact(s.node_changes.get(member), index)
                if value:
                    shares[member] = value / right * error
        rows[group.entry_id] = OracleRow(left, right, error, shares)
    return rows, left_out


def check_inventory(s: Scenario, found: Inventory) -> set[str]:
    """The inventory's rule, stated as what must hold of any answer; the counted nodes.

    Every node is counted, a plan or a breakdown, one of them; a plan is a forecast port; a
    breakdown is a sub-meter of its group, whose total meter is in the report; following the
    breakdowns up always ends at a counted node (its carbon is in the total once); and no
    counted node is a sub-meter of a group whose total meter is counted (twice).
    """
    counted, plans, breakdowns = set(found.counted), set(found.plans), set(found.breakdown_of)
    assert counted | plans | breakdowns == set(s.nodes)
    assert len(counted) + len(plans) + len(breakdowns) == len(s.nodes)
    forecasts = {
        member
        for group in s.groups
        if group.kind is GroupKind.FORECAST_VS_MEASURED and group.left
        for member in group.left
    }
    assert plans == forecasts & set(s.nodes)
    by_id = {group.entry_id: group for group in s.groups}
    for member, group_id in found.breakdown_of.items():
        group = by_id[group_id]
        assert group.kind is GroupKind.TOTAL_VS_SUB
        assert group.left is not None
        assert member in group.right
        assert member not in group.left
        seen = {member}
        node = member
        while node in found.breakdown_of:
            above = by_id[found.breakdown_of[node]].left or ()
            node = next(m for m in above if m in s.nodes and m not in plans)
            assert node not in seen, "a loop of breakdowns: nothing counted"
            seen.add(node)
        assert node in counted
    for group in s.groups:
        if group.kind is GroupKind.TOTAL_VS_SUB and any(m in counted for m in group.left or ()):
            totals = [m for m in group.left or () if m in s.nodes and m not in plans]
            for member in counted & (set(group.right) - set(group.left or ())):
                # Counted beside its group's counted total only where a loop was cut: one of the
                # group's totals is itself, up its breakdowns, below this member.
                assert any(
                    _up_the_breakdowns(total, member, found, by_id=by_id, plans=plans, s=s)
                    for total in totals
                ), f"{member} counted twice: in {group.entry_id}'s total and on its own"
    return counted


def _up_the_breakdowns(
    node: str,
    wanted: str,
    found: Inventory,
    *,
    by_id: dict[str, GroupInfo],
    plans: set[str],
    s: Scenario,
) -> bool:
    """Whether following ``node``'s breakdowns up (each group's total meter) reaches ``wanted``."""
    seen = set()
    while node in found.breakdown_of and node not in seen:
        seen.add(node)
        above = by_id[found.breakdown_of[node]].left or ()
        node = next(m for m in above if m in s.nodes and m not in plans)
        if node == wanted:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_random_reports_equal_the_exact_oracle(scenario: Scenario) -> None:
    s = scenario
    report = assemble(
        s.windows, s.nodes, s.groups, s.node_changes, s.forecast_changes, s.threshold_kg
    )

    left_out = 0
    totals: dict[str, list[Fraction]] = {}
    assert len(report.periods) == len(s.windows)
    for index, period in enumerate(report.periods):
        assert (period.start, period.end) == s.windows[index]
        expected_nodes = {
            entry_id: value
            for entry_id in s.nodes
            if (value := exact(s.node_changes.get(entry_id), index)) is not None
        }
        assert period.nodes.keys() == expected_nodes.keys()
        assert all(period.nodes[key] == value for key, value in expected_nodes.items())
        expected_rows, skipped = oracle_rows(s, index, totals)
        left_out += skipped
        assert [row.group.entry_id for row in period.groups] == list(expected_rows)
        for row in period.groups:
            oracle = expected_rows[row.group.entry_id]
            assert close(row.left_kg, oracle.left)
            assert close(row.right_kg, oracle.right)
            assert close(row.error_kg, oracle.error)
            assert close_pct(row.error_pct, oracle.left, oracle.error)
            assert row.shares.keys() == oracle.shares.keys()
            assert all(close(row.shares[m], share) for m, share in oracle.shares.items())
            if oracle.shares:
                assert close(math.fsum(row.shares.values()), oracle.error)
    assert report.left_out == left_out
    assert report.threshold_kg == s.threshold_kg

    node_totals = {
        entry_id: sum(
            (v for i in range(len(s.windows)) if (v := exact(s.node_changes.get(entry_id), i))),
            Fraction(0),
        )
        for entry_id in s.nodes
    }
    assert report.node_totals.keys() == node_totals.keys()
    assert all(close(report.node_totals[n], total) for n, total in node_totals.items())
    counted = check_inventory(s, report.inventory)
    scope_totals: dict[Scope, Fraction] = {}
    for entry_id in counted:
        scope = s.nodes[entry_id].scope
        scope_totals[scope] = scope_totals.get(scope, Fraction(0)) + node_totals[entry_id]
    assert list(report.scope_totals) == [scope for scope in Scope if scope in scope_totals]
    assert all(close(report.scope_totals[sc], total) for sc, total in scope_totals.items())
    grand = sum((node_totals[entry_id] for entry_id in counted), Fraction(0))
    assert close(report.total_kg, grand)
    by_period = sum(
        (Fraction(v) for p in report.periods for n, v in p.nodes.items() if n in counted),
        Fraction(0),
    )
    assert close(report.total_kg, by_period)

    assert [total.group.entry_id for total in report.group_totals] == [
        group.entry_id for group in s.groups if group.entry_id in totals
    ]
    for total in report.group_totals:
        left, right = totals[total.group.entry_id]
        error = exact_error(total.group.kind, left, right)
        assert close(total.left_kg, left)
        assert close(total.right_kg, right)
        assert close(total.error_kg, error)
        assert close_pct(total.error_pct, left, error)


# --- default_scope --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("library_scope", "scope"),
    [
        ("scope1", Scope.DIRECT),
        ("scope2_location", Scope.ENERGY),
        ("scope2_market", Scope.ENERGY),
        ("scope2", Scope.ENERGY),
        ("scope3", Scope.VALUE_CHAIN),
    ],
)
def test_a_library_factor_says_its_scope(library_scope: str, scope: Scope) -> None:
    assert default_scope("library", library_scope, "kWh") is scope
    assert default_scope("library", library_scope, "L") is scope
    assert default_scope("library", library_scope, None) is scope


def test_every_library_factor_prices_energy_as_scope_2_and_fuel_as_scope_1() -> None:
    for factor in load_library().values():
        bought = factor.activity in {"electricity", "heat"}
        expected = Scope.ENERGY if bought else Scope.DIRECT
        assert default_scope("library", factor.scope, factor.per_unit) is expected, factor.id


def test_a_live_intensity_is_scope_2() -> None:
    assert default_scope("entity", None, None) is Scope.ENERGY
    assert default_scope("entity", None, "kWh") is Scope.ENERGY


@pytest.mark.parametrize("unit", sorted(ENERGY_UNITS))
def test_a_typed_in_factor_per_energy_unit_is_scope_2(unit: str) -> None:
    assert unit in {"kWh", "MWh", "GJ", "MJ"}
    assert default_scope("custom", None, unit) is Scope.ENERGY


@pytest.mark.parametrize("unit", ["m³", "L", "km", "gal", "kg", "t", "mi", None])
def test_a_typed_in_factor_per_anything_else_is_scope_1(unit: str | None) -> None:
    assert default_scope("custom", None, unit) is Scope.DIRECT


def test_a_water_meter_is_purchased_water_in_the_value_chain() -> None:
    """Whatever the factor is given per; a library factor still says its own scope."""
    assert default_scope("custom", None, "m³", "water") is Scope.VALUE_CHAIN
    assert default_scope("custom", None, "kWh", "water") is Scope.VALUE_CHAIN
    assert default_scope("custom", None, "m³", "gas") is Scope.DIRECT
    assert default_scope("library", "scope1", "m³", "water") is Scope.DIRECT


def test_a_source_measuring_carbon_is_scope_1() -> None:
    assert default_scope("carbon", None, None) is Scope.DIRECT
    assert default_scope("carbon", None, "kWh") is Scope.DIRECT
