"""Tests for the config, options and reconfigure flows (config_flow.py and source_check.py)."""

from __future__ import annotations

import math
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType, InvalidData
from homeassistant.helpers import device_registry as dr, entity_registry as er, translation
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
import voluptuous as vol

from custom_components.carbon_tracker.config_flow import CarbonTrackerConfigFlow
from custom_components.carbon_tracker.const import (
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    CONF_INTENSITY_ENTITY,
    CONF_KIND,
    CONF_MAX_DELTA_PER_HOUR,
    CONF_MAX_DELTA_UNIT,
    CONF_PORT,
    CONF_SOURCE,
    DOMAIN,
    EVENT_FACTOR_CHANGED,
    FactorMode,
)
from custom_components.carbon_tracker.core.factor_library import load_library
from custom_components.carbon_tracker.core.library_store import (
    FactorTable,
    async_load_factor_table,
)
from custom_components.carbon_tracker.kinds import EntryKind
from custom_components.carbon_tracker.nodes.flow import CONF_NAME, FACTOR_MENU
from custom_components.carbon_tracker.nodes.source_checks import SourceProblem, check_source
from tests.common import CARBON, EN, SOURCE, carbon, node_entry, pick_kind, set_meter, setup_node

OTHER = "sensor.other_meter"
GAS = "sensor.gas_meter"
INTENSITY = "sensor.grid_intensity"
ELECTRICITY = "uk_desnz_2025_electricity"
NATURAL_GAS_M3 = "uk_desnz_2025_natural_gas_m3"
DIESEL = "uk_desnz_2025_diesel"
NUMBER = "number.grid_energy_emission_factor"

KWH = {ATTR_UNIT_OF_MEASUREMENT: "kWh"}
DEVICE_CLASS_ERROR = "source_device_class_unsupported"
CUSTOM_KWH = {CONF_FACTOR_MODE: "custom", CONF_FACTOR_VALUE: 0.5, CONF_FACTOR_UNIT: "kWh"}
DEVICE_CLASS_OF_UNIT = {"kWh": "energy", "MWh": "energy", "GJ": "energy", "m³": "gas"}


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def add_meter(
    hass: HomeAssistant,
    entity_id: str = SOURCE,
    state: str = "12.5",
    unit: str | None = "kWh",
    **attributes: Any,
) -> None:
    """A cumulative meter (device class derived from the unit unless given)."""
    attrs: dict[str, Any] = {"state_class": "total_increasing"}
    if unit is not None:
        attrs[ATTR_UNIT_OF_MEASUREMENT] = unit
    if unit in DEVICE_CLASS_OF_UNIT:
        attrs[ATTR_DEVICE_CLASS] = DEVICE_CLASS_OF_UNIT[unit]
    attrs.update(attributes)
    hass.states.async_set(entity_id, state, attrs)


def add_intensity(hass: HomeAssistant, unit: str | None = "gCO2eq/kWh", state: str = "200") -> None:
    """A live carbon-intensity sensor."""
    attrs = {} if unit is None else {ATTR_UNIT_OF_MEASUREMENT: unit}
    hass.states.async_set(INTENSITY, state, attrs)


def make_entry(
    *, source: str = SOURCE, title: str = "Grid energy", port: int = 1, **options: Any
) -> MockConfigEntry:
    """A node entry with exactly the given options (plus the port)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data={CONF_KIND: "tracking_node", CONF_SOURCE: source},
        options={CONF_PORT: port, **options},
        minor_version=3,
    )


def custom_entry(**kwargs: Any) -> MockConfigEntry:
    """A node with a custom factor of 0.5 kg CO2e/kWh."""
    return make_entry(**CUSTOM_KWH, **kwargs)


def schema_field(result: FlowResult, name: str) -> tuple[Any, Any]:
    """The marker and the validator of one field of a form."""
    for marker, validator in result["data_schema"].schema.items():
        if str(marker) == name:
            return marker, validator
    raise AssertionError(f"{name} is not in the form")


def default_of(result: FlowResult, name: str) -> Any:
    """The default a form field falls back to."""
    return schema_field(result, name)[0].default()


def suggested_of(result: FlowResult, name: str) -> Any:
    """The value a form field is pre-filled with."""
    description = schema_field(result, name)[0].description
    return None if description is None else description.get("suggested_value")


def select_options(result: FlowResult, name: str) -> dict[str, str]:
    """Value -> label of a select field."""
    return {o["value"]: o["label"] for o in schema_field(result, name)[1].config["options"]}


async def factor_labels(hass: HomeAssistant, result: FlowResult, language: str) -> dict[str, str]:
    """The factor picker's options as a user of ``language`` reads them (the frontend's lookup)."""
    config = schema_field(result, CONF_FACTOR_ID)[1].config
    strings = await translation.async_get_translations(hass, language, "selector", [DOMAIN])
    prefix = f"component.{DOMAIN}.selector.{config['translation_key']}.options."
    return {value: strings[prefix + value] for value in config["options"]}


async def start_node_flow(hass: HomeAssistant) -> FlowResult:
    """Open the user menu and pick a tracking node."""
    result = await pick_kind(hass, "tracking_node")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "tracking_node"
    return result


async def submit_node(
    hass: HomeAssistant, source: str = SOURCE, port: int = 1, **extra: Any
) -> FlowResult:
    """Start a node flow and submit name, source and port."""
    result = await start_node_flow(hass)
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Grid energy", CONF_SOURCE: source, CONF_PORT: port, **extra}
    )


async def choose(
    hass: HomeAssistant, result: FlowResult, step: str, options: bool = False
) -> FlowResult:
    """Pick one entry of the factor menu."""
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "factor"
    assert result["menu_options"] == FACTOR_MENU
    manager = hass.config_entries.options if options else hass.config_entries.flow
    result = await manager.async_configure(result["flow_id"], {"next_step_id": step})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    return result


async def options_to_factor_menu(
    hass: HomeAssistant, entry: MockConfigEntry, port: int = 1, **extra: Any
) -> FlowResult:
    """Open the options flow and submit port (and limit)."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PORT: port, **extra}
    )


