"""Tests of the repair issues and their fix flows: a vanished source, a held-back jump."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlowManager,
    repairs_flow_manager,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.nodes.repairs import (
    ImplausibleJumpRepairFlow,
    SourceMissingRepairFlow,
)
from custom_components.carbon_tracker.repairs import async_create_fix_flow
from tests.common import (
    CARBON,
    SOURCE,
    approx,
    carbon,
    node_entry,
    register_source,
    set_meter,
    setup_node,
)

NEW_SOURCE = "sensor.new_meter"


def manager(hass: HomeAssistant) -> RepairsFlowManager:
    flows = repairs_flow_manager(hass)
    assert flows is not None
    return flows


async def start_fix(hass: HomeAssistant, issue_id: str) -> dict[str, Any]:
    return await manager(hass).async_init(DOMAIN, data={"issue_id": issue_id})


async def node_with_removed_source(hass: HomeAssistant) -> MockConfigEntry:
    register_source(hass)
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(5.0)
    er.async_get(hass).async_remove(SOURCE)
    hass.states.async_remove(SOURCE)
    await hass.async_block_till_done()
    return entry


# ------------------------------------------------------------------------------------------------
# Source missing
# ------------------------------------------------------------------------------------------------


async def test_removed_source_raises_an_issue(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    entry = await node_with_removed_source(hass)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"source_missing_{entry.entry_id}")
    assert issue is not None
    assert issue.is_fixable
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_key == "source_missing"
    assert issue.translation_placeholders == {"name": "Grid energy", "source": SOURCE}
    assert issue.data == {"entry_id": entry.entry_id}
    assert "no longer exists" in caplog.text
    # The node keeps its total.
    assert carbon(hass) == approx(5.0)


def schema_field(result: Any, name: str) -> Any:
    """The validator of one field of a form."""
    return next(v for m, v in result["data_schema"].schema.items() if str(m) == name)


async def test_source_missing_fix_flow_rejects_bad_sources_then_takes_a_good_one(
    hass: HomeAssistant,
) -> None:
    entry = await node_with_removed_source(hass)
    issue_id = f"source_missing_{entry.entry_id}"

    result = await start_fix(hass, issue_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_source"
    assert result["errors"] == {}
    assert result["description_placeholders"] == {"name": "Grid energy", "source": SOURCE}
    flow_id = result["flow_id"]

    hass.states.async_set("sensor.power", "3", {"unit_of_measurement": "kW"})
    hass.states.async_set(
        "sensor.text_meter",
        "abc",
        {"unit_of_measurement": "kWh", "state_class": "total_increasing"},
    )
    hass.states.async_set(
        "sensor.temperature_total",
        "3",
        {"unit_of_measurement": "°C", "state_class": "total", "device_class": "temperature"},
    )
    hass.states.async_set(
        "sensor.odd_unit", "3", {"unit_of_measurement": "lux", "state_class": "total"}
    )
    for source, error in (
        ("sensor.does_not_exist", "source_not_found"),
        ("sensor.power", "source_not_cumulative"),
        ("sensor.temperature_total", "source_device_class_unsupported"),
        ("sensor.odd_unit", "source_unit_unsupported"),
        ("sensor.text_meter", "source_not_numeric"),
    ):
        result = await manager(hass).async_configure(flow_id, {"source": source})
        assert result["type"] is FlowResultType.FORM, source
        assert result["step_id"] == "pick_source"
        assert result["errors"] == {"source": error}, source
    assert entry.data["source"] == SOURCE
    # Nothing fits yet: every sensor is offered. Once a meter fits, only it is (not the node's
    # own carbon sensor; typed in anyway, that gets the translated refusal).
    assert "include_entities" not in schema_field(result, "source").config
    set_meter(hass, 500, entity_id=NEW_SOURCE)
    result = await manager(hass).async_configure(flow_id, {"source": "sensor.power"})
    assert schema_field(result, "source").config["include_entities"] == [NEW_SOURCE]
    result = await manager(hass).async_configure(flow_id, {"source": CARBON})
    assert result["errors"] == {"source": "source_is_own_entity"}
    old_node = entry.runtime_data
    result = await manager(hass).async_configure(flow_id, {"source": NEW_SOURCE})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert entry.data["source"] == NEW_SOURCE
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    # Reloaded onto the new meter; the total carries on from the new meter's baseline.
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not old_node
    assert entry.runtime_data.settings.source == NEW_SOURCE
    assert carbon(hass) == approx(5.0)
    assert entry.runtime_data.accumulator.baseline == 500.0

    set_meter(hass, 510, entity_id=NEW_SOURCE)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(10.0)

    # The old meter, should it come back, is no longer followed.
    set_meter(hass, 1000)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(10.0)


@pytest.mark.parametrize(
    ("unit", "options"),
    [
        ("m³", {}),
        ("kg CO2e", {}),
        ("kWh", {"factor_mode": "carbon"}),
    ],
)
async def test_source_missing_fix_flow_rejects_a_source_the_factor_cannot_price(
    hass: HomeAssistant, unit: str, options: dict[str, Any]
) -> None:
    register_source(hass)
    first_unit = "kg CO2e" if options else "kWh"
    set_meter(hass, 100, unit=first_unit)
    entry = await setup_node(hass, node_entry(**options))
    er.async_get(hass).async_remove(SOURCE)
    hass.states.async_remove(SOURCE)
    await hass.async_block_till_done()

    set_meter(hass, 50, unit=unit, entity_id=NEW_SOURCE)
    result = await start_fix(hass, f"source_missing_{entry.entry_id}")
    result = await manager(hass).async_configure(result["flow_id"], {"source": NEW_SOURCE})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"source": "unit_incompatible"}
    assert entry.data["source"] == SOURCE


async def test_source_missing_at_start(hass: HomeAssistant) -> None:
    hass.set_state(CoreState.not_running)
    entry = await setup_node(hass, node_entry(source="sensor.nowhere"))
    issue_id = f"source_missing_{entry.entry_id}"
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, issue_id) is None

    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"name": "Grid energy", "source": "sensor.nowhere"}


async def test_one_check_at_start_for_every_node_still_loaded(hass: HomeAssistant) -> None:
    """The hub checks all nodes' meters once HA has started: only those still set up then."""
    hass.set_state(CoreState.not_running)
    set_meter(hass, 100)
    present = await setup_node(hass, node_entry(port=1))
    missing = await setup_node(hass, node_entry(source="sensor.nowhere", port=2, title="Gone"))
    unloaded = await setup_node(
        hass, node_entry(source="sensor.elsewhere", port=3, title="Unloaded")
    )
    assert await hass.config_entries.async_unload(unloaded.entry_id)
    issues = ir.async_get(hass)

    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert issues.async_get_issue(DOMAIN, f"source_missing_{missing.entry_id}") is not None
    assert issues.async_get_issue(DOMAIN, f"source_missing_{present.entry_id}") is None
    assert issues.async_get_issue(DOMAIN, f"source_missing_{unloaded.entry_id}") is None


