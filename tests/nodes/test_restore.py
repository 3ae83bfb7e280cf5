"""Tests of what the carbon sensor restores across a restart."""

from __future__ import annotations

from datetime import timedelta
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.restore_state import RestoreEntity
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    mock_restore_cache,
    mock_restore_cache_with_extra_data,
)

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.durable import STORE_KEY as DURABLE_KEY
from custom_components.carbon_tracker.nodes.entities import NodeStoredData
from tests.common import (
    CARBON,
    SOURCE,
    approx,
    carbon,
    entity_object,
    node_entry,
    set_meter,
    setup_node,
)

INTENSITY = "sensor.grid_intensity"
ENTRY_ID = "node_grid_energy"


def stored(
    total: float = 12.5,
    baseline: float | None = 100.0,
    *,
    source: str = SOURCE,
    per_unit: str | None = "kWh",
    baseline_at: float | None = None,
    last_reset: str | None = None,
    held_spike: dict[str, float] | None = None,
    entry_id: str | None = ENTRY_ID,
) -> dict[str, Any]:
    """Extra data as NodeStoredData.as_dict writes it."""
    return NodeStoredData(
        total,
        "kg",
        {
            "total": total,
            "baseline": baseline,
            "baseline_at": baseline_at,
            "last_reset": last_reset,
            "held_spike": held_spike,
        },
        source,
        per_unit,
        None,
        entry_id,
    ).as_dict()


def restore(hass: HomeAssistant, extra: dict[str, Any], state: str = "12.5") -> None:
    mock_restore_cache_with_extra_data(hass, ((State(CARBON, state), extra),))


def accumulator_of(entry):
    return entry.runtime_data.accumulator


def test_stored_data_shape() -> None:
    assert stored() == {
        "entry_id": ENTRY_ID,
        "source_uid": None,
        "native_value": 12.5,
        "native_unit_of_measurement": "kg",
        "accumulator": {
            "total": 12.5,
            "baseline": 100.0,
            "baseline_at": None,
            "last_reset": None,
            "held_spike": None,
        },
        "source": SOURCE,
        "per_unit": "kWh",
    }
    round_trip = NodeStoredData.from_dict(stored())
    assert round_trip is not None
    assert round_trip.as_dict() == stored()


async def test_total_and_baseline_restored_downtime_counted_once(hass: HomeAssistant) -> None:
    restore(hass, stored(total=12.5, baseline=100.0))
    # The meter went on counting while HA was down.
    set_meter(hass, 110)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert carbon(hass) == approx(17.5)
    assert accumulator_of(entry).baseline == 110.0

    # The same reading again (an attribute change) adds nothing.
    set_meter(hass, 110, friendly_name="Meter")
    await hass.async_block_till_done()
    assert carbon(hass) == approx(17.5)

    set_meter(hass, 112)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(18.5)


async def test_downtime_counted_once_when_the_source_comes_up_after_the_node(
    hass: HomeAssistant,
) -> None:
    restore(hass, stored(total=12.5, baseline=100.0))
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    # Not shown until a reading has caught up with the restored baseline.
    assert hass.states.get(CARBON).state == STATE_UNKNOWN
    assert accumulator_of(entry).total == approx(12.5)
    assert accumulator_of(entry).baseline == 100.0

    set_meter(hass, "unavailable")
    await hass.async_block_till_done()
    set_meter(hass, 104)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(14.5)


async def test_restart_round_trip_through_the_durable_record(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """What the node writes is what it reads back on the next setup; HA's restore data has no
    copy of it (the sensor is not a restore entity)."""
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)
    total, baseline, *_, source, per_unit, _uid = hass_storage[DURABLE_KEY]["data"][ENTRY_ID]
    assert (total, baseline, source, per_unit) == (5.0, 110.0, SOURCE, "kWh")
    assert not isinstance(entity_object(hass, CARBON), RestoreEntity)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    set_meter(hass, 120)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(10.0)


async def test_restore_with_a_different_source_keeps_the_total_and_rebaselines(
    hass: HomeAssistant,
) -> None:
    restore(
        hass,
        stored(total=12.5, baseline=5000.0, source="sensor.old_meter", last_reset="x"),
    )
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert carbon(hass) == approx(12.5)
    accumulator = accumulator_of(entry)
    assert accumulator.baseline == 100.0
    assert accumulator.last_reset is None

    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(17.5)


