"""An ESPHome carbon node as a tracking node's source: factor 1, and its own factor shown."""

from __future__ import annotations

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.diagnostics import async_get_config_entry_diagnostics
from custom_components.carbon_tracker.nodes.device_factor import find_device_factor_entity
from tests.common import approx

NODE_CARBON = "sensor.carbon_node_pulse_carbon_emissions"
NODE_FACTOR = "number.carbon_node_pulse_emission_factor"
TRACKED = "sensor.carbon_node_pulse_carbon_emissions_2"
FACTOR_IN_FORCE = "sensor.carbon_node_pulse_factor_in_force"


def add_esphome_node(hass: HomeAssistant, *, with_factor: bool = True) -> dr.DeviceEntry:
    """The registry entries and states an ESPHome carbon node (esphome/carbon-node-pulse.yaml)
    creates in HA: a carbon sensor in kg CO2e and, with a keypad, its factor number."""
    esphome_entry = MockConfigEntry(domain="esphome", title="carbon-node-pulse")
    esphome_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=esphome_entry.entry_id,
        identifiers={("esphome", "carbon-node-pulse")},
        name="Carbon node pulse",
    )
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "sensor",
        "esphome",
        "carbon-total",
        suggested_object_id="carbon_node_pulse_carbon_emissions",
        config_entry=esphome_entry,
        device_id=device.id,
        unit_of_measurement="kg CO2e",
    )
    hass.states.async_set(
        NODE_CARBON, "10.0", {"unit_of_measurement": "kg CO2e", "state_class": "total_increasing"}
    )
    if with_factor:
        registry.async_get_or_create(
            "number",
            "esphome",
            "emission-factor",
            suggested_object_id="carbon_node_pulse_emission_factor",
            config_entry=esphome_entry,
            device_id=device.id,
            unit_of_measurement="kg CO2e/kWh",
        )
        hass.states.async_set(NODE_FACTOR, "0.5306", {"unit_of_measurement": "kg CO2e/kWh"})
    return device


async def add_node_through_the_flow(hass: HomeAssistant) -> config_entries.ConfigEntry:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "tracking_node"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Carbon node", "source": NODE_CARBON, "port": 7}
    )
    # No factor question: the node already converts at the source.
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    return result["result"]


async def test_esphome_carbon_stream_is_taken_at_factor_one(hass: HomeAssistant) -> None:
    device = add_esphome_node(hass)
    entry = await add_node_through_the_flow(hass)
    assert entry.options == {"port": 7, "factor_mode": "carbon"}
    # The tracking node's entities show on the ESPHome device.
    tracked = er.async_get(hass).async_get(TRACKED)
    assert tracked is not None
    assert tracked.device_id == device.id
    # No factor number of its own: the device's keypad factor is the one in force.
    assert (
        er.async_get(hass).async_get_entity_id(
            "number", DOMAIN, f"{entry.entry_id}_emission_factor"
        )
        is None
    )

    hass.states.async_set(
        NODE_CARBON, "10.75", {"unit_of_measurement": "kg CO2e", "state_class": "total_increasing"}
    )
    await hass.async_block_till_done()
    assert float(hass.states.get(TRACKED).state) == approx(0.75)


async def test_node_total_lost_on_the_device_is_a_reset_not_a_loss(hass: HomeAssistant) -> None:
    """If the device's flash were erased its total restarts at 0: counted from zero, none lost."""
    add_esphome_node(hass)
    await add_node_through_the_flow(hass)
    for value, expected in (("12.0", 2.0), ("0.5", 2.5), ("1.5", 3.5)):
        hass.states.async_set(
            NODE_CARBON,
            value,
            {"unit_of_measurement": "kg CO2e", "state_class": "total_increasing"},
        )
        await hass.async_block_till_done()
        assert float(hass.states.get(TRACKED).state) == approx(expected)


async def test_diagnostics_name_the_device_keypad_factor(hass: HomeAssistant) -> None:
    """The node counts 1:1; the factor the device converts with is its own number entity."""
    add_esphome_node(hass)
    entry = await add_node_through_the_flow(hass)
    assert entry.runtime_data.factor == 1.0
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["settings"]["mode"] == "carbon"
    assert diagnostics["device_factor_entity"] == NODE_FACTOR


async def test_device_without_factor_number_names_none(hass: HomeAssistant) -> None:
    """The CO2 analyser node has no keypad: the factor is the node's own 1, and no device one."""
    add_esphome_node(hass, with_factor=False)
    entry = await add_node_through_the_flow(hass)
    assert entry.runtime_data.factor == 1.0
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["device_factor_entity"] is None


def test_find_device_factor_entity_ignores_other_numbers(hass: HomeAssistant) -> None:
    device = add_esphome_node(hass, with_factor=False)
    registry = er.async_get(hass)
    other = registry.async_get_or_create(
        "number", "esphome", "brightness", device_id=device.id, unit_of_measurement="%"
    )
    hass.states.async_set(other.entity_id, "50", {"unit_of_measurement": "%"})
    disabled = registry.async_get_or_create(
        "number",
        "esphome",
        "old-factor",
        device_id=device.id,
        unit_of_measurement="kg CO2e/kWh",
        disabled_by=er.RegistryEntryDisabler.USER,
    )
    assert disabled.entity_id
    assert find_device_factor_entity(hass, NODE_CARBON) is None
    assert find_device_factor_entity(hass, "sensor.not_registered") is None
    # A number whose unit is only known from its state still counts.
    bare = registry.async_get_or_create("number", "esphome", "factor-2", device_id=device.id)
    hass.states.async_set(bare.entity_id, "0.2", {"unit_of_measurement": "g CO2e/kWh"})
    assert find_device_factor_entity(hass, NODE_CARBON) == bare.entity_id
