"""A carbon-aware window: the form, the window found, its start and end, a new forecast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import pick_kind, setup_node

FORECAST = "event.carbon_intensity_national_current_day_rates"
START_SENSOR = "sensor.dishwasher_window_low_carbon_window_start"
IN_WINDOW = "binary_sensor.dishwasher_window_in_the_low_carbon_window"
NOW = datetime(2026, 11, 20, 21, 50, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)
T0 = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)


def rates(values: list[int], start: datetime = T0) -> list[dict[str, Any]]:
    """Carbon Intensity UK's rates: half-hours from ``start``."""
    return [
        {
            "from": (start + index * HALF_HOUR).isoformat(),
            "to": (start + (index + 1) * HALF_HOUR).isoformat(),
            "intensity_forecast": value,
        }
        for index, value in enumerate(values)
    ]


def set_forecast(hass: HomeAssistant, values: list[int], start: datetime = T0) -> None:
    hass.states.async_set(
        FORECAST,
        NOW.isoformat(),
        {"rates": rates(values, start), "unit_of_measurement": "gCO2/kWh"},
    )


def window_entry(**options: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Dishwasher window",
        data={"kind": "carbon_window"},
        options={
            "forecast_entity": FORECAST,
            "forecast_attribute": None,
            "length_minutes": 60.0,
            "horizon_hours": 4.0,
            **options,
        },
        minor_version=3,
        entry_id="window_1",
    )


# --- the form ---------------------------------------------------------------------------------


async def test_a_window_is_added_with_a_forecast_it_can_read(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_forecast(hass, [300, 200, 100, 100, 400])
    result = await pick_kind(hass, "carbon_window")
    assert result["step_id"] == "carbon_window"
    form = {
        "name": "Dishwasher window",
        "forecast_entity": FORECAST,
        "length_minutes": 60,
        "horizon_hours": 4,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"kind": "carbon_window"}
    assert result["options"] == {
        "forecast_entity": FORECAST,
        "forecast_attribute": None,
        "length_minutes": 60.0,
        "horizon_hours": 4.0,
    }
    await hass.async_block_till_done()
    state = hass.states.get(START_SENSOR)
    assert state is not None
    assert state.state == (T0 + 2 * HALF_HOUR).isoformat()


@pytest.mark.parametrize(
    ("changes", "state", "errors"),
    [
        (
            {"horizon_hours": 1, "length_minutes": 90},
            None,
            {"horizon_hours": "horizon_shorter_than_length"},
        ),
        ({}, {}, {"forecast_attribute": "forecast_not_found"}),
        ({"forecast_attribute": "prices"}, None, {"forecast_attribute": "forecast_not_found"}),
        ({}, {"rates": "soon"}, {"forecast_attribute": "forecast_unknown_format"}),
        (
            {},
            {"rates": [{"from": "x", "to": "y", "intensity": 1}]},
            {"forecast_attribute": "forecast_bad_time"},
        ),
    ],
)
async def test_the_form_refuses_by_field(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    changes: dict[str, Any],
    state: dict[str, Any] | None,
    errors: dict[str, str],
) -> None:
    freezer.move_to(NOW)
    if state is None:
        set_forecast(hass, [300, 200])
    else:
        hass.states.async_set(FORECAST, "x", state)
    result = await pick_kind(hass, "carbon_window")
    form = {
        "name": "W",
        "forecast_entity": FORECAST,
        "length_minutes": 60,
        "horizon_hours": 4,
        **changes,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_options_change_the_length_and_the_window_follows(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_forecast(hass, [300, 200, 100, 100, 400, 10, 10, 10])
    entry = await setup_node(hass, window_entry())
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "window"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"forecast_entity": FORECAST, "length_minutes": 90, "horizon_hours": 1},
    )
    assert result["errors"] == {"horizon_hours": "horizon_shorter_than_length"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"forecast_entity": FORECAST, "length_minutes": 90, "horizon_hours": 5},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["length_minutes"] == 90.0
    state = hass.states.get(START_SENSOR)
    assert state is not None
    # 90 minutes within 5 hours of 21:50: the three 10s from 00:30.
    assert state.state == (T0 + 5 * HALF_HOUR).isoformat()


# --- the window -------------------------------------------------------------------------------


async def test_the_binary_sensor_is_on_inside_the_window_and_the_next_is_found_at_its_end(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_forecast(hass, [300, 200, 100, 100, 400, 50, 50, 400])
    await setup_node(hass, window_entry())
    start = hass.states.get(START_SENSOR)
    assert start is not None
    # 00:30-01:30 at 50: the lowest hour within 4 hours of 21:50.
    assert start.state == (T0 + 5 * HALF_HOUR).isoformat()
    assert start.attributes["end"] == (T0 + 7 * HALF_HOUR).isoformat()
    assert start.attributes["mean_intensity"] == 50.0
    assert start.attributes["problem"] is None
    state = hass.states.get(IN_WINDOW)
    assert state is not None
    assert state.state == "off"
    freezer.move_to(T0 + 5 * HALF_HOUR)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert (state := hass.states.get(IN_WINDOW)) is not None
    assert state.state == "on"
    # A new forecast while the window is under way: the run is not cut short.
    set_forecast(hass, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    await hass.async_block_till_done()
    assert (state := hass.states.get(IN_WINDOW)) is not None
    assert state.state == "on"
    assert (start := hass.states.get(START_SENSOR)) is not None
    assert start.state == (T0 + 5 * HALF_HOUR).isoformat()
    # At its end the next window is found from the forecast then.
    freezer.move_to(T0 + 7 * HALF_HOUR)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert (state := hass.states.get(IN_WINDOW)) is not None
    assert state.state == "on"  # the next window starts now (all 1s: the earliest)
    assert (start := hass.states.get(START_SENSOR)) is not None
    assert start.state == (T0 + 7 * HALF_HOUR).isoformat()


async def test_no_forecast_or_no_covered_window_says_why(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    entry = await setup_node(hass, window_entry())
    assert entry.state is ConfigEntryState.LOADED
    assert (start := hass.states.get(START_SENSOR)) is not None
    assert start.state == "unknown"
    assert start.attributes["problem"] == "no_forecast"
    set_forecast(hass, [100])  # half an hour: no hour-long window is covered
    await hass.async_block_till_done()
    assert (start := hass.states.get(START_SENSOR)) is not None
    assert start.attributes["problem"] == "no_covered_window"
    hass.states.async_set(FORECAST, "x", {"rates": "garbled"})
    await hass.async_block_till_done()
    assert (start := hass.states.get(START_SENSOR)) is not None
    assert (start.state, start.attributes["problem"]) == ("unknown", "forecast_unknown_format")
    set_forecast(hass, [100, 100, 5, 5])
    await hass.async_block_till_done()
    assert (start := hass.states.get(START_SENSOR)) is not None
    assert start.state == (T0 + 2 * HALF_HOUR).isoformat()


async def test_diagnostics(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> None:
    # HA's own clock (the client's sign-in token is of now): the forecast from the next hour.
    start = dt_util.utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    set_forecast(hass, [300, 200, 100, 100], start)
    entry = await setup_node(hass, window_entry())
    found = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert found["state"] == "loaded"
    assert found["window"] == {
        "start": (start + 2 * HALF_HOUR).isoformat(),
        "end": (start + 4 * HALF_HOUR).isoformat(),
        "mean": 100.0,
    }
    assert (found["slots"], found["unit"], found["problem"]) == (4, "gCO2/kWh", None)
    assert await hass.config_entries.async_unload(entry.entry_id)
    found = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert found == {"kind": "carbon_window", "options": dict(entry.options), "state": "not_loaded"}