async def test_restored_baseline_is_rescaled_when_the_factor_unit_changed(
    hass: HomeAssistant,
) -> None:
    # The baseline was stored in kWh; the factor is now priced per MWh.
    restore(hass, stored(total=12.5, baseline=100.0, per_unit="kWh"))
    set_meter(hass, 100)
    entry = await setup_node(
        hass, node_entry(entry_id=ENTRY_ID, factor_value=500.0, factor_unit="MWh")
    )
    assert carbon(hass) == approx(12.5)
    assert accumulator_of(entry).baseline == approx(0.1)

    set_meter(hass, 110)
    await hass.async_block_till_done()
    # 10 kWh = 0.01 MWh at 500 kg/MWh.
    assert carbon(hass) == approx(17.5)


async def test_restored_without_baseline_and_a_new_factor_unit(hass: HomeAssistant) -> None:
    restore(hass, stored(total=12.5, baseline=None, per_unit="kWh"))
    entry = await setup_node(
        hass, node_entry(entry_id=ENTRY_ID, factor_value=500.0, factor_unit="MWh")
    )
    # Not shown until a reading has caught up with the restored baseline.
    assert hass.states.get(CARBON).state == STATE_UNKNOWN
    assert accumulator_of(entry).total == approx(12.5)
    assert accumulator_of(entry).baseline is None
    set_meter(hass, 100)
    await hass.async_block_till_done()
    assert accumulator_of(entry).baseline == approx(0.1)
    set_meter(hass, 102)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(13.5)


async def test_restored_baseline_in_an_unconvertible_unit_is_dropped(
    hass: HomeAssistant,
) -> None:
    restore(hass, stored(total=12.5, baseline=100.0, per_unit="m³"))
    set_meter(hass, 300)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert carbon(hass) == approx(12.5)
    assert accumulator_of(entry).baseline == 300.0
    set_meter(hass, 310)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(17.5)


async def test_restored_without_per_unit_rebaselines(hass: HomeAssistant) -> None:
    restore(hass, stored(total=3.0, baseline=100.0, per_unit=None))
    set_meter(hass, 200)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert carbon(hass) == approx(3.0)
    assert accumulator_of(entry).baseline == 200.0


async def test_carbon_node_restores_without_rescaling(hass: HomeAssistant) -> None:
    restore(hass, stored(total=40.0, baseline=10.0, per_unit=None))
    set_meter(hass, 12, unit="kg CO2e")
    await setup_node(hass, node_entry(entry_id=ENTRY_ID, factor_mode="carbon"))
    assert carbon(hass) == approx(42.0)


async def test_entity_mode_restore_keeps_the_stored_per_unit(hass: HomeAssistant) -> None:
    restore(hass, stored(total=12.5, baseline=100.0, per_unit="kWh"))
    hass.states.async_set(INTENSITY, "200", {ATTR_UNIT_OF_MEASUREMENT: "gCO2eq/kWh"})
    set_meter(hass, 104)
    entry = await setup_node(
        hass, node_entry(entry_id=ENTRY_ID, factor_mode="entity", intensity_entity=INTENSITY)
    )
    assert entry.runtime_data.per_unit == "kWh"
    assert carbon(hass) == approx(13.3)
    assert accumulator_of(entry).baseline == 104.0


async def test_entity_mode_restore_with_intensity_now_per_mwh(hass: HomeAssistant) -> None:
    restore(hass, stored(total=12.5, baseline=100.0, per_unit="kWh"))
    hass.states.async_set(INTENSITY, "200", {ATTR_UNIT_OF_MEASUREMENT: "kg CO2e/MWh"})
    set_meter(hass, 104)
    entry = await setup_node(
        hass, node_entry(entry_id=ENTRY_ID, factor_mode="entity", intensity_entity=INTENSITY)
    )
    assert entry.runtime_data.per_unit == "MWh"
    # 4 kWh = 0.004 MWh at 200 kg/MWh.
    assert carbon(hass) == approx(13.3)
    assert accumulator_of(entry).baseline == approx(0.104)


async def test_entity_mode_restore_with_intensity_unavailable_holds_downtime(
    hass: HomeAssistant,
) -> None:
    restore(hass, stored(total=12.5, baseline=100.0, per_unit="kWh"))
    hass.states.async_set(INTENSITY, "unavailable", {})
    set_meter(hass, 104)
    entry = await setup_node(
        hass, node_entry(entry_id=ENTRY_ID, factor_mode="entity", intensity_entity=INTENSITY)
    )
    sensor = entry.runtime_data
    assert sensor.per_unit == "kWh"
    assert sensor.factor is None
    # Not shown until a reading has caught up with the restored baseline.
    assert hass.states.get(CARBON).state == STATE_UNKNOWN
    assert accumulator_of(entry).total == approx(12.5)
    assert accumulator_of(entry).baseline == 100.0

    hass.states.async_set(INTENSITY, "250", {ATTR_UNIT_OF_MEASUREMENT: "gCO2eq/kWh"})
    await hass.async_block_till_done()
    assert carbon(hass) == approx(13.5)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"native_value": 12.5},
        {"native_value": 12.5, "native_unit_of_measurement": "kg"},
        {"native_value": 12.5, "native_unit_of_measurement": "kg", "accumulator": "garbage"},
        {"native_value": {"__type": "x"}, "native_unit_of_measurement": "kg", "accumulator": {}},
    ],
)
async def test_corrupt_extra_data_is_a_fresh_start(
    hass: HomeAssistant, extra: dict[str, Any]
) -> None:
    restore(hass, extra)
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert carbon(hass) == 0.0
    assert accumulator_of(entry).baseline == 100.0
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)


