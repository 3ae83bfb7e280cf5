"""A window that is a forecast port: each run planned into it, and the audit of the shift."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.carbon_tracker.ports import port_of, used_ports
from custom_components.carbon_tracker.reports.build import node_info
from tests.carbon_window.test_window import (
    FORECAST,
    HALF_HOUR,
    NOW,
    T0,
    rates,
    set_forecast,
    window_entry,
)
from tests.common import (
    add_nodes,
    approx,
    group_entry,
    meter_id,
    node_carbon_id,
    pick_kind,
    set_meter,
    setup_node,
    state_number,
)

PLANNED = "sensor.dishwasher_window_planned_carbon"
WINDOW_START = "sensor.dishwasher_window_low_carbon_window_start"


def forecast_port(**options: Any) -> Any:
    return window_entry(planned_kwh=1.5, port=7, **options)


async def enter_window(hass: HomeAssistant, freezer: FrozenDateTimeFactory, at: Any) -> None:
    freezer.move_to(at)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_each_run_is_recorded_once_at_the_windows_mean(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    # At 21:50 the grid is at 300 g/kWh; the window is 23:00-00:00 at 100.
    hass.states.async_set(
        FORECAST,
        NOW.isoformat(),
        {"rates": _rates([300, 300, 200, 100, 100, 400]), "unit_of_measurement": "gCO2/kWh"},
    )
    entry = await setup_node(hass, forecast_port())
    assert state_number(hass, PLANNED) == 0.0
    await enter_window(hass, freezer, T0 + 2 * HALF_HOUR)
    # 1.5 kWh at 0.1 kg/kWh, promised against 1.5 kWh at 0.3 kg/kWh when the window was found.
    assert state_number(hass, PLANNED) == approx(0.15)
    state = hass.states.get(PLANNED)
    assert state is not None
    assert state.attributes["runs"] == 1
    assert state.attributes["last_run_start"] == (T0 + 2 * HALF_HOUR).isoformat()
    assert state.attributes["last_run_kg_per_kwh"] == approx(0.1)
    assert state.attributes["last_run_promised_saving_kg"] == approx(0.3)
    # A new forecast inside the window, and a restart in the middle of it: the run is not
    # counted again (the window from now would be another one).
    set_forecast(hass, [5, 5, 5, 5, 5, 5])
    await hass.async_block_till_done()
    freezer.move_to(T0 + 2 * HALF_HOUR + timedelta(minutes=20))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert (start := hass.states.get(WINDOW_START)) is not None
    assert start.state == (T0 + 2 * HALF_HOUR).isoformat()
    assert state_number(hass, PLANNED) == approx(0.15)
    assert (state := hass.states.get(PLANNED)) is not None
    assert state.attributes["runs"] == 1
    # The next window is another run.
    set_forecast(hass, [50, 50, 50, 50, 50, 50, 50, 50], start=T0 + 4 * HALF_HOUR)
    await enter_window(hass, freezer, T0 + 4 * HALF_HOUR)
    assert state_number(hass, PLANNED) == approx(0.15 + 1.5 * 0.05)
    assert (state := hass.states.get(PLANNED)) is not None
    assert state.attributes["runs"] == 2


def _rates(values: list[int]) -> list[dict[str, Any]]:
    """Half-hours from 21:30, so that the grid at 21:50 is the first value."""
    return rates(values, T0 - HALF_HOUR)


async def test_the_audit_of_a_shift_is_a_group_of_the_plan_against_the_load(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The window's forecast port against the dishwasher's node: the error is what the run
    emitted beyond what it promised."""
    freezer.move_to(NOW)
    nodes = await add_nodes(hass, 1)
    set_forecast(hass, [300, 200, 100, 100, 400])
    window = await setup_node(hass, forecast_port())
    group = await setup_node(
        hass,
        group_entry(
            kind="forecast_vs_measured",
            left=[window.entry_id],
            right=[nodes[1]],
            title="Dishwasher shift",
            entry_id="shift",
        ),
    )
    await enter_window(hass, freezer, T0 + 2 * HALF_HOUR)
    # The dishwasher ran 1.6 kWh on a node at 0.5 kg/kWh (its own factor): 0.8 kg.
    carbon = state_number(hass, node_carbon_id(1))
    set_meter(hass, 101.6, entity_id=meter_id(1))
    await hass.async_block_till_done()
    assert state_number(hass, node_carbon_id(1)) == approx(carbon + 0.8)
    assert state_number(hass, "sensor.dishwasher_shift_forecast") == approx(0.15)
    assert state_number(hass, "sensor.dishwasher_shift_measured") == approx(0.8)
    assert state_number(hass, "sensor.dishwasher_shift_error") == approx(0.65)
    assert group.runtime_data.missing_members() == []
    # In reports the window's port is a plan: listed, in no total.
    info = node_info(hass, window.entry_id)
    assert info is not None
    assert (info.port, info.plan) == (7, True)


