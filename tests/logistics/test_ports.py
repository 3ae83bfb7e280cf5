"""A logistics entry is a port: no node can take its number, a binding group can bind it and
follow its total, and reports list it as value-chain (scope 3) carbon priced by logistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.carbon_tracker.const import CONF_PORT, CONF_SOURCE, DOMAIN
from custom_components.carbon_tracker.nodes.flow import CONF_NAME
from custom_components.carbon_tracker.ports import next_free_port, used_ports
from tests.common import add_nodes, group_entry, import_hourly_sums, kind_form, setup_node
from tests.logistics.conftest import logistics_entry, record_shipment, shipment

HGV_KG = 0.25 * 340 * 0.10163  # 20 x 12.5 kg over 340 km by HGV: 8.63855 kg
SUBS = "sensor.main_vs_subs_sum_of_sub_meters"
TOTAL = "sensor.main_vs_subs_total"
ERROR = "sensor.main_vs_subs_error"
HOUR = timedelta(hours=1)


@pytest.fixture
async def warehouse(hass: HomeAssistant) -> MockConfigEntry:
    """The logistics entry, set up."""
    return await setup_node(hass, logistics_entry(entry_id="warehouse"))


def emissions_entity(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """The entity id of the entry's cumulative emissions sensor."""
    entity_id = er.async_get(hass).async_get_entity_id(
        Platform.SENSOR, DOMAIN, f"{entry.entry_id}_emissions"
    )
    assert entity_id is not None
    return entity_id


def value(hass: HomeAssistant, entity_id: str) -> float:
    """A numeric state."""
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


def add_meter(hass: HomeAssistant, entity_id: str = "sensor.new_meter") -> None:
    """A cumulative energy meter a node could count."""
    hass.states.async_set(
        entity_id,
        "12.5",
        {
            ATTR_UNIT_OF_MEASUREMENT: "kWh",
            ATTR_DEVICE_CLASS: "energy",
            "state_class": "total_increasing",
        },
    )


# --------------------------------------------------------------------------------------------------
# Port numbers
# --------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("warehouse")
async def test_a_node_cannot_take_the_logistics_port(hass: HomeAssistant) -> None:
    add_meter(hass)
    result = await kind_form(hass, "tracking_node")
    submitted = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "New meter", CONF_SOURCE: "sensor.new_meter", CONF_PORT: 20},
    )
    assert submitted["type"] is FlowResultType.FORM
    assert submitted["errors"] == {CONF_PORT: "port_in_use"}
    # Another port is fine: the flow goes on to the factor.
    submitted = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "New meter", CONF_SOURCE: "sensor.new_meter", CONF_PORT: 21},
    )
    assert submitted["type"] is FlowResultType.MENU
    assert submitted["step_id"] == "factor"


@pytest.mark.usefixtures("warehouse")
async def test_a_node_cannot_move_to_the_logistics_port(hass: HomeAssistant) -> None:
    """The node's options flow refuses port 20 too."""
    nodes = await add_nodes(hass, 1)
    result = await hass.config_entries.options.async_init(nodes[1])
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_PORT: 20})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PORT: "port_in_use"}
    entry = hass.config_entries.async_get_entry(nodes[1])
    assert entry is not None
    assert entry.options[CONF_PORT] == 1


async def test_the_next_free_port_skips_the_logistics_port(hass: HomeAssistant) -> None:
    """With nodes at 1 to 19 and the warehouse at 20, a new node is offered 21."""
    await setup_node(hass, logistics_entry(entry_id="warehouse"))
    await add_nodes(hass, *range(1, 20))
    assert next_free_port(hass) == 21
    assert 20 in used_ports(hass)
    assert 20 not in used_ports(hass, exclude_entry_id="warehouse")


# --------------------------------------------------------------------------------------------------
# Binding groups
# --------------------------------------------------------------------------------------------------