# --------------------------------------------------------------------------------------------------
# Config flow: the tracking node step
# --------------------------------------------------------------------------------------------------


async def test_node_form_suggests_port_1(hass: HomeAssistant) -> None:
    result = await start_node_flow(hass)
    assert result["errors"] == {}
    assert default_of(result, CONF_PORT) == 1
    assert suggested_of(result, CONF_MAX_DELTA_PER_HOUR) is None


async def test_node_form_suggests_next_free_port(hass: HomeAssistant) -> None:
    custom_entry(port=1).add_to_hass(hass)
    custom_entry(source=OTHER, port=3).add_to_hass(hass)
    # An entry without a port (a future kind of entry) takes no port.
    MockConfigEntry(domain=DOMAIN, data={}, options={}).add_to_hass(hass)
    result = await start_node_flow(hass)
    assert default_of(result, CONF_PORT) == 2


async def test_library_factor_creates_entry(hass: HomeAssistant) -> None:
    add_meter(hass)
    result = await submit_node(hass, max_delta_per_hour=50)
    result = await choose(hass, result, "factor_library")
    options = await factor_labels(hass, result, "en")
    assert ELECTRICITY in options
    assert DIESEL not in options
    assert NATURAL_GAS_M3 not in options
    assert options[ELECTRICITY] == "UK grid electricity 2025: 0.177 kg CO2e/kWh"
    # Without an earlier choice, the first fitting factor is proposed.
    assert default_of(result, CONF_FACTOR_ID) == next(iter(options))
    assert all(load_library()[fid].per_unit in ("kWh", "GJ") for fid in options)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FACTOR_ID: ELECTRICITY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == "Grid energy"
    assert entry.data == {CONF_KIND: "tracking_node", CONF_SOURCE: SOURCE}
    assert entry.options == {
        CONF_PORT: 1,
        CONF_MAX_DELTA_PER_HOUR: 50.0,
        CONF_MAX_DELTA_UNIT: "kWh",
        CONF_FACTOR_MODE: "library",
        CONF_FACTOR_ID: ELECTRICITY,
    }
    assert isinstance(entry.options[CONF_MAX_DELTA_PER_HOUR], float)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(CARBON) is not None


async def test_library_lists_factors_fitting_a_gas_meter(hass: HomeAssistant) -> None:
    add_meter(hass, GAS, unit="m³")
    result = await submit_node(hass, source=GAS)
    result = await choose(hass, result, "factor_library")
    options = await factor_labels(hass, result, "en")
    assert NATURAL_GAS_M3 in options
    assert ELECTRICITY not in options
    assert {load_library()[fid].per_unit for fid in options} <= {"m³", "L"}


async def test_library_labels_follow_each_users_language(hass: HomeAssistant) -> None:
    """The server runs in English; a user whose profile is Chinese reads Chinese names."""
    add_meter(hass)
    result = await choose(hass, await submit_node(hass), "factor_library")
    chinese = await factor_labels(hass, result, "zh-Hans")
    assert chinese[ELECTRICITY] == "英国电网电力 2025: 0.177 kg CO2e/kWh"
    english = await factor_labels(hass, result, "en")
    assert english[ELECTRICITY] == "UK grid electricity 2025: 0.177 kg CO2e/kWh"


async def test_custom_factor_creates_entry_on_next_free_port(hass: HomeAssistant) -> None:
    custom_entry(source=OTHER, port=1).add_to_hass(hass)
    add_meter(hass)
    result = await start_node_flow(hass)
    assert default_of(result, CONF_PORT) == 2
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "House", CONF_SOURCE: SOURCE, CONF_PORT: 2}
    )
    result = await choose(hass, result, "factor_custom")
    assert result["errors"] == {}
    assert select_options(result, CONF_FACTOR_UNIT) == {
        "kWh": "kg CO2e/kWh",
        "MWh": "kg CO2e/MWh",
        "GJ": "kg CO2e/GJ",
        "MJ": "kg CO2e/MJ",
    }
    assert suggested_of(result, CONF_FACTOR_UNIT) == "kWh"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FACTOR_VALUE: 233, CONF_FACTOR_UNIT: "MWh"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == "House"
    assert entry.data == {CONF_KIND: "tracking_node", CONF_SOURCE: SOURCE}
    assert entry.options == {
        CONF_PORT: 2,
        CONF_FACTOR_MODE: "custom",
        CONF_FACTOR_VALUE: 233.0,
        CONF_FACTOR_UNIT: "MWh",
    }
    assert isinstance(entry.options[CONF_FACTOR_VALUE], float)


async def test_entity_factor_creates_entry(hass: HomeAssistant) -> None:
    add_meter(hass)
    add_intensity(hass)
    result = await choose(hass, await submit_node(hass, port=7), "factor_entity")
    assert result["errors"] == {}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INTENSITY_ENTITY: INTENSITY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Grid energy"
    assert result["data"] == {CONF_KIND: "tracking_node", CONF_SOURCE: SOURCE}
    assert result["options"] == {
        CONF_PORT: 7,
        CONF_FACTOR_MODE: "entity",
        CONF_INTENSITY_ENTITY: INTENSITY,
    }


@pytest.mark.parametrize("unit", ["kg CO2e", "t CO2e", "g CO2"])
async def test_carbon_source_skips_the_factor(hass: HomeAssistant, unit: str) -> None:
    add_meter(hass, unit=unit, device_class="weight")
    result = await submit_node(hass, max_delta_per_hour=2.5)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].title == "Grid energy"
    assert result["result"].data == {CONF_KIND: "tracking_node", CONF_SOURCE: SOURCE}
    assert result["result"].options == {
        CONF_PORT: 1,
        CONF_MAX_DELTA_PER_HOUR: 2.5,
        CONF_MAX_DELTA_UNIT: unit,
        CONF_FACTOR_MODE: "carbon",
    }