async def test_source_missing_when_set_up_after_start(hass: HomeAssistant) -> None:
    assert hass.state is CoreState.running
    entry = await setup_node(hass, node_entry(source="sensor.nowhere"))
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"source_missing_{entry.entry_id}")


@pytest.mark.parametrize("registered_only", [True, False])
async def test_source_present_at_start_clears_an_old_issue(
    hass: HomeAssistant, registered_only: bool
) -> None:
    """A source that exists (in the state machine or just the registry) clears a stale issue."""
    hass.set_state(CoreState.not_running)
    if registered_only:
        register_source(hass)
    else:
        set_meter(hass, 100)
    entry = node_entry()
    entry.add_to_hass(hass)
    issue_id = f"source_missing_{entry.entry_id}"
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        data={"entry_id": entry.entry_id},
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="source_missing",
        translation_placeholders={"name": "Grid energy", "source": SOURCE},
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


# ------------------------------------------------------------------------------------------------
# Implausible jump
# ------------------------------------------------------------------------------------------------


async def node_with_spike(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, **options: Any
) -> MockConfigEntry:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry(max_delta_per_hour=10, **options))
    freezer.tick(timedelta(hours=1))
    set_meter(hass, 105)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.5)
    freezer.tick(timedelta(hours=1))
    set_meter(hass, 200)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.5)
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"implausible_jump_{entry.entry_id}") is not None
    )
    return entry


