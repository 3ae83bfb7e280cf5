"""After a power cut: the durable record, a meter back at an older reading of its own, a meter
reset during the outage, and the last total shown carried over."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import CoreState, HomeAssistant, State
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    mock_restore_cache,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.durable import STORE_KEY as DURABLE_KEY, durable_records
from custom_components.carbon_tracker.nodes.accumulator import CarbonAccumulator
from custom_components.carbon_tracker.nodes.entities import NodeStoredData
from custom_components.carbon_tracker.nodes.recorded import _newest_number
from tests.common import (
    CARBON,
    SOURCE,
    approx,
    carbon,
    node_entry,
    set_meter,
    setup_node,
    store_file,
)

ENTRY_ID = "node_grid_energy"


def restored_older_total(hass: HomeAssistant) -> None:
    """HA's restore data from before the cut: 10 kg with the meter at 80 kWh."""
    extra = NodeStoredData(
        10.0,
        "kg",
        {"total": 10.0, "baseline": 80.0, "baseline_at": None, "last_reset": None},
        SOURCE,
        "kWh",
        None,
        ENTRY_ID,
    ).as_dict()
    mock_restore_cache_with_extra_data(hass, ((State(CARBON, "10.0"), extra),))


async def test_a_reset_during_the_outage_carries_over_what_was_shown(
    recorder_mock: None, hass: HomeAssistant
) -> None:
    """25 kg were shown (meter at 110) when the power went; the meter restarted from 0.

    The delta from the restored baseline cannot see the 15 kg counted after the restore data
    was saved; the recorder has the 25 kg, so the node goes on from there: 25 + 3 x 0.5.
    """
    hass.states.async_set(CARBON, "25.0", {"unit_of_measurement": "kg"})
    await async_wait_recording_done(hass)
    hass.states.async_remove(CARBON)
    restored_older_total(hass)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert hass.states.get(CARBON).state == STATE_UNKNOWN
    set_meter(hass, 3)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(26.5)
    assert entry.runtime_data.caught_up
    set_meter(hass, 5)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(27.5)


async def test_without_a_recorder_the_reset_counts_on_the_restored_total(
    hass: HomeAssistant,
) -> None:
    restored_older_total(hass)
    await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    set_meter(hass, 3)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(11.5)


@pytest.mark.parametrize(
    "extra",
    [{}, {"last_reset": "2026-12-01T00:00:00+00:00"}],
    ids=["reset found by its reading", "reset announced by a new last_reset"],
)
async def test_readings_while_looking_up_are_counted_once(
    hass: HomeAssistant, extra: dict[str, str]
) -> None:
    """The sensor stays unknown until the look-up answers; a reading that came meanwhile is
    taken once the answer is in, whether the reset was found by its reading (the recorder's
    history asked too) or announced by the meter."""
    answer = asyncio.Event()

    async def slow_recorder(hass: HomeAssistant, entity_id: str) -> float:
        await answer.wait()
        return 25.0

    restored_older_total(hass)
    with patch(
        "custom_components.carbon_tracker.nodes.runtime.async_last_shown_total", slow_recorder
    ):
        await setup_node(hass, node_entry(entry_id=ENTRY_ID))
        set_meter(hass, 3, **extra)
        await hass.async_block_till_done(wait_background_tasks=False)
        set_meter(hass, 4, **extra)
        await hass.async_block_till_done(wait_background_tasks=False)
        assert hass.states.get(CARBON).state == STATE_UNKNOWN
        answer.set()
        await hass.async_block_till_done()
    assert carbon(hass) == approx(27.0)


def test_nothing_is_carried_over_that_is_not_a_positive_amount() -> None:
    accumulator = CarbonAccumulator(total=5.0)
    accumulator.carry_over(0.0)
    accumulator.carry_over(-2.0)
    accumulator.carry_over(float("inf"))
    assert accumulator.total == 5.0
    accumulator.carry_over(1.5)
    assert accumulator.total == 6.5


