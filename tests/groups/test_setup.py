"""A group across restarts, member edits and deletions: restore, notation, repair."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import DOMAIN as REPAIRS_DOMAIN
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import mock_restore_cache_with_extra_data
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.carbon_tracker.const import CONF_PORT, DOMAIN
from custom_components.carbon_tracker.diagnostics import async_get_config_entry_diagnostics
from tests.common import add_nodes, approx, group_entry, meter_id, node_entry, set_meter, setup_node

ERROR = "sensor.main_vs_subs_error"
TOTAL = "sensor.main_vs_subs_total"
SUBS = "sensor.main_vs_subs_sum_of_sub_meters"
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # noon in US/Pacific, the tests' time zone
# The day window holding NOW: from local midnight.
DAY_START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def value(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


def stored(window_start: datetime, last: dict[str, float | None], alarm: bool = False) -> Any:
    """The error sensor's saved state: 6 kg total, 2 kg subs in the window."""
    return (
        State(ERROR, "4.0"),
        {
            "native_value": 4.0,
            "native_unit_of_measurement": "kg",
            "window_start": window_start.isoformat(),
            "left_kg": 6.0,
            "right_kg": 2.0,
            "last_totals": last,
            "alarm_on": alarm,
            "entry_id": "group_main",
        },
    )


async def test_restart_in_the_middle_of_a_window_carries_on(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    nodes = {port: f"node_{port}" for port in (1, 2)}
    # Saved when node 1 showed 10 kg and node 2 4 kg; the nodes now show 0 (fresh in the test)
    # and will count up from there: a total below the last one is a member that started again.
    mock_restore_cache_with_extra_data(
        hass, [stored(DAY_START, {nodes[1]: 10.0, nodes[2]: 4.0}, alarm=True)]
    )
    await add_nodes(hass, 1, 2)
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2]], threshold_kg=3.0))
    assert value(hass, TOTAL) == approx(6.0)
    assert value(hass, SUBS) == approx(2.0)
    assert value(hass, ERROR) == approx(4.0)
    problem = hass.states.get("binary_sensor.main_vs_subs_threshold_exceeded")
    assert problem is not None
    assert problem.state == "on"
    set_meter(hass, 102, entity_id=meter_id(1))
    await hass.async_block_till_done()
    assert value(hass, TOTAL) == approx(7.0)


async def test_restart_after_the_window_closed_starts_from_zero(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    mock_restore_cache_with_extra_data(
        hass, [stored(DAY_START - timedelta(days=1), {"node_1": 0.0}, alarm=True)]
    )
    nodes = await add_nodes(hass, 1, 2)
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2]], threshold_kg=3.0))
    assert value(hass, TOTAL) == 0.0
    assert value(hass, ERROR) == 0.0
    problem = hass.states.get("binary_sensor.main_vs_subs_threshold_exceeded")
    assert problem is not None
    assert problem.state == "off"


@pytest.mark.parametrize(
    "extra",
    [
        {"entry_id": "another_group"},
        {"window_start": "yesterday"},
        {"left_kg": "lots"},
    ],
)
async def test_saved_state_of_another_group_or_broken_is_ignored(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, extra: dict[str, Any]
) -> None:
    freezer.move_to(NOW)
    state, data = stored(DAY_START, {"node_1": 0.0})
    mock_restore_cache_with_extra_data(hass, [(state, {**data, **extra})])
    nodes = await add_nodes(hass, 1, 2)
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2]]))
    assert value(hass, TOTAL) == 0.0


async def test_notation_follows_a_node_whose_port_changes(
    hass: HomeAssistant, total_group: Any, nodes: dict[int, str]
) -> None:
    node = hass.config_entries.async_get_entry(nodes[2])
    assert node is not None
    hass.config_entries.async_update_entry(node, options={**node.options, CONF_PORT: 20})
    await hass.async_block_till_done()
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["notation"] == "G1: 1 > 20/3"
    # The group still binds the same meter.
    set_meter(hass, 104, entity_id=meter_id(2))
    await hass.async_block_till_done()
    assert value(hass, SUBS) == approx(2.0)


