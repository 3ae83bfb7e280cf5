"""A group's runtime as the user sees it through its entities: sums, error, members coming and
going, the forecast template, unit changes and window boundaries across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.carbon_tracker.core import throttle
from custom_components.carbon_tracker.groups import runtime
from tests.common import (
    approx,
    group_entry,
    meter_id,
    node_carbon_id,
    set_meter,
    setup_node,
    state_number,
    state_of,
)

ERROR = "sensor.main_vs_subs_error"
TOTAL = "sensor.main_vs_subs_total"
TOTAL_CUMULATIVE = "sensor.main_vs_subs_total_cumulative"
SUBS = "sensor.main_vs_subs_sum_of_sub_meters"
RELATIVE = "sensor.main_vs_subs_relative_error"
PROBLEM = "binary_sensor.main_vs_subs_threshold_exceeded"


async def read(hass: HomeAssistant, port: int, kwh: float) -> None:
    """A new meter reading of the node with this port (0.5 kg CO2e per kWh)."""
    set_meter(hass, kwh, entity_id=meter_id(port))
    await hass.async_block_till_done()


@pytest.mark.usefixtures("total_group")
async def test_total_vs_sub_sums_each_side_and_reports_the_remainder(hass: HomeAssistant) -> None:
    # Fresh group: each member's first total is its baseline.
    assert state_number(hass, TOTAL) == 0.0
    assert state_number(hass, ERROR) == 0.0
    assert state_of(hass, RELATIVE) == STATE_UNKNOWN  # nothing to relate to yet
    await read(hass, 1, 110)  # total +5 kg
    await read(hass, 2, 104)  # sub +2 kg
    await read(hass, 3, 101)  # sub +0.5 kg
    assert state_number(hass, TOTAL) == approx(5.0)
    assert state_number(hass, SUBS) == approx(2.5)
    # Sign convention: the total minus the sum of the subs.
    assert state_number(hass, ERROR) == approx(2.5)
    assert state_number(hass, RELATIVE) == approx(50.0)
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["notation"] == "G1: 1 > 2/3"
    assert error.attributes["missing_members"] == []
    assert error.attributes["within_tolerance"] is False


async def test_forecast_vs_measured_sign_is_measured_minus_forecast(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    await setup_node(
        hass,
        group_entry(
            kind="forecast_vs_measured",
            title="Plan",
            entry_id="plan",
            left=[nodes[1], nodes[2]],
            right=[nodes[3]],
        ),
    )
    await read(hass, 1, 104)  # forecast +2
    await read(hass, 2, 102)  # forecast +1
    await read(hass, 3, 110)  # measured +5
    assert state_number(hass, "sensor.plan_forecast") == approx(3.0)
    assert state_number(hass, "sensor.plan_measured") == approx(5.0)
    assert state_number(hass, "sensor.plan_error") == approx(2.0)
    assert state_number(hass, "sensor.plan_relative_error") == pytest.approx(200.0 / 3.0)


@pytest.mark.usefixtures("total_group")
async def test_a_member_outage_is_counted_once_when_it_comes_back(hass: HomeAssistant) -> None:
    await read(hass, 2, 102)
    hass.states.async_set(node_carbon_id(2), STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    error = hass.states.get(ERROR)
    assert error is not None
    # The group keeps counting those that report and names the missing one.
    assert error.attributes["missing_members"] == [{"port": 2, "name": "Meter 2"}]
    assert state_number(hass, SUBS) == approx(1.0)
    # Meanwhile the node counted 3 kg more; it comes back with its caught-up total.
    hass.states.async_set(node_carbon_id(2), "4.0", {"unit_of_measurement": "kg"})
    await hass.async_block_till_done()
    assert state_number(hass, SUBS) == approx(4.0)
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["missing_members"] == []
    # Nothing doubles when it reports the same total again.
    hass.states.async_set(node_carbon_id(2), "4.0", {"unit_of_measurement": "kg"})
    await hass.async_block_till_done()
    assert state_number(hass, SUBS) == approx(4.0)


@pytest.mark.usefixtures("total_group")
async def test_a_member_whose_meter_is_unavailable_is_missing(hass: HomeAssistant) -> None:
    """The node's carbon sensor keeps its (right) total while its meter is down, but the group
    names the member missing until the meter reads again; nothing is counted twice."""
    await read(hass, 2, 102)
    hass.states.async_set(meter_id(2), STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    assert state_number(hass, node_carbon_id(2)) == approx(1.0)  # the node's total stays
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["missing_members"] == [{"port": 2, "name": "Meter 2"}]
    assert state_number(hass, SUBS) == approx(1.0)
    hass.states.async_set(meter_id(2), STATE_UNKNOWN)  # still nothing to say
    await hass.async_block_till_done()
    assert hass.states.get(ERROR).attributes["missing_members"] == [{"port": 2, "name": "Meter 2"}]
    await read(hass, 2, 104)  # back, 2 kWh further: +1 kg
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["missing_members"] == []
    assert state_number(hass, SUBS) == approx(2.0)


async def test_a_group_set_up_while_a_meter_is_unavailable_lists_it_missing(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    hass.states.async_set(meter_id(3), STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2], nodes[3]]))
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["missing_members"] == [{"port": 3, "name": "Meter 3"}]


@pytest.mark.usefixtures("total_group")
async def test_a_side_with_no_member_reporting_makes_the_error_unavailable(
    hass: HomeAssistant,
) -> None:
    hass.states.async_set(node_carbon_id(1), STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    assert state_of(hass, TOTAL) == STATE_UNAVAILABLE
    assert state_of(hass, ERROR) == STATE_UNAVAILABLE
    assert state_of(hass, RELATIVE) == STATE_UNAVAILABLE
    assert state_number(hass, SUBS) == 0.0


@pytest.mark.usefixtures("total_group")
async def test_a_member_shown_in_another_mass_unit_is_counted_in_kg(hass: HomeAssistant) -> None:
    hass.states.async_set(node_carbon_id(2), "2000", {"unit_of_measurement": "g"})
    await hass.async_block_till_done()
    # 0 kg before, 2 kg now: the sub side grew by 2 kg.
    assert state_number(hass, SUBS) == approx(2.0)
    hass.states.async_set(node_carbon_id(3), "5", {"unit_of_measurement": "kWh"})
    await hass.async_block_till_done()
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["missing_members"] == [{"port": 3, "name": "Meter 3"}]


async def test_forecast_template_is_followed(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    hass.states.async_set("input_number.budget", "4")
    await setup_node(
        hass,
        group_entry(
            kind="forecast_vs_measured",
            title="Budget",
            entry_id="budget",
            right=[nodes[1]],
            forecast_template="{{ states('input_number.budget') | float * 2 }}",
        ),
    )
    assert state_number(hass, "sensor.budget_forecast") == approx(8.0)
    await read(hass, 1, 120)  # +10 kg measured
    assert state_number(hass, "sensor.budget_error") == approx(2.0)
    hass.states.async_set("input_number.budget", "6")
    await hass.async_block_till_done()
    assert state_number(hass, "sensor.budget_error") == approx(-2.0)
    error = hass.states.get("sensor.budget_error")
    assert error is not None
    assert error.attributes["notation"] == "T > 1"
    # A result that is not kilograms leaves the forecast, and so the error, unavailable.
    hass.states.async_set("input_number.budget", "lots")
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.budget_forecast") == STATE_UNAVAILABLE
    assert state_of(hass, "sensor.budget_error") == STATE_UNAVAILABLE


@pytest.mark.parametrize(
    ("result", "kilograms", "problem"),
    [
        ("12.5", 12.5, None),
        ("unavailable", None, None),
        ("", None, None),
        ("-1", None, "not a number of kilograms: '-1'"),
        ("inf", None, "not a number of kilograms: 'inf'"),
        ("abc", None, "not a number: 'abc'"),
    ],
)
def test_forecast_values(result: str, kilograms: float | None, problem: str | None) -> None:
    assert runtime._forecast_value(result) == (kilograms, problem)


@pytest.mark.parametrize(
    ("start", "period", "hours"),
    [
        # US/Pacific: spring forward on 2026-03-08, fall back on 2026-11-01.
        # Half an hour into the 23-hour and the 25-hour day; half an hour before the jump.
        ("2026-03-08 00:30", "day", 22.5),
        ("2026-11-01 00:30", "day", 24.5),
        ("2026-03-08 01:30", "hour", 0.5),
    ],
)
async def test_window_boundaries_across_dst(  # noqa: PLR0917 (fixtures and parameters)
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    nodes: dict[int, str],
    start: str,
    period: str,
    hours: float,
) -> None:
    zone = ZoneInfo("US/Pacific")
    # In UTC: adding hours to a local time would add wall-clock hours across the change.
    now = datetime.fromisoformat(start).replace(tzinfo=zone).astimezone(UTC)
    freezer.move_to(now)
    entry = await setup_node(
        hass, group_entry(left=[nodes[1]], right=[nodes[2]], window=period, entry_id="dst")
    )
    await read(hass, 1, 110)
    assert state_number(hass, TOTAL) == approx(5.0)
    boundary = now + timedelta(hours=hours)
    # Just before the boundary the window still holds the 5 kg.
    freezer.move_to(boundary - timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state_number(hass, TOTAL) == approx(5.0)
    freezer.move_to(boundary)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state_number(hass, TOTAL) == 0.0
    total = hass.states.get(TOTAL)
    assert total is not None
    assert datetime.fromisoformat(total.attributes["last_reset"]) == boundary
    # The side since the group began goes on across the boundary.
    assert state_number(hass, TOTAL_CUMULATIVE) == approx(5.0)
    # The next reading counts from the boundary on.
    await read(hass, 1, 112)
    assert state_number(hass, TOTAL) == approx(1.0)
    assert state_number(hass, TOTAL_CUMULATIVE) == approx(6.0)
    # A restart (the entry loaded again) continues both from the durable record.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await read(hass, 1, 114)
    assert state_number(hass, TOTAL) == approx(2.0)
    assert state_number(hass, TOTAL_CUMULATIVE) == approx(7.0)
    assert isinstance(entry, MockConfigEntry)


async def test_writes_are_coalesced_to_one_a_second(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, nodes: dict[int, str]
) -> None:
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2]]))
    writes: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            writes.append(event.data["new_state"].state)
            if event.data["entity_id"] == TOTAL
            else None
        ),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(throttle, "WRITE_INTERVAL", 1.0)
        freezer.tick(timedelta(seconds=5))
        await read(hass, 1, 102)  # written at once
        await read(hass, 1, 104)  # held
        await read(hass, 1, 106)  # held, together with the one before
        assert writes == ["1.0"]
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass, fire_all=True)
        await hass.async_block_till_done()
        await hass.async_block_till_done()
    assert state_number(hass, TOTAL) == approx(3.0)
