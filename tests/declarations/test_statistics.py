"""A past day declared again, as HA's long-term statistics and a report see it.

The declared total is a sensor with state class total: HA's recorder compiles its hourly sums
from its states. A correction moves the total by the difference, so the sums end at the exact
total of the days as declared last: nothing is counted twice. A report puts each day on its own
day, as last declared. The clock is frozen in UTC; hours are compiled by the real recorder.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import declaration_entry

from .conftest import People

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
TOTAL = "sensor.alex_declared_total"


async def compile_hour(hass: HomeAssistant, freezer: FrozenDateTimeFactory, hour: datetime) -> None:
    """Let the hour end, then have the recorder compile its 5-minute periods and the hour."""
    freezer.move_to(hour + HOUR + timedelta(seconds=10))
    async_fire_time_changed(hass)
    await async_wait_recording_done(hass)
    for minute in range(0, 60, 5):
        do_adhoc_statistics(hass, start=hour + timedelta(minutes=minute))
        await async_wait_recording_done(hass)


async def hourly_sums(hass: HomeAssistant) -> list[tuple[datetime, float]]:
    """(hour start, sum) of the declared total's long-term statistics."""
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        START - HOUR,
        None,
        {TOTAL},
        "hour",
        None,
        {"sum"},
    )
    return [(datetime.fromtimestamp(row["start"], tz=UTC), row["sum"]) for row in rows[TOTAL]]


async def declare(hass: HomeAssistant, people: People, **data: Any) -> None:
    """Alex declares."""
    await hass.services.async_call(
        DOMAIN, "declare", data, blocking=True, context=Context(user_id=people.alex.id)
    )
    await hass.async_block_till_done()


async def test_a_corrected_past_day_is_counted_once(
    recorder_mock: None,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    people: People,
) -> None:
    """Yesterday 5 kg, today 2 kg; yesterday corrected to 3 kg: the sums end at 5, not 10."""
    await hass.config.async_set_time_zone("UTC")
    freezer.move_to(START + timedelta(minutes=1))
    entry = declaration_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(60)
    await declare(hass, people, date="2026-11-24", kg=5)
    freezer.tick(60)
    await declare(hass, people, kg=2)
    await compile_hour(hass, freezer, START)
    assert await hourly_sums(hass) == [(START, 7.0)]

    await declare(hass, people, date="2026-11-24", kg=3)
    assert float(hass.states.get(TOTAL).state) == 5.0
    await compile_hour(hass, freezer, START + HOUR)
    assert await hourly_sums(hass) == [(START, 7.0), (START + HOUR, 5.0)]

    # A report by day counts each day on its day, as last declared: 3 kg, then 2 kg.
    report = await hass.services.async_call(
        DOMAIN,
        "generate_report",
        {
            "period": "day",
            "start": "2026-11-24T00:00:00+00:00",
            "end": "2026-11-26T00:00:00+00:00",
            "nodes": [40],
        },
        blocking=True,
        return_response=True,
    )
    assert report is not None
    assert [period["nodes"] for period in report["periods"]] == [{"40": 3.0}, {"40": 2.0}]
    assert report["nodes"][0]["total_kg"] == 5.0
    assert report["nodes"][0]["scope"] == "3"

    # Across a restart of the entry nothing is counted again.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await compile_hour(hass, freezer, START + 2 * HOUR)
    assert (await hourly_sums(hass))[-1] == (START + 2 * HOUR, 5.0)


async def test_an_entry_deleted_and_added_again_loses_nothing_in_the_statistics(
    recorder_mock: None,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    people: People,
) -> None:
    """The new entry's sensor takes the old entity id and starts at 0: a new cycle (its last
    reset is the entry's creation), not a fall of 5 kg; the sums keep what the old one counted."""
    await hass.config.async_set_time_zone("UTC")
    freezer.move_to(START + timedelta(minutes=1))
    first = declaration_entry()
    first.add_to_hass(hass)
    assert await hass.config_entries.async_setup(first.entry_id)
    await hass.async_block_till_done()
    freezer.tick(60)
    await declare(hass, people, kg=5)
    await compile_hour(hass, freezer, START)
    assert await hourly_sums(hass) == [(START, 5.0)]

    assert await hass.config_entries.async_remove(first.entry_id)
    await hass.async_block_till_done()
    again = declaration_entry()
    again.add_to_hass(hass)
    assert await hass.config_entries.async_setup(again.entry_id)
    await hass.async_block_till_done()
    assert float(hass.states.get(TOTAL).state) == 0.0
    freezer.tick(60)
    await declare(hass, people, kg=1)
    await compile_hour(hass, freezer, START + HOUR)
    assert await hourly_sums(hass) == [(START, 5.0), (START + HOUR, 6.0)]