async def test_a_deleted_member_raises_a_repair_that_replaces_it(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    total_group: Any,
    nodes: dict[int, str],
) -> None:
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    await hass.config_entries.async_remove(nodes[3])
    await hass.async_block_till_done()
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "member_deleted_group_main")
    assert issue is not None
    assert issue.translation_placeholders == {"name": "Main vs subs", "count": "1"}
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["missing_members"] == [{"port": None, "name": "Meter 3"}]
    assert error.attributes["notation"] == "G1: 1 > 2/?"

    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    flow = await response.json()
    assert flow["step_id"] == "replace"
    assert flow["description_placeholders"] == {"name": "Main vs subs", "count": "1"}
    # Node 1 is the total: binding it as a sub too is refused, and nothing changes.
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"replacement": nodes[1]}
    )
    flow = await response.json()
    assert flow["errors"] == {"replacement": "port_on_both_sides"}
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"replacement": nodes[4]}
    )
    flow = await response.json()
    assert flow["type"] == "create_entry"
    await hass.async_block_till_done()
    group = hass.config_entries.async_get_entry("group_main")
    assert group is not None
    assert group.options["right"] == [nodes[2], nodes[4]]
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue.issue_id) is None
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["notation"] == "G1: 1 > 2/4"


async def test_a_member_missing_at_start_raises_the_repair_and_dropping_it_fixes_it(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, nodes: dict[int, str]
) -> None:
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2], "gone"]))
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "member_deleted_group_main")
    assert issue is not None
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    flow = await response.json()
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done()
    group = hass.config_entries.async_get_entry("group_main")
    assert group is not None
    assert group.options["right"] == [nodes[2]]
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue.issue_id) is None


async def test_diagnostics(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    nodes: dict[int, str],
    snapshot: SnapshotAssertion,
) -> None:
    freezer.move_to(NOW)
    entry = await setup_node(
        hass, group_entry(left=[nodes[1]], right=[nodes[2], nodes[3]], group_number=1)
    )
    set_meter(hass, 110, entity_id=meter_id(1))
    await hass.async_block_till_done()
    assert await async_get_config_entry_diagnostics(hass, entry) == snapshot


async def test_entity_states(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    nodes: dict[int, str],
    snapshot: SnapshotAssertion,
) -> None:
    freezer.move_to(NOW)
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2], nodes[3]], group_number=1))
    set_meter(hass, 110, entity_id=meter_id(1))
    set_meter(hass, 104, entity_id=meter_id(2))
    await hass.async_block_till_done()
    for entity_id in sorted(hass.states.async_entity_ids()):
        if entity_id.split(".")[1].startswith("main_vs_subs"):
            assert hass.states.get(entity_id) == snapshot(name=entity_id)


async def test_a_group_set_up_before_its_nodes_follows_them_once_registered(
    hass: HomeAssistant,
) -> None:
    # As on the first start of a seeded or restored configuration: the group's entry is set up
    # before its members' carbon sensors are in the entity registry.
    for port in (1, 2):
        set_meter(hass, 100, entity_id=meter_id(port))
    nodes = [
        node_entry(source=meter_id(port), port=port, title=f"Meter {port}", entry_id=f"node_{port}")
        for port in (1, 2)
    ]
    for node in nodes:
        node.add_to_hass(hass)
        # Not set up yet: its carbon sensor is not registered when the group starts.
        await hass.config_entries.async_set_disabled_by(node.entry_id, ConfigEntryDisabler.USER)
    group = group_entry(left=["node_1"], right=["node_2"])
    group.add_to_hass(hass)
    assert await hass.config_entries.async_setup(group.entry_id)
    await hass.async_block_till_done()
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.state == "unavailable"
    for node in nodes:
        await hass.config_entries.async_set_disabled_by(node.entry_id, None)
    await hass.async_block_till_done()
    assert all(node.state is ConfigEntryState.LOADED for node in nodes)
    set_meter(hass, 110, entity_id=meter_id(1))
    await hass.async_block_till_done()
    assert value(hass, TOTAL) == approx(5.0)
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["missing_members"] == []


async def test_a_renamed_member_sensor_is_followed(
    hass: HomeAssistant, total_group: Any, nodes: dict[int, str]
) -> None:
    registry = er.async_get(hass)
    registry.async_update_entity(
        "sensor.meter_2_carbon_emissions", new_entity_id="sensor.workshop_carbon"
    )
    await hass.async_block_till_done()
    set_meter(hass, 104, entity_id=meter_id(2))
    await hass.async_block_till_done()
    assert value(hass, SUBS) == approx(2.0)
    diagnostics = await async_get_config_entry_diagnostics(hass, total_group)
    assert {"entry_id": "node_2", "port": 2, "entity_id": "sensor.workshop_carbon"} in diagnostics[
        "members"
    ]
