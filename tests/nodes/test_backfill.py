"""History backfill: a node's past carbon from its meter's statistics, joined without a step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import (
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.recorder import get_instance
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import (
    approx,
    import_hourly_means,
    import_hourly_sums,
    meter_id,
    node_carbon_id,
    node_entry,
    recorded,
    set_meter,
    setup_node,
)

HOUR = timedelta(hours=1)
NOW = datetime(2026, 6, 10, 12, 30, tzinfo=UTC)
LIVE = datetime(2026, 6, 10, 10, tzinfo=UTC)  # the node's first hour of its own statistics


def import_rows(
    hass: HomeAssistant, statistic_id: str, unit: str, sums: list[tuple[datetime, float]]
) -> None:
    """Hourly rows with these sums."""
    unit_class = "energy" if unit == "kWh" else "mass"
    import_hourly_sums(hass, statistic_id, sums, unit=unit, unit_class=unit_class)


async def carbon_rows(hass: HomeAssistant) -> list[tuple[datetime, float]]:
    """The node's hourly carbon sums, in order."""
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2026, 1, 1, tzinfo=UTC),
        None,
        {node_carbon_id(1)},
        "hour",
        None,
        {"sum"},
    )
    return [
        (datetime.fromtimestamp(row["start"], tz=UTC), row["sum"])
        for row in rows.get(node_carbon_id(1), [])
    ]


