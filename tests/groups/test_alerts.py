"""A group's threshold: crossing and clearing, with notification, events and logbook lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import Event, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.carbon_tracker.const import (
    DOMAIN,
    EVENT_THRESHOLD_CLEARED,
    EVENT_THRESHOLD_CROSSED,
)
from custom_components.carbon_tracker.logbook import async_describe_events
from tests.common import group_entry, meter_id, set_meter, setup_node

PROBLEM = "binary_sensor.main_vs_subs_threshold_exceeded"
NOTIFICATION = f"{DOMAIN}_threshold_group_main"


async def read(hass: HomeAssistant, port: int, kwh: float) -> None:
    """A new meter reading of the node with this port (0.5 kg CO2e per kWh)."""
    set_meter(hass, kwh, entity_id=meter_id(port))
    await hass.async_block_till_done()


def notifications(hass: HomeAssistant) -> dict[str, Any]:
    """The persistent notifications shown now."""
    return dict(persistent_notification._async_get_or_create_notifications(hass))


def describers(hass: HomeAssistant) -> dict[str, Callable[[Event], dict[str, Any]]]:
    """The logbook describe callbacks the integration registers, by event type."""
    registered: list[tuple[str, str, Callable[[Event], dict[str, Any]]]] = []
    async_describe_events(hass, lambda *args: registered.append(args))
    return {event_type: describe for _, event_type, describe in registered}


def problem(hass: HomeAssistant) -> str:
    state = hass.states.get(PROBLEM)
    assert state is not None
    return state.state


@pytest.mark.usefixtures("total_group")
async def test_crossing_and_clearing(hass: HomeAssistant) -> None:
    crossed = async_capture_events(hass, EVENT_THRESHOLD_CROSSED)
    cleared = async_capture_events(hass, EVENT_THRESHOLD_CLEARED)
    await read(hass, 1, 103)  # total +1.5 kg: under the 2 kg line, within tolerance
    assert problem(hass) == "off"
    assert not crossed
    await read(hass, 1, 106)  # total +3 kg, subs 0: error 3 kg, beyond
    assert problem(hass) == "on"
    assert len(crossed) == 1
    data = crossed[0].data
    assert data["name"] == "Main vs subs"
    assert data["notation"] == "G1: 1 > 2/3"
    assert data["group_number"] == 1
    assert data["window"] == "day"
    assert data["total_kg"] == 3.0
    assert data["subs_kg"] == 0.0
    assert data["error_kg"] == 3.0
    assert data["error_pct"] == 100.0
    assert data["threshold_kg"] == 2.0
    shown = notifications(hass)[NOTIFICATION]
    assert shown["title"] == "Carbon Tracker: Main vs subs is beyond its threshold"
    assert "total 3 kg, sum of sub-meters 0 kg, unaccounted +3 kg (+100 %)" in shown["message"]
    assert "(G1: 1 > 2/3)" in shown["message"]
    # More error is the same alarm: no second event.
    await read(hass, 1, 108)
    assert len(crossed) == 1
    # The subs catch up: error 4 - 3.5 = 0.5 kg, within again.
    await read(hass, 2, 104)
    await read(hass, 3, 103)
    assert problem(hass) == "off"
    assert len(cleared) == 1
    assert cleared[0].data["error_kg"] == 0.5
    assert NOTIFICATION not in notifications(hass)

    describe = describers(hass)
    line = describe[EVENT_THRESHOLD_CROSSED](crossed[0])
    assert line["name"] == "Main vs subs"
    # One window, one way of writing it: local, to the minute, as the notification says it;
    # the event carries the same moment in ISO 8601 with the local offset.
    start = crossed[0].data["window_start"]
    assert start == dt_util.as_local(dt_util.parse_datetime(start)).isoformat()
    local = dt_util.as_local(dt_util.parse_datetime(start)).strftime("%Y-%m-%d %H:%M")
    assert line["message"] == (f"error +3 kg beyond its threshold (G1: 1 > 2/3, day from {local})")
    assert f"day from {local}:" in shown["message"]
    assert line["icon"] == "mdi:scale-unbalanced"
    line = describe[EVENT_THRESHOLD_CLEARED](cleared[0])
    assert line["message"].startswith("error +0.5 kg back within its threshold")
    assert line["icon"] == "mdi:scale-balance"


async def test_hysteresis_keeps_an_alarm_hovering_at_the_line(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    await setup_node(
        hass,
        group_entry(left=[nodes[1]], right=[nodes[2]], threshold_kg=2.0, hysteresis_pct=25.0),
    )
    crossed = async_capture_events(hass, EVENT_THRESHOLD_CROSSED)
    cleared = async_capture_events(hass, EVENT_THRESHOLD_CLEARED)
    await read(hass, 1, 105)  # error 2.5: beyond
    await read(hass, 2, 101)  # error 2.0: at the line
    await read(hass, 2, 101.5)  # error 1.75: under the line, not under 2 x (1 - 25 %)
    assert (len(crossed), len(cleared)) == (1, 0)
    await read(hass, 2, 102.5)  # error 1.25: under 1.5, cleared
    assert (len(crossed), len(cleared)) == (1, 1)


async def test_an_error_between_the_line_and_the_alarm_preset_shows_without_an_alarm(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    """A 0.3 kg line and a 2 kg preset: +0.7 kg is an error outside the tolerance and no alarm;
    +2.5 kg alarms, and the event says both figures."""
    await setup_node(
        hass,
        group_entry(left=[nodes[1]], right=[nodes[2]], threshold_kg=0.3, alarm_kg=2.0),
    )
    crossed = async_capture_events(hass, EVENT_THRESHOLD_CROSSED)
    await read(hass, 1, 101.4)  # total +0.7 kg, subs 0
    error = hass.states.get("sensor.main_vs_subs_error")
    assert error is not None
    assert float(error.state) == pytest.approx(0.7)
    assert error.attributes["within_tolerance"] is False
    assert problem(hass) == "off"
    assert not crossed
    await read(hass, 1, 105)  # +2.5 kg
    assert problem(hass) == "on"
    assert len(crossed) == 1
    assert (crossed[0].data["threshold_kg"], crossed[0].data["alarm_kg"]) == (0.3, 2.0)


async def test_relative_threshold_needs_the_minimum_reference(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    await setup_node(
        hass,
        group_entry(
            kind="forecast_vs_measured",
            entry_id="plan",
            title="Plan",
            left=[nodes[1]],
            right=[nodes[2]],
            threshold_pct=10.0,
            min_reference_kg=5.0,
        ),
    )
    crossed = async_capture_events(hass, EVENT_THRESHOLD_CROSSED)
    # An almost empty window: forecast 0.5 kg, measured 7 kg, +1300 %: too early to count.
    await read(hass, 1, 101)
    await read(hass, 2, 114)
    assert not crossed
    # Forecast 6 kg, measured 7 kg: +16.7 % with a reference past 5 kg.
    await read(hass, 1, 112)
    assert len(crossed) == 1
    assert crossed[0].data["forecast_kg"] == 6.0
    assert crossed[0].data["measured_kg"] == 7.0
    assert crossed[0].data["error_pct"] == pytest.approx(16.67)
    message = notifications(hass)[f"{DOMAIN}_threshold_plan"]["message"]
    assert "forecast 6 kg, measured 7 kg, error +1 kg (+16.67 %)" in message


async def test_no_threshold_never_alarms(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2]]))
    crossed = async_capture_events(hass, EVENT_THRESHOLD_CROSSED)
    await read(hass, 1, 1000)
    assert not crossed
    assert problem(hass) == "off"
    error = hass.states.get("sensor.main_vs_subs_error")
    assert error is not None
    assert error.attributes["within_tolerance"] is None


async def test_notification_follows_the_server_language(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    await hass.config.async_update(language="zh-Hans")
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2]], threshold_kg=1.0))
    await read(hass, 1, 110)
    shown = notifications(hass)[NOTIFICATION]
    assert shown["title"] == "Carbon Tracker：Main vs subs 超出阈值"  # noqa: RUF001
    assert "自 " in shown["message"]
    assert "的日：总表 5 kg，分表之和 0 kg，未计入 +5 kg（+100 %）" in shown["message"]  # noqa: RUF001


@pytest.mark.usefixtures("total_group")
async def test_removing_the_group_dismisses_its_notification(hass: HomeAssistant) -> None:
    await read(hass, 1, 110)
    assert NOTIFICATION in notifications(hass)
    await hass.config_entries.async_remove("group_main")
    await hass.async_block_till_done()
    assert NOTIFICATION not in notifications(hass)
    assert hass.states.get(PROBLEM) is None


@pytest.mark.usefixtures("total_group")
async def test_an_automation_runs_on_the_crossing(hass: HomeAssistant) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": {
                    "trigger": "event",
                    "event_type": EVENT_THRESHOLD_CROSSED,
                    "event_data": {"group_number": 1},
                },
                "actions": {
                    "event": "carbon_alert_seen",
                    "event_data": {
                        "text": "{{ trigger.event.data.notation }}: "
                        "{{ trigger.event.data.error_kg }} kg"
                    },
                },
            }
        },
    )
    seen = async_capture_events(hass, "carbon_alert_seen")
    await read(hass, 1, 110)
    await hass.async_block_till_done()
    assert [event.data["text"] for event in seen] == ["G1: 1 > 2/3: 5.0 kg"]
