"""Tests of a report's rendering: response data, CSV and Markdown."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
import io
import json
import math
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.carbon_tracker.core.comparison import GroupInfo, GroupKind
from custom_components.carbon_tracker.core.port_info import NodeInfo
from custom_components.carbon_tracker.core.scopes import Scope
from custom_components.carbon_tracker.reports.assembly import (
    Report,
    assemble,
)
from custom_components.carbon_tracker.reports.render import (
    CSV_COLUMNS,
    FORMULA_STARTS,
    as_csv,
    as_data,
    as_markdown,
    kg,
    pct,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PACIFIC = ZoneInfo("US/Pacific")
FVM = GroupKind.FORECAST_VS_MEASURED
TVS = GroupKind.TOTAL_VS_SUB
# Two local days in Shanghai (UTC+8 all year): 10 and 11 March 2024.
SHANGHAI_DAYS = [
    (datetime(2024, 3, 9, 16, tzinfo=UTC), datetime(2024, 3, 10, 16, tzinfo=UTC)),
    (datetime(2024, 3, 10, 16, tzinfo=UTC), datetime(2024, 3, 11, 16, tzinfo=UTC)),
]
META = {"title": "Weekly", "period": "day", "trigger": "action"}


NODES = {
    "fa": NodeInfo("fa", 1, "Forecast A", Scope.ENERGY, "typed in", "CO2e"),
    "fb": NodeInfo("fb", 2, "Forecast B", Scope.ENERGY, "typed in", "CO2e"),
    "ma": NodeInfo(
        "ma",
        3,
        "Oven | east",
        Scope.DIRECT,
        "DEFRA 2024",
        "CO2",
        activity_unit="kWh",
        factor_value=0.2,
        factor_row="ng_kwh",
        factor_status="U",
    ),
    "mb": NodeInfo("mb", 4, 'Boiler, "west"\nhall', Scope.DIRECT, "typed in", "CO2e"),
    "t": NodeInfo("t", 5, "Main meter", Scope.ENERGY, "live intensity sensor.grid", "CO2e"),
    "car": NodeInfo("car", 6, "Car", Scope.VALUE_CHAIN, "measured by the source", "CO2e"),
}
LINE = GroupInfo("g1", "Line | 1", 1, FVM, ("fa", "fb"), ("ma", "mb"))
MAIN = GroupInfo("g2", "Main", None, TVS, ("t",), ("ma", "mb", "gone"))
PLAN = GroupInfo("g3", "Plan", 3, FVM, None, ("car",))
# The oven's meter: 15 kWh and 5.002 kWh at 0.2 kg CO2/kWh.
ACTIVITY: dict[str, list[float | None]] = {"ma": [15.0, 5.002]}
CHANGES: dict[str, list[float | None]] = {
    "fa": [1.23456, 2.0],
    "fb": [2.5, 2.0],
    "ma": [3.0, 1.0004],
    "mb": [2.0, 2.0],
    "t": [5.0001, 3.0],
    "car": [None, 0.5],
    "gone": [0.0004, None],  # a member the report has no node for
}
FORECASTS: dict[str, list[float | None]] = {"g3": [1.0, 0.0]}


def sample(threshold_kg: float | None = None) -> Report:
    return assemble(
        SHANGHAI_DAYS,
        NODES,
        [LINE, MAIN, PLAN],
        CHANGES,
        FORECASTS,
        threshold_kg,
        activity_changes=ACTIVITY,
    )


def plain(value: Any) -> bool:
    """Only JSON's own types, and no float that JSON cannot hold."""
    if isinstance(value, dict):
        return all(isinstance(key, str) and plain(item) for key, item in value.items())
    if isinstance(value, list):
        return all(plain(item) for item in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


def floats(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [f for item in value.values() for f in floats(item)]
    if isinstance(value, list):
        return [f for item in value for f in floats(item)]
    return [value] if isinstance(value, float) else []


# --- kg and pct -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.23456, "1.235"), (-0.0004, "0.0"), (-0.0, "0.0"), (0.0005, "0.001"), (-2.5, "-2.5")],
)
def test_kilograms_are_written_to_the_gram_and_never_as_minus_zero(value: float, text: str) -> None:
    assert repr(kg(value)) == text


def test_per_cent_to_two_decimals() -> None:
    assert pct(None) is None
    assert repr(pct(12.3456)) == "12.35"
    assert repr(pct(-0.001)) == "0.0"


# --- as_data ----------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [None, 0.5])
def test_as_data_is_plain_json_that_round_trips(threshold: float | None) -> None:
    data = as_data(sample(threshold), SHANGHAI, META)  # errors of -0.3 g and -0.4 g in it
    assert plain(data)
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert re.search(r"-0\.0\b(?!\d)", text) is None  # no "-0.0"
    assert all(math.copysign(1.0, f) > 0 for f in floats(data) if f == 0.0)
    assert all(f == round(f, 3) for f in floats(data))  # to the gram (per cent: 2 decimals)


def test_as_data_figures() -> None:
    report = sample()
    data = as_data(report, SHANGHAI, META)

    assert {key: data[key] for key in META} == META
    # Each flow once: the main meter (8.0001) and the car (0.5); the oven and the boiler are
    # a breakdown of the main meter, the forecasts are plans.
    assert data["total_kg"] == kg(report.total_kg) == 8.5
    assert data["threshold_kg"] is None
    assert data["group_rows_left_out"] == 0
    assert data["inventory_rules"] == [
        'Sub-meters 3 Oven | east, 4 Boiler, "west"\nhall are a breakdown of the total meter '
        "of Main: counted once, in it, not added again.",
        "Forecast ports 1 Forecast A, 2 Forecast B are plans, not emissions: in no total.",
    ]
    assert data["nodes"][0] == {
        "config_entry_id": "fa",
        "port": 1,
        "name": "Forecast A",
        "scope": "2",
        "activity_unit": None,
        "factor_value": None,
        "factor_unit": None,
        "factor_source": "typed in",
        "factor_row": None,
        "factor_status": None,
        "gas": "CO2e",
        "activity": None,
        "mean_factor": None,
        "total_kg": 3.235,
        "counted_as": "plan",
        "breakdown_of": None,
        "market_based_kg": None,
        "market_factor_value": None,
        "market_factor_source": None,
    }
    # A row that can be checked: activity x factor = kg; the table's row and status.
    oven = data["nodes"][2]
    assert {key: oven[key] for key in oven if key.startswith(("activity", "factor", "mean"))} == {
        "activity_unit": "kWh",
        "factor_value": 0.2,
        "factor_unit": "kg CO2/kWh",
        "factor_source": "DEFRA 2024",
        "factor_row": "ng_kwh",
        "factor_status": "U",
        "activity": 20.002,
        "mean_factor": 0.2,
    }
    assert oven["gas"] == "CO2"
    # The oven is a breakdown of the main meter: nothing in the totals is CO2 only.
    assert data["total_co2_only_kg"] == 0.0
    assert data["scopes_co2_only_kg"] == {"2": 0.0, "3": 0.0}
    assert [node["port"] for node in data["nodes"]] == [1, 2, 3, 4, 5, 6]
    assert [node["total_kg"] for node in data["nodes"]] == [3.235, 4.5, 4.0, 4.0, 8.0, 0.5]
    assert [(node["counted_as"], node["breakdown_of"]) for node in data["nodes"]] == [
        ("plan", None),
        ("plan", None),
        ("breakdown", "g2"),
        ("breakdown", "g2"),
        ("total", None),
        ("total", None),
    ]
    assert data["scopes"] == {"2": 8.0, "3": 0.5}

    line, main, plan = data["groups"]
    # Keys by kind: a forecast against its measurement, a total against its subs.
    assert line == {
        "config_entry_id": "g1",
        "name": "Line | 1",
        "group_number": 1,
        "group_kind": "forecast_vs_measured",
        "forecast_kg": 7.735,
        "measured_kg": 8.0,
        "error_kg": 0.266,  # 8.0004 - 7.73456
        "error_pct": 3.44,  # 0.26584 / 7.73456
    }
    assert main == {
        "config_entry_id": "g2",
        "name": "Main",
        "group_number": None,
        "group_kind": "total_vs_sub",
        "total_kg": 8.0,
        "subs_kg": 8.001,
        "error_kg": -0.001,  # 8.0001 - 8.0008
        "error_pct": -0.01,
    }
    assert plan["forecast_kg"] == 0.0  # the day with its measurement only: 0 kg forecast
    assert plan["error_pct"] is None

    first, second = data["periods"]
    assert first["nodes"] == {"1": 1.235, "2": 2.5, "3": 3.0, "4": 2.0, "5": 5.0}
    assert first["activity"] == {"3": 15.0}
    assert second["activity"] == {"3": 5.002}
    # Everything compiled: complete, covered to the end.
    assert first["complete"] is True
    assert first["statistics_until"] == first["end"]
    assert set(first["covered_until"].values()) == {first["end"]}
    assert data["complete"] is True
    assert second["nodes"] == {"1": 2.0, "2": 2.0, "3": 1.0, "4": 2.0, "5": 3.0, "6": 0.5}
    line_row, main_row = first["groups"]  # no car in the first period: no row for the plan
    assert line_row == {
        "config_entry_id": "g1",
        "name": "Line | 1",
        "group_number": 1,
        "forecast_kg": 3.735,
        "measured_kg": 5.0,
        "error_kg": 1.265,
        "error_pct": 33.88,
        "shares_kg": {"3": 0.759, "4": 0.506},  # 3/5 and 2/5 of 1.26544
    }
    assert set(main_row) == {
        "config_entry_id",
        "name",
        "group_number",
        "total_kg",
        "subs_kg",
        "error_kg",
        "error_pct",
        "shares_kg",
    }
    # 5.0001 - 5.0004: unaccounted, the total's own; no sub-meter carries a share of it.
    assert main_row["error_kg"] == 0.0
    assert main_row["shares_kg"] == {}
    plan_row = second["groups"][2]
    assert plan_row["forecast_kg"] == 0.0
    assert plan_row["error_pct"] is None
    assert plan_row["shares_kg"] == {"6": 0.5}


def test_as_data_with_a_threshold() -> None:
    data = as_data(sample(0.5), SHANGHAI, {})
    assert data["threshold_kg"] == 0.5
    # Left out: Main on both days (-0.0003 and -0.0004 kg) and the Plan's +0.5, on the line
    # (within tolerance, as for a group's alarm).
    assert data["group_rows_left_out"] == 3
    assert [[row["name"] for row in period["groups"]] for period in data["periods"]] == [
        ["Line | 1"],
        ["Line | 1"],
    ]
    assert len(data["groups"]) == 3  # the totals keep every group


def test_as_data_times_carry_the_zones_offset() -> None:
    data = as_data(sample(), SHANGHAI, {})
    assert [(p["start"], p["end"]) for p in data["periods"]] == [
        ("2024-03-10T00:00:00+08:00", "2024-03-11T00:00:00+08:00"),
        ("2024-03-11T00:00:00+08:00", "2024-03-12T00:00:00+08:00"),
    ]


PACIFIC_DAYS = [  # 9, 10 (23 hours: clocks go forward at 02:00) and 11 March 2024
    (datetime(2024, 3, 9, 8, tzinfo=UTC), datetime(2024, 3, 10, 8, tzinfo=UTC)),
    (datetime(2024, 3, 10, 8, tzinfo=UTC), datetime(2024, 3, 11, 7, tzinfo=UTC)),
    (datetime(2024, 3, 11, 7, tzinfo=UTC), datetime(2024, 3, 12, 7, tzinfo=UTC)),
]
PACIFIC_TIMES = [
    ("2024-03-09T00:00:00-08:00", "2024-03-10T00:00:00-08:00"),
    ("2024-03-10T00:00:00-08:00", "2024-03-11T00:00:00-07:00"),
    ("2024-03-11T00:00:00-07:00", "2024-03-12T00:00:00-07:00"),
]


def pacific_report() -> Report:
    nodes = {"a": NODES["fa"]}
    return assemble(PACIFIC_DAYS, nodes, [], {"a": [1.0, 2.0, 3.0]}, {})


def test_times_across_a_daylight_saving_change() -> None:
    report = pacific_report()
    assert (PACIFIC_DAYS[1][1] - PACIFIC_DAYS[1][0]) == timedelta(hours=23)
    data = as_data(report, PACIFIC, {})
    assert [(p["start"], p["end"]) for p in data["periods"]] == PACIFIC_TIMES
    rows = list(csv.reader(io.StringIO(as_csv(report, PACIFIC))))
    assert [tuple(row[1:3]) for row in rows if row[0] == "node"] == PACIFIC_TIMES
    assert rows[0][1:3] == ["period_start", "period_end"]
    markdown = as_markdown(report, PACIFIC, "DST")
    for start, end in PACIFIC_TIMES:
        assert f"## {start} to {end}" in markdown.splitlines()


def test_times_given_in_another_zone_are_written_in_the_reports() -> None:
    shifted = [
        (start.astimezone(PACIFIC), end.astimezone(ZoneInfo("Asia/Kolkata")))
        for start, end in SHANGHAI_DAYS
    ]
    report = assemble(shifted, {}, [], {}, {})
    data = as_data(report, SHANGHAI, {})
    assert data["periods"][0]["start"] == "2024-03-10T00:00:00+08:00"
    assert data["periods"][1]["end"] == "2024-03-12T00:00:00+08:00"


# --- as_csv -----------------------------------------------------------------------------------


def _cells(**cells: Any) -> list[Any]:
    return [cells.get(column) for column in CSV_COLUMNS]


def expected_csv_rows(report: Report, zone: ZoneInfo) -> list[list[Any]]:
    """Every row the CSV should have, figures as the report has them (not yet rounded)."""
    sides = {FVM: ("forecast", "measured"), TVS: ("total", "subs")}
    nodes = report.nodes
    ports = sorted(nodes, key=lambda entry_id: nodes[entry_id].port)
    inventory = report.inventory
    groups = {total.group.entry_id: total.group for total in report.group_totals}

    def node(entry_id: str) -> dict[str, Any]:
        info = nodes[entry_id]
        counted_as = "total"
        part_of = None
        if entry_id in inventory.plans:
            counted_as = "plan"
        elif (group_id := inventory.breakdown_of.get(entry_id)) is not None:
            counted_as = "breakdown"
            group = groups[group_id]
            part_of = group.name if group.number is None else f"G{group.number} {group.name}"
        return {
            "port": info.port,
            "node": info.name,
            "scope": info.scope.value,
            "gas": info.gas,
            "counted_as": counted_as,
            "part_of_group": part_of,
        }

    def group(info: GroupInfo) -> dict[str, Any]:
        left, right = sides[info.kind]
        return {
            "group_number": info.number,
            "group": info.name,
            "left_side": left,
            "right_side": right,
        }

    rows: list[list[Any]] = []
    for period in report.periods:
        times = {
            "period_start": period.start.astimezone(zone).isoformat(),
            "period_end": period.end.astimezone(zone).isoformat(),
        }
        for entry_id in ports:
            if entry_id in period.nodes or entry_id in period.activity:
                rows.append(
                    _cells(
                        section="node",
                        **times,
                        covered_until=times["period_end"],
                        **node(entry_id),
                        activity=period.activity.get(entry_id),
                        activity_unit=nodes[entry_id].activity_unit,
                        kg=period.nodes.get(entry_id),
                    )
                )
        for row in period.groups:
            rows.append(
                _cells(
                    section="group",
                    **times,
                    **group(row.group),
                    left_kg=row.left_kg,
                    right_kg=row.right_kg,
                    error_kg=row.error_kg,
                    error_pct=row.error_pct,
                )
            )
            for entry_id in ports:
                if entry_id in row.shares:
                    info = nodes[entry_id]
                    rows.append(
                        _cells(
                            section="share",
                            **times,
                            **group(row.group),
                            port=info.port,
                            node=info.name,
                            kg=row.shares[entry_id],
                        )
                    )
    for entry_id in ports:
        info = nodes[entry_id]
        rows.append(
            _cells(
                section="node_total",
                **node(entry_id),
                activity=report.activity_totals.get(entry_id),
                activity_unit=info.activity_unit,
                factor_value=info.factor_value,
                factor_unit=info.factor_unit,
                factor_source=info.factor,
                factor_row=info.factor_row,
                factor_status=info.factor_status,
                kg=report.node_totals[entry_id],
            )
        )
    for total in report.group_totals:
        if total.group.entry_id in inventory.breakdown_of.values():
            rows.append(
                _cells(section="unaccounted_total", **group(total.group), kg=total.error_kg)
            )
    for scope, total in report.scope_totals.items():
        rows.append(
            _cells(
                section="scope_total",
                scope=scope.value,
                kg=total,
                co2_only_kg=report.scope_co2_only[scope],
            )
        )
    rows.append(_cells(section="total", kg=report.total_kg, co2_only_kg=report.co2_only_kg))
    return rows


KG_COLUMNS = ("kg", "co2_only_kg", "left_kg", "right_kg", "error_kg")


@pytest.mark.parametrize("threshold", [None, 0.5])
def test_as_csv_has_every_figure_of_the_report(threshold: float | None) -> None:
    report = sample(threshold)
    text = as_csv(report, SHANGHAI)
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == list(CSV_COLUMNS)
    expected = expected_csv_rows(report, SHANGHAI)
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        assert len(row) == len(header)
        for column, cell, value in zip(CSV_COLUMNS, row, want, strict=True):
            if value is None:
                assert cell == "", column
            elif column in KG_COLUMNS:
                assert float(cell) == kg(value), column
                assert cell != "-0.0"
            elif column == "error_pct":
                assert float(cell) == pct(value)
            elif isinstance(value, float):
                assert float(cell) == value, column
            else:
                assert cell == str(value), column
    sections = [row[0] for row in rows]
    order = {
        "node": 0,
        "group": 0,
        "share": 0,
        "node_total": 1,
        "unaccounted_total": 2,
        "scope_total": 3,
        "total": 4,
    }
    assert [order[section] for section in sections] == sorted(order[s] for s in sections)
    assert sections[-1] == "total"
    assert set(sections) == set(order)


def test_as_csv_reads_as_a_table() -> None:
    """pandas-style reading: one header, every row as wide, numbers without units, node rows
    of a period sorted by port (10 after 6)."""
    nodes = {
        "ten": NodeInfo("ten", 10, "Ten", Scope.ENERGY, "typed in", "CO2e"),
        "six": NodeInfo("six", 6, "Six", Scope.ENERGY, "typed in", "CO2e"),
    }
    report = assemble(SHANGHAI_DAYS[:1], nodes, [], {"ten": [1.0], "six": [2.0]}, {})
    rows = list(csv.DictReader(io.StringIO(as_csv(report, SHANGHAI))))
    assert [(row["section"], row["port"]) for row in rows] == [
        ("node", "6"),
        ("node", "10"),
        ("node_total", "6"),
        ("node_total", "10"),
        ("scope_total", ""),
        ("total", ""),
    ]
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    assert [float(row["kg"]) for row in rows] == [2.0, 1.0, 2.0, 1.0, 3.0, 3.0]
    assert rows[0]["period_start"] == "2024-03-10T00:00:00+08:00"


def test_as_csv_by_hand() -> None:
    rows = list(csv.DictReader(io.StringIO(as_csv(sample(), SHANGHAI))))
    day = {"period_start": "2024-03-10T00:00:00+08:00", "period_end": "2024-03-11T00:00:00+08:00"}

    def find(**cells: str) -> dict[str, str]:
        (found,) = [row for row in rows if all(row[key] == value for key, value in cells.items())]
        return found

    first = rows[0]
    assert (first["section"], first["port"], first["node"], first["kg"]) == (
        "node",
        "1",
        "Forecast A",
        "1.235",
    )
    assert first["counted_as"] == "plan"
    assert find(section="node", **day, port="4")["node"] == 'Boiler, "west"\nhall'  # intact
    oven = find(section="node", **day, port="3")
    assert (oven["activity"], oven["activity_unit"], oven["kg"]) == ("15.0", "kWh", "3.0")
    assert (oven["counted_as"], oven["part_of_group"]) == ("breakdown", "Main")
    assert oven["covered_until"] == day["period_end"]
    line = find(section="group", **day, group="Line | 1")
    assert (line["group_number"], line["left_side"], line["left_kg"]) == ("1", "forecast", "3.735")
    assert (line["error_pct"], line["right_side"]) == ("33.88", "measured")
    main = find(section="group", **day, group="Main")
    assert (main["right_kg"], main["error_kg"], main["group_number"]) == ("5.0", "0.0", "")
    assert find(section="share", **day, port="3")["kg"] == "0.759"
    assert not any("gone" in cell for row in rows for cell in row.values())
    plan = find(section="group", period_start="2024-03-11T00:00:00+08:00", group="Plan")
    assert plan["error_pct"] == ""
    oven_total = find(section="node_total", port="3")
    assert {key: oven_total[key] for key in CSV_COLUMNS if oven_total[key]} == {
        "section": "node_total",
        "port": "3",
        "node": "Oven | east",
        "scope": "1",
        "counted_as": "breakdown",
        "part_of_group": "Main",
        "activity": "20.002",
        "activity_unit": "kWh",
        "factor_value": "0.2",
        "factor_unit": "kg CO2/kWh",
        "factor_source": "DEFRA 2024",
        "factor_row": "ng_kwh",
        "factor_status": "U",
        "gas": "CO2",
        "kg": "4.0",
    }
    assert find(section="unaccounted_total")["kg"] == "-0.001"
    assert [(row["scope"], row["kg"]) for row in rows if row["section"] == "scope_total"] == [
        ("2", "8.0"),
        ("3", "0.5"),
    ]
    assert (rows[-1]["section"], rows[-1]["kg"], rows[-1]["co2_only_kg"]) == ("total", "8.5", "0.0")


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil","open")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_as_csv_writes_no_cell_a_spreadsheet_reads_as_a_formula(name: str) -> None:
    """A group named like a formula is written as text (a leading apostrophe); figures that
    are negative stay numbers."""
    group = GroupInfo("g9", name, None, TVS, ("ma",), ("t",))  # sub above total: error < 0
    report = assemble(SHANGHAI_DAYS, NODES, [group], CHANGES, FORECASTS)
    rows = list(csv.DictReader(io.StringIO(as_csv(report, SHANGHAI))))
    subjects = {row["group"] for row in rows if row["section"] == "group"}
    assert subjects == {"'" + name}
    for row in rows:
        for cell in row.values():
            if cell.startswith(FORMULA_STARTS):
                float(cell)  # only a number may start so (a negative error)
    assert any(row["section"] == "group" and row["error_kg"].startswith("-") for row in rows)


def test_as_csv_of_an_empty_report() -> None:
    report = assemble([], {}, [], {}, {})
    header, total = as_csv(report, UTC).splitlines()
    assert header == ",".join(CSV_COLUMNS)
    cells = dict(zip(CSV_COLUMNS, total.split(","), strict=True))
    assert {key: value for key, value in cells.items() if value} == {
        "section": "total",
        "kg": "0.0",
        "co2_only_kg": "0.0",
    }


# --- as_markdown ------------------------------------------------------------------------------


def test_as_markdown() -> None:
    text = as_markdown(sample(), SHANGHAI, "March | days")
    lines = text.splitlines()
    assert lines[0] == "# March | days"
    assert "**Total: 8.5 kg**" in lines
    # The scopes: each flow once.
    assert lines[lines.index("| Scope | kg | of which CO2 only |") + 1] == "|---|---:|---:|"
    assert {"| 2 | 8 | 0 |", "| 3 | 0.5 | 0 |"} <= set(lines)
    assert "| 1 | 8 | 0 |" not in lines  # the oven and the boiler are in the main meter's 8 kg
    # The nodes; a "|" in a name is escaped, a line break is a space; how each counts; the
    # activity and the factor to check each row by; an unverified row of the table flagged.
    assert (
        "| Port | Node | Scope | Activity | Factor | Source | Gas | kg | In the totals |" in lines
    )
    assert "| 1 | Forecast A | 2 | - | - | typed in | CO2e | 3.235 | no: a plan |" in lines
    assert (
        "| 3 | Oven \\| east | 1 | 20.002 kWh | 0.2 kg CO2/kWh | "
        "DEFRA 2024 [row ng_kwh] [U: unverified] | CO2 | 4 | in Main |"
    ) in lines
    assert '| 4 | Boiler, "west" hall | 1 | - | - | typed in | CO2e | 4 | in Main |' in lines
    assert "| 5 | Main meter | 2 | - | - | live intensity sensor.grid | CO2e | 8 | yes |" in lines
    assert (
        '- Sub-meters 3 Oven \\| east, 4 Boiler, "west" hall are a breakdown of the total meter '
        "of Main: counted once, in it, not added again."
    ) in lines
    # Every row of a table has as many cells as its header: escaped "|"s are no cell borders.
    tables = [[]]
    for line in lines:
        if line.startswith("|"):
            tables[-1].append(line.replace("\\|", "").count("|"))
        elif tables[-1]:
            tables.append([])
    assert [len(set(table)) for table in tables if table] == [1, 1, 1]
    # The groups.
    assert "| Group | Left kg | Right kg | Error kg | Error % |" in lines
    assert "| G1 Line \\| 1 | 7.735 | 8 | +0.266 | +3.44 % |" in lines
    assert "| Main | 8 | 8.001 | -0.001 | -0.01 % |" in lines
    assert "| G3 Plan | 0 | 0.5 | +0.5 | - |" in lines
    assert not any(line.startswith("Group rows with an error under") for line in lines)
    # Each period.
    first = lines.index("## 2024-03-10T00:00:00+08:00 to 2024-03-11T00:00:00+08:00")
    second = lines.index("## 2024-03-11T00:00:00+08:00 to 2024-03-12T00:00:00+08:00")
    assert first < second
    assert lines[first + 2] == "- 1 Forecast A: 1.235 kg"
    assert "- 3 Oven \\| east: 3 kg (15 kWh)" in lines[first:second]
    assert (
        "- G1 Line \\| 1: forecast 3.735 kg, measured 5 kg, error +1.265 kg (+33.88 %); "
        "shares 3: +0.759 kg, 4: +0.506 kg"
    ) in lines[first:second]
    assert "- Main: total 5 kg, subs 5 kg, error +0 kg (-0.01 %)" in lines[first:second]
    assert (
        "- G3 Plan: forecast 0 kg, measured 0.5 kg, error +0.5 kg (-); shares 6: +0.5 kg"
        in (lines[second:])
    )


def test_as_markdown_says_what_the_threshold_left_out() -> None:
    text = as_markdown(sample(0.5), SHANGHAI, "T")
    assert "Group rows with an error at or under 0.5 kg are left out (3)." in text.splitlines()
    none_left_out = as_markdown(sample(0.0), SHANGHAI, "T")
    lines = none_left_out.splitlines()
    assert "Group rows with an error at or under 0 kg are left out (0)." in lines
    assert "left out" not in as_markdown(sample(), SHANGHAI, "T")


def test_as_markdown_without_scopes_or_groups() -> None:
    text = as_markdown(assemble(SHANGHAI_DAYS[:1], {}, [], {}, {}), SHANGHAI, "Empty")
    assert text.splitlines() == [
        "# Empty",
        "",
        "**Total: 0 kg**",
        "",
        "| Port | Node | Scope | Activity | Factor | Source | Gas | kg | In the totals |",
        "|---:|---|---|---:|---|---|---|---:|---|",
        "",
        "## 2024-03-10T00:00:00+08:00 to 2024-03-11T00:00:00+08:00",
        "",
    ]


def test_a_group_row_without_shares_says_none() -> None:
    nodes = {"f": NODES["fa"], "m": NODES["ma"]}
    group = GroupInfo("g", "G", None, FVM, ("f",), ("m",))
    report = assemble(SHANGHAI_DAYS[:1], nodes, [group], {"f": [2.0], "m": [0.0]}, {})
    lines = as_markdown(report, SHANGHAI, "T").splitlines()
    assert "- G: forecast 2 kg, measured 0 kg, error -2 kg (-100 %)" in lines


def test_as_markdown_writes_large_figures_to_the_gram() -> None:
    nodes = {"a": NODES["fa"]}
    report = assemble(SHANGHAI_DAYS[:1], nodes, [], {"a": [1234567.891]}, {})
    text = as_markdown(report, SHANGHAI, "Year")
    assert "**Total: 1234567.891 kg**" in text.splitlines()
    assert "- 1 Forecast A: 1234567.891 kg" in text.splitlines()


def test_a_period_not_compiled_to_its_end_says_so() -> None:
    """Statistics stop at the last compiled hour; a person's declarations run to when the report
    was made. Each row says what it covers, in the data, the CSV and the Markdown."""
    declared = NodeInfo("me", 7, "Me", Scope.VALUE_CHAIN, "declared", "CO2e", declared=True)
    nodes = {"a": NODES["fa"], "me": declared}
    start, _ = SHANGHAI_DAYS[1]
    compiled = start + timedelta(hours=9)
    made = start + timedelta(hours=9, minutes=40)
    report = assemble(
        SHANGHAI_DAYS,
        nodes,
        [],
        {"a": [1.0, 2.0], "me": [3.0, 4.0]},
        {},
        statistics_until=compiled,
        as_of=made,
    )
    data = as_data(report, SHANGHAI, {})
    done, today = data["periods"]
    assert (done["complete"], done["statistics_until"]) == (True, done["end"])
    assert (today["complete"], today["statistics_until"]) == (False, "2024-03-11T09:00:00+08:00")
    assert today["covered_until"] == {
        "1": "2024-03-11T09:00:00+08:00",
        "7": "2024-03-11T09:40:00+08:00",
    }
    assert data["complete"] is False
    rows = list(csv.DictReader(io.StringIO(as_csv(report, SHANGHAI))))
    assert [row["covered_until"] for row in rows if row["section"] == "node"] == [
        "2024-03-11T00:00:00+08:00",
        "2024-03-11T00:00:00+08:00",
        "2024-03-11T09:00:00+08:00",
        "2024-03-11T09:40:00+08:00",
    ]
    lines = as_markdown(report, SHANGHAI, "Today").splitlines()
    assert lines[lines.index("**Total: 10 kg**") + 2].startswith("Not complete:")
    heading = "## 2024-03-11T00:00:00+08:00 to 2024-03-12T00:00:00+08:00"
    assert f"{heading} (statistics to 2024-03-11T09:00:00+08:00)" in lines
    assert "- 7 Me: 4 kg, declared to 2024-03-11T09:40:00+08:00" in lines
    assert "## 2024-03-10T00:00:00+08:00 to 2024-03-11T00:00:00+08:00" in lines


# --- a region's report ------------------------------------------------------------------------


def region_report() -> Report:
    """The central's own grid meter and two sites' remote ports."""
    nodes = {
        "main": NodeInfo("main", 1, "Region main", Scope.ENERGY, "typed in", "CO2e"),
        "a1": NodeInfo(
            "a1", 1001, "A grid", Scope.ENERGY, "site a: typed in", "CO2e", site="factory-a"
        ),
        "a2": NodeInfo(
            "a2", 1002, "A gas", Scope.DIRECT, "site a: typed in", "CO2e", site="factory-a"
        ),
        "b1": NodeInfo(
            "b1", 2001, "B grid", Scope.ENERGY, "site b: typed in", "CO2e", site="factory-b"
        ),
        "b_side": NodeInfo(
            "b_side",
            2901,
            "G1 · B · measured",
            Scope.VALUE_CHAIN,
            "site b: not said",
            "CO2e",
            site="factory-b",
            group_side="measured",
        ),
    }
    changes: dict[str, list[float | None]] = {
        "main": [0.5, 0.25],
        "a1": [2.0, 1.0],
        "a2": [0.125, None],
        "b1": [4.0, 4.0],
        "b_side": [4.0, 4.0],
    }
    return assemble(SHANGHAI_DAYS, nodes, [], changes, {})


def test_a_regions_report_has_each_sites_inventory_in_every_format() -> None:
    report = region_report()
    data = as_data(report, SHANGHAI, {"title": "Region"})
    assert data["sites"] == [
        {"site": None, "total_kg": 0.75, "scopes": {"2": 0.75}},
        {"site": "factory-a", "total_kg": 3.125, "scopes": {"1": 0.125, "2": 3.0}},
        {"site": "factory-b", "total_kg": 8.0, "scopes": {"2": 8.0}},
    ]
    rows = list(csv.DictReader(io.StringIO(as_csv(report, SHANGHAI))))
    by_site = {
        (row["site"], row["scope"]): row["kg"]
        for row in rows
        if row["section"] in {"site_total", "site_scope_total"}
    }
    assert by_site == {
        ("", "2"): "0.75",
        ("", ""): "0.75",
        ("factory-a", "1"): "0.125",
        ("factory-a", "2"): "3.0",
        ("factory-a", ""): "3.125",
        ("factory-b", "2"): "8.0",
        ("factory-b", ""): "8.0",
    }
    side = next(row for row in data["nodes"] if row["port"] == 2901)
    assert side["counted_as"] == "group_side"
    assert data["inventory_rules"] == [
        "Ports 2901 G1 · B · measured are sides of a site's binding group, sums of that site's "
        "ports: compared, in no total."
    ]
    markdown = as_markdown(report, SHANGHAI, "Region")
    assert "| 2901 | G1 · B · measured | 3 |" in markdown
    assert "| 8 | no: a site's group side |" in markdown
    assert "| Site | Scope 1 | Scope 2 | kg |" in markdown
    assert "| this site | 0 | 0.75 | 0.75 |" in markdown
    assert "| factory-a | 0.125 | 3 | 3.125 |" in markdown
    assert "| factory-b | 0 | 8 | 8 |" in markdown


def test_a_report_without_remote_ports_has_no_site_rows() -> None:
    report = sample()
    assert as_data(report, SHANGHAI, {"title": "T"})["sites"] == []
    assert "| Site |" not in as_markdown(report, SHANGHAI, "T")
    rows = list(csv.DictReader(io.StringIO(as_csv(report, SHANGHAI))))
    assert not [row for row in rows if row["section"].startswith("site_")]


def test_avoided_emissions_and_the_net_in_every_format() -> None:
    nodes = {
        "grid": NodeInfo("grid", 1, "Grid", Scope.ENERGY, "typed in", "CO2e"),
        "solar": NodeInfo(
            "solar", 2, "Solar export", Scope.ENERGY, "typed in", "CO2e", avoided=True
        ),
    }
    changes: dict[str, list[float | None]] = {"grid": [4.0, 2.0], "solar": [1.5, 0.25]}
    report = assemble(SHANGHAI_DAYS, nodes, [], changes, {}, net=True)
    data = as_data(report, SHANGHAI, {"title": "Home"})
    assert (data["total_kg"], data["avoided_kg"], data["net_kg"]) == (6.0, 1.75, 4.25)
    assert data["scopes"] == {"2": 6.0}
    solar = next(row for row in data["nodes"] if row["port"] == 2)
    assert solar["counted_as"] == "avoided"
    assert any("avoided emissions" in rule for rule in data["inventory_rules"])
    rows = list(csv.DictReader(io.StringIO(as_csv(report, SHANGHAI))))
    totals = {row["section"]: row["kg"] for row in rows if row["section"].endswith("total")}
    assert (totals["total"], totals["avoided_total"], totals["net_total"]) == (
        "6.0",
        "1.75",
        "4.25",
    )
    markdown = as_markdown(report, SHANGHAI, "Home")
    assert (
        "Avoided emissions (energy exported or generated, outside the inventory): 1.75 kg"
        in markdown
    )
    assert "Net (the total minus the avoided emissions, as asked): 4.25 kg" in markdown
    assert "| 2 | Solar export | 2 |" in markdown
    assert "no: avoided emissions |" in markdown
    # Not asked: no net anywhere.
    plain_report = assemble(SHANGHAI_DAYS, nodes, [], changes, {})
    assert as_data(plain_report, SHANGHAI, {"title": "Home"})["net_kg"] is None
    assert "Net (" not in as_markdown(plain_report, SHANGHAI, "Home")
    assert "net_total" not in as_csv(plain_report, SHANGHAI)


def test_scope_2_both_ways_in_every_format() -> None:
    nodes = {
        "grid": NodeInfo(
            "grid",
            1,
            "Grid",
            Scope.ENERGY,
            "UK DESNZ 2025",
            "CO2e",
            market_factor=0.05,
            market_source="Supplier X 2026",
        ),
        "gas": NodeInfo("gas", 2, "Boiler", Scope.DIRECT, "typed in", "CO2e"),
    }
    changes: dict[str, list[float | None]] = {"grid": [4.0, 2.0], "gas": [1.0, 1.0]}
    report = assemble(SHANGHAI_DAYS, nodes, [], changes, {}, market_changes={"grid": [1.0, 0.5]})
    data = as_data(report, SHANGHAI, {"title": "Home"})
    assert data["scopes"] == {"1": 2.0, "2": 6.0}
    assert data["scopes_market_based"] == {"1": 2.0, "2": 1.5}
    assert (data["total_kg"], data["total_market_based_kg"]) == (8.0, 3.5)
    grid = next(row for row in data["nodes"] if row["port"] == 1)
    assert (grid["total_kg"], grid["factor_source"]) == (6.0, "UK DESNZ 2025")
    assert (grid["market_based_kg"], grid["market_factor_value"], grid["market_factor_source"]) == (
        1.5,
        0.05,
        "Supplier X 2026",
    )
    rows = list(csv.DictReader(io.StringIO(as_csv(report, SHANGHAI))))
    scope_2 = next(r for r in rows if r["section"] == "scope_total" and r["scope"] == "2")
    assert (scope_2["kg"], scope_2["market_based_kg"]) == ("6.0", "1.5")
    total = next(r for r in rows if r["section"] == "total")
    assert (total["kg"], total["market_based_kg"]) == ("8.0", "3.5")
    node_total = next(r for r in rows if r["section"] == "node_total" and r["port"] == "1")
    assert node_total["market_factor_source"] == "Supplier X 2026"
    markdown = as_markdown(report, SHANGHAI, "Home")
    assert "| Scope | kg, location-based | kg, market-based |" in markdown
    assert "| 2 | 6 | 1.5 |" in markdown
    assert "| all | 8 | 3.5 |" in markdown
    assert (
        "- 1 Grid: 1.5 kg at 0.05 kg CO2e/kWh (Supplier X 2026); "
        "location-based 6 kg at UK DESNZ 2025" in markdown
    )
    plain = assemble(SHANGHAI_DAYS, {"gas": nodes["gas"]}, [], changes, {})
    assert as_data(plain, SHANGHAI, {"title": "Home"})["scopes_market_based"] is None
    assert "market-based" not in as_markdown(plain, SHANGHAI, "Home")