@pytest.fixture
async def node_with_history(
    recorder_mock: None, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A meter with 6 hours of statistics (2 kWh an hour) before the node's first hour.

    The node (0.5 kg/kWh) has one hour of its own: 1.5 kg from 10:00.
    """
    freezer.move_to(NOW)
    set_meter(hass, 100, entity_id=meter_id(1))
    await setup_node(
        hass, node_entry(source=meter_id(1), port=1, title="Meter 1", entry_id="node_1")
    )
    meter = [(LIVE - (6 - index) * HOUR, 50.0 + 2.0 * index) for index in range(6)]
    import_rows(hass, meter_id(1), "kWh", meter)
    import_rows(hass, node_carbon_id(1), "kg", [(LIVE, 1.5)])
    await recorded(hass)


@pytest.mark.usefixtures("node_with_history")
async def test_history_is_imported_and_joined_without_a_step(hass: HomeAssistant) -> None:
    answer = await hass.services.async_call(
        DOMAIN, "backfill", {"port": 1}, blocking=True, return_response=True
    )
    await recorded(hass)
    # The meter's first hour has nothing before it: 5 hours of 2 kWh x 0.5 kg/kWh.
    assert answer == {
        "config_entry_id": "node_1",
        "statistic_id": node_carbon_id(1),
        "hours": 5,
        "kg": 5.0,
        "from": (LIVE - 5 * HOUR).isoformat(),
        "to": LIVE.isoformat(),
        "priced_by": "factor",
    }
    rows = await carbon_rows(hass)
    assert [start for start, _ in rows] == [LIVE - (5 - index) * HOUR for index in range(6)]
    # Sums 1..5 kg through history, then the node's own hour continues at 5 + 1.5.
    assert [total for _, total in rows] == [approx(value) for value in (1, 2, 3, 4, 5, 6.5)]

    # A second run finds nothing before the first carbon row: nothing changes.
    again = await hass.services.async_call(
        DOMAIN, "backfill", {"config_entry_id": "node_1"}, blocking=True, return_response=True
    )
    await recorded(hass)
    assert again is not None
    assert (again["hours"], again["kg"]) == (0, 0.0)
    assert await carbon_rows(hass) == rows


INTENSITY = "sensor.grid_intensity"


async def live_intensity_node_with_history(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, means: list[tuple[datetime, float]]
) -> None:
    """A node priced by a live intensity (now 900 g/kWh), its meter's 6 hours (2 kWh an hour)
    before the node's own first hour, and the intensity's hourly means as given."""
    freezer.move_to(NOW)
    set_meter(hass, 100, entity_id=meter_id(1))
    hass.states.async_set(
        INTENSITY, "900", {"unit_of_measurement": "gCO2eq/kWh", "state_class": "measurement"}
    )
    await setup_node(
        hass,
        node_entry(
            source=meter_id(1),
            port=1,
            title="Meter 1",
            entry_id="node_1",
            factor_mode="entity",
            intensity_entity=INTENSITY,
        ),
    )
    meter = [(LIVE - (6 - index) * HOUR, 50.0 + 2.0 * index) for index in range(6)]
    import_rows(hass, meter_id(1), "kWh", meter)
    import_rows(hass, node_carbon_id(1), "kg", [(LIVE, 1.5)])
    import_hourly_means(hass, INTENSITY, means, "gCO2eq/kWh")
    await recorded(hass)


async def test_a_live_intensitys_history_is_priced_at_each_hours_own_intensity(
    recorder_mock: None, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Each hour at the intensity's mean for that hour, not at the 900 g/kWh of now; an hour
    without intensity statistics at the last hour's, and the answer says which."""
    history = [LIVE - (5 - index) * HOUR for index in range(5)]  # the 5 imported hours
    # 100, 200, (none), 400, 500 g/kWh
    means = [(history[0], 100.0), (history[1], 200.0), (history[3], 400.0), (history[4], 500.0)]
    await live_intensity_node_with_history(hass, freezer, means)
    answer = await hass.services.async_call(
        DOMAIN, "backfill", {"port": 1}, blocking=True, return_response=True
    )
    await recorded(hass)
    assert answer is not None
    # 2 kWh each hour at 0.1, 0.2, 0.2 (the hour before's), 0.4, 0.5 kg/kWh.
    assert answer["kg"] == approx(2 * (0.1 + 0.2 + 0.2 + 0.4 + 0.5))
    assert answer["priced_by"] == "hourly_intensity"
    assert answer["hours_at_own_intensity"] == 4
    assert answer["hours_without_intensity"] == [
        {
            "from": history[2].isoformat(),
            "to": history[3].isoformat(),
            "hours": 1,
            "priced_at": "previous_hour",
        }
    ]
    rows = await carbon_rows(hass)
    assert [total for _, total in rows] == [
        approx(value) for value in (0.2, 0.6, 1.0, 1.8, 2.8, 2.8 + 1.5)
    ]


async def test_a_live_intensity_without_statistics_prices_history_at_its_value_now(
    recorder_mock: None, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await live_intensity_node_with_history(hass, freezer, [])
    answer = await hass.services.async_call(
        DOMAIN, "backfill", {"port": 1}, blocking=True, return_response=True
    )
    assert answer is not None
    assert answer["kg"] == approx(5 * 2 * 0.9)
    assert answer["hours_at_own_intensity"] == 0
    assert answer["hours_without_intensity"] == [
        {
            "from": (LIVE - 5 * HOUR).isoformat(),
            "to": LIVE.isoformat(),
            "hours": 5,
            "priced_at": "current_intensity",
        }
    ]


async def test_a_live_intensity_with_nothing_to_price_by_is_refused(
    recorder_mock: None, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await live_intensity_node_with_history(hass, freezer, [])
    hass.states.async_set(INTENSITY, "unavailable")
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(DOMAIN, "backfill", {"port": 1}, blocking=True)
    assert caught.value.translation_key == "backfill_no_intensity"
    assert await carbon_rows(hass) == [(LIVE, approx(1.5))]


async def test_backfill_needs_the_nodes_own_statistics(
    recorder_mock: None, hass: HomeAssistant
) -> None:
    set_meter(hass, 100, entity_id=meter_id(1))
    await setup_node(
        hass, node_entry(source=meter_id(1), port=1, title="Meter 1", entry_id="node_1")
    )
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(DOMAIN, "backfill", {"port": 1}, blocking=True)
    assert caught.value.translation_key == "backfill_no_statistics_yet"
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(DOMAIN, "backfill", {"port": 9}, blocking=True)
    assert caught.value.translation_key == "no_node_on_port"
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(DOMAIN, "backfill", {}, blocking=True)
    assert caught.value.translation_key == "backfill_which_node"


async def test_history_asked_for_in_the_flow_is_imported_once_statistics_exist(
    recorder_mock: None, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    set_meter(hass, 100, entity_id=meter_id(1))
    entry = node_entry(source=meter_id(1), port=1, title="Meter 1", entry_id="node_1")
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, "backfill": True})
    await setup_node(hass, entry)
    meter = [(LIVE - (3 - index) * HOUR, 10.0 + 4.0 * index) for index in range(3)]
    import_rows(hass, meter_id(1), "kWh", meter)
    await recorded(hass)
    # No statistics of the node's own yet: the first try waits.
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await recorded(hass)
    assert entry.data.get("backfill") is True
    import_rows(hass, node_carbon_id(1), "kg", [(LIVE, 0.5)])
    await recorded(hass)
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await recorded(hass)
    assert "backfill" not in entry.data
    rows = await carbon_rows(hass)
    # 2 hours of 4 kWh x 0.5 = 2 kg each; the node's own hour continues at 4 + 0.5.
    assert [total for _, total in rows] == [approx(value) for value in (2, 4, 4.5)]
