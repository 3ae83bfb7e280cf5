"""Tests of the integration's actions."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.ports import node_entry_id_for_port
from tests.common import approx, node_entry, set_meter, setup_node


async def list_nodes(hass: HomeAssistant, **data: object) -> dict:
    return await hass.services.async_call(
        DOMAIN, "list_nodes", data, blocking=True, return_response=True
    )


async def two_nodes(hass: HomeAssistant) -> tuple:
    set_meter(hass, 100)
    set_meter(hass, 10, unit="m³", entity_id="sensor.gas_meter", device_class="gas")
    grid = await setup_node(hass, node_entry(port=3))
    gas = await setup_node(
        hass,
        node_entry(
            source="sensor.gas_meter",
            port=7,
            title="Gas",
            factor_mode="library",
            factor_id="cn_mee_grid_national_2023",
        ),
    )
    return grid, gas


async def test_list_nodes_answers_every_node(hass: HomeAssistant) -> None:
    grid, gas = await two_nodes(hass)
    set_meter(hass, 110)
    await hass.async_block_till_done()
    response = await list_nodes(hass)
    by_port = {node["port"]: node for node in response["nodes"]}
    assert by_port[3] == {
        "config_entry_id": grid.entry_id,
        "name": "Grid energy",
        "port": 3,
        "source": "sensor.grid_energy",
        "emissions_entity_id": "sensor.grid_energy_carbon_emissions",
        "loaded": True,
        "factor_mode": "custom",
        "total_kg": approx(5.0),
        "factor": 0.5,
        "factor_unit": "kg CO2e/kWh",
    }
    assert by_port[7]["config_entry_id"] == gas.entry_id


async def test_list_nodes_answers_the_total_to_the_milligram(hass: HomeAssistant) -> None:
    """Ten readings of 1.8854 kWh at 0.5: binary floats add up to 9.426999999999524."""
    await two_nodes(hass)
    reading = 100.0
    for _ in range(10):
        reading += 1.8854
        set_meter(hass, reading)
        await hass.async_block_till_done()
    (node,) = (await list_nodes(hass, port=3))["nodes"]
    assert node["total_kg"] == round(node["total_kg"], 6)
    assert repr(node["total_kg"]) == "9.427"


async def test_list_nodes_by_port_and_by_entry_id(hass: HomeAssistant) -> None:
    grid, _ = await two_nodes(hass)
    by_port = await list_nodes(hass, port=3)
    assert [node["config_entry_id"] for node in by_port["nodes"]] == [grid.entry_id]
    by_id = await list_nodes(hass, config_entry_id=grid.entry_id)
    assert [node["port"] for node in by_id["nodes"]] == [3]
    # The same translation, as code for groups and reports uses it.
    assert node_entry_id_for_port(hass, 3) == grid.entry_id
    assert node_entry_id_for_port(hass, 99) is None


async def test_an_unloaded_node_is_listed_without_figures(hass: HomeAssistant) -> None:
    grid, _ = await two_nodes(hass)
    assert await hass.config_entries.async_unload(grid.entry_id)
    response = await list_nodes(hass, port=3)
    assert response["nodes"][0]["loaded"] is False
    assert response["nodes"][0]["total_kg"] is None


async def test_an_unknown_port_is_a_translated_error(hass: HomeAssistant) -> None:
    await two_nodes(hass)
    with pytest.raises(ServiceValidationError) as err:
        await list_nodes(hass, port=99)
    assert err.value.translation_key == "no_node_on_port"
    assert err.value.translation_placeholders == {"port": "99"}
    assert str(err.value) == "No tracking node has port 99"


async def test_an_entry_that_is_not_a_node_is_a_translated_error(hass: HomeAssistant) -> None:
    await two_nodes(hass)
    with pytest.raises(ServiceValidationError) as err:
        await list_nodes(hass, config_entry_id="nope")
    assert err.value.translation_key == "not_a_node"
    assert str(err.value) == "nope is not a Carbon Tracker tracking node"


async def test_port_and_entry_id_together_are_refused(hass: HomeAssistant) -> None:
    grid, _ = await two_nodes(hass)
    with pytest.raises(Exception, match="two or more values in the same group of exclusion"):
        await list_nodes(hass, port=3, config_entry_id=grid.entry_id)