async def test_a_group_binds_the_logistics_entry_and_follows_it(
    hass: HomeAssistant, warehouse: MockConfigEntry
) -> None:
    nodes = await add_nodes(hass, 1)
    await setup_node(hass, group_entry(left=[nodes[1]], right=[warehouse.entry_id]))
    error = hass.states.get(ERROR)
    assert error is not None
    assert error.attributes["missing_members"] == []
    assert value(hass, SUBS) == 0.0

    await record_shipment(hass, port=20, **shipment("SO-1"))
    assert value(hass, SUBS) == pytest.approx(HGV_KG, abs=1e-9)
    await record_shipment(hass, port=20, **shipment("SO-2", quantity=40))
    assert value(hass, SUBS) == pytest.approx(3 * HGV_KG, abs=1e-9)
    # The same order again: nothing moves; a correction moves the group by the difference.
    await record_shipment(hass, port=20, **shipment("SO-1"))
    assert value(hass, SUBS) == pytest.approx(3 * HGV_KG, abs=1e-9)
    # A correction upwards (SO-2 was 60 units, not 40) moves the group by the difference.
    await record_shipment(hass, port=20, **shipment("SO-2", quantity=60))
    assert value(hass, SUBS) == pytest.approx(4 * HGV_KG, abs=1e-9)
    # The total meter (node 1) did not move: the error is minus the shipments.
    assert value(hass, TOTAL) == 0.0
    assert value(hass, ERROR) == pytest.approx(-4 * HGV_KG, abs=1e-9)
    assert value(hass, emissions_entity(hass, warehouse)) == pytest.approx(4 * HGV_KG, abs=1e-9)


async def test_a_group_follows_a_downward_correction(
    hass: HomeAssistant, warehouse: MockConfigEntry
) -> None:
    """SO-2 was 10 units, not 40: the entry's total drops by 1.5 x 8.63855 kg, so must the
    group's sum of sub-meters (not jump up by the new total as after a reset)."""
    nodes = await add_nodes(hass, 1)
    await setup_node(hass, group_entry(left=[nodes[1]], right=[warehouse.entry_id]))
    await record_shipment(hass, port=20, **shipment("SO-1"))
    await record_shipment(hass, port=20, **shipment("SO-2", quantity=40))
    assert value(hass, SUBS) == pytest.approx(3 * HGV_KG, abs=1e-9)
    await record_shipment(hass, port=20, **shipment("SO-2", quantity=10))
    assert value(hass, emissions_entity(hass, warehouse)) == pytest.approx(1.5 * HGV_KG, abs=1e-9)
    assert value(hass, SUBS) == pytest.approx(1.5 * HGV_KG, abs=1e-9)
    assert value(hass, ERROR) == pytest.approx(-1.5 * HGV_KG, abs=1e-9)


# --------------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("recorder_mock")
async def test_the_report_lists_the_logistics_entry_as_scope_3(hass: HomeAssistant) -> None:
    warehouse = await setup_node(hass, logistics_entry(entry_id="warehouse"))
    await add_nodes(hass, 1)
    await async_wait_recording_done(hass)
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)  # 2026-01-01 00:00 in US/Pacific
    sums = [(start + index * HOUR, 0.5 * (index + 1)) for index in range(48)]
    import_hourly_sums(hass, emissions_entity(hass, warehouse), sums)
    await async_wait_recording_done(hass)

    response = await hass.services.async_call(
        DOMAIN,
        "generate_report",
        {
            "period": "day",
            "start": "2026-01-01 00:00:00",
            "end": "2026-01-03 00:00:00",
            "nodes": [20],
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    [node] = response["nodes"]
    assert node["config_entry_id"] == "warehouse"
    assert node["port"] == 20
    assert node["name"] == "Warehouse"
    assert node["scope"] == "3"
    assert node["factor_source"].startswith("logistics")
    assert node["factor_source"] == (
        "logistics (tonne_km; UK DESNZ 2025 freight factors unless overridden)"
    )
    assert node["gas"] == "CO2e"
    # 24 hours x 0.5 kg each day; the last hour of Jan 2 ends at the report's end.
    assert [period["nodes"] for period in response["periods"]] == [{"20": 12.0}, {"20": 12.0}]
    assert node["total_kg"] == 24.0
