"""The demo's history: a month of meter statistics joined before the meter's own, then each node's
carbon backfilled from it, so the demo's graphs and reports have data within minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from homeassistant.components.recorder.statistics import (
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
import pytest

from devtools.demo_support.history import DAYS, METERS, DemoHistory, async_add_history, history_rows
from tests.common import (
    approx,
    import_hourly_sums,
    node_carbon_id,
    node_entry,
    recorded,
    set_meter,
    setup_node,
)

METER = "sensor.demo_electricity_meter"
LIVE = datetime(2026, 6, 10, 10, tzinfo=UTC)  # the first hour of the meter's own statistics
pytestmark = pytest.mark.freeze_time("2026-06-10 10:20:00+00:00")


def test_a_month_of_hours_ending_at_the_reading() -> None:
    mean, swing = METERS[METER]
    rows = history_rows(METER, mean, swing, LIVE, 1520.0)
    assert len(rows) == DAYS * 24
    assert rows[0]["start"] == LIVE - timedelta(days=DAYS)
    assert rows[-1]["start"] == LIVE - timedelta(hours=1)
    sums = [row["sum"] for row in rows]
    assert sums == sorted(sums)
    assert rows[-1]["state"] == 1520.0
    # About the mean an hour, shaped by the day; the same hours give the same figures.
    assert 0.8 * mean * len(rows) < sums[-1] < 1.2 * mean * len(rows)
    assert history_rows(METER, mean, swing, LIVE, 1520.0) == rows


async def sums(hass: HomeAssistant, statistic_id: str) -> list[tuple[datetime, float]]:
    found = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        LIVE - timedelta(days=40),
        None,
        {statistic_id},
        "hour",
        None,
        {"sum"},
    )
    return [
        (datetime.fromtimestamp(row["start"], tz=UTC), row["sum"])
        for row in found.get(statistic_id, [])
    ]


def own_first_hour(hass: HomeAssistant, statistic_id: str, unit: str, change: float) -> None:
    """The statistic's own first hour, as HA compiled it: its sum from 0."""
    unit_class = "energy" if unit == "kWh" else "mass"
    import_hourly_sums(hass, statistic_id, [(LIVE, change)], unit=unit, unit_class=unit_class)


async def test_history_joins_the_meter_and_backfills_its_node(
    recorder_mock: None, hass: HomeAssistant
) -> None:
    """The month lands before the meter's own hour with no step; the node on the meter gets
    the month's carbon at its factor, joined the same way."""
    set_meter(hass, 1520.0, entity_id=METER)
    await setup_node(hass, node_entry(source=METER, title="Meter 1"))
    own_first_hour(hass, METER, "kWh", 20.0)
    own_first_hour(hass, node_carbon_id(1), "kg", 10.0)
    await recorded(hass)

    assert await async_add_history(hass, METER)
    await recorded(hass)

    meter = await sums(hass, METER)
    carbon = await sums(hass, node_carbon_id(1))
    assert len(meter) == DAYS * 24 + 1
    history_kwh = meter[-2][1]
    # The meter's own hour is raised by the history: its change stays 20 kWh.
    assert meter[-1] == (LIVE, approx(history_kwh + 20.0))
    # The node's carbon: the month's kWh at 0.5 kg/kWh, hour by hour, then its own hour.
    assert len(carbon) == DAYS * 24  # the meter's first hour has no hour before it
    assert carbon[-2][1] == approx(0.5 * (history_kwh - meter[0][1]))
    assert carbon[-1] == (LIVE, approx(carbon[-2][1] + 10.0))
    changes = [after[1] - before[1] for before, after in pairwise(carbon)]
    assert min(changes) >= 0.0  # no step down where history meets the node's own hours


async def test_nothing_before_the_meters_own_statistics(
    recorder_mock: None, hass: HomeAssistant
) -> None:
    """A meter with no statistics yet: nothing is added, it is asked again later."""
    set_meter(hass, 1520.0, entity_id=METER)
    assert not await async_add_history(hass, METER)
    await recorded(hass)
    assert await sums(hass, METER) == []


async def test_each_meter_once_across_restarts(recorder_mock: None, hass: HomeAssistant) -> None:
    """A meter done is remembered, so a second start of the demo adds nothing; a meter without
    statistics of its own stays pending."""
    set_meter(hass, 1520.0, entity_id=METER)
    own_first_hour(hass, METER, "kWh", 20.0)
    await recorded(hass)
    history = DemoHistory(hass)
    await history.async_load()
    assert history.pending == sorted(METERS)
    await history.async_check()
    await recorded(hass)
    first = await sums(hass, METER)
    assert len(first) == DAYS * 24 + 1
    assert METER not in history.pending
    assert "sensor.demo_gas_meter" in history.pending  # no state, no statistics yet

    again = DemoHistory(hass)  # the demo started again
    await again.async_load()
    assert METER not in again.pending
    await again.async_check()
    await recorded(hass)
    assert await sums(hass, METER) == first
