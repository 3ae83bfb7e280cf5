"""The ``carbon_tracker.generate_report`` action against imported long-term statistics.

The clock is frozen (Thursday 2026-12-10 12:00 in US/Pacific, the test hass's time zone) and
hourly statistics are imported for the nodes' carbon sensors (and for the forecast sensor of a
group whose forecast is a template), then every figure of the response is compared with a value
computed by hand from the imported hours. Files go to a temporary config folder only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
import csv
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.statistics import (
    statistic_during_period,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, get_test_config_dir
import voluptuous as vol

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.core.library_store import factor_table
from custom_components.carbon_tracker.reports.render import CSV_COLUMNS
from tests.common import (
    group_entry,
    import_hourly_sums,
    meter_id,
    node_carbon_id,
    node_entry,
    recorded,
    set_meter,
    setup_node,
)

pytestmark = pytest.mark.freeze_time("2026-12-10 20:00:00+00:00")

PACIFIC = ZoneInfo("US/Pacific")
HOUR = timedelta(hours=1)
NOW = datetime(2026, 12, 10, 12, tzinfo=PACIFIC)
REPORTS = Path("carbon_tracker") / "reports"

type Rate = Callable[[datetime], float | None]


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Reports are written into a temporary config folder, never the shared testing one."""
    return hass_tmp_config_dir


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    """A local wall-clock time in US/Pacific, as UTC."""
    return datetime(year, month, day, hour, tzinfo=PACIFIC).astimezone(UTC)


def hours(start: datetime, end: datetime, rate: Rate | float) -> list[tuple[datetime, float]]:
    """(hour start in UTC, kg) for each hour of [start, end); a rate of None: no row (HA down)."""
    rows = []
    moment = start
    while moment < end:
        kg = rate(moment) if callable(rate) else rate
        if kg is not None:
            rows.append((moment, kg))
        moment += HOUR
    return rows


def import_rows(
    hass: HomeAssistant,
    statistic_id: str,
    rows: Iterable[tuple[datetime, float]],
    *,
    unit: str = "kg",
    scale: float = 1.0,
    unit_class: str = "mass",
) -> None:
    """Import hourly statistics: each hour's kg (times ``scale``), the sum running from 0."""
    starts, amounts = zip(*rows, strict=True) if rows else ((), ())
    sums = accumulate(amount * scale for amount in amounts)
    import_hourly_sums(
        hass, statistic_id, zip(starts, sums, strict=True), unit=unit, unit_class=unit_class
    )


def carbon_between(rows: Iterable[tuple[datetime, float]], start: datetime, end: datetime) -> float:
    """The sum's change from ``start`` to ``end`` by the imported rows (the row that ends at or
    last before each boundary; 0 before the first row)."""

    def sum_at(boundary: datetime) -> float:
        return sum(kg for hour, kg in rows if hour + HOUR <= boundary)

    return sum_at(end) - sum_at(start)


async def generate(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call the action and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "generate_report", data, blocking=True, return_response=True
    )
    assert response is not None
    return response


def read_lines(path: str | Path) -> list[str]:
    """A written report's lines."""
    return Path(path).read_text(encoding="utf-8").splitlines()


def tree(root: str | Path) -> set[str]:
    """Every file under ``root``, relative to it."""
    base = Path(root)
    return {str(path.relative_to(base)) for path in base.rglob("*") if path.is_file()}


@pytest.fixture
def config_trees(hass: HomeAssistant) -> Iterator[Callable[[], tuple[set[str], set[str]]]]:
    """The files of the temporary config folder and of the shared testing one; the shared one
    must be the same at the end."""
    shared = get_test_config_dir()
    shared_before = tree(shared)

    def now() -> tuple[set[str], set[str]]:
        return tree(hass.config.config_dir), tree(shared)

    assert Path(hass.config.config_dir) != Path(shared)
    yield now
    assert tree(shared) == shared_before