async def test_empty_accumulator_dict_is_a_fresh_start(hass: HomeAssistant) -> None:
    restore(hass, {"native_value": 12.5, "native_unit_of_measurement": "kg", "accumulator": {}})
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert carbon(hass) == 0.0
    assert accumulator_of(entry).baseline == 100.0


async def test_state_without_extra_data_is_a_fresh_start(hass: HomeAssistant) -> None:
    mock_restore_cache(hass, (State(CARBON, "99.0"),))
    set_meter(hass, 100)
    await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert carbon(hass) == 0.0


async def test_held_spike_is_restored_and_can_be_resolved(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    now = time.time()
    restore(
        hass,
        stored(
            total=2.5,
            baseline=105.0,
            baseline_at=now - 3600.0,
            held_spike={"reading": 200.0, "delta": 95.0, "at": now - 60.0},
        ),
    )
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID, max_delta_per_hour=10))
    accumulator = accumulator_of(entry)
    assert accumulator.held_spike is not None
    assert accumulator.held_spike.reading == 200.0
    assert accumulator.held_spike.delta == 95.0
    assert accumulator.max_delta_per_hour == 10.0
    # Not shown until a reading has caught up with the restored baseline.
    assert hass.states.get(CARBON).state == STATE_UNKNOWN
    assert accumulator_of(entry).total == approx(2.5)

    # The user counts it: 95 kWh at 0.5.
    entry.runtime_data.async_resolve_jump(count=True)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(50.0)
    assert accumulator.baseline == 200.0
    assert accumulator.held_spike is None


async def test_held_spike_is_raised_again_when_the_source_still_shows_it(
    hass: HomeAssistant,
) -> None:
    now = time.time()
    restore(
        hass,
        stored(
            total=2.5,
            baseline=105.0,
            baseline_at=now - 3600.0,
            held_spike={"reading": 200.0, "delta": 95.0, "at": now - 60.0},
        ),
    )
    set_meter(hass, 200)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID, max_delta_per_hour=10))
    # The total before the jump shows at once while the jump waits for its repair.
    assert carbon(hass) == approx(2.5)
    assert accumulator_of(entry).total == approx(2.5)
    assert accumulator_of(entry).held_spike is not None
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"implausible_jump_{entry.entry_id}") is not None
    )


async def test_held_spike_dropped_when_the_factor_unit_changed(hass: HomeAssistant) -> None:
    restore(
        hass,
        stored(
            total=2.5,
            baseline=105.0,
            per_unit="kWh",
            held_spike={"reading": 200.0, "delta": 95.0, "at": 0.0},
        ),
    )
    entry = await setup_node(
        hass,
        node_entry(entry_id=ENTRY_ID, factor_value=500.0, factor_unit="MWh", max_delta_per_hour=10),
    )
    accumulator = accumulator_of(entry)
    assert accumulator.held_spike is None
    assert accumulator.baseline == approx(0.105)
    # Not shown until a reading has caught up with the restored baseline.
    assert hass.states.get(CARBON).state == STATE_UNKNOWN
    assert accumulator_of(entry).total == approx(2.5)


async def test_limit_restored_from_the_current_options(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    restore(hass, stored(total=0.0, baseline=100.0, baseline_at=time.time()))
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID, max_delta_per_hour=5))
    assert accumulator_of(entry).max_delta_per_hour == 5.0
    freezer.tick(timedelta(hours=1))
    set_meter(hass, 150)
    await hass.async_block_till_done()
    # A jump beyond the limit is held; the restored total before it shows meanwhile.
    assert carbon(hass) == 0.0
    assert accumulator_of(entry).total == 0.0
    assert accumulator_of(entry).held_spike is not None


@pytest.mark.parametrize(
    "accumulator",
    [
        {"total": "abc", "baseline": 5},
        {"total": 1.0, "baseline": 5, "held_spike": {"reading": 1}},
        {"total": 1.0, "baseline": [1, 2]},
    ],
)
async def test_unreadable_stored_state_starts_from_zero(
    hass: HomeAssistant, accumulator: dict[str, Any]
) -> None:
    extra = {**stored(), "accumulator": accumulator}
    restore(hass, extra)
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert carbon(hass) == approx(0.0)
    assert entry.runtime_data is not None
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)


