"""Tests of the node's sensors: the carbon total and the diagnostics that start disabled."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import (
    CARBON,
    SOURCE,
    carbon,
    node_entry,
    set_meter,
    setup_node,
)

INTENSITY = "sensor.grid_intensity"
ABS = 1e-9


def approx(value: float) -> object:
    return pytest.approx(value, abs=ABS)


def set_intensity(hass: HomeAssistant, value: object, unit: str = "gCO2eq/kWh") -> None:
    hass.states.async_set(INTENSITY, str(value), {ATTR_UNIT_OF_MEASUREMENT: unit})


def entity_mode_entry(**options: object) -> MockConfigEntry:
    return node_entry(factor_mode="entity", intensity_entity=INTENSITY, **options)


def accumulator_of(entry: MockConfigEntry):
    sensor = entry.runtime_data
    assert sensor is not None
    return sensor.accumulator


def messages(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


# ------------------------------------------------------------------------------------------------
# The carbon total
# ------------------------------------------------------------------------------------------------


async def test_first_reading_is_the_baseline_then_delta_times_factor(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node

    state = hass.states.get(CARBON)
    assert state is not None
    assert float(state.state) == 0.0
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kg"
    assert state.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.WEIGHT
    assert state.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
    assert accumulator_of(entry).baseline == 100.0

    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)

    set_meter(hass, 112.5)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(6.25)
    assert accumulator_of(entry).baseline == 112.5


async def test_source_without_state_at_start_sets_baseline_on_its_first_reading(
    hass: HomeAssistant,
) -> None:
    entry = await setup_node(hass, node_entry())
    assert carbon(hass) == 0.0
    assert accumulator_of(entry).baseline is None

    set_meter(hass, 1000)
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    assert accumulator_of(entry).baseline == 1000.0

    set_meter(hass, 1004)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.0)


async def test_unchanged_reading_with_new_attributes_counts_nothing(hass: HomeAssistant) -> None:
    set_meter(hass, 100)
    await setup_node(hass, node_entry())
    set_meter(hass, 100, friendly_name="Grid")
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0


async def test_source_unit_switches_from_kwh_to_wh_without_a_jump(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)

    # The same meter now reports in Wh: 110 000 Wh is no consumption at all.
    set_meter(hass, 110000, unit="Wh")
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)
    assert accumulator_of(entry).baseline == approx(110.0)

    set_meter(hass, 110500, unit="Wh")
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.25)

    # And back to kWh.
    set_meter(hass, 111.5)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.75)


async def test_factor_in_mwh_prices_kwh_readings(hass: HomeAssistant) -> None:
    set_meter(hass, 1000)
    await setup_node(hass, node_entry(factor_value=400.0, factor_unit="MWh"))
    set_meter(hass, 1250)
    await hass.async_block_till_done()
    # 250 kWh = 0.25 MWh at 400 kg/MWh.
    assert carbon(hass) == approx(100.0)


async def test_meter_reset_counts_from_zero(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    set_meter(hass, 120)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(10.0)

    # Below 90 % of 120: the meter was reset and has counted 30 since.
    set_meter(hass, 30)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(25.0)
    assert accumulator_of(entry).baseline == 30.0

    set_meter(hass, 40)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(30.0)


async def test_jitter_dip_is_not_counted_and_recovery_not_counted_twice(
    hass: HomeAssistant,
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())

    set_meter(hass, 95)  # 95 % of the baseline: jitter, not a reset.
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    assert accumulator_of(entry).baseline == 100.0

    set_meter(hass, 100)  # Recovery to the high-water mark: nothing new.
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0

    set_meter(hass, 102)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(1.0)


@pytest.mark.parametrize("bad", [STATE_UNAVAILABLE, STATE_UNKNOWN, "abc", "-5", "nan", "inf"])
async def test_invalid_state_is_skipped_without_moving_the_baseline(
    hass: HomeAssistant, bad: str
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    set_meter(hass, 104)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.0)

    set_meter(hass, bad)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.0)
    assert accumulator_of(entry).baseline == 104.0

    # The consumption during the outage is counted once, when the meter returns.
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)
    set_meter(hass, 110, friendly_name="again")
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)


async def test_outage_is_logged_once_and_the_return_too(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="custom_components.carbon_tracker")
    set_meter(hass, 100)
    await setup_node(hass, node_entry())

    for bad in (STATE_UNAVAILABLE, STATE_UNKNOWN, "abc", "nan", "-1", STATE_UNAVAILABLE):
        set_meter(hass, bad)
        await hass.async_block_till_done()
    assert len(messages(caplog, "readings resume from the last valid one")) == 1
    assert messages(caplog, "not a cumulative reading") == []
    assert carbon(hass) == 0.0

    set_meter(hass, 120)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(10.0)
    assert len(messages(caplog, "is back")) == 1

    # A second outage, starting with a non-numeric state, is logged again, as a warning.
    set_meter(hass, "garbage")
    await hass.async_block_till_done()
    set_meter(hass, STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    warnings = [r for r in caplog.records if "not a cumulative reading" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "'garbage'" in warnings[0].getMessage()
    assert len(messages(caplog, "readings resume from the last valid one")) == 1

    set_meter(hass, 130)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(15.0)
    assert len(messages(caplog, "is back")) == 2


async def test_unavailable_source_at_start_then_first_reading_is_baseline(
    hass: HomeAssistant,
) -> None:
    set_meter(hass, STATE_UNAVAILABLE)
    entry = await setup_node(hass, node_entry())
    assert accumulator_of(entry).baseline is None
    set_meter(hass, 200)
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    set_meter(hass, 210)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)


async def test_new_last_reset_of_the_source_is_a_reset(hass: HomeAssistant) -> None:
    set_meter(hass, 100, state_class="total", last_reset="2025-01-01T00:00:00+00:00")
    entry = await setup_node(hass, node_entry())
    set_meter(hass, 150, state_class="total", last_reset="2025-01-01T00:00:00+00:00")
    await hass.async_block_till_done()
    assert carbon(hass) == approx(25.0)

    # 140 is above 90 % of 150, but the source says it started again: 140 new kWh.
    set_meter(hass, 140, state_class="total", last_reset="2025-02-01T00:00:00+00:00")
    await hass.async_block_till_done()
    assert carbon(hass) == approx(95.0)
    assert accumulator_of(entry).last_reset == "2025-02-01T00:00:00+00:00"

    set_meter(hass, 146, state_class="total", last_reset="2025-02-01T00:00:00+00:00")
    await hass.async_block_till_done()
    assert carbon(hass) == approx(98.0)


async def test_source_in_an_incompatible_unit_is_skipped(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())

    set_meter(hass, 500, unit="m³")
    await hass.async_block_till_done()
    set_meter(hass, 600, unit="m³")
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    assert accumulator_of(entry).baseline == 100.0
    # Warned once per unit (the verdict is cached).
    assert len(messages(caplog, "cannot be priced per 'kWh'")) == 1

    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)


async def test_source_without_unit_is_skipped(hass: HomeAssistant) -> None:
    hass.states.async_set(SOURCE, "100", {"state_class": "total_increasing"})
    entry = await setup_node(hass, node_entry())
    assert accumulator_of(entry).baseline is None
    hass.states.async_set(SOURCE, "110", {"state_class": "total_increasing"})
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    assert accumulator_of(entry).baseline is None


@pytest.mark.parametrize(
    ("unit", "first", "second", "expected"),
    [
        ("kg CO2e", 10.0, 12.5, 2.5),
        ("t CO2e", 1.0, 1.5, 500.0),
        ("g CO2e", 1000.0, 1500.0, 0.5),
    ],
)
async def test_carbon_source_counts_one_to_one(
    hass: HomeAssistant, unit: str, first: float, second: float, expected: float
) -> None:
    set_meter(hass, first, unit=unit)
    entry = await setup_node(hass, node_entry(factor_mode="carbon"))
    sensor = entry.runtime_data
    assert sensor.factor == 1.0
    assert sensor.per_unit is None
    set_meter(hass, second, unit=unit)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(expected)


async def test_carbon_source_switching_from_kg_to_t_has_no_jump(hass: HomeAssistant) -> None:
    set_meter(hass, 1500, unit="kg CO2e")
    await setup_node(hass, node_entry(factor_mode="carbon"))
    set_meter(hass, 1.5, unit="t CO2e")
    await hass.async_block_till_done()
    assert carbon(hass) == approx(0.0)
    set_meter(hass, 1.75, unit="t CO2e")
    await hass.async_block_till_done()
    assert carbon(hass) == approx(250.0)


async def test_carbon_node_skips_a_source_in_kwh(hass: HomeAssistant) -> None:
    set_meter(hass, 10, unit="kg CO2e")
    entry = await setup_node(hass, node_entry(factor_mode="carbon"))
    set_meter(hass, 20, unit="kWh")
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    assert accumulator_of(entry).baseline == 10.0


async def test_library_factor(hass: HomeAssistant) -> None:
    set_meter(hass, 100)
    entry = await setup_node(
        hass, node_entry(factor_mode="library", factor_id="uk_desnz_2025_electricity")
    )
    assert entry.runtime_data.settings.static_factor == 0.177
    assert entry.runtime_data.settings.per_unit == "kWh"
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(1.77)


# ------------------------------------------------------------------------------------------------
# Live intensity
# ------------------------------------------------------------------------------------------------


async def test_each_delta_is_priced_at_the_intensity_in_force(hass: HomeAssistant) -> None:
    set_intensity(hass, 200)
    set_meter(hass, 100)
    entry = await setup_node(hass, entity_mode_entry())
    sensor = entry.runtime_data
    assert sensor.factor == approx(0.2)
    assert sensor.per_unit == "kWh"

    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.0)

    set_intensity(hass, 400)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.0)

    set_meter(hass, 115)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(4.0)


@pytest.mark.parametrize("gone", [STATE_UNAVAILABLE, STATE_UNKNOWN, "abc", "-3"])
async def test_consumption_is_held_while_the_intensity_is_unknown(
    hass: HomeAssistant, gone: str
) -> None:
    set_intensity(hass, 200)
    set_meter(hass, 100)
    entry = await setup_node(hass, entity_mode_entry())

    set_intensity(hass, gone)
    await hass.async_block_till_done()
    assert entry.runtime_data.factor is None

    set_meter(hass, 110)
    await hass.async_block_till_done()
    set_meter(hass, 120)
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    assert accumulator_of(entry).baseline == 100.0

    # Priced the moment the intensity returns, at the returning intensity.
    set_intensity(hass, 300)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(6.0)
    assert accumulator_of(entry).baseline == 120.0

    set_meter(hass, 121)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(6.3)


async def test_intensity_with_an_unusable_unit_holds_readings(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    set_intensity(hass, 200)
    set_meter(hass, 100)
    entry = await setup_node(hass, entity_mode_entry())
    set_intensity(hass, 200, unit="furlongs")
    await hass.async_block_till_done()
    assert entry.runtime_data.factor is None
    assert messages(caplog, "not a usable factor; readings are held")
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    set_intensity(hass, 100)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(1.0)


async def test_intensity_unit_change_from_kwh_to_mwh(hass: HomeAssistant) -> None:
    set_intensity(hass, 200)
    set_meter(hass, 100)
    entry = await setup_node(hass, entity_mode_entry())
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.0)

    # The same 0.3 kg/kWh, now said per MWh: the baseline is re-expressed, nothing jumps.
    set_intensity(hass, 300, unit="kg CO2e/MWh")
    await hass.async_block_till_done()
    sensor = entry.runtime_data
    assert sensor.per_unit == "MWh"
    assert sensor.factor == approx(300.0)
    assert accumulator_of(entry).baseline == approx(0.11)
    assert carbon(hass) == approx(2.0)

    set_meter(hass, 120)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)

    # And back to a per-kWh unit.
    set_intensity(hass, 100)
    await hass.async_block_till_done()
    assert sensor.per_unit == "kWh"
    assert accumulator_of(entry).baseline == approx(120.0)
    set_meter(hass, 130)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(6.0)


async def test_intensity_unknown_at_start_then_first_reading_is_the_baseline(
    hass: HomeAssistant,
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, entity_mode_entry())
    sensor = entry.runtime_data
    assert sensor.factor is None
    assert sensor.per_unit is None
    set_meter(hass, 105)
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0

    set_intensity(hass, 500)
    await hass.async_block_till_done()
    assert sensor.per_unit == "kWh"
    assert accumulator_of(entry).baseline == 105.0
    set_meter(hass, 107)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(1.0)


async def test_intensity_removed_from_the_state_machine_holds_readings(
    hass: HomeAssistant,
) -> None:
    set_intensity(hass, 200)
    set_meter(hass, 100)
    entry = await setup_node(hass, entity_mode_entry())
    hass.states.async_remove(INTENSITY)
    await hass.async_block_till_done()
    assert entry.runtime_data.factor is None
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    set_intensity(hass, 250)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.5)


# ------------------------------------------------------------------------------------------------
# Plausibility limit
# ------------------------------------------------------------------------------------------------


async def test_spike_is_held_and_raised_then_a_normal_reading_closes_it(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(max_delta_per_hour=10))
    issue_id = f"implausible_jump_{entry.entry_id}"
    issues = ir.async_get(hass)

    freezer.tick(timedelta(hours=1))
    set_meter(hass, 105)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.5)

    freezer.tick(timedelta(hours=1))
    set_meter(hass, 200)  # 95 kWh in an hour, with a limit of 10 per hour.
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.5)
    accumulator = accumulator_of(entry)
    assert accumulator.baseline == 105.0
    assert accumulator.held_spike is not None
    assert accumulator.held_spike.delta == 95.0
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_key == "implausible_jump"
    assert issue.data == {"entry_id": entry.entry_id}
    assert issue.translation_placeholders == {
        "name": "Grid energy",
        "source": SOURCE,
        "delta": "95",
        "unit": "kWh",
    }
    assert len(messages(caplog, "above the plausibility limit")) == 1

    # Still implausible: the repair shows the newest figures, the log does not repeat itself.
    freezer.tick(timedelta(minutes=1))
    set_meter(hass, 300)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.5)
    assert issues.async_get_issue(DOMAIN, issue_id).translation_placeholders["delta"] == "195"
    assert len(messages(caplog, "above the plausibility limit")) == 1

    # The meter was wrong; its next reading is plausible again and is counted, closing the issue.
    freezer.tick(timedelta(minutes=30))
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)
    assert accumulator.held_spike is None
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_plausible_reading_without_open_issue_creates_none(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(max_delta_per_hour=10))
    freezer.tick(timedelta(hours=2))
    set_meter(hass, 120)  # 20 in two hours: exactly at the limit.
    await hass.async_block_till_done()
    assert carbon(hass) == approx(10.0)
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"implausible_jump_{entry.entry_id}") is None


async def test_spike_on_a_carbon_source_names_kg_co2e(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    set_meter(hass, 10, unit="kg CO2e")
    entry = await setup_node(hass, node_entry(factor_mode="carbon", max_delta_per_hour=1))
    freezer.tick(timedelta(hours=1))
    set_meter(hass, 60, unit="kg CO2e")
    await hass.async_block_till_done()
    assert carbon(hass) == 0.0
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"implausible_jump_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders["unit"] == "kg CO2e"
    assert issue.translation_placeholders["delta"] == "50"


# ------------------------------------------------------------------------------------------------
# The factor in force, on the carbon sensor
# ------------------------------------------------------------------------------------------------


async def factor_attributes(hass: HomeAssistant) -> dict[str, Any]:
    """The factor in force, as the list_nodes action answers for the (only) node."""
    response = await hass.services.async_call(
        DOMAIN, "list_nodes", {}, blocking=True, return_response=True
    )
    node = response["nodes"][0]
    return {
        "node_number": node["port"],
        "factor_mode": node["factor_mode"],
        "factor": node["factor"],
        "factor_unit": node["factor_unit"],
    }


async def test_the_carbon_sensor_says_what_it_is_priced_at(hass: HomeAssistant) -> None:
    set_meter(hass, 100)
    await setup_node(hass, node_entry(port=7))
    assert await factor_attributes(hass) == {
        "node_number": 7,
        "factor_mode": "custom",
        "factor": 0.5,
        "factor_unit": "kg CO2e/kWh",
    }


async def test_the_factor_follows_a_live_intensity(hass: HomeAssistant) -> None:
    set_intensity(hass, 200)
    set_meter(hass, 100)
    await setup_node(hass, entity_mode_entry())
    attributes = await factor_attributes(hass)
    assert attributes["factor"] == approx(0.2)
    assert attributes["factor_unit"] == "kg CO2e/kWh"
    assert attributes["factor_mode"] == "entity"

    set_intensity(hass, 0.5, unit="t CO2/MWh")
    await hass.async_block_till_done()
    attributes = await factor_attributes(hass)
    assert attributes["factor"] == approx(500.0)
    # The intensity is CO2 alone, and the factor says so.
    assert attributes["factor_unit"] == "kg CO2/MWh"

    # While the intensity is unknown, so is the factor; the total stays shown.
    set_intensity(hass, STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    assert (await factor_attributes(hass))["factor"] is None


async def test_the_factor_is_unknown_before_the_intensity_ever_had_a_unit(
    hass: HomeAssistant,
) -> None:
    set_meter(hass, 100)
    await setup_node(hass, entity_mode_entry())
    attributes = await factor_attributes(hass)
    assert attributes["factor"] is None
    assert attributes["factor_unit"] is None


async def test_a_carbon_source_is_priced_at_one_without_a_unit(hass: HomeAssistant) -> None:
    set_meter(hass, 10, unit="t CO2e")
    await setup_node(hass, node_entry(factor_mode="carbon"))
    assert await factor_attributes(hass) == {
        "node_number": 1,
        "factor_mode": "carbon",
        "factor": 1.0,
        "factor_unit": None,
    }


async def test_a_library_factor_names_its_id(hass: HomeAssistant) -> None:
    set_meter(hass, 100)
    await setup_node(hass, node_entry(factor_mode="library", factor_id="uk_desnz_2025_electricity"))
    attributes = await factor_attributes(hass)
    assert attributes["factor"] == 0.177
    assert attributes["factor_mode"] == "library"


async def test_the_carbon_sensor_carries_no_attributes_of_its_own(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    """Every attribute would be merged and compared on each write, the hot path."""
    assert set(hass.states.get(CARBON).attributes) == {
        "state_class",
        "unit_of_measurement",
        "device_class",
        "friendly_name",
    }


async def test_the_diagnostic_sensors_of_1_1_are_removed(hass: HomeAssistant) -> None:
    """They showed as a row each, all alike, in the helpers list; their figures live on."""
    entry = node_entry()
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    for key in ("factor_in_force", "last_reading", "port"):
        registry.async_get_or_create(
            "sensor",
            DOMAIN,
            f"{entry.entry_id}_{key}",
            config_entry=entry,
            disabled_by=er.RegistryEntryDisabler.INTEGRATION,
        )
    set_meter(hass, 100)
    await setup_node(hass, entry)
    own = er.async_entries_for_config_entry(registry, entry.entry_id)
    assert {e.unique_id for e in own} == {
        f"{entry.entry_id}_emissions",
        f"{entry.entry_id}_emission_factor",
    }


async def test_unloading_stops_every_listener(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    node = entry.runtime_data
    assert node.total_listeners
    assert node.factor_listeners
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert not node.total_listeners
    assert not node.factor_listeners
    # The runtime no longer follows the meter.
    set_meter(hass, 200)
    await hass.async_block_till_done()
    assert node.total == approx(0.0)


# ------------------------------------------------------------------------------------------------
# Device
# ------------------------------------------------------------------------------------------------


async def test_entities_attach_to_the_source_device(hass: HomeAssistant) -> None:
    meter_entry = MockConfigEntry(domain="test")
    meter_entry.add_to_hass(hass)
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    device = devices.async_get_or_create(
        config_entry_id=meter_entry.entry_id,
        identifiers={("test", "meter-1")},
        name="Smart meter",
    )
    source = entities.async_get_or_create(
        "sensor",
        "test",
        "meter-1-energy",
        suggested_object_id="grid_energy",
        device_id=device.id,
        config_entry=meter_entry,
    )
    assert source.entity_id == SOURCE
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())

    own = er.async_entries_for_config_entry(entities, entry.entry_id)
    assert len(own) == 2
    assert {e.device_id for e in own} == {device.id}
    assert dr.async_entries_for_config_entry(devices, entry.entry_id) == []

    carbon_id = entities.async_get_entity_id("sensor", DOMAIN, f"{entry.entry_id}_emissions")
    assert carbon_id == "sensor.smart_meter_carbon_emissions"
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass, carbon_id) == approx(5.0)


async def test_entities_get_the_node_device_without_a_source_device(
    hass: HomeAssistant,
) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(port=42))
    devices = dr.async_get(hass)
    device = devices.async_get_device_by_identifier((DOMAIN, entry.entry_id), entry.entry_id)
    assert device is not None
    assert device.name == "Grid energy"
    assert device.manufacturer == "Carbon Tracker"
    assert device.model == "Tracking node"
    assert device.serial_number == "port 42"

    own = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert {e.device_id for e in own} == {device.id}
    assert {e.unique_id for e in own} == {
        f"{entry.entry_id}_{key}" for key in ("emissions", "emission_factor")
    }


async def test_reconfigured_onto_a_meter_with_a_device_the_own_device_goes(
    hass: HomeAssistant,
) -> None:
    """The node's own device (its first meter had none) is not left behind without entities."""
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    devices = dr.async_get(hass)
    assert len(dr.async_entries_for_config_entry(devices, entry.entry_id)) == 1

    meter_entry = MockConfigEntry(domain="test")
    meter_entry.add_to_hass(hass)
    device = devices.async_get_or_create(
        config_entry_id=meter_entry.entry_id, identifiers={("test", "meter-2")}, name="Heat meter"
    )
    er.async_get(hass).async_get_or_create(
        "sensor",
        "test",
        "meter-2-energy",
        suggested_object_id="heat_energy",
        device_id=device.id,
        config_entry=meter_entry,
    )
    set_meter(hass, 50, entity_id="sensor.heat_energy")
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Heat", "source": "sensor.heat_energy"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    assert dr.async_entries_for_config_entry(devices, entry.entry_id) == []
    own = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert {e.device_id for e in own} == {device.id}
    set_meter(hass, 60, entity_id="sensor.heat_energy")
    await hass.async_block_till_done()
    assert entry.runtime_data.total == approx(5.0)