def by_port(response: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The response's nodes by port."""
    return {node["port"]: node for node in response["nodes"]}


def periods_of(response: dict[str, Any]) -> list[tuple[str, str, dict[str, float]]]:
    """(start, end, kg by port) of each period."""
    return [(period["start"], period["end"], period["nodes"]) for period in response["periods"]]


# --- Monthly, two nodes, with gaps -------------------------------------------------------------


def node_2_rate(hour: datetime) -> float | None:
    """0.4 kg an hour from Jan 15; HA down from Jan 31 21:00 to Feb 1 03:00 (the catch-up lands
    in the hour after) and from Feb 28 20:00 on."""
    if hour < at(2026, 1, 15):
        return None
    if at(2026, 1, 31, 21) <= hour < at(2026, 2, 1, 3):
        return None
    if hour == at(2026, 2, 1, 3):
        return 0.4 * 7  # 3 hours of January, 3 of February and this one
    if hour >= at(2026, 2, 28, 20):
        return None
    return 0.4


async def test_monthly_report_with_gaps(
    hass: HomeAssistant, report_nodes: dict[int, str], config_trees: Any
) -> None:
    """January and February for node 1 (0.25 kg/h, scope 2) and node 2 (0.4 kg/h, scope 1, from
    Jan 15, down at the February boundary and at the end): a boundary's sum is the last one
    recorded before it, so the outage's catch-up counts in February, the hours after Feb 28
    20:00 in no period."""
    node_2 = hass.config_entries.async_get_entry(report_nodes[2])
    assert node_2 is not None
    hass.config_entries.async_update_entry(node_2, options={**node_2.options, "ghg_scope": "1"})
    await hass.async_block_till_done()
    rows_1 = hours(at(2025, 12, 31), at(2026, 3, 1, 6), 0.25)
    rows_2 = hours(at(2026, 1, 1), at(2026, 3, 2), node_2_rate)
    import_rows(hass, node_carbon_id(1), rows_1)
    import_rows(hass, node_carbon_id(2), rows_2)
    await recorded(hass)
    before, _ = config_trees()

    response = await generate(
        hass, period="month", start="2026-01-01 00:00:00", end="2026-03-01 00:00:00", nodes=[1, 2]
    )

    assert config_trees()[0] == before
    assert response["files"] == []
    assert response["title"] == "Carbon report"
    assert response["period"] == "month"
    assert response["trigger"] == "action"
    assert response["start"] == "2026-01-01T00:00:00-08:00"
    assert response["end"] == "2026-03-01T00:00:00-08:00"
    assert response["generated_at"] == "2026-12-10T12:00:00-08:00"
    # January: 744 h x 0.25; 405 h (Jan 15 00:00 to Jan 31 21:00) x 0.4.
    # February: 672 h x 0.25; 671 h (Jan 31 21:00 to Feb 28 20:00) x 0.4.
    assert periods_of(response) == [
        ("2026-01-01T00:00:00-08:00", "2026-02-01T00:00:00-08:00", {"1": 186.0, "2": 162.0}),
        ("2026-02-01T00:00:00-08:00", "2026-03-01T00:00:00-08:00", {"1": 168.0, "2": 268.4}),
    ]
    assert response["nodes"] == [
        {
            "config_entry_id": "node_1",
            "port": 1,
            "name": "Meter 1",
            "scope": "2",
            "activity_unit": "kWh",
            "factor_value": 0.5,
            "factor_unit": "kg CO2e/kWh",
            "factor_source": "typed in",
            "factor_row": None,
            "factor_status": None,
            "gas": "CO2e",
            # No statistics of the meters are imported here: no activity to show.
            "activity": None,
            "mean_factor": None,
            "total_kg": 354.0,
            "counted_as": "total",
            "breakdown_of": None,
            "market_based_kg": None,
            "market_factor_value": None,
            "market_factor_source": None,
        },
        {
            "config_entry_id": "node_2",
            "port": 2,
            "name": "Meter 2",
            "scope": "1",
            "activity_unit": "kWh",
            "factor_value": 0.5,
            "factor_unit": "kg CO2e/kWh",
            "factor_source": "typed in",
            "factor_row": None,
            "factor_status": None,
            "gas": "CO2e",
            # No statistics of the meters are imported here: no activity to show.
            "activity": None,
            "mean_factor": None,
            "total_kg": 430.4,
            "counted_as": "total",
            "breakdown_of": None,
            "market_based_kg": None,
            "market_factor_value": None,
            "market_factor_source": None,
        },
    ]
    assert response["scopes"] == {"1": 430.4, "2": 354.0}
    assert list(response["scopes"]) == ["1", "2"]
    assert response["total_kg"] == 784.4
    assert response["total_co2_only_kg"] == 0.0
    assert response["complete"] is True
    assert [period["statistics_until"] for period in response["periods"]] == [
        "2026-02-01T00:00:00-08:00",
        "2026-03-01T00:00:00-08:00",
    ]
    assert response["groups"] == []
    assert response["threshold_kg"] is None
    assert response["group_rows_left_out"] == 0

    # Each node's total is its statistics sum's change over the range, to the gram.
    start, end = at(2026, 1, 1), at(2026, 3, 1)
    for port, rows in ((1, rows_1), (2, rows_2)):
        during = await get_instance(hass).async_add_executor_job(
            statistic_during_period, hass, start, end, node_carbon_id(port), {"change"}, None
        )
        assert by_port(response)[port]["total_kg"] == round(during["change"], 3)
        assert by_port(response)[port]["total_kg"] == round(carbon_between(rows, start, end), 3)
    for index, (first, last) in enumerate(((start, at(2026, 2, 1)), (at(2026, 2, 1), end))):
        assert response["periods"][index]["nodes"]["2"] == round(
            carbon_between(rows_2, first, last), 3
        )

    # December: node 2 has no statistics before Jan 15 (no figure); node 1's first row is at
    # Dec 31 00:00, its sum counts from 0 before it.
    december = await generate(
        hass, period="month", start="2025-12-01 00:00:00", end="2026-01-01 00:00:00", nodes=[1, 2]
    )
    assert periods_of(december) == [
        ("2025-12-01T00:00:00-08:00", "2026-01-01T00:00:00-08:00", {"1": 6.0})
    ]
    assert [node["total_kg"] for node in december["nodes"]] == [6.0, 0.0]
    # March: node 1 until 06:00 on the 1st; node 2's sum stayed where it stopped.
    march = await generate(
        hass, period="month", start="2026-03-01 00:00:00", end="2026-04-01 00:00:00", nodes=[1, 2]
    )
    assert periods_of(march) == [
        ("2026-03-01T00:00:00-08:00", "2026-04-01T00:00:00-07:00", {"1": 1.5, "2": 0.0})
    ]


# --- Daylight-saving changes -------------------------------------------------------------------


DST_RANGES = {
    "spring days (Mar 8: 23 h)": (
        "day",
        "2026-03-07 00:00:00",
        "2026-03-10 00:00:00",
        [
            ("2026-03-07T00:00:00-08:00", "2026-03-08T00:00:00-08:00", {"1": 24.0}),
            ("2026-03-08T00:00:00-08:00", "2026-03-09T00:00:00-07:00", {"1": 23.0}),
            ("2026-03-09T00:00:00-07:00", "2026-03-10T00:00:00-07:00", {"1": 24.0}),
        ],
    ),
    "autumn days (Nov 1: 25 h)": (
        "day",
        "2026-10-31 00:00:00",
        "2026-11-03 00:00:00",
        [
            ("2026-10-31T00:00:00-07:00", "2026-11-01T00:00:00-07:00", {"1": 24.0}),
            ("2026-11-01T00:00:00-07:00", "2026-11-02T00:00:00-08:00", {"1": 25.0}),
            ("2026-11-02T00:00:00-08:00", "2026-11-03T00:00:00-08:00", {"1": 24.0}),
        ],
    ),
    "March (743 h)": (
        "month",
        "2026-03-01 00:00:00",
        "2026-04-01 00:00:00",
        [("2026-03-01T00:00:00-08:00", "2026-04-01T00:00:00-07:00", {"1": 743.0})],
    ),
    "October and November (721 h)": (
        "month",
        "2026-10-01 00:00:00",
        "2026-12-01 00:00:00",
        [
            ("2026-10-01T00:00:00-07:00", "2026-11-01T00:00:00-07:00", {"1": 744.0}),
            ("2026-11-01T00:00:00-07:00", "2026-12-01T00:00:00-08:00", {"1": 721.0}),
        ],
    ),
}


@pytest.mark.parametrize("dst_range", DST_RANGES.values(), ids=DST_RANGES)
async def test_dst_days_and_months(
    hass: HomeAssistant,
    report_nodes: dict[int, str],
    dst_range: tuple[str, str, str, list[tuple[str, str, dict[str, float]]]],
) -> None:
    """1 kg an hour in US/Pacific: each period has the hours it really has."""
    rows = hours(at(2026, 3, 1), at(2026, 4, 1), 1.0) + hours(at(2026, 10, 1), at(2026, 12, 1), 1.0)
    import_rows(hass, node_carbon_id(1), rows)
    await recorded(hass)

    period, start, end, expected = dst_range
    report = await generate(hass, period=period, start=start, end=end, nodes=[1])
    assert periods_of(report) == expected
    assert report["total_kg"] == sum(kg["1"] for _, _, kg in expected)


async def test_hour_by_hour_across_the_clock_changes(
    hass: HomeAssistant, report_nodes: dict[int, str]
) -> None:
    """1 kg an hour: the night the clocks go back has 01:00 twice; March has 743 hours."""
    rows = hours(at(2026, 3, 1), at(2026, 4, 1), 1.0) + hours(at(2026, 10, 1), at(2026, 12, 1), 1.0)
    import_rows(hass, node_carbon_id(1), rows)
    await recorded(hass)

    # The night of Nov 1 hour by hour: 01:00 comes twice.
    night = await generate(
        hass,
        period="hour",
        start=datetime(2026, 11, 1, 0, tzinfo=PACIFIC),
        end=datetime(2026, 11, 1, 3, tzinfo=PACIFIC),
        nodes=[1],
    )
    assert [period["start"] for period in night["periods"]] == [
        "2026-11-01T00:00:00-07:00",
        "2026-11-01T01:00:00-07:00",
        "2026-11-01T01:00:00-08:00",
        "2026-11-01T02:00:00-08:00",
    ]
    assert {period["nodes"]["1"] for period in night["periods"]} == {1.0}

    # All of March hour by hour: 743 boundaries read in two chunks of exact hits.
    hourly = await generate(
        hass, period="hour", start="2026-03-01 00:00:00", end="2026-04-01 00:00:00", nodes=[1]
    )
    assert len(hourly["periods"]) == 743
    assert {period["nodes"]["1"] for period in hourly["periods"]} == {1.0}
    assert hourly["total_kg"] == 743.0


# --- Groups ------------------------------------------------------------------------------------

# Jan 10, 11 and 12 2026 (PST), kg an hour of each node and of group 3's forecast sensor.
GROUP_DAYS = (at(2026, 1, 10), at(2026, 1, 11), at(2026, 1, 12), at(2026, 1, 13))
GROUP_RATES = {
    1: (1.0, 0.8, 1.0),
    2: (0.5, 0.5, 0.5),
    3: (0.3, 0.3, 0.45),
    "forecast": (0.6, 0.5, 0.45),
}


def daily_rate(rates: tuple[float, float, float]) -> Rate:
    """A rate per hour that changes each day of GROUP_DAYS."""

    def rate(hour: datetime) -> float:
        return next(r for r, end in zip(rates, GROUP_DAYS[1:], strict=True) if hour < end)

    return rate


@pytest.fixture
async def groups(hass: HomeAssistant, report_nodes: dict[int, str]) -> dict[str, str]:
    """G1: node 1 the total, nodes 2 and 3 its subs; G2: node 3 forecasts node 2; G3: a
    template forecasts node 2. Their statistics over GROUP_DAYS (node 3's in grams)."""
    await setup_node(hass, group_entry(left=["node_1"], right=["node_2", "node_3"], group_number=1))
    await setup_node(
        hass,
        group_entry(
            kind="forecast_vs_measured",
            left=["node_3"],
            right=["node_2"],
            title="Node 3 forecasts node 2",
            entry_id="group_fc",
            group_number=2,
        ),
    )
    await setup_node(
        hass,
        group_entry(
            kind="forecast_vs_measured",
            right=["node_2"],
            forecast_template="{{ 12 }}",
            title="Planned",
            entry_id="group_plan",
            group_number=3,
        ),
    )
    forecast = er.async_get(hass).async_get_entity_id(
        Platform.SENSOR, DOMAIN, "group_plan_forecast"
    )
    assert forecast is not None
    first, end = GROUP_DAYS[0], GROUP_DAYS[-1]
    import_rows(hass, node_carbon_id(1), hours(first, end, daily_rate(GROUP_RATES[1])))
    import_rows(hass, node_carbon_id(2), hours(first, end, daily_rate(GROUP_RATES[2])))
    import_rows(
        hass,
        node_carbon_id(3),
        hours(first, end, daily_rate(GROUP_RATES[3])),
        unit="g",
        scale=1000.0,
    )
    import_rows(hass, forecast, hours(first, end, daily_rate(GROUP_RATES["forecast"])))
    await recorded(hass)
    return {"G1": "group_main", "G2": "group_fc", "G3": "group_plan", "forecast": forecast}


G1_DAYS = [  # total, subs, error (unaccounted: the total's own, no sub-meter's share), error %
    (24.0, 19.2, 4.8, 20.0, {}),
    (19.2, 19.2, 0.0, 0.0, {}),
    (24.0, 22.8, 1.2, 5.0, {}),
]
G2_DAYS = [  # forecast (node 3), measured (node 2), error, error %, share of node 2
    (7.2, 12.0, 4.8, 66.67, {"2": 4.8}),
    (7.2, 12.0, 4.8, 66.67, {"2": 4.8}),
    (10.8, 12.0, 1.2, 11.11, {"2": 1.2}),
]
G3_DAYS = [  # forecast (its sensor's statistics), measured (node 2), ...
    (14.4, 12.0, -2.4, -16.67, {"2": -2.4}),
    (12.0, 12.0, 0.0, 0.0, {"2": 0.0}),
    (10.8, 12.0, 1.2, 11.11, {"2": 1.2}),
]


def group_row(
    entry_id: str, name: str, number: int, sides: tuple[str, str], day: tuple[Any, ...]
) -> dict[str, Any]:
    """A group's row in a period of the response."""
    left, right, error, error_pct, shares = day
    return {
        "config_entry_id": entry_id,
        "name": name,
        "group_number": number,
        f"{sides[0]}_kg": left,
        f"{sides[1]}_kg": right,
        "error_kg": error,
        "error_pct": error_pct,
        "shares_kg": shares,
    }


def g1(day: int) -> dict[str, Any]:
    return group_row("group_main", "Main vs subs", 1, ("total", "subs"), G1_DAYS[day])


def g2(day: int) -> dict[str, Any]:
    return group_row(
        "group_fc", "Node 3 forecasts node 2", 2, ("forecast", "measured"), G2_DAYS[day]
    )


def g3(day: int) -> dict[str, Any]:
    return group_row("group_plan", "Planned", 3, ("forecast", "measured"), G3_DAYS[day])


GROUP_TOTALS = [
    {
        "config_entry_id": "group_main",
        "name": "Main vs subs",
        "group_number": 1,
        "group_kind": "total_vs_sub",
        "total_kg": 67.2,
        "subs_kg": 61.2,
        "error_kg": 6.0,
        "error_pct": 8.93,  # 6 / 67.2
    },
    {
        "config_entry_id": "group_fc",
        "name": "Node 3 forecasts node 2",
        "group_number": 2,
        "group_kind": "forecast_vs_measured",
        "forecast_kg": 25.2,
        "measured_kg": 36.0,
        "error_kg": 10.8,
        "error_pct": 42.86,  # 10.8 / 25.2
    },
    {
        "config_entry_id": "group_plan",
        "name": "Planned",
        "group_number": 3,
        "group_kind": "forecast_vs_measured",
        "forecast_kg": 37.2,
        "measured_kg": 36.0,
        "error_kg": -1.2,
        "error_pct": -3.23,  # -1.2 / 37.2
    },
]


async def test_groups_per_period_and_totals(hass: HomeAssistant, groups: dict[str, str]) -> None:
    """Every node and group (no scope asked for): each side, error, error % and the shares of
    the measured side per day; group totals over the range."""
    response = await generate(
        hass, period="day", start="2026-01-10 00:00:00", end="2026-01-13 00:00:00"
    )

    assert [node["config_entry_id"] for node in response["nodes"]] == ["node_1", "node_2", "node_3"]
    assert periods_of(response) == [
        ("2026-01-10T00:00:00-08:00", "2026-01-11T00:00:00-08:00", {"1": 24, "2": 12, "3": 7.2}),
        ("2026-01-11T00:00:00-08:00", "2026-01-12T00:00:00-08:00", {"1": 19.2, "2": 12, "3": 7.2}),
        ("2026-01-12T00:00:00-08:00", "2026-01-13T00:00:00-08:00", {"1": 24, "2": 12, "3": 10.8}),
    ]
    for day, period in enumerate(response["periods"]):
        assert period["groups"] == [g1(day), g2(day), g3(day)]
    assert response["groups"] == GROUP_TOTALS
    assert [node["total_kg"] for node in response["nodes"]] == [67.2, 36.0, 25.2]
    # Each flow once: node 2 is a sub-meter of node 1 (G1), node 3 a forecast (G2): the site's
    # carbon is node 1's, and the report says why.
    assert [(node["counted_as"], node["breakdown_of"]) for node in response["nodes"]] == [
        ("total", None),
        ("breakdown", "group_main"),
        ("plan", None),
    ]
    assert response["inventory_rules"] == [
        "Sub-meters 2 Meter 2 are a breakdown of the total meter of G1 Main vs subs: counted "
        "once, in it, not added again.",
        "Forecast ports 3 Meter 3 are plans, not emissions: in no total.",
    ]
    assert response["scopes"] == {"2": 67.2}
    assert response["total_kg"] == 67.2
    assert response["group_rows_left_out"] == 0

    # The forecast comes from the forecast sensor's statistics, whatever its template says now.
    assert hass.states.get(groups["forecast"]) is not None


async def test_groups_threshold(hass: HomeAssistant, groups: dict[str, str]) -> None:
    """Rows whose error is under the line are left out (and counted); totals keep them."""
    response = await generate(
        hass,
        period="day",
        start="2026-01-10 00:00:00",
        end="2026-01-13 00:00:00",
        groups=["G1", 2, "group_plan"],
        threshold_kg=1.0,
    )

    assert response["threshold_kg"] == 1.0
    assert [period["groups"] for period in response["periods"]] == [
        [g1(0), g2(0), g3(0)],
        [g2(1)],  # G1 and G3: no error that day
        [g1(2), g2(2), g3(2)],
    ]
    assert response["group_rows_left_out"] == 2
    assert response["groups"] == GROUP_TOTALS

    # A line above every error: every row is left out, the totals stay.
    high = await generate(
        hass,
        period="day",
        start="2026-01-10 00:00:00",
        end="2026-01-13 00:00:00",
        groups=["G1", 2, "group_plan"],
        threshold_kg=5.0,
    )
    assert [period["groups"] for period in high["periods"]] == [[], [], []]
    assert high["group_rows_left_out"] == 9
    assert high["groups"] == GROUP_TOTALS


# --- Scope selection ---------------------------------------------------------------------------


def scope_of(response: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The entry ids of the response's nodes and groups."""
    return (
        [node["config_entry_id"] for node in response["nodes"]],
        [group["config_entry_id"] for group in response["groups"]],
    )


async def test_scope_selection(hass: HomeAssistant, groups: dict[str, str]) -> None:
    """Nodes by port or entry id; groups by G-number, number or entry id (their members come
    with them); a report profile; nothing asked for: everything."""
    days = {"period": "day", "start": "2026-01-10 00:00:00", "end": "2026-01-13 00:00:00"}

    # Nodes are listed by port, however they were asked for.
    assert scope_of(await generate(hass, **days, nodes=[3, "node_1"])) == (
        ["node_1", "node_3"],
        [],
    )
    assert scope_of(await generate(hass, **days, nodes=["2"])) == (["node_2"], [])
    assert scope_of(await generate(hass, **days, nodes="node_2")) == (["node_2"], [])
    assert scope_of(await generate(hass, **days, groups=["G1"])) == (
        ["node_1", "node_2", "node_3"],
        ["group_main"],
    )
    assert scope_of(await generate(hass, **days, groups=[2])) == (
        ["node_2", "node_3"],
        ["group_fc"],
    )
    assert scope_of(await generate(hass, **days, groups=["g3"])) == (["node_2"], ["group_plan"])
    assert scope_of(await generate(hass, **days, groups=["group_fc"], nodes=[1])) == (
        ["node_1", "node_2", "node_3"],
        ["group_fc"],
    )
    only_nodes = await generate(hass, **days, nodes=[1], groups=[])
    assert scope_of(only_nodes) == (["node_1"], [])
    assert only_nodes["total_kg"] == 67.2
    everything = await generate(hass, **days)
    assert scope_of(everything) == (
        ["node_1", "node_2", "node_3"],
        ["group_main", "group_fc", "group_plan"],
    )

    profile = await setup_node(
        hass,
        MockConfigEntry(
            domain=DOMAIN,
            title="Weekly board",
            data={"kind": "report_profile"},
            options={
                "nodes": ["node_1"],
                "groups": ["group_plan"],
                "period": "day",
                "threshold_kg": 2.0,
                "notify": False,
                "formats": [],
                "interrupt": False,
            },
            minor_version=3,
        ),
    )
    by_profile = await generate(hass, **days, profile=profile.entry_id)
    assert scope_of(by_profile) == (["node_1", "node_2"], ["group_plan"])
    assert by_profile["title"] == "Weekly board"
    assert by_profile["threshold_kg"] == 2.0
    assert [period["groups"] for period in by_profile["periods"]] == [[g3(0)], [], []]
    assert by_profile["group_rows_left_out"] == 2
    # The call's threshold and title win over the profile's; at the line is within tolerance.
    told = await generate(
        hass, **days, profile=profile.entry_id, threshold_kg=0, title="Board, again"
    )
    assert told["title"] == "Board, again"
    assert told["threshold_kg"] == 0.0
    assert [period["groups"] for period in told["periods"]] == [[g3(0)], [], [g3(2)]]
    assert told["group_rows_left_out"] == 1  # G3's error of exactly 0 kg on Jan 11
    # A profile is no node, group or member of "everything".
    assert scope_of(await generate(hass, **days)) == scope_of(everything)


async def factor_nodes(hass: HomeAssistant) -> None:
    """Node 4 with a library factor, node 5 with a live intensity in g CO2 (not CO2e) per kWh;
    0.5 kg an hour each on Jan 1."""
    set_meter(hass, 100.0, entity_id=meter_id(4))
    set_meter(hass, 100.0, entity_id=meter_id(5))
    hass.states.async_set("sensor.grid_intensity", "250", {"unit_of_measurement": "gCO2/kWh"})
    await setup_node(
        hass,
        node_entry(
            source=meter_id(4),
            port=4,
            title="Meter 4",
            entry_id="node_4",
            factor_mode="library",
            factor_id="uk_desnz_2025_electricity",
        ),
    )
    await setup_node(
        hass,
        node_entry(
            source=meter_id(5),
            port=5,
            title="Meter 5",
            entry_id="node_5",
            factor_mode="entity",
            intensity_entity="sensor.grid_intensity",
        ),
    )
    for port in (4, 5):
        import_rows(hass, node_carbon_id(port), hours(at(2026, 1, 1), at(2026, 1, 2), 0.5))
    # Their meters' statistics: node 4's kWh at the library factor, node 5's in Wh (0.25 kg/kWh).
    library = factor_table(hass).factors["uk_desnz_2025_electricity"]
    day = hours(at(2026, 1, 1), at(2026, 1, 2), 0.5)
    import_rows(hass, meter_id(4), day, unit="kWh", unit_class="energy", scale=1 / library.value)
    import_rows(hass, meter_id(5), day, unit="Wh", unit_class="energy", scale=4000.0)
    await recorded(hass)


async def test_avoided_emissions_and_the_net_figure_asked_for(
    hass: HomeAssistant, report_nodes: dict[int, str]
) -> None:
    """Node 2 on a solar export meter: its carbon is avoided emissions, in no total or scope; the
    net figure comes only when asked for."""
    node_2 = hass.config_entries.async_get_entry(report_nodes[2])
    assert node_2 is not None
    hass.config_entries.async_update_entry(
        node_2, options={**node_2.options, "meter_role": "export"}
    )
    await hass.async_block_till_done()
    import_rows(hass, node_carbon_id(1), hours(at(2025, 12, 31), at(2026, 2, 1), 0.25))
    import_rows(hass, node_carbon_id(2), hours(at(2025, 12, 31), at(2026, 2, 1), 0.5))
    await recorded(hass)
    january = {"period": "month", "start": "2026-01-01 00:00:00", "end": "2026-02-01 00:00:00"}
    response = await generate(hass, **january, nodes=[1, 2])
    assert (response["total_kg"], response["avoided_kg"], response["net_kg"]) == (
        186.0,
        372.0,
        None,
    )
    assert response["scopes"] == {"2": 186.0}
    assert [node["counted_as"] for node in response["nodes"]] == ["total", "avoided"]
    asked = await generate(hass, **january, nodes=[1, 2], net=True)
    assert (asked["total_kg"], asked["net_kg"]) == (186.0, -186.0)


async def test_scope_2_market_based_beside_location_based_to_the_gram(
    hass: HomeAssistant, report_nodes: dict[int, str]
) -> None:
    """Node 1 with a supplier's factor: its market-based sensor's statistics are read beside its
    carbon sensor's, both reconciled to the gram; node 2 counts its location-based kg in both."""
    node_1 = hass.config_entries.async_get_entry(report_nodes[1])
    assert node_1 is not None
    hass.config_entries.async_update_entry(
        node_1,
        options={**node_1.options, "market_factor": 0.05, "market_source": "Supplier X 2026"},
    )
    await hass.async_block_till_done()
    market = "sensor.meter_1_carbon_emissions_market_based"
    assert hass.states.get(market) is not None
    rows = hours(at(2025, 12, 31), at(2026, 2, 1), 0.25)
    import_rows(hass, node_carbon_id(1), rows)
    import_rows(hass, market, rows, scale=0.1)
    import_rows(hass, node_carbon_id(2), hours(at(2025, 12, 31), at(2026, 2, 1), 0.5))
    await recorded(hass)
    response = await generate(
        hass, period="month", start="2026-01-01 00:00:00", end="2026-02-01 00:00:00", nodes=[1, 2]
    )
    january = carbon_between(rows, at(2026, 1, 1), at(2026, 2, 1))
    first, second = response["nodes"]
    assert first["total_kg"] == round(january, 3)
    assert first["market_based_kg"] == round(january * 0.1, 3)
    assert (first["market_factor_value"], first["market_factor_source"]) == (
        0.05,
        "Supplier X 2026",
    )
    assert second["market_based_kg"] is None
    assert response["scopes"] == {"2": round(january + 372.0, 3)}
    assert response["scopes_market_based"] == {"2": round(january * 0.1 + 372.0, 3)}
    assert response["total_market_based_kg"] == round(january * 0.1 + 372.0, 3)


async def test_where_factors_come_from(hass: HomeAssistant, report_nodes: dict[int, str]) -> None:
    """A node with a library factor and one with a live intensity: their scope, factor source
    and gas as the report lists them."""
    await factor_nodes(hass)

    response = await generate(hass, period="day", start="2026-01-01 00:00:00", nodes=[4, 5])

    library = factor_table(hass).factors["uk_desnz_2025_electricity"]
    assert [
        (node["port"], node["scope"], node["factor_source"], node["total_kg"])
        for node in response["nodes"]
    ] == [
        (
            4,
            "2",
            "UK DESNZ GHG Conversion Factors for Company Reporting 2025 (OGL v3.0), "
            "ID 7_400_4000_5_1",
            12.0,
        ),
        (5, "2", "live intensity sensor.grid_intensity", 12.0),
    ]
    node_4, node_5 = by_port(response)[4], by_port(response)[5]
    assert node_4["gas"] == "CO2e"  # the library factor's
    # Every row can be checked by hand: activity x factor = kg.
    assert node_4["factor_value"] == library.value
    assert node_4["factor_unit"] == "kg CO2e/kWh"
    assert node_4["factor_row"] == "uk_desnz_2025_electricity"
    assert node_4["factor_status"] == library.status
    assert node_4["activity_unit"] == "kWh"
    assert node_4["activity"] == pytest.approx(12.0 / library.value, abs=1e-6)
    assert node_4["activity"] * node_4["factor_value"] == pytest.approx(12.0, abs=1e-5)
    assert node_4["mean_factor"] == pytest.approx(library.value)
    # A live intensity: no single value, its mean over the range; the Wh meter in kWh.
    assert node_5["factor_value"] is None
    assert node_5["activity"] == 48.0
    assert node_5["activity_unit"] == "kWh"
    assert node_5["factor_unit"] == "kg CO2/kWh"
    assert node_5["mean_factor"] == 0.25
    assert response["periods"][0]["activity"] == {"4": node_4["activity"], "5": 48.0}
    # What is priced by a CO2-only factor is said apart.
    assert response["total_co2_only_kg"] == 12.0
    assert response["scopes_co2_only_kg"] == {"2": 12.0}


async def test_live_intensity_gas(hass: HomeAssistant, report_nodes: dict[int, str]) -> None:
    """A live intensity in g CO2/kWh prices CO2: the node says so, the report must too."""
    await factor_nodes(hass)
    entry = hass.config_entries.async_get_entry("node_5")
    assert entry is not None
    assert entry.runtime_data.gas == "CO2"

    response = await generate(hass, period="day", start="2026-01-01 00:00:00", nodes=[5])

    assert by_port(response)[5]["gas"] == "CO2"


# --- Ranges: last N, the current period --------------------------------------------------------


async def test_last_and_current_period(hass: HomeAssistant, report_nodes: dict[int, str]) -> None:
    """1 kg an hour from Oct 1 until now (Dec 10 12:00): ``last`` N whole periods before the
    current one; without a range, the current period (so far)."""
    import_rows(hass, node_carbon_id(1), hours(at(2026, 10, 1), NOW, 1.0))
    await recorded(hass)

    months = await generate(hass, period="month", last=2, nodes=[1])
    assert months["start"] == "2026-10-01T00:00:00-07:00"
    assert months["end"] == "2026-12-01T00:00:00-08:00"
    assert periods_of(months) == [
        ("2026-10-01T00:00:00-07:00", "2026-11-01T00:00:00-07:00", {"1": 744.0}),
        ("2026-11-01T00:00:00-07:00", "2026-12-01T00:00:00-08:00", {"1": 721.0}),
    ]
    days = await generate(hass, period="day", last=3, nodes=[1])
    assert [(p[0], p[2]) for p in periods_of(days)] == [
        ("2026-12-07T00:00:00-08:00", {"1": 24.0}),
        ("2026-12-08T00:00:00-08:00", {"1": 24.0}),
        ("2026-12-09T00:00:00-08:00", {"1": 24.0}),
    ]
    weeks = await generate(hass, period="week", last=1, nodes=[1])  # Monday Nov 30 to Dec 7
    assert periods_of(weeks) == [
        ("2026-11-30T00:00:00-08:00", "2026-12-07T00:00:00-08:00", {"1": 168.0})
    ]
    hour = await generate(hass, period="hour", last=1, nodes=[1])
    assert periods_of(hour) == [
        ("2026-12-10T11:00:00-08:00", "2026-12-10T12:00:00-08:00", {"1": 1.0})
    ]

    today = await generate(hass, period="day", nodes=[1])
    assert (today["start"], today["end"]) == (
        "2026-12-10T00:00:00-08:00",
        "2026-12-11T00:00:00-08:00",
    )
    assert today["total_kg"] == 12.0  # until the last hour recorded
    # The day is not over: the report says up to when its statistics are compiled (the
    # recorder's last statistics run compiled the hour to 12:00), in the data and the files.
    assert today["complete"] is False
    (period,) = today["periods"]
    assert period["complete"] is False
    assert period["statistics_until"] == "2026-12-10T12:00:00-08:00"
    assert period["covered_until"] == {"1": "2026-12-10T12:00:00-08:00"}
    assert days["complete"] is True
    this_month = await generate(hass, period="month", nodes=[1])
    assert this_month["periods"][0]["nodes"] == {"1": 228.0}  # 9 days and 12 hours
    this_year = await generate(hass, period="year", nodes=[1])
    assert (this_year["start"], this_year["end"]) == (
        "2026-01-01T00:00:00-08:00",
        "2027-01-01T00:00:00-08:00",
    )
    assert this_year["total_kg"] == 744.0 + 721.0 + 228.0
    this_hour = await generate(hass, period="hour", nodes=[1])
    assert periods_of(this_hour) == [
        ("2026-12-10T12:00:00-08:00", "2026-12-10T13:00:00-08:00", {"1": 0.0})
    ]
    # A start alone runs to the end of the current period.
    since = await generate(hass, period="month", start="2026-11-01 00:00:00", nodes=[1])
    assert since["end"] == "2027-01-01T00:00:00-08:00"
    assert [period["nodes"] for period in since["periods"]] == [{"1": 721.0}, {"1": 228.0}]


# --- Invalid requests --------------------------------------------------------------------------

JANUARY = {"start": "2026-01-01 00:00:00", "end": "2026-02-01 00:00:00"}


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        (
            {"period": "day", "nodes": ["node_9"]},
            "unknown_scope",
            {"entry_id": "node_9", "kind": "tracking_node"},
        ),
        (
            {"period": "day", "nodes": [1, 7]},
            "unknown_scope",
            {"entry_id": "7", "kind": "tracking_node"},
        ),
        (
            {"period": "day", "nodes": ["group_main"]},
            "unknown_scope",
            {"entry_id": "group_main", "kind": "tracking_node"},
        ),
        (
            {"period": "day", "nodes": ["meter_entry"]},  # another integration's entry
            "unknown_scope",
            {"entry_id": "meter_entry", "kind": "tracking_node"},
        ),
        (
            {"period": "day", "groups": ["node_1"]},
            "unknown_scope",
            {"entry_id": "node_1", "kind": "binding_group"},
        ),
        (
            {"period": "day", "groups": ["G4"]},
            "unknown_scope",
            {"entry_id": "4", "kind": "binding_group"},
        ),
        (
            {"period": "day", "profile": "node_1"},
            "unknown_scope",
            {"entry_id": "node_1", "kind": "report_profile"},
        ),
        (
            {"period": "month", "start": "2026-02-01 00:00:00", "end": "2026-01-01 00:00:00"},
            "range_empty",
            {"start": "2026-02-01 00:00", "end": "2026-01-01 00:00"},
        ),
        (
            {"period": "day", "start": "2026-01-05 00:00:00", "end": "2026-01-05 00:00:00"},
            "range_empty",
            {"start": "2026-01-05 00:00", "end": "2026-01-05 00:00"},
        ),
        (
            {"period": "day", "end": "2026-01-05 00:00:00"},  # before the current day
            "range_empty",
            {"start": "2026-12-10 00:00", "end": "2026-01-05 00:00"},
        ),
        # Years that overflow on the way to UTC or to the next period, and years with no
        # statistics: a translated refusal, not an OverflowError.
        (
            {"period": "day", "start": "0001-01-01 00:00:00", "end": "0001-01-02 00:00:00"},
            "range_outside_calendar",
            {
                "start": "0001-01-01T00:00:00",
                "end": "0001-01-02T00:00:00",
                "first": "1970",
                "last": "2200",
            },
        ),
        (
            {"period": "year", "start": "9999-01-01 00:00:00"},
            "range_outside_calendar",
            {"start": "9999-01-01T00:00:00", "end": "", "first": "1970", "last": "2200"},
        ),
        (
            {"period": "day", "start": "2026-01-01 00:00:00", "end": "9999-12-31 00:00:00"},
            "range_outside_calendar",
            {
                "start": "2026-01-01T00:00:00",
                "end": "9999-12-31T00:00:00",
                "first": "1970",
                "last": "2200",
            },
        ),
        (
            {"period": "month", "start": "2026-01-03 00:00:00", "end": "2026-03-01 00:00:00"},
            "period_does_not_fit",
            {
                "period": "month",
                "moment": "2026-01-03 00:00",
                "before": "2026-01-01 00:00",
                "after": "2026-02-01 00:00",
            },
        ),
        (
            {"period": "day", "start": "2026-01-01 00:00:00", "end": "2026-01-05 12:00:00"},
            "period_does_not_fit",
            {
                "period": "day",
                "moment": "2026-01-05 12:00",
                "before": "2026-01-05 00:00",
                "after": "2026-01-06 00:00",
            },
        ),
        (
            {"period": "week", "start": "2026-01-01 00:00:00"},  # a Thursday
            "period_does_not_fit",
            {
                "period": "week",
                "moment": "2026-01-01 00:00",
                "before": "2025-12-29 00:00",
                "after": "2026-01-05 00:00",
            },
        ),
        (
            {"period": "hour", "start": "2025-01-01 00:00:00", "end": "2027-01-01 00:00:00"},
            "range_too_large",
            {"periods": "17520", "limit": "8784"},
        ),
        (
            {"period": "month", "start": "2020-01-01 00:00:00", "end": "2020-03-01 00:00:00"},
            "range_no_data",
            {"start": "2020-01-01 00:00", "end": "2020-03-01 00:00"},
        ),
        (
            {"period": "month", "nodes": [], "groups": [], **JANUARY},  # nothing to report on
            "range_no_data",
            {"start": "2026-01-01 00:00", "end": "2026-02-01 00:00"},
        ),
        (
            {"period": "month", "nodes": [3], **JANUARY},  # node 3 has no statistics at all
            "range_no_data",
            {"start": "2026-01-01 00:00", "end": "2026-02-01 00:00"},
        ),
    ],
)
async def test_invalid_requests(
    hass: HomeAssistant,
    report_nodes: dict[int, str],
    config_trees: Any,
    *,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Each problem is a translated validation error, and nothing is written."""
    await setup_node(hass, group_entry(left=["node_1"], right=["node_2"], group_number=1))
    MockConfigEntry(domain="test", entry_id="meter_entry").add_to_hass(hass)
    import_rows(hass, node_carbon_id(1), hours(at(2026, 1, 1), at(2026, 2, 1), 1.0))
    await recorded(hass)
    before = config_trees()

    with pytest.raises(ServiceValidationError) as caught:
        await generate(hass, **data, formats=["csv", "markdown"])

    assert caught.value.translation_domain == DOMAIN
    assert caught.value.translation_key == key
    assert caught.value.translation_placeholders == placeholders
    assert config_trees() == before
    assert not (Path(hass.config.config_dir) / "carbon_tracker").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"period": "fortnight"},
        {},
        {"period": "day", "start": "2026-01-01 00:00:00", "last": 2},
        {"period": "day", "last": 0},
        {"period": "hour", "last": 8785},
        {"period": "day", "threshold_kg": -0.5},
        {"period": "day", "formats": ["pdf"]},
        {"period": "day", "start": "someday"},
        {"period": "day", "nodes": [{"port": 1}]},
    ],
)
async def test_schema_errors(
    hass: HomeAssistant, report_nodes: dict[int, str], config_trees: Any, data: dict[str, Any]
) -> None:
    """Fields the action's schema refuses."""
    import_rows(hass, node_carbon_id(1), hours(at(2026, 12, 9), NOW, 1.0))
    await recorded(hass)
    before = config_trees()

    with pytest.raises(vol.Invalid):
        await generate(hass, **{"formats": ["csv"], **data})

    assert config_trees() == before


# --- Files -------------------------------------------------------------------------------------


def csv_rows_of(response: dict[str, Any]) -> list[list[str]]:
    """The CSV a response should be written as: one row per node, group, share and total."""
    nodes = {node["port"]: node for node in response["nodes"]}
    group_names = {group["config_entry_id"]: group for group in response["groups"]}
    rows = [list(CSV_COLUMNS)]

    def add(**cells: Any) -> None:
        rows.append(["" if cells.get(c) is None else str(cells.get(c)) for c in CSV_COLUMNS])

    def node_cells(node: dict[str, Any]) -> dict[str, Any]:
        part_of = group_names.get(node["breakdown_of"]) if node["breakdown_of"] else None
        return {
            "port": node["port"],
            "node": node["name"],
            "scope": node["scope"],
            "gas": node["gas"],
            "counted_as": node["counted_as"],
            "part_of_group": part_of and f"G{part_of['group_number']} {part_of['name']}",
        }

    def group_cells(group: dict[str, Any]) -> dict[str, Any]:
        left, right = [k for k in group if k.endswith("_kg") and k not in NOT_SIDES]
        return {
            "group_number": group["group_number"],
            "group": group["name"],
            "left_side": left.removesuffix("_kg"),
            "right_side": right.removesuffix("_kg"),
            "left_kg": group[left],
            "right_kg": group[right],
        }

    for period in response["periods"]:
        times = {"period_start": period["start"], "period_end": period["end"]}
        ports = sorted({int(port) for port in (*period["nodes"], *period["activity"])})
        for port in ports:
            node = nodes[port]
            add(
                section="node",
                **times,
                covered_until=period["covered_until"][str(port)],
                **node_cells(node),
                activity=period["activity"].get(str(port)),
                activity_unit=node["activity_unit"],
                kg=period["nodes"].get(str(port)),
            )
        for group in period["groups"]:
            add(
                section="group",
                **times,
                **group_cells(group),
                error_kg=group["error_kg"],
                error_pct=group["error_pct"],
            )
            for port, share in sorted(group["shares_kg"].items(), key=lambda s: int(s[0])):
                cells = group_cells(group)
                del cells["left_kg"], cells["right_kg"]
                add(
                    section="share",
                    **times,
                    **cells,
                    port=port,
                    node=nodes[int(port)]["name"],
                    kg=share,
                )
    for node in response["nodes"]:
        add(
            section="node_total",
            **node_cells(node),
            activity=node["activity"],
            activity_unit=node["activity_unit"],
            factor_value=node["factor_value"],
            factor_unit=node["factor_unit"],
            factor_source=node["factor_source"],
            factor_row=node["factor_row"],
            factor_status=node["factor_status"],
            kg=node["total_kg"],
        )
    broken_down = {node["breakdown_of"] for node in response["nodes"]}
    for group in response["groups"]:
        if group["config_entry_id"] in broken_down:
            cells = group_cells(group)
            del cells["left_kg"], cells["right_kg"]
            add(section="unaccounted_total", **cells, kg=group["error_kg"])
    for scope, total in response["scopes"].items():
        add(
            section="scope_total",
            scope=scope,
            kg=total,
            co2_only_kg=response["scopes_co2_only_kg"][scope],
        )
    add(section="total", kg=response["total_kg"], co2_only_kg=response["total_co2_only_kg"])
    return rows


NOT_SIDES = ("error_kg", "shares_kg")


def grams(value: float, sign: str = "") -> str:
    """Kilograms as a report writes them: to the gram, without trailing zeros."""
    return f"{value:{sign}.3f}".rstrip("0").rstrip(".")


def markdown_lines_of(response: dict[str, Any]) -> list[str]:
    """Lines the Markdown of a response must have, with its figures."""
    lines = [f"# {response['title']}", f"**Total: {grams(response['total_kg'])} kg**"]
    lines += [
        f"| {scope} | {grams(total)} | {grams(response['scopes_co2_only_kg'][scope])} |"
        for scope, total in response["scopes"].items()
    ]
    names = {node["port"]: node["name"] for node in response["nodes"]}
    groups = {
        group["config_entry_id"]: f"G{group['group_number']} {group['name']}"
        for group in response["groups"]
    }

    def counted(node: dict[str, Any]) -> str:
        if node["counted_as"] == "plan":
            return "no: a plan"
        if node["counted_as"] == "breakdown":
            return f"in {groups[node['breakdown_of']]}"
        return "yes"

    def activity(node: dict[str, Any]) -> str:
        if node["activity"] is None:
            return "-"
        return f"{node['activity']:g} {node['activity_unit']}"

    def factor(node: dict[str, Any]) -> str:
        if node["factor_value"] is not None:
            return f"{node['factor_value']:g} {node['factor_unit']}"
        if node["mean_factor"] is not None:
            return f"{node['mean_factor']:.6g} {node['factor_unit']} (mean)"
        return "-"

    def source(node: dict[str, Any]) -> str:
        text = node["factor_source"]
        if node["factor_row"]:
            text += f" [row {node['factor_row']}]"
        return text + (" [U: unverified]" if node["factor_status"] == "U" else "")

    lines += [
        f"| {node['port']} | {node['name']} | {node['scope']} | {activity(node)} | "
        f"{factor(node)} | {source(node)} | {node['gas']} | {grams(node['total_kg'])} | "
        f"{counted(node)} |"
        for node in response["nodes"]
    ]
    lines += [f"- {rule}" for rule in response["inventory_rules"]]
    for group in response["groups"]:
        left, right = [key for key in group if key.endswith("_kg") and key != "error_kg"]
        lines.append(
            f"| G{group['group_number']} {group['name']} | {grams(group[left])} | "
            f"{grams(group[right])} | {grams(group['error_kg'], '+')} | "
            f"{grams(group['error_pct'], '+')} % |"
        )
    units = {node["port"]: node["activity_unit"] for node in response["nodes"]}
    for period in response["periods"]:
        heading = f"## {period['start']} to {period['end']}"
        if not period["complete"]:
            heading += f" (statistics to {period['statistics_until']})"
        lines.append(heading)
        for port, value in period["nodes"].items():
            amount = period["activity"].get(port)
            note = "" if amount is None else f" ({amount:g} {units[int(port)]})"
            lines.append(f"- {port} {names[int(port)]}: {grams(value)} kg{note}")
        for group in period["groups"]:
            left, right = [
                key for key in group if key.endswith("_kg") and key not in ("error_kg", "shares_kg")
            ]
            shares = ", ".join(
                f"{port}: {grams(share, '+')} kg" for port, share in group["shares_kg"].items()
            )
            lines.append(
                f"- G{group['group_number']} {group['name']}: {left.removesuffix('_kg')} "
                f"{grams(group[left])} kg, {right.removesuffix('_kg')} {grams(group[right])} kg, "
                f"error {grams(group['error_kg'], '+')} kg ({grams(group['error_pct'], '+')} %)"
                + (f"; shares {shares}" if shares else "")
            )
    return lines


async def test_files_match_the_response(
    hass: HomeAssistant, groups: dict[str, str], config_trees: Any
) -> None:
    """CSV and Markdown written under <config>/carbon_tracker/reports/ and nowhere else, named
    by title, period and range, with the response's figures."""
    before, _ = config_trees()
    response = await generate(
        hass,
        period="day",
        start="2026-01-10 00:00:00",
        end="2026-01-13 00:00:00",
        groups=["G1", "G3"],
        threshold_kg=1.0,
        title="Main board: January",
        formats=["csv", "markdown"],
    )

    stem = "main_board_january_day_20260110T0000_20260113T0000"
    folder = Path(hass.config.config_dir) / REPORTS
    assert response["files"] == [str(folder / f"{stem}.csv"), str(folder / f"{stem}.md")]
    after, _ = config_trees()
    assert after - before == {str(REPORTS / f"{stem}.csv"), str(REPORTS / f"{stem}.md")}
    assert before <= after

    written = read_lines(folder / f"{stem}.csv")
    assert list(csv.reader(written)) == csv_rows_of(response)
    markdown = read_lines(folder / f"{stem}.md")
    missing = [line for line in markdown_lines_of(response) if line not in markdown]
    assert missing == []
    assert "Group rows with an error at or under 1 kg are left out (2)." in markdown
    assert "| G1 Main vs subs | 67.2 | 61.2 | +6 | +8.93 % |" in markdown
    # What no sub-meter measured is the main meter's own: no sub-meter carries a share of it.
    assert "- G1 Main vs subs: total 24 kg, subs 22.8 kg, error +1.2 kg (+5 %)" in markdown

    # The same report again: the same files, written over.
    again = await generate(
        hass,
        period="day",
        start="2026-01-10 00:00:00",
        end="2026-01-13 00:00:00",
        groups=["G1", "G3"],
        threshold_kg=1.0,
        title="Main board: January",
        formats=["markdown"],
    )
    assert again["files"] == [str(folder / f"{stem}.md")]
    assert config_trees()[0] == after

    # No formats: nothing written.
    plain = await generate(hass, period="day", start="2026-01-10 00:00:00", formats=[])
    assert plain["files"] == []
    untitled = await generate(hass, period="day", start="2026-01-10 00:00:00", nodes=[2])
    assert untitled["files"] == []
    assert config_trees()[0] == after


async def test_a_long_title_makes_a_short_unique_file_name(
    hass: HomeAssistant, groups: dict[str, str], config_trees: Any
) -> None:
    """300 characters of title (over the 255 bytes a file name may have): the report is written,
    under a shortened name that two titles alike in their first 80 characters do not share."""
    before, _ = config_trees()
    names = []
    for ending in ("A", "B"):
        title = "Quarterly carbon board for the whole site " * 8 + ending
        assert len(title) > 300
        response = await generate(
            hass,
            period="day",
            start="2026-01-10 00:00:00",
            end="2026-01-11 00:00:00",
            title=title,
            formats=["csv"],
        )
        assert response["title"] == title
        (written,) = response["files"]
        name = Path(written).name
        assert len(name.encode()) < 128
        assert name.startswith("quarterly_carbon_board_for_the_whole_site_quarterly")
        assert name.endswith("_day_20260110T0000_20260111T0000.csv")
        assert list(csv.reader(read_lines(Path(written)))) == csv_rows_of(response)
        names.append(name)
    assert names[0] != names[1]
    assert len(config_trees()[0] - before) == 2


async def test_markdown_to_the_gram_above_a_tonne(
    hass: HomeAssistant, report_nodes: dict[int, str], config_trees: Any
) -> None:
    """1,060.851 kg must read as such in the Markdown, as in the response and the CSV."""
    import_rows(hass, node_carbon_id(1), hours(at(2026, 1, 1), at(2026, 2, 1), 1.425875))
    await recorded(hass)

    response = await generate(
        hass, period="month", start="2026-01-01 00:00:00", nodes=[1], formats=["markdown"]
    )

    assert response["total_kg"] == 1060.851
    markdown = read_lines(response["files"][0])
    assert "**Total: 1060.851 kg**" in markdown


async def test_profile_with_a_deleted_group(hass: HomeAssistant, groups: dict[str, str]) -> None:
    """A profile's group that was deleted since is left out, as a deleted node is."""
    profile = await setup_node(
        hass,
        MockConfigEntry(
            domain=DOMAIN,
            title="Board",
            data={"kind": "report_profile"},
            options={
                "nodes": ["node_1"],
                "groups": ["group_fc", "group_plan"],
                "period": "day",
                "threshold_kg": None,
                "notify": False,
                "formats": [],
                "interrupt": False,
            },
            minor_version=3,
        ),
    )
    assert await hass.config_entries.async_remove("group_fc")
    await hass.async_block_till_done()

    response = await generate(
        hass,
        period="day",
        start="2026-01-10 00:00:00",
        end="2026-01-13 00:00:00",
        profile=profile.entry_id,
    )

    assert scope_of(response) == (["node_1", "node_2"], ["group_plan"])


async def test_last_before_the_calendar(
    hass: HomeAssistant, report_nodes: dict[int, str], config_trees: Any
) -> None:
    """``last`` reaching before year 1 is a translated validation error too."""
    import_rows(hass, node_carbon_id(1), hours(at(2026, 1, 1), at(2026, 1, 2), 1.0))
    await recorded(hass)
    before = config_trees()

    with pytest.raises(ServiceValidationError):
        await generate(hass, period="year", last=2030, nodes=[1], formats=["csv"])

    assert config_trees() == before


async def test_group_named_twice(hass: HomeAssistant, groups: dict[str, str]) -> None:
    """G1 by its G-number and its number is one group, counted once (as nodes are)."""
    response = await generate(
        hass,
        period="day",
        start="2026-01-10 00:00:00",
        end="2026-01-13 00:00:00",
        groups=["G1", 1, "group_main"],
        nodes=[1, "node_1"],
    )

    assert scope_of(response) == (["node_1", "node_2", "node_3"], ["group_main"])
    assert response["groups"] == GROUP_TOTALS[:1]
    assert [period["groups"] for period in response["periods"]] == [[g1(0)], [g1(1)], [g1(2)]]