@pytest.mark.parametrize("state", ["unavailable", "unknown"])
async def test_source_without_a_reading_yet_is_accepted(hass: HomeAssistant, state: str) -> None:
    add_meter(hass, state=state)
    result = await submit_node(hass)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "factor"


@pytest.mark.parametrize(
    ("state", "attributes", "error"),
    [
        (None, None, "source_not_found"),
        ("12.5", {**KWH, "device_class": "energy"}, "source_not_cumulative"),
        ("12.5", {**KWH, "state_class": "measurement"}, "source_not_cumulative"),
        ("12.5", {**KWH, "state_class": "total", "device_class": "power"}, DEVICE_CLASS_ERROR),
        ("12.5", {"unit_of_measurement": "W", "state_class": "total"}, "source_unit_unsupported"),
        ("12.5", {"state_class": "total"}, "source_unit_unsupported"),
        ("kg", {**KWH, "state_class": "total", "device_class": "energy"}, "source_not_numeric"),
    ],
    ids=["missing", "no_state_class", "measurement", "power", "watt", "no_unit", "text"],
)
async def test_node_source_errors(
    hass: HomeAssistant, state: str | None, attributes: dict[str, Any] | None, error: str
) -> None:
    if state is not None:
        hass.states.async_set(SOURCE, state, attributes)
    result = await submit_node(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "tracking_node"
    assert result["errors"] == {CONF_SOURCE: error}
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_the_picker_offers_only_meters_the_form_takes(hass: HomeAssistant) -> None:
    """Cumulative numeric sensors in a unit a factor prices; not a power or temperature sensor,
    not a text, not one of Carbon Tracker's own. Typed in anyway (an API call): the flow's own
    translated refusal, not a bare schema error."""
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    assert hass.states.get(CARBON) is not None
    add_meter(hass, entity_id="sensor.gas_meter", unit="m³")
    hass.states.async_set("sensor.power", "3", {"unit_of_measurement": "kW"})
    hass.states.async_set(
        "sensor.text_meter", "abc", {"unit_of_measurement": "kWh", "state_class": "total"}
    )
    result = await start_node_flow(hass)
    offered = schema_field(result, CONF_SOURCE)[1].config["include_entities"]
    assert set(offered) == {SOURCE, "sensor.gas_meter"}
    own = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    # The factor number is no sensor: the picker's domain leaves it out already.
    assert {e.entity_id for e in own} == {CARBON, "number.grid_energy_emission_factor"}
    for typed, error in (
        (CARBON, "source_is_own_entity"),
        ("sensor.power", "source_not_cumulative"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_NAME: "Loop", CONF_SOURCE: typed, CONF_PORT: 2}
        )
        assert result["errors"] == {CONF_SOURCE: error}
    # Not a sensor at all: the picker's own refusal.
    with pytest.raises(InvalidData):
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_NAME: "Loop", CONF_SOURCE: "light.x", CONF_PORT: 2}
        )


async def test_with_no_meter_yet_every_sensor_is_offered(hass: HomeAssistant) -> None:
    """A meter still starting has no state class: nothing fits yet, so the picker lists every
    sensor and the submit says what is wrong with the one chosen."""
    hass.states.async_set("sensor.starting", "unknown", {})
    result = await start_node_flow(hass)
    assert "include_entities" not in schema_field(result, CONF_SOURCE)[1].config


async def test_reconfigure_keeps_the_current_meter_in_the_picker(hass: HomeAssistant) -> None:
    set_meter(hass, 100)
    entry = await setup_node(hass, node_entry())
    hass.states.async_set(SOURCE, "unavailable", {})
    result = await entry.start_reconfigure_flow(hass)
    assert SOURCE in schema_field(result, CONF_SOURCE)[1].config.get("include_entities", [SOURCE])


async def test_an_own_entity_that_slipped_past_the_picker_is_refused(
    hass: HomeAssistant,
) -> None:
    set_meter(hass, 100)
    await setup_node(hass, node_entry())
    assert check_source(hass, CARBON) is SourceProblem.OWN_ENTITY


async def test_port_in_use_then_free_port(hass: HomeAssistant) -> None:
    custom_entry(source=OTHER, port=1).add_to_hass(hass)
    add_meter(hass)
    result = await submit_node(hass, port=1, max_delta_per_hour=3)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PORT: "port_in_use"}
    # The form comes back with what was typed in.
    assert suggested_of(result, CONF_NAME) == "Grid energy"
    assert suggested_of(result, CONF_SOURCE) == SOURCE
    assert suggested_of(result, CONF_MAX_DELTA_PER_HOUR) == 3

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Grid energy", CONF_SOURCE: SOURCE, CONF_PORT: 2}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "factor"


async def test_same_source_twice_is_a_field_error_naming_the_node(hass: HomeAssistant) -> None:
    custom_entry(port=1, title="Main meter").add_to_hass(hass)
    add_meter(hass)
    result = await submit_node(hass, port=2)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SOURCE: "source_already_tracked"}
    assert result["description_placeholders"] == {"node": "Main meter"}
    # What was typed stays in the form.
    assert suggested_of(result, CONF_PORT) == 2


async def test_a_node_asked_to_backfill_says_so_in_its_data(hass: HomeAssistant) -> None:
    """The backfill box is kept in the entry's data (its setup then joins the meter's history)."""
    add_meter(hass)
    result = await finish_custom(hass, await submit_node(hass, port=3, backfill=True))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data == {
        CONF_KIND: "tracking_node",
        CONF_SOURCE: SOURCE,
        "backfill": True,
    }


