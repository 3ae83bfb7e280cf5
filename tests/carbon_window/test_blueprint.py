"""The shipped blueprint that runs a load in a carbon-aware window, as HA loads a user's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from tests.carbon_window.test_window import (
    HALF_HOUR,
    IN_WINDOW,
    NOW,
    T0,
    set_forecast,
    window_entry,
)
from tests.common import setup_node, use_automation_blueprint

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINT = ROOT / "blueprints" / "automation" / "carbon_tracker" / "low_carbon_run.yaml"
BLUEPRINT_PATH = "carbon_tracker/low_carbon_run.yaml"
LOAD = "input_boolean.dishwasher"


async def use_blueprint(hass: HomeAssistant, **inputs: Any) -> None:
    """The shipped blueprint, as a user's automation."""
    await use_automation_blueprint(
        hass, BLUEPRINT, "low_carbon_dishwasher", "Low-carbon dishwasher", **inputs
    )


async def test_the_blueprint_validates_as_an_automation_blueprint(hass: HomeAssistant) -> None:
    data = await hass.async_add_executor_job(load_yaml_dict, str(BLUEPRINT))
    blueprint = Blueprint(
        data, path=BLUEPRINT_PATH, expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA
    )
    assert blueprint.metadata["author"] == "Carbon Tracker"
    assert set(blueprint.inputs) == {"window", "load", "turn_off_at_end"}
    assert blueprint.inputs["window"]["selector"]["entity"]["filter"] == [
        {"integration": "carbon_tracker", "domain": ["binary_sensor"]}
    ]


@pytest.mark.parametrize("turn_off_at_end", [False, True])
async def test_the_load_runs_in_the_window(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, turn_off_at_end: bool
) -> None:
    freezer.move_to(NOW)
    # HA's own actions (homeassistant.turn_on) are there in every running HA.
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"dishwasher": {}}})
    set_forecast(hass, [300, 200, 100, 100, 400])
    await setup_node(hass, window_entry())
    await use_blueprint(
        hass, window=IN_WINDOW, load={"entity_id": LOAD}, turn_off_at_end=turn_off_at_end
    )
    assert (load := hass.states.get(LOAD)) is not None
    assert load.state == "off"
    # The window (23:00-00:00 at 100) starts: the load is turned on.
    freezer.move_to(T0 + 2 * HALF_HOUR)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert (state := hass.states.get(IN_WINDOW)) is not None
    assert state.state == "on"
    assert (load := hass.states.get(LOAD)) is not None
    assert load.state == "on"
    # It ends: the load is turned off only if asked.
    freezer.move_to(T0 + 4 * HALF_HOUR + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert (state := hass.states.get(IN_WINDOW)) is not None
    assert state.state == "off"
    assert (load := hass.states.get(LOAD)) is not None
    assert load.state == ("off" if turn_off_at_end else "on")
    assert datetime.now(tz=UTC) > T0
