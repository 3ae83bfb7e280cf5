"""The demo's grid intensity forecast (config/demo_meters.yaml) is one a window can read."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers.template import Template
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml

from custom_components.carbon_tracker.core.carbon_windows import best_window, parse_forecast

DEMO_METERS = Path(__file__).resolve().parents[2] / "config" / "demo_meters.yaml"


async def test_the_demo_forecast_is_48_hours_a_window_reads(hass: HomeAssistant) -> None:
    config = await hass.async_add_executor_job(load_yaml, str(DEMO_METERS))
    assert isinstance(config, list)
    (intensity,) = [
        sensor
        for block in config
        for sensor in block.get("sensor", [])
        if sensor.get("unique_id") == "demo_grid_intensity"
    ]
    rendered = Template(intensity["attributes"]["forecast"], hass).async_render()
    now = dt_util.now()
    slots = parse_forecast(rendered, zone=now.tzinfo or dt_util.UTC, today=now.date())
    assert len(slots) == 96
    assert all(a.end == b.start for a, b in pairwise(slots))
    assert slots[0].start <= dt_util.utcnow() < slots[0].end
    assert all(300 <= slot.intensity <= 700 for slot in slots)
    window = best_window(slots, dt_util.utcnow(), timedelta(hours=2), timedelta(hours=24))
    assert window is not None
    assert window.mean < sum(slot.intensity for slot in slots) / len(slots)