async def test_the_options_start_from_the_scope_chosen_before(hass: HomeAssistant) -> None:
    """A scope chosen earlier (not the one the factor implies) is the form's default."""
    entry = custom_entry(port=4, ghg_scope="3")
    entry.add_to_hass(hass)
    add_meter(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert default_of(result, "ghg_scope") == "3"


@pytest.mark.parametrize(
    ("device_class", "unit", "scope"),
    [
        ("water", "m³", "3"),  # purchased water: the value chain
        ("water", "L", "3"),
        ("gas", "m³", "1"),  # the same unit, a fuel burnt on site
        (None, "m³", "1"),
    ],
)
async def test_the_default_scope_follows_what_the_meter_measures(
    hass: HomeAssistant, device_class: str | None, unit: str, scope: str
) -> None:
    """A typed factor per m³ is water (scope 3) or gas (scope 1) by the meter's device class."""
    entry = make_entry(factor_mode="custom", factor_value=0.3, factor_unit=unit, port=4)
    entry.add_to_hass(hass)
    add_meter(hass, unit=unit, **({"device_class": device_class} if device_class else {}))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert default_of(result, "ghg_scope") == scope


async def finish_custom(hass: HomeAssistant, result: FlowResult) -> FlowResult:
    """From the factor menu, a typed factor of 0.5 kg/kWh."""
    result = await choose(hass, result, "factor_custom")
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FACTOR_VALUE: 0.5, CONF_FACTOR_UNIT: "kWh"}
    )


async def test_same_meter_from_two_windows_at_once_is_added_once(hass: HomeAssistant) -> None:
    """Both forms passed the meter check before either node existed: the second is aborted."""
    add_meter(hass)
    first = await submit_node(hass, port=1)
    second = await submit_node(hass, port=2)
    assert (await finish_custom(hass, first))["type"] is FlowResultType.CREATE_ENTRY
    result = await finish_custom(hass, second)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert EN["config"]["abort"]["already_configured"]
    assert [entry.options[CONF_PORT] for entry in hass.config_entries.async_entries(DOMAIN)] == [1]


async def test_same_port_from_two_windows_at_once_is_given_once(hass: HomeAssistant) -> None:
    """Two meters, one port chosen in both windows: the second to finish is aborted."""
    add_meter(hass)
    add_meter(hass, OTHER)
    first = await submit_node(hass, port=5)
    second = await submit_node(hass, OTHER, port=5)
    assert (await finish_custom(hass, first))["type"] is FlowResultType.CREATE_ENTRY
    result = await finish_custom(hass, second)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    entries = hass.config_entries.async_entries(DOMAIN)
    assert [entry.data[CONF_SOURCE] for entry in entries] == [SOURCE]


# --------------------------------------------------------------------------------------------------
# Config flow: factor steps
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-0.1, 1_000_000.5, float("inf"), float("nan")])
async def test_custom_factor_out_of_range_is_a_translated_error_keeping_what_was_typed(
    hass: HomeAssistant, value: float
) -> None:
    add_meter(hass)
    result = await choose(hass, await submit_node(hass), "factor_custom")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FACTOR_VALUE: value, CONF_FACTOR_UNIT: "MWh"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_FACTOR_VALUE: "factor_out_of_range"}
    assert suggested_of(result, CONF_FACTOR_UNIT) == "MWh"
    assert hass.config_entries.async_entries(DOMAIN) == []


@pytest.mark.parametrize(
    ("unit", "device_class", "offered_first"),
    [
        ("L", "volume", "L"),
        ("Wh", "energy", "kWh"),
        ("ft³", "gas", "m³"),
        ("gal", "volume", "gal"),
        ("mi", "distance", "mi"),
    ],
)
async def test_typed_factor_starts_empty_in_the_meters_own_unit(
    hass: HomeAssistant, unit: str, device_class: str, offered_first: str
) -> None:
    """A litre meter is offered a factor per litre (per m³ would be 1000x off), value empty."""
    add_meter(hass, unit=unit, device_class=device_class)
    result = await choose(hass, await submit_node(hass), "factor_custom")
    assert suggested_of(result, CONF_FACTOR_UNIT) == offered_first
    assert suggested_of(result, CONF_FACTOR_VALUE) is None
    assert schema_field(result, CONF_FACTOR_VALUE)[0].default is vol.UNDEFINED


async def test_custom_factor_bounds_are_accepted(hass: HomeAssistant) -> None:
    add_meter(hass)
    result = await choose(hass, await submit_node(hass), "factor_custom")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FACTOR_VALUE: 1_000_000, CONF_FACTOR_UNIT: "kWh"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"][CONF_FACTOR_VALUE] == 1_000_000.0


async def test_custom_factor_nan_is_out_of_range(hass: HomeAssistant) -> None:
    """NaN passes the number selector (no comparison holds) and is caught by the step."""
    add_meter(hass)
    result = await choose(hass, await submit_node(hass), "factor_custom")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FACTOR_VALUE: math.nan, CONF_FACTOR_UNIT: "kWh"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "factor_custom"
    assert result["errors"] == {CONF_FACTOR_VALUE: "factor_out_of_range"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FACTOR_VALUE: 0, CONF_FACTOR_UNIT: "kWh"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"][CONF_FACTOR_VALUE] == 0.0


async def test_custom_unit_of_another_quantity_is_rejected_by_the_schema(
    hass: HomeAssistant,
) -> None:
    add_meter(hass)
    result = await choose(hass, await submit_node(hass), "factor_custom")
    with pytest.raises(InvalidData) as err:
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_FACTOR_VALUE: 1.0, CONF_FACTOR_UNIT: "m³"}
        )
    assert CONF_FACTOR_UNIT in err.value.schema_errors