async def test_node_entities_snapshot(
    hass: HomeAssistant,
    only_platform,
    snapshot: SnapshotAssertion,
) -> None:
    """What every sensor of a node shows: states, attributes and registry entries."""
    only_platform(Platform.SENSOR)
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(entry_id="node_grid_energy", port=4))
    set_meter(hass, 110)
    await hass.async_block_till_done()
    await snapshot_platform(hass, er.async_get(hass), snapshot, entry.entry_id)


async def test_factor_number_snapshot(
    hass: HomeAssistant, only_platform, snapshot: SnapshotAssertion
) -> None:
    only_platform(Platform.NUMBER)
    set_meter(hass, 100)
    entry = await setup_node(
        hass,
        node_entry(
            entry_id="node_grid_energy",
            factor_mode="library",
            factor_id="cn_mee_grid_national_2023",
        ),
    )
    await snapshot_platform(hass, er.async_get(hass), snapshot, entry.entry_id)


async def test_a_fast_meter_is_written_at_most_once_per_interval(hass: HomeAssistant) -> None:
    """The first change is written at once; changes within the interval together at its end."""
    with patch("custom_components.carbon_tracker.core.throttle.WRITE_INTERVAL", 0.2):
        set_meter(hass, 100)
        entry = await setup_node(hass, node_entry())
        set_meter(hass, 101)
        await hass.async_block_till_done()
        assert carbon(hass) == approx(0.5)
        written = hass.states.get(CARBON).last_updated
        set_meter(hass, 102)
        await hass.async_block_till_done()
        set_meter(hass, 104)
        await hass.async_block_till_done()
        # Counted, not yet written.
        assert entry.runtime_data.total == approx(2.0)
        assert hass.states.get(CARBON).last_updated == written
        await asyncio.sleep(0.3)
        await hass.async_block_till_done()
        assert carbon(hass) == approx(2.0)