async def test_a_new_node_does_not_inherit_a_deleted_nodes_total(hass: HomeAssistant) -> None:
    """Delete a node, add one on the same meter with the same name: it starts at 0."""
    set_meter(hass, 100.0)
    old = await setup_node(hass, node_entry())
    set_meter(hass, 140.0)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(20.0)
    assert await hass.config_entries.async_remove(old.entry_id)
    await hass.async_block_till_done()
    # The meter goes on while no node exists; none of that is the new node's carbon.
    set_meter(hass, 200.0)
    new = await setup_node(hass, node_entry())
    assert hass.states.get(CARBON) is not None
    assert carbon(hass) == 0.0
    assert new.runtime_data.accumulator.baseline == 200.0
    set_meter(hass, 210.0)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)


async def test_a_new_node_on_another_meter_does_not_inherit_either(hass: HomeAssistant) -> None:
    restore(hass, stored(entry_id="a_deleted_node"), "12.5")
    set_meter(hass, 300.0)
    await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert carbon(hass) == 0.0


async def test_data_saved_before_entries_were_named_is_kept_when_newer_than_the_entry(
    hass: HomeAssistant,
) -> None:
    """Data from 1.1 carries no entry id: it is the node's when saved after the node existed."""
    entry = node_entry(entry_id=ENTRY_ID)
    restore(hass, stored(entry_id=None))
    set_meter(hass, 100.0)
    await setup_node(hass, entry)
    assert carbon(hass) == approx(12.5)


async def test_data_saved_before_entries_were_named_and_older_than_the_entry_is_ignored(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    restore(hass, stored(entry_id=None))
    freezer.tick(timedelta(minutes=5))
    entry = node_entry(entry_id=ENTRY_ID)
    set_meter(hass, 100.0)
    await setup_node(hass, entry)
    assert carbon(hass) == 0.0


async def test_a_stored_total_that_is_not_finite_starts_from_zero(hass: HomeAssistant) -> None:
    restore(hass, stored(total=float("inf")))
    set_meter(hass, 100.0)
    await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert carbon(hass) == 0.0


async def test_after_a_power_cut_an_older_restored_total_is_never_published(
    hass: HomeAssistant,
) -> None:
    """HA saved 10 kg (meter at 80) for restore; 25 kg were shown before the cut (meter at 110).

    The sensor stays unknown (skipped by the statistics) until the first reading is priced
    against the restored baseline, and then shows the healed total: never a drop.
    """
    restore(hass, stored(total=10.0, baseline=80.0), state="10.0")
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    assert hass.states.get(CARBON).state == STATE_UNKNOWN
    assert not entry.runtime_data.caught_up
    set_meter(hass, 111)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(25.5)
    assert entry.runtime_data.caught_up


async def test_a_clean_reload_shows_the_total_at_once(hass: HomeAssistant) -> None:
    """With the meter's state there, the first reading is taken at set-up: no unknown gap."""
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID))
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)


async def test_a_reload_with_a_held_jump_shows_the_total_at_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A jump beyond the limit is held for its repair; a reload (an options change) shows the
    total before it at once, never unknown, and the repair still counts the jump once."""
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(entry_id=ENTRY_ID, max_delta_per_hour=10))
    freezer.tick(timedelta(hours=1))
    set_meter(hass, 104)  # 4 kWh in an hour: plausible
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=1))
    set_meter(hass, 300)  # 196 kWh in a minute: held
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.0)
    assert entry.runtime_data.has_held_jump
    states = async_capture_events(hass, "state_changed")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    shown = [
        event.data["new_state"].state
        for event in states
        if event.data["entity_id"] == CARBON and event.data["new_state"] is not None
    ]
    assert STATE_UNKNOWN not in shown
    assert carbon(hass) == approx(2.0)
    entry.runtime_data.async_resolve_jump(count=True)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(100.0)


async def test_unknown_until_a_live_intensity_prices_the_downtime(hass: HomeAssistant) -> None:
    restore(hass, stored(total=12.5, baseline=100.0, per_unit="kWh"))
    set_meter(hass, 104)
    await setup_node(
        hass, node_entry(entry_id=ENTRY_ID, factor_mode="entity", intensity_entity=INTENSITY)
    )
    assert hass.states.get(CARBON).state == STATE_UNKNOWN
    hass.states.async_set(INTENSITY, "500", {"unit_of_measurement": "gCO2eq/kWh"})
    await hass.async_block_till_done()
    assert carbon(hass) == approx(14.5)