async def test_custom_step_rejects_a_unit_that_does_not_fit(hass: HomeAssistant) -> None:
    """The step's own guard, for input that did not come through its form."""
    flow = CarbonTrackerConfigFlow()
    flow.hass = hass
    flow.handler = DOMAIN
    flow.flow_id = "test"
    flow.kind_steps[EntryKind.TRACKING_NODE].factor.source_unit = "kWh"
    result = await flow.async_step_factor_custom({CONF_FACTOR_VALUE: 1.0, CONF_FACTOR_UNIT: "m³"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_FACTOR_UNIT: "unit_incompatible"}


@pytest.mark.parametrize(
    ("source_unit", "intensity_unit", "error"),
    [
        ("kWh", None, "intensity_not_found"),
        ("kWh", "W", "intensity_unit_unsupported"),
        ("kWh", "gCO2eq/furlong", "intensity_unit_unsupported"),
        ("m³", "gCO2eq/kWh", "unit_incompatible"),
    ],
    ids=["missing", "no_intensity_unit", "unknown_per_unit", "gas_meter_electric_intensity"],
)
async def test_intensity_errors(
    hass: HomeAssistant, source_unit: str, intensity_unit: str | None, error: str
) -> None:
    add_meter(hass, unit=source_unit)
    if intensity_unit is not None:
        add_intensity(hass, intensity_unit)
    result = await choose(hass, await submit_node(hass), "factor_entity")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INTENSITY_ENTITY: INTENSITY}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "factor_entity"
    assert result["errors"] == {CONF_INTENSITY_ENTITY: error}


async def test_intensity_per_other_energy_unit_fits(hass: HomeAssistant) -> None:
    add_meter(hass, unit="GJ")
    add_intensity(hass, "t CO2/MWh", "0.4")
    result = await choose(hass, await submit_node(hass), "factor_entity")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INTENSITY_ENTITY: INTENSITY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"][CONF_INTENSITY_ENTITY] == INTENSITY


# --------------------------------------------------------------------------------------------------
# Options flow
# --------------------------------------------------------------------------------------------------


async def test_options_form_shows_current_port_and_limit(hass: HomeAssistant) -> None:
    entry = custom_entry(port=4, max_delta_per_hour=12.0, max_delta_unit="kWh")
    entry.add_to_hass(hass)
    add_meter(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {}
    assert default_of(result, CONF_PORT) == 4
    assert suggested_of(result, CONF_MAX_DELTA_PER_HOUR) == 12.0
    assert result["description_placeholders"] == {"limit_unit": "kWh"}


async def test_options_form_shows_the_limit_in_the_meters_unit_now(hass: HomeAssistant) -> None:
    """A limit set on a kWh meter is shown in Wh once the meter reports Wh."""
    entry = custom_entry(port=4, max_delta_per_hour=12.0, max_delta_unit="kWh")
    entry.add_to_hass(hass)
    add_meter(hass, unit="Wh")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert suggested_of(result, CONF_MAX_DELTA_PER_HOUR) == pytest.approx(12_000.0)
    assert result["description_placeholders"] == {"limit_unit": "Wh"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PORT: 4, CONF_MAX_DELTA_PER_HOUR: 12_000.0}
    )
    result = await choose(hass, result, "factor_custom", options=True)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_FACTOR_VALUE: 0.5, CONF_FACTOR_UNIT: "kWh"}
    )
    assert entry.options[CONF_MAX_DELTA_PER_HOUR] == 12_000.0
    assert entry.options[CONF_MAX_DELTA_UNIT] == "Wh"


async def test_options_port_in_use_excludes_own_entry(hass: HomeAssistant) -> None:
    entry = custom_entry(port=1)
    entry.add_to_hass(hass)
    custom_entry(source=OTHER, port=2).add_to_hass(hass)
    add_meter(hass)
    result = await options_to_factor_menu(hass, entry, port=2, max_delta_per_hour=7)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["errors"] == {CONF_PORT: "port_in_use"}
    # The error sits beside what was typed, not the saved port.
    assert suggested_of(result, CONF_PORT) == 2
    assert suggested_of(result, CONF_MAX_DELTA_PER_HOUR) == 7
    # Its own port is not "in use".
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_PORT: 1})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "factor"


async def test_options_change_port_limit_and_custom_factor(hass: HomeAssistant) -> None:
    entry = custom_entry(port=1)
    entry.add_to_hass(hass)
    add_meter(hass)
    result = await options_to_factor_menu(hass, entry, port=5, max_delta_per_hour=10)
    result = await choose(hass, result, "factor_custom", options=True)
    # The form starts from the node's current factor.
    assert suggested_of(result, CONF_FACTOR_VALUE) == 0.5
    assert suggested_of(result, CONF_FACTOR_UNIT) == "kWh"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_FACTOR_VALUE: 0.3, CONF_FACTOR_UNIT: "MWh"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "factor_number": False,
        "ghg_scope": "2",
        CONF_PORT: 5,
        CONF_MAX_DELTA_PER_HOUR: 10.0,
        CONF_MAX_DELTA_UNIT: "kWh",
        CONF_FACTOR_MODE: "custom",
        CONF_FACTOR_VALUE: 0.3,
        CONF_FACTOR_UNIT: "MWh",
    }


async def test_an_export_meter_counts_avoided_emissions_and_back(hass: HomeAssistant) -> None:
    """A node on a solar export meter: its role is stored, its sensor named Avoided emissions;
    set back to consumption, the option goes and the sensor is Carbon emissions again."""
    entry = custom_entry(port=1)
    add_meter(hass)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for role, name in (("export", "Avoided emissions"), ("consumption", "Carbon emissions")):
        result = await options_to_factor_menu(hass, entry, port=1, meter_role=role)
        result = await choose(hass, result, "factor_custom", options=True)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_FACTOR_VALUE: 0.5, CONF_FACTOR_UNIT: "kWh"}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        assert entry.options.get("meter_role") == (role if role == "export" else None)
        registered = er.async_get(hass).async_get_entity_id(
            "sensor", DOMAIN, f"{entry.entry_id}_emissions"
        )
        assert registered is not None
        state = hass.states.get(registered)
        assert state is not None
        assert state.attributes["friendly_name"].endswith(name)