async def test_a_pending_write_is_dropped_with_the_entity(hass: HomeAssistant) -> None:
    with patch("custom_components.carbon_tracker.core.throttle.WRITE_INTERVAL", 60.0):
        set_meter(hass, 100)
        entry = await setup_node(hass, node_entry())
        set_meter(hass, 101)
        set_meter(hass, 102)
        await hass.async_block_till_done()
        node = entry.runtime_data
        assert node._throttle.pending is not None
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        assert node._throttle.pending is None


async def _seconds_to_next_write(
    hass: HomeAssistant, entry: MockConfigEntry, reading: int
) -> float:
    """Two readings of the node's meter in a row: how long the second one waits to be shown."""
    set_meter(hass, reading)
    await hass.async_block_till_done()
    set_meter(hass, reading + 1)
    await hass.async_block_till_done()
    pending = entry.runtime_data._throttle.pending
    assert pending is not None
    return pending.when() - hass.loop.time()


async def test_many_nodes_each_write_less_often(hass: HomeAssistant) -> None:
    """Past PACED_WRITERS following nodes, every node's interval stretches in proportion."""
    other = "sensor.second_meter"
    with (
        patch("custom_components.carbon_tracker.core.throttle.WRITE_INTERVAL", 0.2),
        patch("custom_components.carbon_tracker.core.throttle.PACED_WRITERS", 1),
    ):
        set_meter(hass, 100)
        set_meter(hass, 50, entity_id=other)
        entry = await setup_node(hass, node_entry())
        assert await _seconds_to_next_write(hass, entry, 101) <= 0.2
        await setup_node(hass, node_entry(source=other, port=2, title="Second meter"))
        await asyncio.sleep(0.25)
        await hass.async_block_till_done()
        assert carbon(hass) == approx(1.0)
        # Two nodes follow their meters: each writes every 0.4 s.
        assert await _seconds_to_next_write(hass, entry, 103) > 0.3
        assert entry.runtime_data.total == approx(2.0)