async def test_each_run_is_measured_on_the_loads_own_port_beside_its_plan(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """With the load's port, each run's window has the load's carbon over it: per run, the
    measure beside the plan, and a restart inside the window loses neither."""
    freezer.move_to(NOW)
    nodes = await add_nodes(hass, 1)
    assert nodes
    set_forecast(hass, [300, 200, 100, 100, 400])
    window = await setup_node(hass, forecast_port(load_port=1))
    await enter_window(hass, freezer, T0 + 2 * HALF_HOUR)
    set_meter(hass, 101.0, entity_id=meter_id(1))
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(window.entry_id)
    await hass.async_block_till_done()
    set_meter(hass, 101.6, entity_id=meter_id(1))
    await hass.async_block_till_done()
    state = hass.states.get(PLANNED)
    assert state is not None
    assert state.attributes["last_run_measured_kg"] is None  # under way
    await enter_window(hass, freezer, T0 + 4 * HALF_HOUR)
    state = hass.states.get(PLANNED)
    assert state is not None
    # 1.6 kWh on the dishwasher's node (0.5 kg/kWh) against 1.5 kWh planned at 0.1 kg/kWh.
    assert state.attributes["load_port"] == 1
    assert state.attributes["last_run_measured_kg"] == approx(0.8)
    assert state.attributes["last_run_error_kg"] == approx(0.65)


async def test_the_form_makes_a_forecast_port_with_a_port_of_its_own(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    await add_nodes(hass, 1)
    set_forecast(hass, [300, 200, 100, 100, 400])
    form = {
        "name": "Dishwasher window",
        "forecast_entity": FORECAST,
        "length_minutes": 60,
        "horizon_hours": 4,
    }
    result = await pick_kind(hass, "carbon_window")
    for changes, errors in (
        ({"port": 7, "planned_kwh": 1.5, "load_port": 9}, {"load_port": "load_port_unknown"}),
        ({"load_port": 1}, {"load_port": "load_port_unknown"}),
        ({"port": 1, "planned_kwh": 1.5}, {"port": "port_in_use"}),
        ({"port": 7}, {"planned_kwh": "plan_needs_kwh_and_port"}),
        ({"planned_kwh": 1.5}, {"planned_kwh": "plan_needs_kwh_and_port"}),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**form, **changes}
        )
        assert result["errors"] == errors
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, "port": 7, "planned_kwh": 1.5, "load_port": 1}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"]["port"] == 7
    assert result["options"]["planned_kwh"] == 1.5
    assert result["options"]["load_port"] == 1
    await hass.async_block_till_done()
    entry_id = result["result"].entry_id
    assert used_ports(hass) == {1, 7}
    port = port_of(hass, entry_id)
    assert port is not None
    assert (port.number, port.name) == (7, "Dishwasher window")
    # Its options keep its own port; the load's port is another node's, never its own.
    options = {key: form[key] for key in ("forecast_entity", "length_minutes", "horizon_hours")}
    options |= {"port": 7, "planned_kwh": 2.0}
    result = await hass.config_entries.options.async_init(entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**options, "load_port": 7}
    )
    assert result["errors"] == {"load_port": "load_port_is_the_plan"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("unit", ["gCO2/kWh", None])
async def test_a_forecast_without_a_usable_unit(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, unit: str | None
) -> None:
    """No unit: g/kWh, as the services publish; a unit that is no intensity: not recorded."""
    freezer.move_to(NOW)
    attributes: dict[str, Any] = {"rates": _rates([300, 300, 200, 100, 100, 400])}
    if unit is not None:
        attributes["unit_of_measurement"] = "kWh"  # not an intensity
    hass.states.async_set(FORECAST, NOW.isoformat(), attributes)
    await setup_node(hass, forecast_port())
    await enter_window(hass, freezer, T0 + 2 * HALF_HOUR)
    assert state_number(hass, PLANNED) == (0.0 if unit is not None else approx(0.15))