async def test_options_custom_to_library_keeps_limit(hass: HomeAssistant) -> None:
    entry = custom_entry(port=3, max_delta_per_hour=8.0)
    entry.add_to_hass(hass)
    add_meter(hass)
    result = await options_to_factor_menu(hass, entry, port=3, max_delta_per_hour=8.0)
    result = await choose(hass, result, "factor_library", options=True)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_FACTOR_ID: ELECTRICITY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "factor_number": False,
        "ghg_scope": "2",
        CONF_PORT: 3,
        CONF_MAX_DELTA_PER_HOUR: 8.0,
        CONF_MAX_DELTA_UNIT: "kWh",
        CONF_FACTOR_MODE: "library",
        CONF_FACTOR_ID: ELECTRICITY,
    }


async def test_options_library_to_entity(hass: HomeAssistant) -> None:
    entry = make_entry(port=2, factor_mode="library", factor_id=ELECTRICITY)
    entry.add_to_hass(hass)
    add_meter(hass)
    add_intensity(hass)
    result = await options_to_factor_menu(hass, entry, port=2)
    library = await choose(hass, result, "factor_library", options=True)
    # The library form proposes the factor in force.
    assert default_of(library, CONF_FACTOR_ID) == ELECTRICITY
    hass.config_entries.options.async_abort(library["flow_id"])

    result = await options_to_factor_menu(hass, entry, port=2)
    result = await choose(hass, result, "factor_entity", options=True)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_INTENSITY_ENTITY: INTENSITY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "factor_number": False,
        "ghg_scope": "2",
        CONF_PORT: 2,
        CONF_FACTOR_MODE: "entity",
        CONF_INTENSITY_ENTITY: INTENSITY,
    }


async def test_options_entity_to_library_drops_cleared_limit(hass: HomeAssistant) -> None:
    entry = make_entry(
        port=2, max_delta_per_hour=5.0, factor_mode="entity", intensity_entity=INTENSITY
    )
    entry.add_to_hass(hass)
    add_meter(hass)
    add_intensity(hass)
    result = await options_to_factor_menu(hass, entry, port=2)
    entity_form = await choose(hass, result, "factor_entity", options=True)
    assert default_of(entity_form, CONF_INTENSITY_ENTITY) == INTENSITY
    # An unusable intensity is refused in the options flow too.
    add_intensity(hass, "gCO2eq/m³")
    result = await hass.config_entries.options.async_configure(
        entity_form["flow_id"], {CONF_INTENSITY_ENTITY: INTENSITY}
    )
    assert result["errors"] == {CONF_INTENSITY_ENTITY: "unit_incompatible"}
    hass.config_entries.options.async_abort(result["flow_id"])

    result = await options_to_factor_menu(hass, entry, port=2)
    result = await choose(hass, result, "factor_library", options=True)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_FACTOR_ID: ELECTRICITY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "factor_number": False,
        "ghg_scope": "2",
        CONF_PORT: 2,
        CONF_FACTOR_MODE: "library",
        CONF_FACTOR_ID: ELECTRICITY,
    }


async def test_options_of_carbon_node_end_after_port(hass: HomeAssistant) -> None:
    entry = make_entry(port=1, factor_mode="carbon")
    entry.add_to_hass(hass)
    add_meter(hass, unit="kg CO2e")
    result = await options_to_factor_menu(hass, entry, port=9, max_delta_per_hour=1)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "factor_number": False,
        "ghg_scope": "1",
        CONF_PORT: 9,
        CONF_MAX_DELTA_PER_HOUR: 1.0,
        CONF_MAX_DELTA_UNIT: "kg CO2e",
        CONF_FACTOR_MODE: "carbon",
    }


@pytest.mark.parametrize(
    ("state", "attributes"),
    [
        (None, None),
        ("12.5", {ATTR_UNIT_OF_MEASUREMENT: "W", "state_class": "total_increasing"}),
        ("12.5", {ATTR_UNIT_OF_MEASUREMENT: "kWh", "state_class": "measurement"}),
    ],
    ids=["gone", "unit", "not_cumulative"],
)
async def test_options_abort_when_source_unusable(
    hass: HomeAssistant, state: str | None, attributes: dict[str, Any] | None
) -> None:
    entry = custom_entry(port=1)
    entry.add_to_hass(hass)
    if state is not None:
        hass.states.async_set(SOURCE, state, attributes)
    before = dict(entry.options)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "source_unavailable"
    assert entry.options == before


async def test_options_switch_to_factor_one_when_meter_now_reports_carbon(
    hass: HomeAssistant,
) -> None:
    """A node priced per kWh whose meter now reports carbon is switched to factor 1."""
    entry = custom_entry(port=1)
    entry.add_to_hass(hass)
    add_meter(hass, unit="kg CO2e")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_PORT: 1})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_PORT: 1,
        "factor_number": False,
        "ghg_scope": "2",
        CONF_FACTOR_MODE: "carbon",
    }


async def test_a_stale_library_choice_aborts_when_nothing_fits_any_more(
    hass: HomeAssistant,
) -> None:
    """The menu offered the table; the table has nothing for the meter when the choice comes
    (a form left open across a change): the flow stops cleanly, with the reason."""
    add_meter(hass)
    result = await submit_node(hass)
    assert f"factor_{FactorMode.LIBRARY}" in result["menu_options"]
    with patch(
        "custom_components.carbon_tracker.nodes.flow.async_load_factor_table",
        return_value=FactorTable({}, {}),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "factor_library"}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_library_factor"