async def test_spike_fix_flow_count_adds_it_exactly_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await node_with_spike(hass, freezer)
    issue_id = f"implausible_jump_{entry.entry_id}"

    result = await start_fix(hass, issue_id)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "init"
    assert result["menu_options"] == ["count", "discard"]

    result = await manager(hass).async_configure(result["flow_id"], {"next_step_id": "count"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    # 95 kWh at 0.5 kg/kWh.
    assert carbon(hass) == approx(50.0)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    accumulator = entry.runtime_data.accumulator
    assert accumulator.baseline == 200.0
    assert accumulator.held_spike is None

    # The next reading is measured from the spike's reading: nothing is counted twice.
    freezer.tick(timedelta(minutes=30))
    set_meter(hass, 202)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(51.0)


async def test_spike_fix_flow_counts_at_the_factor_in_force(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await node_with_spike(hass, freezer)
    hass.config_entries.async_update_entry(entry, options={**entry.options, "factor_value": 0.1})
    await hass.async_block_till_done()
    result = await start_fix(hass, f"implausible_jump_{entry.entry_id}")
    result = await manager(hass).async_configure(result["flow_id"], {"next_step_id": "count"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert carbon(hass) == approx(2.5 + 9.5)


async def test_spike_fix_flow_discard_rebaselines_without_counting(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await node_with_spike(hass, freezer)
    issue_id = f"implausible_jump_{entry.entry_id}"

    result = await start_fix(hass, issue_id)
    result = await manager(hass).async_configure(result["flow_id"], {"next_step_id": "discard"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.5)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    accumulator = entry.runtime_data.accumulator
    assert accumulator.baseline == 200.0
    assert accumulator.held_spike is None

    freezer.tick(timedelta(minutes=30))
    set_meter(hass, 204)
    await hass.async_block_till_done()
    assert carbon(hass) == approx(4.5)


async def test_spike_count_waits_for_an_unknown_intensity(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Without a factor a held jump cannot be priced: counting aborts and the jump stays held."""
    intensity = "sensor.grid_intensity"
    hass.states.async_set(intensity, "500", {"unit_of_measurement": "gCO2eq/kWh"})
    entry = await node_with_spike(hass, freezer, factor_mode="entity", intensity_entity=intensity)
    issue_id = f"implausible_jump_{entry.entry_id}"
    hass.states.async_set(intensity, "unavailable", {})
    await hass.async_block_till_done()
    accumulator = entry.runtime_data.accumulator
    assert accumulator.held_spike is not None

    result = await start_fix(hass, issue_id)
    result = await manager(hass).async_configure(result["flow_id"], {"next_step_id": "count"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "factor_unknown"
    assert carbon(hass) == approx(2.5)
    assert accumulator.held_spike is not None
    assert accumulator.baseline == 105.0
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    # The intensity is back: the jump is still held, and counting prices it at 0.4 kg/kWh.
    hass.states.async_set(intensity, "400", {"unit_of_measurement": "gCO2eq/kWh"})
    await hass.async_block_till_done()
    assert carbon(hass) == approx(2.5)
    assert accumulator.held_spike is not None
    result = await start_fix(hass, issue_id)
    result = await manager(hass).async_configure(result["flow_id"], {"next_step_id": "count"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert carbon(hass) == approx(2.5 + 95 * 0.4)
    assert accumulator.baseline == 200.0
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_spike_discard_works_while_the_intensity_is_unknown(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    intensity = "sensor.grid_intensity"
    hass.states.async_set(intensity, "500", {"unit_of_measurement": "gCO2eq/kWh"})
    entry = await node_with_spike(hass, freezer, factor_mode="entity", intensity_entity=intensity)
    hass.states.async_set(intensity, "unavailable", {})
    await hass.async_block_till_done()
    result = await start_fix(hass, f"implausible_jump_{entry.entry_id}")
    result = await manager(hass).async_configure(result["flow_id"], {"next_step_id": "discard"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert carbon(hass) == approx(2.5)
    accumulator = entry.runtime_data.accumulator
    assert accumulator.held_spike is None
    assert accumulator.baseline == 200.0


@pytest.mark.parametrize("step", ["count", "discard"])
async def test_spike_fix_flow_aborts_when_nothing_is_held(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, step: str
) -> None:
    entry = await node_with_spike(hass, freezer)
    issue_id = f"implausible_jump_{entry.entry_id}"
    result = await start_fix(hass, issue_id)

    # Meanwhile a plausible reading was counted: the held jump is gone.
    entry.runtime_data.accumulator.held_spike = None
    result = await manager(hass).async_configure(result["flow_id"], {"next_step_id": step})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_held"
    assert carbon(hass) == approx(2.5)


async def test_spike_fix_flow_aborts_when_the_jump_was_resolved_meanwhile(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await node_with_spike(hass, freezer)
    result = await start_fix(hass, f"implausible_jump_{entry.entry_id}")
    entry.runtime_data.async_resolve_jump(count=False)
    result = await manager(hass).async_configure(result["flow_id"], {"next_step_id": "count"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_held"


# ------------------------------------------------------------------------------------------------
# Choosing the flow
# ------------------------------------------------------------------------------------------------


async def test_create_fix_flow_picks_the_flow(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    data = {"entry_id": entry.entry_id}
    assert isinstance(
        await async_create_fix_flow(hass, f"source_missing_{entry.entry_id}", data),
        SourceMissingRepairFlow,
    )
    assert isinstance(
        await async_create_fix_flow(hass, f"implausible_jump_{entry.entry_id}", data),
        ImplausibleJumpRepairFlow,
    )
    # Unknown issue ids, missing or foreign entries, and unloaded entries just confirm.
    assert isinstance(await async_create_fix_flow(hass, "something_else", data), ConfirmRepairFlow)
    assert isinstance(await async_create_fix_flow(hass, "spike_x", None), ConfirmRepairFlow)
    assert isinstance(
        await async_create_fix_flow(hass, "spike_x", {"entry_id": "nope"}), ConfirmRepairFlow
    )
    other = MockConfigEntry(domain="test")
    other.add_to_hass(hass)
    assert isinstance(
        await async_create_fix_flow(hass, "spike_x", {"entry_id": other.entry_id}),
        ConfirmRepairFlow,
    )
    unloaded = node_entry(source="sensor.other", port=2)
    unloaded.add_to_hass(hass)
    assert isinstance(
        await async_create_fix_flow(
            hass, f"implausible_jump_{unloaded.entry_id}", {"entry_id": unloaded.entry_id}
        ),
        ConfirmRepairFlow,
    )


async def test_unknown_issue_gets_a_confirm_flow(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "repairs", {})
    set_meter(hass, 100)
    await setup_node(hass, node_entry())
    ir.async_create_issue(
        hass,
        DOMAIN,
        "mystery",
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="implausible_jump",
    )
    result = await start_fix(hass, "mystery")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"
    result = await manager(hass).async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert ir.async_get(hass).async_get_issue(DOMAIN, "mystery") is None


async def test_source_missing_fix_flow_refuses_a_meter_another_node_counts(
    hass: HomeAssistant,
) -> None:
    """Two nodes on one meter would count its carbon twice."""
    entry = await node_with_removed_source(hass)
    set_meter(hass, 50, entity_id="sensor.other")
    await setup_node(hass, node_entry(source="sensor.other", port=2, title="Other"))
    result = await start_fix(hass, f"source_missing_{entry.entry_id}")
    result = await manager(hass).async_configure(result["flow_id"], {"source": "sensor.other"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"source": "source_already_tracked"}
    assert entry.data["source"] == SOURCE


async def test_held_spike_is_asked_again_after_a_restart(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await node_with_spike(hass, freezer)
    issue_id = f"implausible_jump_{entry.entry_id}"
    ir.async_delete_issue(hass, DOMAIN, issue_id)  # a restart drops issues that are not persistent
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.accumulator.held_spike is not None
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