def test_the_newest_number_wins_and_unknown_is_passed_over() -> None:
    now = dt_util.utcnow()
    states = [
        State(CARBON, "20.0", last_updated=now - timedelta(minutes=3)),
        State(CARBON, "25.0", last_updated=now - timedelta(minutes=2)),
        State(CARBON, STATE_UNKNOWN, last_updated=now),
        State(CARBON, "inf", last_updated=now),
    ]
    assert _newest_number(states) == 25.0
    assert _newest_number([State(CARBON, STATE_UNKNOWN)]) is None


@pytest.mark.parametrize("recorded", [[], None])
def test_nothing_recorded_is_none(recorded: list[State] | None) -> None:
    assert _newest_number(recorded or []) is None


def durable_record(hass_storage: dict[str, Any], baseline_at: float) -> None:
    """The node's durable record from before the cut: 20 kg with the meter at 100 kWh."""
    # [total, baseline, baseline_at, last_reset, holding, held spike, source, per unit, uid]
    record = [20.0, 100.0, baseline_at, None, False, None, SOURCE, "kWh", None]
    hass_storage[DURABLE_KEY] = store_file(DURABLE_KEY, {ENTRY_ID: record})


async def async_restart_at(
    hass: HomeAssistant, hass_storage: dict[str, Any], cut_at: float, reading: float
) -> None:
    """Start the node on its durable record; its meter's first reading (settled off the loop)."""
    durable_record(hass_storage, cut_at)
    await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    set_meter(hass, reading)
    # The recorder is asked twice in a row (had the meter this reading? what was shown last?),
    # each answer in its executor and taken up by a background task.
    for _ in range(2):
        await hass.async_block_till_done(wait_background_tasks=True)
        await async_wait_recording_done(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def async_meter_history(hass: HomeAssistant) -> float:
    """The meter read 60, 80, then 100 kWh before the cut (recorded); when it read 100."""
    for reading in (60, 80, 100):
        set_meter(hass, reading)
        await async_wait_recording_done(hass)
    return hass.states.get(SOURCE).last_updated_timestamp


async def test_a_meter_back_at_an_older_reading_of_its_own_counts_nothing_twice(
    recorder_mock: None,
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """HA restored the meter to 60 kWh, a reading it had before the cut (the node had counted it
    to 100): the node keeps its 20 kg and its baseline, with a warning and a notice. Readings
    below 100 count nothing (no 90 % reset); past it, counting goes on from 100, once."""
    cut_at = await async_meter_history(hass)
    hass.states.async_remove(SOURCE)
    await async_wait_recording_done(hass)
    await async_restart_at(hass, hass_storage, cut_at, 60)
    assert carbon(hass) == approx(20.0)
    for climbing in (64, 80, 99.5):
        set_meter(hass, climbing)
        await hass.async_block_till_done()
        assert carbon(hass) == approx(20.0)
    set_meter(hass, 104)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(22.0)
    set_meter(hass, 50)  # now a real reset (more than 10 % down, counting again)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(47.0)
    assert "an older reading of its own" in caplog.text
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"source_went_back_{ENTRY_ID}")
    assert issue is not None
    assert issue.translation_placeholders == {
        "name": "Grid energy",
        "source": SOURCE,
        "restored": "60",
        "reached": "100",
    }


SENSOR_AT_60 = {
    # What a restored sensor (here an integration sensor) saved: the value it goes on from.
    "native_value": {"__type": "<class 'decimal.Decimal'>", "decimal_str": "60.0004"},
    "native_unit_of_measurement": "kWh",
}


@pytest.mark.parametrize(
    ("ha_restarted", "restored", "extra", "expected_kg"),
    [
        # HA restored the meter to 60 kWh at this start; it counted 3 more before the node saw
        # it: 63 is an older reading of its own plus new counting, held below 100.
        (True, "60", None, 20.0),
        # The same from a restored sensor's own data (its state was dumped before it showed one).
        (True, "unknown", SENSOR_AT_60, 20.0),
        # Restored to 70, yet reading 63: below what HA restored, so a reset during the outage.
        (True, "70", None, 51.5),
        # Restored in another unit, or to nothing usable: the recorder decides (never saw 63).
        (True, "unknown", None, 51.5),
        (True, "unknown", {**SENSOR_AT_60, "native_unit_of_measurement": "MWh"}, 51.5),
        # The entry reloaded while HA ran: HA's restore data is from its own start, long ago,
        # and says nothing about this reading: a reset.
        (False, "60", None, 51.5),
    ],
)
async def test_a_meter_that_goes_on_from_its_restored_reading_counts_nothing_twice(  # noqa: PLR0917
    recorder_mock: None,
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    ha_restarted: bool,
    restored: str,
    extra: dict[str, Any] | None,
    expected_kg: float,
) -> None:
    """An integration (Riemann sum) sensor shows nothing until it has counted again: its first
    reading after the start (63) is one the recorder never saw, but HA's restore data says what
    it went back to."""
    cut_at = await async_meter_history(hass)
    hass.states.async_remove(SOURCE)
    await async_wait_recording_done(hass)
    meter = State(SOURCE, restored, {"unit_of_measurement": "kWh"})
    if extra is None:
        mock_restore_cache(hass, (meter,))
    else:
        mock_restore_cache_with_extra_data(hass, ((meter, extra),))
    if ha_restarted:
        hass.set_state(CoreState.starting)
    await async_restart_at(hass, hass_storage, cut_at, 63)
    hass.set_state(CoreState.running)
    assert carbon(hass) == approx(expected_kg)
    went_back = ir.async_get(hass).async_get_issue(DOMAIN, f"source_went_back_{ENTRY_ID}")
    assert (went_back is not None) is (expected_kg == 20.0)
    set_meter(hass, 104)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(expected_kg + (2.0 if expected_kg == 20.0 else 20.5))


async def test_a_reading_it_never_had_is_a_reset_counted_from_zero(
    recorder_mock: None, hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Back at 3 kWh, never seen before: a meter reset during the outage, 3 x 0.5 kg on top."""
    cut_at = await async_meter_history(hass)
    await async_restart_at(hass, hass_storage, cut_at, 3)
    assert carbon(hass) == approx(21.5)
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"source_went_back_{ENTRY_ID}") is None


async def test_the_durable_record_wins_over_older_restore_data(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """HA's restore data (10 kg at 80 kWh, up to 15 minutes old) is not read when the node has
    its durable record (20 kg at 100 kWh): the meter at 104 gives 22 kg, not 22 + 10."""
    restored_older_total(hass)
    durable_record(hass_storage, dt_util.utcnow().timestamp())
    await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    set_meter(hass, 104)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(22.0)


async def test_every_counted_reading_is_in_the_durable_record_at_once(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A new node's first readings are on disk by the next turn of the loop (no delay in tests;
    half a second in HA), long before HA's first restore-state dump."""
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    set_meter(hass, 100)
    await hass.async_block_till_done()
    set_meter(hass, 110)
    await hass.async_block_till_done()
    total, baseline, *_, source, per_unit, _uid = hass_storage[DURABLE_KEY]["data"][entry.entry_id]
    assert total == approx(5.0)
    assert (baseline, source, per_unit) == (110.0, SOURCE, "kWh")
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    await durable_records(hass).writer.async_write_now()
    assert entry.entry_id not in hass_storage[DURABLE_KEY]["data"]


async def test_a_recorder_that_cannot_answer_makes_it_a_reset(
    recorder_mock: None,
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The node is not left waiting: the reading is taken as a reset, and the log says why."""

    async def broken(*_: Any) -> bool:
        raise RuntimeError("database is locked")

    with patch("custom_components.carbon_tracker.nodes.runtime.async_reading_seen_before", broken):
        await async_restart_at(hass, hass_storage, dt_util.utcnow().timestamp(), 3)
    assert carbon(hass) == approx(21.5)
    assert "could not say whether" in caplog.text


@pytest.mark.parametrize(
    "record",
    [{"accumulator": {"total": 20.0}}, [20.0, 100.0], ["x", 1, 2, 3, 4, None, SOURCE, "kWh", None]],
)
async def test_an_unreadable_durable_record_is_not_used(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    record: Any,
) -> None:
    """The node falls back to HA's restore data (10 kg at 80 kWh) and says so in the log."""
    hass_storage[DURABLE_KEY] = store_file(DURABLE_KEY, {ENTRY_ID: record})
    restored_older_total(hass)
    await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    set_meter(hass, 84)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(12.0)
    assert "unreadable" in caplog.text