@pytest.mark.parametrize(
    ("unit", "device_class", "first_activity", "wanted_first"),
    [
        ("GJ", "energy", "heat", "cn_heat_default"),
        ("kWh", "energy", "electricity", None),
        ("m³", "gas", "gas", None),
        ("L", "volume", "liquid_fuel", None),
    ],
)
async def test_the_table_offers_the_meters_kind_first(
    hass: HomeAssistant,
    unit: str,
    device_class: str,
    first_activity: str,
    wanted_first: str | None,
) -> None:
    """A heat meter in GJ is offered the heat factors first (and one of them is chosen unless
    the user picks another), not a grid average; an electricity meter the grid's; a gas meter
    gas; a fuel pump fuels. Within a kind, factors per the meter's own unit come first."""
    add_meter(hass, unit=unit, **{ATTR_DEVICE_CLASS: device_class})
    result = await submit_node(hass)
    result = await choose(hass, result, "factor_library")
    offered = schema_field(result, CONF_FACTOR_ID)[1].config["options"]
    table = (await async_load_factor_table(hass)).factors
    activities = [table[factor_id].activity for factor_id in offered]
    assert activities[0] == first_activity
    # All of the kind before any other.
    kind_end = activities.count(first_activity)
    assert activities[:kind_end] == [first_activity] * kind_end
    own_unit = [table[f].per_unit == unit for f in offered[:kind_end]]
    assert own_unit == sorted(own_unit, reverse=True)
    assert default_of(result, CONF_FACTOR_ID) == offered[0]
    if wanted_first is not None:
        assert wanted_first in offered[:kind_end]


async def test_options_custom_factor_applies_in_place(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == 5.0
    assert float(hass.states.get(NUMBER).state) == 0.5
    events = async_capture_events(hass, EVENT_FACTOR_CHANGED)

    with patch.object(hass.config_entries, "async_reload") as reload:
        result = await options_to_factor_menu(hass, entry, port=1)
        result = await choose(hass, result, "factor_custom", options=True)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_FACTOR_VALUE: 2.0, CONF_FACTOR_UNIT: "kWh"}
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    reload.assert_not_called()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.options == {
        "factor_number": True,
        "ghg_scope": "2",
        CONF_PORT: 1,
        CONF_FACTOR_MODE: "custom",
        CONF_FACTOR_VALUE: 2.0,
        CONF_FACTOR_UNIT: "kWh",
    }
    assert float(hass.states.get(NUMBER).state) == 2.0
    assert len(events) == 1
    assert events[0].data["old_factor"] == 0.5
    assert events[0].data["new_factor"] == 2.0
    # Earlier consumption keeps its factor; the next reading is priced at the new one.
    assert carbon(hass) == 5.0
    set_meter(hass, 120)
    await hass.async_block_till_done()
    assert carbon(hass) == 25.0


# --------------------------------------------------------------------------------------------------
# Reconfigure flow
# --------------------------------------------------------------------------------------------------


async def test_reconfigure_form_shows_current_name_and_source(hass: HomeAssistant) -> None:
    entry = custom_entry(title="Grid energy")
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {}
    assert suggested_of(result, CONF_NAME) == "Grid energy"
    assert suggested_of(result, CONF_SOURCE) == SOURCE


async def test_reconfigure_moves_node_and_keeps_total(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    entry = grid_node
    set_meter(hass, 110)
    await hass.async_block_till_done()
    assert carbon(hass) == 5.0

    add_meter(hass, OTHER, "500")
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Main meter", CONF_SOURCE: OTHER}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "Main meter"
    assert entry.data == {CONF_KIND: "tracking_node", CONF_SOURCE: OTHER}
    assert entry.options[CONF_FACTOR_VALUE] == 0.5
    assert entry.state is ConfigEntryState.LOADED
    # The total carries on; the new meter's first reading is only its baseline.
    assert carbon(hass) == 5.0
    add_meter(hass, OTHER, "510")
    set_meter(hass, 200)
    await hass.async_block_till_done()
    assert carbon(hass) == 10.0


async def test_a_rename_by_reconfigure_renames_the_device_too(
    hass: HomeAssistant, grid_node: MockConfigEntry
) -> None:
    """The title and the node's own device, both; a name the user gave the device stays."""
    devices = dr.async_get(hass)
    device = devices.async_get_device_by_identifier(
        (DOMAIN, grid_node.entry_id), grid_node.entry_id
    )
    assert device is not None
    assert device.name == "Grid energy"
    result = await grid_node.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Main meter", CONF_SOURCE: SOURCE}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    device = devices.async_get_device_by_identifier(
        (DOMAIN, grid_node.entry_id), grid_node.entry_id
    )
    assert device is not None
    assert (grid_node.title, device.name) == ("Main meter", "Main meter")
    devices.async_update_device(device.id, name_by_user="Meter in the hall")
    hass.config_entries.async_update_entry(grid_node, title="Site meter")
    await hass.async_block_till_done()
    device = devices.async_get_device_by_identifier(
        (DOMAIN, grid_node.entry_id), grid_node.entry_id
    )
    assert device is not None
    assert (device.name, device.name_by_user) == ("Site meter", "Meter in the hall")


@pytest.mark.parametrize(
    ("options", "unit"),
    [
        (CUSTOM_KWH, "MWh"),
        ({"factor_mode": "library", "factor_id": ELECTRICITY}, "GJ"),
        ({"factor_mode": "library", "factor_id": NATURAL_GAS_M3}, "L"),
        ({"factor_mode": "entity", "intensity_entity": INTENSITY}, "Wh"),
        ({"factor_mode": "carbon"}, "t CO2e"),
    ],
    ids=["custom", "library", "library_volume", "entity", "carbon"],
)
async def test_reconfigure_to_a_source_the_factor_prices(
    hass: HomeAssistant, options: dict[str, Any], unit: str
) -> None:
    entry = make_entry(**options)
    entry.add_to_hass(hass)
    add_intensity(hass)
    add_meter(hass, OTHER, unit=unit)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Renamed", CONF_SOURCE: OTHER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "Renamed"
    assert entry.data == {CONF_KIND: "tracking_node", CONF_SOURCE: OTHER}
    assert entry.options == {CONF_PORT: 1, **options}


async def test_reconfigure_keeping_its_own_source(hass: HomeAssistant) -> None:
    entry = custom_entry()
    entry.add_to_hass(hass)
    add_meter(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Renamed only", CONF_SOURCE: SOURCE}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "Renamed only"
    assert entry.data == {CONF_KIND: "tracking_node", CONF_SOURCE: SOURCE}


@pytest.mark.parametrize(
    ("options", "unit", "error"),
    [
        (CUSTOM_KWH, "m³", "unit_incompatible"),
        (CUSTOM_KWH, "kg CO2e", "unit_incompatible"),
        ({"factor_mode": "library", "factor_id": ELECTRICITY}, "km", "unit_incompatible"),
        ({"factor_mode": "entity", "intensity_entity": INTENSITY}, "m³", "unit_incompatible"),
        ({"factor_mode": "carbon"}, "kWh", "unit_incompatible"),
        (CUSTOM_KWH, None, "source_not_found"),
        (CUSTOM_KWH, "W", "source_unit_unsupported"),
    ],
    ids=[
        "custom_gas",
        "custom_carbon",
        "library_distance",
        "entity_gas",
        "carbon_energy",
        "missing",
        "watt",
    ],
)
async def test_reconfigure_errors(
    hass: HomeAssistant, options: dict[str, Any], unit: str | None, error: str
) -> None:
    entry = make_entry(**options)
    entry.add_to_hass(hass)
    add_intensity(hass)
    if unit is not None:
        add_meter(hass, OTHER, unit=unit)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Renamed", CONF_SOURCE: OTHER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {CONF_SOURCE: error}
    # The form keeps what was typed in; the entry is untouched.
    assert suggested_of(result, CONF_NAME) == "Renamed"
    assert suggested_of(result, CONF_SOURCE) == OTHER
    assert entry.title == "Grid energy"
    assert entry.data == {CONF_KIND: "tracking_node", CONF_SOURCE: SOURCE}


async def test_reconfigure_onto_another_nodes_source(hass: HomeAssistant) -> None:
    entry = custom_entry(port=1)
    entry.add_to_hass(hass)
    custom_entry(source=OTHER, port=2).add_to_hass(hass)
    add_meter(hass, OTHER)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Grid energy", CONF_SOURCE: OTHER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SOURCE: "source_already_tracked"}
    assert entry.data == {CONF_KIND: "tracking_node", CONF_SOURCE: SOURCE}


@pytest.mark.parametrize(
    ("unit", "device_class", "offered", "not_offered"),
    [
        # A gas meter's m³ are natural gas: never litres of LPG, never diesel.
        (
            "m³",
            "gas",
            {"uk_desnz_2025_natural_gas_m3", "ipcc2006_natural_gas_m3"},
            {"ipcc2006_lpg_l", "uk_desnz_2025_diesel"},
        ),
        # A fuel tank's litres: liquid fuels, not natural gas.
        (
            "L",
            "volume",
            {"uk_desnz_2025_diesel", "uk_desnz_2025_lpg"},
            {"uk_desnz_2025_natural_gas_m3"},
        ),
        # An odometer: vehicles only.
        ("km", "distance", {"uk_desnz_2025_car_petrol"}, set()),
        # No device class: every factor whose unit fits.
        ("m³", None, {"uk_desnz_2025_natural_gas_m3", "ipcc2006_lpg_l"}, set()),
    ],
)
async def test_library_offers_factors_that_fit_what_the_meter_measures(
    hass: HomeAssistant,
    unit: str,
    device_class: str | None,
    offered: set[str],
    not_offered: set[str],
) -> None:
    attributes = {} if device_class is None else {ATTR_DEVICE_CLASS: device_class}
    add_meter(hass, unit=unit, **attributes)
    if device_class is None:
        hass.states.async_set(
            SOURCE, "12.5", {"state_class": "total_increasing", ATTR_UNIT_OF_MEASUREMENT: unit}
        )
    result = await submit_node(hass)
    result = await choose(hass, result, "factor_library")
    ids = set(schema_field(result, CONF_FACTOR_ID)[1].config["options"])
    assert offered <= ids
    assert not ids & not_offered
    if device_class == "distance":
        assert all("_car_" in factor_id for factor_id in ids)


async def test_water_meter_has_no_table_factor_and_can_type_one(hass: HomeAssistant) -> None:
    """The table has no water-supply factor: the menu does not offer it (a choice that cannot
    work would stop the flow and lose what was typed); a typed factor works."""
    add_meter(hass, unit="m³", **{ATTR_DEVICE_CLASS: "water"})
    result = await submit_node(hass)
    assert result["menu_options"] == [
        option for option in FACTOR_MENU if option != f"factor_{FactorMode.LIBRARY}"
    ]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "factor_custom"}
    )
    assert result["step_id"] == "factor_custom"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FACTOR_VALUE: 0.344, CONF_FACTOR_UNIT: "m³"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"][CONF_FACTOR_VALUE] == 0.344


async def test_options_show_a_carbon_limit_in_the_meters_carbon_unit(hass: HomeAssistant) -> None:
    """5 kg CO2e per hour on a meter that now reports tonnes is 0.005 t CO2e per hour."""
    entry = make_entry(port=1, factor_mode="carbon", max_delta_per_hour=5.0)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_MAX_DELTA_UNIT: "kg CO2e"}
    )
    add_meter(hass, unit="t CO2e")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert suggested_of(result, CONF_MAX_DELTA_PER_HOUR) == pytest.approx(0.005)
    assert result["description_placeholders"] == {"limit_unit": "t CO2e"}


async def test_a_typed_factor_left_empty_is_asked_for(hass: HomeAssistant) -> None:
    """The field is empty on purpose (a 0 there would be a factor): leaving it so is an error."""
    add_meter(hass)
    result = await choose(hass, await submit_node(hass), "factor_custom")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FACTOR_UNIT: "MWh"}
    )
    assert result["errors"] == {CONF_FACTOR_VALUE: "factor_required"}
    assert suggested_of(result, CONF_FACTOR_UNIT) == "MWh"
    assert hass.config_entries.async_entries(DOMAIN) == []
