"""Tests for the binding-group config flow and options flow (groups/flow.py)."""

from __future__ import annotations

import json
from pathlib import Path
from string import Formatter
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.carbon_tracker.const import (
    CONF_ALARM_KG,
    CONF_FORECAST_TEMPLATE,
    CONF_GROUP_KIND,
    CONF_GROUP_NUMBER,
    CONF_HYSTERESIS_PCT,
    CONF_KIND,
    CONF_LEFT,
    CONF_MIN_REFERENCE_KG,
    CONF_NOTATION,
    CONF_RIGHT,
    CONF_THRESHOLD_KG,
    CONF_THRESHOLD_PCT,
    CONF_WINDOW,
)
from custom_components.carbon_tracker.core.comparison import GroupKind
from custom_components.carbon_tracker.groups.flow import CONF_NAME
from custom_components.carbon_tracker.groups.member_checks import check_members
from tests.common import group_entry, node_carbon_id, node_entry, pick_kind, setup_node

FORECAST = "forecast_vs_measured"
TOTAL = "total_vs_sub"
TEMPLATE = "{{ 24 * now().hour / 24 }}"
THRESHOLD = {
    CONF_WINDOW: "week",
    CONF_THRESHOLD_KG: 2.5,
    CONF_ALARM_KG: 4.0,
    CONF_THRESHOLD_PCT: 15.0,
    CONF_HYSTERESIS_PCT: 20.0,
    CONF_MIN_REFERENCE_KG: 3.0,
}
EN = json.loads(
    (
        Path(__file__).parents[2]
        / "custom_components"
        / "carbon_tracker"
        / "translations"
        / "en.json"
    ).read_text(encoding="utf-8")
)
# The fields of each members form, in the order the user meets them.
FORECAST_FIELDS = [CONF_LEFT, CONF_FORECAST_TEMPLATE, CONF_RIGHT, CONF_NOTATION, CONF_GROUP_NUMBER]
TOTAL_FIELDS = [CONF_LEFT, CONF_RIGHT, CONF_NOTATION, CONF_GROUP_NUMBER]


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def schema_field(result: FlowResult, name: str) -> tuple[Any, Any]:
    """The marker and the validator of one field of a form."""
    for marker, validator in result["data_schema"].schema.items():
        if str(marker) == name:
            return marker, validator
    raise AssertionError(f"{name} is not in the form")


def field_names(result: FlowResult) -> list[str]:
    """The fields of a form, in order."""
    return [str(marker) for marker in result["data_schema"].schema]


def suggested(result: FlowResult) -> dict[str, Any]:
    """Every field's pre-filled value (fields without one are left out)."""
    values = {}
    for marker in result["data_schema"].schema:
        if marker.description and "suggested_value" in marker.description:
            values[str(marker)] = marker.description["suggested_value"]
    return values


def picker_options(result: FlowResult, name: str) -> dict[str, str]:
    """Value -> label of a member picker."""
    return {o["value"]: o["label"] for o in schema_field(result, name)[1].config["options"]}


def assert_refused(
    result: FlowResult, where: str, problem: str, flow: str = "config", **placeholders: str
) -> str:
    """The form is shown again with one error on ``where``; the text the user reads is returned.

    ``placeholders`` must be exactly those the error's text uses, with the values shown.
    """
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {where: problem}
    shown = result["description_placeholders"]
    text = EN[flow]["error"][problem]
    used = {name for _, name, _, _ in Formatter().parse(text) if name}
    assert used == set(placeholders), f"{problem} uses {used}"
    for name, value in placeholders.items():
        assert shown[name] == value, name
    return text.format(**shown)


async def start_group_flow(hass: HomeAssistant) -> FlowResult:
    """Open the user menu and pick a binding group."""
    return await pick_kind(hass, "binding_group")


async def members_form(
    hass: HomeAssistant, kind: str = FORECAST, name: str = "Budget"
) -> FlowResult:
    """A config flow at the members form of a new group of ``kind``."""
    result = await start_group_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "binding_group"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: name, CONF_GROUP_KIND: kind}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == f"group_members_{kind}"
    assert result["errors"] == {}
    return result


async def submit_members(
    hass: HomeAssistant, kind: str = FORECAST, name: str = "Budget", **members: Any
) -> FlowResult:
    """Open a group flow and submit the members form."""
    result = await members_form(hass, kind, name)
    return await hass.config_entries.flow.async_configure(result["flow_id"], members)


async def finish(hass: HomeAssistant, result: FlowResult, **threshold: Any) -> FlowResult:
    """Submit the threshold form (its defaults unless told otherwise)."""
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "group_threshold"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], threshold)
    await hass.async_block_till_done()
    return result


async def open_options(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult:
    """Open a group's options: straight to its members."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "group_members"
    return result


def group_entity_ids(hass: HomeAssistant, entry_id: str) -> dict[str, str]:
    """The group's entities by their unique id's key (error, total, subs, ...)."""
    registry = er.async_get(hass)
    return {
        entity.unique_id.removeprefix(f"{entry_id}_"): entity.entity_id
        for entity in er.async_entries_for_config_entry(registry, entry_id)
    }


def assert_group_running(
    hass: HomeAssistant, entry_id: str, *side_keys: str, template: bool = False
) -> None:
    """The group is loaded and each of its entities has a state: the error in kg and %, the
    problem sensor, and each side in the window and since the group began (a template's
    forecast has no cumulative side)."""
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    assert entry.state is ConfigEntryState.LOADED
    entities = group_entity_ids(hass, entry_id)
    cumulative = {f"{key}_cumulative" for key in side_keys if not (template and key == "forecast")}
    assert set(entities) == {"error", "relative_error", "problem", *side_keys, *cumulative}
    for entity_id in entities.values():
        assert hass.states.get(entity_id) is not None, entity_id


# --------------------------------------------------------------------------------------------------
# Config flow: the group's name and kind
# --------------------------------------------------------------------------------------------------


async def test_group_needs_a_node_first(hass: HomeAssistant) -> None:
    result = await start_group_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_nodes"
    assert "tracking node" in EN["config"]["abort"]["no_nodes"]


async def test_group_alone_is_not_a_node(hass: HomeAssistant) -> None:
    # A group is not a member: with only a group (whose nodes were deleted) there is none.
    group_entry(left=["gone_1"], right=["gone_2"]).add_to_hass(hass)
    result = await start_group_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_nodes"


@pytest.mark.usefixtures("nodes")
async def test_group_form_asks_name_and_kind(hass: HomeAssistant) -> None:
    result = await start_group_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "binding_group"
    assert field_names(result) == [CONF_NAME, CONF_GROUP_KIND]
    marker, kind = schema_field(result, CONF_GROUP_KIND)
    assert marker.default() == FORECAST
    assert kind.config["options"] == [FORECAST, TOTAL]
    with pytest.raises(InvalidData):
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_NAME: "X", CONF_GROUP_KIND: "cost_vs_budget"}
        )


@pytest.mark.parametrize(("kind", "fields"), [(FORECAST, FORECAST_FIELDS), (TOTAL, TOTAL_FIELDS)])
async def test_members_form_of_each_kind(
    hass: HomeAssistant, nodes: dict[int, str], kind: str, fields: list[str]
) -> None:
    result = await members_form(hass, kind)
    assert field_names(result) == fields
    # Each form has its own texts, with a label for every field.
    assert set(EN["config"]["step"][f"group_members_{kind}"]["data"]) == set(fields)
    # Nodes are offered by port and name; the value is the config entry id.
    labels = {nodes[port]: f"{port} · Meter {port}" for port in (1, 2, 3, 4)}
    assert picker_options(result, CONF_LEFT) == labels
    assert picker_options(result, CONF_RIGHT) == labels
    # Several forecast ports, but one total meter.
    assert schema_field(result, CONF_LEFT)[1].config["multiple"] is (kind == FORECAST)
    assert schema_field(result, CONF_RIGHT)[1].config["multiple"] is True
    number = schema_field(result, CONF_GROUP_NUMBER)[1].config
    assert (number["min"], number["max"], number["step"]) == (1, 9999, 1)
    assert suggested(result) == {}


async def test_pickers_are_sorted_by_port(hass: HomeAssistant) -> None:
    for port in (3, 1, 2):
        await setup_node(
            hass,
            node_entry(source=f"sensor.m{port}", port=port, title=f"M{port}", entry_id=f"n{port}"),
        )
    result = await members_form(hass)
    assert list(picker_options(result, CONF_RIGHT).values()) == ["1 · M1", "2 · M2", "3 · M3"]


# --------------------------------------------------------------------------------------------------
# Config flow: groups made
# --------------------------------------------------------------------------------------------------


async def test_forecast_group_from_pickers(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    result = await submit_members(
        hass,
        name="  Budget  ",
        **{CONF_LEFT: [nodes[2], nodes[1]], CONF_RIGHT: [nodes[3]], CONF_GROUP_NUMBER: 4},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "group_threshold"
    assert result["description_placeholders"] == {"notation": "G4: 2/1 > 3"}
    result = await finish(hass, result, **THRESHOLD)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Budget"
    assert result["data"] == {CONF_KIND: "binding_group", CONF_GROUP_KIND: FORECAST}
    assert result["options"] == {
        CONF_LEFT: [nodes[2], nodes[1]],
        CONF_RIGHT: [nodes[3]],
        CONF_FORECAST_TEMPLATE: None,
        CONF_GROUP_NUMBER: 4,
        **THRESHOLD,
    }
    assert isinstance(result["options"][CONF_GROUP_NUMBER], int)
    assert_group_running(hass, result["result"].entry_id, "forecast", "measured")


async def test_total_group_from_pickers_stores_the_total_as_a_list(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    result = await submit_members(
        hass, TOTAL, name="Main", **{CONF_LEFT: nodes[1], CONF_RIGHT: [nodes[2], nodes[3]]}
    )
    assert result["description_placeholders"] == {"notation": "1 > 2/3"}
    result = await finish(hass, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_KIND: "binding_group", CONF_GROUP_KIND: TOTAL}
    # The threshold form's defaults: a day window, no threshold line.
    assert result["options"] == {
        CONF_LEFT: [nodes[1]],
        CONF_RIGHT: [nodes[2], nodes[3]],
        CONF_FORECAST_TEMPLATE: None,
        CONF_GROUP_NUMBER: None,
        CONF_WINDOW: "day",
        CONF_THRESHOLD_KG: None,
        CONF_ALARM_KG: None,
        CONF_THRESHOLD_PCT: None,
        CONF_HYSTERESIS_PCT: 10.0,
        CONF_MIN_REFERENCE_KG: 1.0,
    }
    assert_group_running(hass, result["result"].entry_id, "total", "subs")


async def test_threshold_form(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    result = await submit_members(hass, **{CONF_LEFT: [nodes[1]], CONF_RIGHT: [nodes[2]]})
    assert field_names(result) == list(THRESHOLD)
    assert schema_field(result, CONF_WINDOW)[1].config["options"] == [
        "hour",
        "day",
        "week",
        "month",
        "year",
    ]
    assert schema_field(result, CONF_WINDOW)[0].default() == "day"
    assert schema_field(result, CONF_HYSTERESIS_PCT)[1].config["max"] == 100
    assert schema_field(result, CONF_THRESHOLD_PCT)[1].config["max"] == 10_000
    assert "{notation}" in EN["config"]["step"]["group_threshold"]["description"]
    with pytest.raises(InvalidData):
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HYSTERESIS_PCT: 101}
        )
    with pytest.raises(InvalidData):
        await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_THRESHOLD_KG: -1})
    # An alarm preset under the threshold line: refused on its field, the figures kept.
    refused = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**THRESHOLD, CONF_THRESHOLD_KG: 3.0, CONF_ALARM_KG: 2.0}
    )
    assert "within tolerance" in assert_refused(refused, CONF_ALARM_KG, "alarm_below_line")
    assert suggested(refused)[CONF_ALARM_KG] == 2.0
    done = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**THRESHOLD, CONF_THRESHOLD_KG: 3.0, CONF_ALARM_KG: 3.0}
    )
    assert done["type"] is FlowResultType.CREATE_ENTRY
    assert (done["options"][CONF_THRESHOLD_KG], done["options"][CONF_ALARM_KG]) == (3.0, 3.0)


async def test_notation_stores_entry_ids_and_its_number_wins(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    # The notation stands for the pickers and its group number for the number field.
    result = await submit_members(
        hass,
        **{
            CONF_LEFT: [nodes[4]],
            CONF_RIGHT: [nodes[1]],
            CONF_NOTATION: " g7 : 3 / 1 > 2/4 ",
            CONF_GROUP_NUMBER: 5,
        },
    )
    assert result["description_placeholders"] == {"notation": "G7: 3/1 > 2/4"}
    result = await finish(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"][CONF_LEFT] == ["node_3", "node_1"]
    assert result["options"][CONF_RIGHT] == ["node_2", "node_4"]
    assert result["options"][CONF_GROUP_NUMBER] == 7
    assert CONF_NOTATION not in result["options"]


async def test_notation_without_number_keeps_the_field(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    result = await submit_members(hass, TOTAL, **{CONF_NOTATION: "4 > 3", CONF_GROUP_NUMBER: 2.0})
    assert result["description_placeholders"] == {"notation": "G2: 4 > 3"}
    result = await finish(hass, result)
    assert result["options"][CONF_LEFT] == [nodes[4]]
    assert result["options"][CONF_RIGHT] == [nodes[3]]
    assert result["options"][CONF_GROUP_NUMBER] == 2


async def test_notation_follows_the_node_not_the_port(hass: HomeAssistant) -> None:
    # Entry ids that do not match the ports: the notation is translated through the ports.
    for entry_id, port in (("kitchen", 9), ("house", 12)):
        await setup_node(
            hass, node_entry(source=f"sensor.{entry_id}", port=port, entry_id=entry_id)
        )
    result = await submit_members(hass, TOTAL, **{CONF_NOTATION: "12 > 9"})
    result = await finish(hass, result)
    assert result["options"][CONF_LEFT] == ["house"]
    assert result["options"][CONF_RIGHT] == ["kitchen"]


async def test_forecast_template_group(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    result = await submit_members(
        hass, **{CONF_FORECAST_TEMPLATE: f"  {TEMPLATE}\n", CONF_RIGHT: [nodes[2], nodes[3]]}
    )
    assert result["description_placeholders"] == {"notation": "T > 2/3"}
    result = await finish(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"][CONF_LEFT] == []
    assert result["options"][CONF_RIGHT] == [nodes[2], nodes[3]]
    assert result["options"][CONF_FORECAST_TEMPLATE] == TEMPLATE
    assert_group_running(hass, result["result"].entry_id, "forecast", "measured", template=True)


async def test_blank_template_and_notation_mean_the_pickers(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    result = await submit_members(
        hass,
        **{
            CONF_LEFT: [nodes[1]],
            CONF_RIGHT: [nodes[2]],
            CONF_FORECAST_TEMPLATE: "  ",
            CONF_NOTATION: "   ",
        },
    )
    result = await finish(hass, result)
    assert result["options"][CONF_LEFT] == [nodes[1]]
    assert result["options"][CONF_FORECAST_TEMPLATE] is None


async def test_notation_empty_cannot_be_met_from_the_form(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    # An empty (or blank) notation means "use the pickers", so notation_empty is never shown:
    # with the pickers empty too, the user reads empty_side on the forecast picker instead.
    for blank in ("", "  \t "):
        result = await submit_members(hass, **{CONF_NOTATION: blank})
        assert result["errors"] == {CONF_LEFT: "empty_side"}
    assert "notation_empty" in EN["config"]["error"]


async def test_two_groups_may_share_nodes(
    hass: HomeAssistant, total_group: MockConfigEntry, nodes: dict[int, str]
) -> None:
    result = await submit_members(hass, **{CONF_NOTATION: "G2: 1 > 2"})
    result = await finish(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"][CONF_GROUP_NUMBER] == 2


# --------------------------------------------------------------------------------------------------
# Config flow: what is refused, where, and with what placeholders
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notation", "problem", "placeholders", "message"),
    [
        (
            "1 > 2 > 3",
            "notation_syntax",
            {"position": "7"},
            "Not a group in the notation at character 7",
        ),
        ("1, 2 > 3", "notation_syntax", {"position": "1"}, "at character 1:"),
        ("1 > 2 3", "notation_syntax", {"position": "4"}, "at character 4:"),
        ("G1 1 > 2", "notation_syntax", {"position": "1"}, "at character 1:"),
        ("G1: > 2", "notation_empty_side", {"position": "4"}, "empty (character 4)"),
        ("1 > ", "notation_empty_side", {"position": "4"}, "empty (character 4)"),
        ("1/ > 2", "notation_empty_side", {"position": "3"}, "empty (character 3)"),
        ("1 > 70000", "notation_port_range", {"port": "70000"}, "Port 70000 is out of range"),
        ("0 > 2", "notation_port_range", {"port": "0"}, "Port 0 is out of range"),
        ("1 > 2/3/2", "notation_port_repeated", {"port": "2"}, "Port 2 is written twice"),
        ("1/2 > 2", "notation_port_on_both_sides", {"port": "2"}, "Port 2 is on both sides"),
        ("1 > 9", "unknown_port", {"port": "9"}, "No node has port 9."),
        ("G3: 8/1 > 2", "unknown_port", {"port": "8"}, "No node has port 8."),
        # A 5,000-digit port or group number: a syntax error where it is written, not a crash.
        (f"1 > {'9' * 5000}", "notation_syntax", {"position": "4"}, "at character 4:"),
        (f"G{'9' * 5000}: 1 > 2", "notation_syntax", {"position": "1"}, "at character 1:"),
    ],
)
@pytest.mark.usefixtures("nodes")
async def test_notation_refused(
    hass: HomeAssistant,
    notation: str,
    problem: str,
    placeholders: dict[str, str],
    message: str,
) -> None:
    result = await submit_members(hass, **{CONF_NOTATION: notation})
    assert result["step_id"] == f"group_members_{FORECAST}"
    assert message in assert_refused(result, CONF_NOTATION, problem, **placeholders)


@pytest.mark.usefixtures("nodes")
async def test_notation_error_position_and_port_both_shown(hass: HomeAssistant) -> None:
    # The parser's 0-based offset is shown 1-based; the port is given where the parser has one.
    result = await submit_members(hass, **{CONF_NOTATION: "1/1 > 2"})
    assert result["description_placeholders"]["position"] == "3"
    assert result["description_placeholders"]["port"] == "1"
    result = await submit_members(hass, **{CONF_NOTATION: "1 > 2 > 3"})
    assert result["description_placeholders"]["port"] == ""


@pytest.mark.parametrize("kind", [FORECAST, TOTAL])
async def test_empty_side_from_pickers(
    hass: HomeAssistant, nodes: dict[int, str], kind: str
) -> None:
    left = [nodes[1]] if kind == FORECAST else nodes[1]
    result = await submit_members(hass, kind, **{CONF_RIGHT: [nodes[2]]})
    assert "Both sides" in assert_refused(result, CONF_LEFT, "empty_side")
    result = await submit_members(hass, kind, **{CONF_LEFT: left})
    assert_refused(result, CONF_RIGHT, "empty_side")
    result = await submit_members(hass, kind, **{CONF_LEFT: left, CONF_RIGHT: []})
    assert_refused(result, CONF_RIGHT, "empty_side")


async def test_empty_forecast_side_with_template_is_fine_but_not_the_measured(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    result = await submit_members(hass, **{CONF_FORECAST_TEMPLATE: TEMPLATE})
    assert_refused(result, CONF_RIGHT, "empty_side")


@pytest.mark.usefixtures("nodes")
async def test_one_total_from_notation(hass: HomeAssistant) -> None:
    # The total picker takes one node; the notation can name two.
    result = await submit_members(hass, TOTAL, **{CONF_NOTATION: "1/2 > 3"})
    assert "exactly one total meter" in assert_refused(result, CONF_NOTATION, "one_total")


async def test_total_picker_takes_one_node(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    result = await members_form(hass, TOTAL)
    with pytest.raises(InvalidData):
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_LEFT: [nodes[1], nodes[2]], CONF_RIGHT: [nodes[3]]}
        )


@pytest.mark.parametrize("kind", [FORECAST, TOTAL])
async def test_port_on_both_sides_from_pickers(
    hass: HomeAssistant, nodes: dict[int, str], kind: str
) -> None:
    left = [nodes[3]] if kind == FORECAST else nodes[3]
    result = await submit_members(hass, kind, **{CONF_LEFT: left, CONF_RIGHT: [nodes[2], nodes[3]]})
    assert "Port 3 is on both sides" in assert_refused(
        result, CONF_RIGHT, "port_on_both_sides", port="3"
    )


async def test_not_cumulative_when_the_carbon_sensor_is_disabled(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    er.async_get(hass).async_update_entity(
        node_carbon_id(3), disabled_by=er.RegistryEntryDisabler.USER
    )
    await hass.async_block_till_done()
    result = await submit_members(hass, **{CONF_LEFT: [nodes[1]], CONF_RIGHT: [nodes[2], nodes[3]]})
    text = assert_refused(result, CONF_RIGHT, "not_cumulative", port="3", name="Meter 3")
    assert text.startswith("Meter 3 (port 3) has no cumulative carbon sensor")
    # Typed, the same node is refused on the notation.
    result = await submit_members(hass, **{CONF_NOTATION: "3 > 1"})
    assert_refused(result, CONF_NOTATION, "not_cumulative", port="3", name="Meter 3")


@pytest.mark.parametrize(
    "attributes",
    [
        {"state_class": "measurement", "unit_of_measurement": "kg"},
        {"unit_of_measurement": "kg"},
        {"state_class": "total", "unit_of_measurement": "kWh"},
    ],
)
async def test_not_cumulative_when_the_carbon_state_changed(
    hass: HomeAssistant, nodes: dict[int, str], attributes: dict[str, str]
) -> None:
    # E.g. a customisation changed its state class or unit.
    hass.states.async_set(node_carbon_id(1), "50", attributes)
    result = await submit_members(hass, TOTAL, **{CONF_LEFT: nodes[1], CONF_RIGHT: [nodes[2]]})
    assert_refused(result, CONF_RIGHT, "not_cumulative", port="1", name="Meter 1")


async def test_cumulative_total_in_grams_is_fine(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    hass.states.async_set(
        node_carbon_id(2), "50000", {"state_class": "total", "unit_of_measurement": "g"}
    )
    result = await submit_members(hass, TOTAL, **{CONF_LEFT: nodes[1], CONF_RIGHT: [nodes[2]]})
    assert result["step_id"] == "group_threshold"


async def test_node_without_carbon_sensor_is_not_cumulative(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    # A node that was never set up has no carbon sensor to bind.
    node_entry(source="sensor.meter_5", port=5, title="Meter 5", entry_id="node_5").add_to_hass(
        hass
    )
    result = await submit_members(hass, **{CONF_NOTATION: "1 > 5"})
    assert_refused(result, CONF_NOTATION, "not_cumulative", port="5", name="Meter 5")


async def test_node_whose_sensor_has_no_state_yet_is_bound(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    # Registered, not written yet (its node is starting): the registry's word is taken.
    hass.states.async_remove(node_carbon_id(2))
    result = await submit_members(hass, **{CONF_NOTATION: "1 > 2"})
    assert result["step_id"] == "group_threshold"


async def test_unknown_member_when_a_picked_node_is_deleted(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    # The node is deleted while the form is open: the form still offered it.
    result = await members_form(hass)
    assert await hass.config_entries.async_remove(nodes[4])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LEFT: [nodes[1]], CONF_RIGHT: [nodes[4]]}
    )
    assert "no longer exists" in assert_refused(result, CONF_RIGHT, "unknown_member")


@pytest.mark.usefixtures("total_group")
async def test_group_number_taken_by_field(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    result = await submit_members(
        hass, **{CONF_LEFT: [nodes[4]], CONF_RIGHT: [nodes[1]], CONF_GROUP_NUMBER: 1}
    )
    text = assert_refused(
        result, CONF_GROUP_NUMBER, "group_number_taken", group="1", name="Main vs subs"
    )
    assert text == "Group number 1 is already used by Main vs subs."


@pytest.mark.usefixtures("total_group")
async def test_group_number_taken_by_notation(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    result = await submit_members(hass, **{CONF_NOTATION: "G1: 4 > 1", CONF_GROUP_NUMBER: 2})
    assert_refused(result, CONF_NOTATION, "group_number_taken", group="1", name="Main vs subs")
    # The field's number is free, but the notation's wins; without it, the field's is taken.
    result = await submit_members(hass, **{CONF_NOTATION: "4 > 1", CONF_GROUP_NUMBER: 1})
    assert_refused(result, CONF_NOTATION, "group_number_taken", group="1", name="Main vs subs")


@pytest.mark.parametrize("number", [0, 10000])
@pytest.mark.usefixtures("nodes")
async def test_notation_number_outside_the_fields_range_is_refused(
    hass: HomeAssistant, number: int
) -> None:
    # The number field takes 1..9999; the notation any number. Today G0 (or G10000) is stored,
    # and the group's options form, pre-filled with it, then fails schema validation at
    # group_number when submitted unchanged. (Proposed key: group_number_range.)
    result = await submit_members(hass, **{CONF_NOTATION: f"G{number}: 1 > 2"})
    assert result["errors"] == {CONF_NOTATION: "group_number_range"}
    assert result["description_placeholders"]["group"] == str(number)


async def test_groups_without_number_never_clash(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    await setup_node(hass, group_entry(left=[nodes[1]], right=[nodes[2]]))
    result = await submit_members(hass, **{CONF_NOTATION: "3 > 4"})
    result = await finish(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"][CONF_GROUP_NUMBER] is None


async def test_forecast_twice(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    result = await submit_members(
        hass,
        **{CONF_LEFT: [nodes[1]], CONF_FORECAST_TEMPLATE: TEMPLATE, CONF_RIGHT: [nodes[2]]},
    )
    assert "not both" in assert_refused(result, CONF_FORECAST_TEMPLATE, "forecast_twice")


async def test_notation_with_template(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    result = await submit_members(
        hass, **{CONF_NOTATION: "1 > 2", CONF_FORECAST_TEMPLATE: TEMPLATE}
    )
    assert_refused(result, CONF_NOTATION, "notation_with_template")


async def test_invalid_template(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    # The template field itself refuses a template that does not compile, so the form never
    # gets to the flow's own invalid_template...
    result = await members_form(hass)
    with pytest.raises(InvalidData) as caught:
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_FORECAST_TEMPLATE: "{{ 24 * ", CONF_RIGHT: [nodes[2]]}
        )
    assert "forecast_template" in caught.value.schema_errors
    # ...which the check still gives, with the reason.
    check = check_members(
        hass,
        GroupKind.FORECAST_VS_MEASURED,
        {CONF_FORECAST_TEMPLATE: "{{ 24 * ", CONF_RIGHT: [nodes[2]]},
    )
    assert check.errors == {CONF_FORECAST_TEMPLATE: "invalid_template"}
    assert "TemplateSyntaxError" in check.placeholders["reason"]
    assert check.options == {}


async def test_template_not_for_total(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    # The total-vs-sub form has no template field, so a user never sends one...
    result = await members_form(hass, TOTAL)
    with pytest.raises(InvalidData):
        await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_LEFT: nodes[1], CONF_RIGHT: [nodes[2]], CONF_FORECAST_TEMPLATE: TEMPLATE},
        )
    # ...but the check refuses one all the same (the field it names is the template's).
    check = check_members(
        hass,
        GroupKind.TOTAL_VS_SUB,
        {CONF_LEFT: nodes[1], CONF_RIGHT: [nodes[2]], CONF_FORECAST_TEMPLATE: TEMPLATE},
    )
    assert check.errors == {CONF_FORECAST_TEMPLATE: "template_not_for_total"}
    assert check.options == {}
    assert EN["config"]["error"]["template_not_for_total"] == "Only a forecast can be a template."


async def test_first_problem_only(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    # A template problem is reported before the members or the number are looked at.
    check = check_members(
        hass,
        GroupKind.FORECAST_VS_MEASURED,
        {CONF_LEFT: [nodes[1]], CONF_FORECAST_TEMPLATE: TEMPLATE, CONF_GROUP_NUMBER: 1},
    )
    assert check.errors == {CONF_FORECAST_TEMPLATE: "forecast_twice"}


async def test_error_form_keeps_what_was_typed(hass: HomeAssistant, nodes: dict[int, str]) -> None:
    typed = {
        CONF_LEFT: [nodes[1]],
        CONF_FORECAST_TEMPLATE: TEMPLATE,
        CONF_RIGHT: [nodes[2], nodes[3]],
        CONF_NOTATION: "1 > 2",
        CONF_GROUP_NUMBER: 3,
    }
    result = await submit_members(hass, **typed)
    assert result["errors"] == {CONF_NOTATION: "notation_with_template"}
    assert result["step_id"] == f"group_members_{FORECAST}"
    assert suggested(result) == typed
    # Every placeholder an error text may use is filled, even those of other errors.
    assert set(result["description_placeholders"]) == {
        "notation",
        "position",
        "port",
        "name",
        "group",
        "reason",
    }
    # The user fixes it: the flow goes on from the same form.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**typed, CONF_FORECAST_TEMPLATE: "", CONF_NOTATION: "4 > 2/3"}
    )
    assert result["description_placeholders"] == {"notation": "G3: 4 > 2/3"}
    result = await finish(hass, result)
    assert result["options"][CONF_LEFT] == [nodes[4]]


async def test_error_form_of_total_keeps_the_single_total(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    typed = {CONF_LEFT: nodes[2], CONF_RIGHT: [nodes[2]]}
    result = await submit_members(hass, TOTAL, **typed)
    assert_refused(result, CONF_RIGHT, "port_on_both_sides", port="2")
    assert result["step_id"] == f"group_members_{TOTAL}"
    assert suggested(result) == typed


async def test_every_error_of_the_flow_is_translated(hass: HomeAssistant) -> None:
    # The options flow reads the same errors as the config flow.
    keys = {
        "notation_syntax",
        "notation_empty_side",
        "notation_port_range",
        "notation_port_repeated",
        "notation_port_on_both_sides",
        "unknown_port",
        "unknown_member",
        "empty_side",
        "one_total",
        "port_on_both_sides",
        "not_cumulative",
        "group_number_taken",
        "template_not_for_total",
        "forecast_twice",
        "notation_with_template",
        "invalid_template",
    }
    for flow in ("config", "options"):
        assert keys <= set(EN[flow]["error"]), flow
        for key in keys:
            assert EN[flow]["error"][key] == EN["config"]["error"][key]


# --------------------------------------------------------------------------------------------------
# Reconfigure
# --------------------------------------------------------------------------------------------------


async def test_group_reconfigure_points_to_options(
    hass: HomeAssistant, total_group: MockConfigEntry
) -> None:
    result = await total_group.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "group_in_options"
    assert "Configure" in EN["config"]["abort"]["group_in_options"]


# --------------------------------------------------------------------------------------------------
# Options flow
# --------------------------------------------------------------------------------------------------


async def test_options_prefill_a_total_group(
    hass: HomeAssistant, total_group: MockConfigEntry, nodes: dict[int, str]
) -> None:
    result = await open_options(hass, total_group)
    assert field_names(result) == TOTAL_FIELDS
    assert schema_field(result, CONF_LEFT)[1].config["multiple"] is False
    # The total picker shows one value, not a list.
    assert suggested(result) == {
        CONF_LEFT: nodes[1],
        CONF_RIGHT: [nodes[2], nodes[3]],
        CONF_GROUP_NUMBER: 1,
    }
    assert result["errors"] == {}
    assert result["description_placeholders"]["notation"] == "G1: 1 > 2/3"
    assert "{notation}" in EN["options"]["step"]["group_members"]["description"]


async def test_options_prefill_a_forecast_group_with_template(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    entry = await setup_node(
        hass,
        group_entry(
            kind=FORECAST, right=[nodes[2]], forecast_template=TEMPLATE, entry_id="group_budget"
        ),
    )
    result = await open_options(hass, entry)
    assert field_names(result) == FORECAST_FIELDS
    # No forecast ports, no number: nothing pre-filled for them.
    assert suggested(result) == {CONF_RIGHT: [nodes[2]], CONF_FORECAST_TEMPLATE: TEMPLATE}
    assert result["description_placeholders"]["notation"] == "T > 2"


async def test_options_show_a_deleted_member_as_unknown(
    hass: HomeAssistant, total_group: MockConfigEntry, nodes: dict[int, str]
) -> None:
    assert await hass.config_entries.async_remove(nodes[3])
    await hass.async_block_till_done()
    result = await open_options(hass, total_group)
    assert result["description_placeholders"]["notation"] == "G1: 1 > 2/?"
    assert nodes[3] not in picker_options(result, CONF_RIGHT)


async def test_options_prefill_drops_a_deleted_member(
    hass: HomeAssistant, total_group: MockConfigEntry, nodes: dict[int, str]
) -> None:
    # Today the deleted member is pre-filled although the picker no longer offers it: the form
    # submitted as shown fails schema validation at right (never reaching unknown_member).
    assert await hass.config_entries.async_remove(nodes[3])
    await hass.async_block_till_done()
    result = await open_options(hass, total_group)
    assert suggested(result)[CONF_RIGHT] == [nodes[2]]
    result = await hass.config_entries.options.async_configure(result["flow_id"], suggested(result))
    assert result["step_id"] == "group_threshold"


async def test_options_keep_the_groups_own_number(
    hass: HomeAssistant, total_group: MockConfigEntry, nodes: dict[int, str]
) -> None:
    before = total_group.runtime_data
    result = await open_options(hass, total_group)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**suggested(result), CONF_RIGHT: [nodes[2], nodes[3], nodes[4]]}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "group_threshold"
    assert result["description_placeholders"] == {"notation": "G1: 1 > 2/3/4"}
    # The threshold as it is now (an unset relative threshold is left empty).
    assert suggested(result) == {
        CONF_WINDOW: "day",
        CONF_THRESHOLD_KG: 2.0,
        CONF_HYSTERESIS_PCT: 10.0,
        CONF_MIN_REFERENCE_KG: 1.0,
    }
    refused = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**suggested(result), CONF_ALARM_KG: 1.0},  # under the 2 kg line
    )
    assert_refused(refused, CONF_ALARM_KG, "alarm_below_line", flow="options")
    assert suggested(refused)[CONF_ALARM_KG] == 1.0
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_WINDOW: "month",
            CONF_THRESHOLD_PCT: 5.0,
            CONF_HYSTERESIS_PCT: 10.0,
            CONF_MIN_REFERENCE_KG: 1.0,
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(total_group.options) == {
        CONF_LEFT: [nodes[1]],
        CONF_RIGHT: [nodes[2], nodes[3], nodes[4]],
        CONF_FORECAST_TEMPLATE: None,
        CONF_GROUP_NUMBER: 1,
        CONF_WINDOW: "month",
        CONF_THRESHOLD_KG: None,
        CONF_ALARM_KG: None,
        CONF_THRESHOLD_PCT: 5.0,
        CONF_HYSTERESIS_PCT: 10.0,
        CONF_MIN_REFERENCE_KG: 1.0,
    }
    assert total_group.data == {CONF_KIND: "binding_group", CONF_GROUP_KIND: TOTAL}
    # The group started again with its new members.
    assert total_group.runtime_data is not before
    assert total_group.runtime_data.settings.right == (nodes[2], nodes[3], nodes[4])
    assert_group_running(hass, total_group.entry_id, "total", "subs")


async def test_options_by_notation(
    hass: HomeAssistant, total_group: MockConfigEntry, nodes: dict[int, str]
) -> None:
    result = await open_options(hass, total_group)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_NOTATION: "G1: 4 > 3/2"}
    )
    assert result["description_placeholders"] == {"notation": "G1: 4 > 3/2"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert total_group.options[CONF_LEFT] == [nodes[4]]
    assert total_group.options[CONF_RIGHT] == [nodes[3], nodes[2]]
    assert total_group.runtime_data.settings.left == (nodes[4],)
    assert_group_running(hass, total_group.entry_id, "total", "subs")


async def test_options_group_number_taken_by_another_group(
    hass: HomeAssistant, total_group: MockConfigEntry, nodes: dict[int, str]
) -> None:
    await setup_node(
        hass,
        group_entry(
            kind=FORECAST,
            left=[nodes[4]],
            right=[nodes[1]],
            group_number=2,
            title="Budget",
            entry_id="group_budget",
        ),
    )
    result = await open_options(hass, total_group)
    typed = {CONF_LEFT: nodes[1], CONF_RIGHT: [nodes[2]], CONF_GROUP_NUMBER: 2}
    result = await hass.config_entries.options.async_configure(result["flow_id"], typed)
    assert result["step_id"] == "group_members"
    assert_refused(
        result, CONF_GROUP_NUMBER, "group_number_taken", flow="options", group="2", name="Budget"
    )
    # What was typed is kept, not the group's current members; the description still shows them.
    assert suggested(result) == typed
    assert result["description_placeholders"]["notation"] == "G1: 1 > 2/3"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**typed, CONF_NOTATION: "G2: 1 > 2"}
    )
    assert_refused(
        result, CONF_NOTATION, "group_number_taken", flow="options", group="2", name="Budget"
    )
    assert total_group.options[CONF_RIGHT] == [nodes[2], nodes[3]]


@pytest.mark.parametrize(
    ("typed", "where", "problem", "placeholders"),
    [
        ({CONF_NOTATION: "1 > 2 > 3"}, CONF_NOTATION, "notation_syntax", {"position": "7"}),
        ({CONF_NOTATION: "1/2 > 3"}, CONF_NOTATION, "one_total", {}),
        ({CONF_NOTATION: "1 > 7"}, CONF_NOTATION, "unknown_port", {"port": "7"}),
        ({CONF_LEFT: "node_1"}, CONF_RIGHT, "empty_side", {}),
        ({CONF_RIGHT: ["node_2"]}, CONF_LEFT, "empty_side", {}),
    ],
)
async def test_options_refused(
    hass: HomeAssistant,
    total_group: MockConfigEntry,
    *,
    typed: dict[str, Any],
    where: str,
    problem: str,
    placeholders: dict[str, str],
) -> None:
    result = await open_options(hass, total_group)
    result = await hass.config_entries.options.async_configure(result["flow_id"], typed)
    assert_refused(result, where, problem, flow="options", **placeholders)
    assert suggested(result) == typed


async def test_options_of_a_forecast_group_to_a_template(
    hass: HomeAssistant, nodes: dict[int, str]
) -> None:
    entry = await setup_node(
        hass,
        group_entry(
            kind=FORECAST, left=[nodes[1]], right=[nodes[2]], entry_id="group_budget", window="hour"
        ),
    )
    result = await open_options(hass, entry)
    # The forecast ports must be cleared for a template.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**suggested(result), CONF_FORECAST_TEMPLATE: TEMPLATE}
    )
    assert_refused(result, CONF_FORECAST_TEMPLATE, "forecast_twice", flow="options")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_RIGHT: [nodes[2]], CONF_FORECAST_TEMPLATE: TEMPLATE}
    )
    assert result["step_id"] == "group_threshold"
    assert result["description_placeholders"] == {"notation": "T > 2"}
    assert suggested(result)[CONF_WINDOW] == "hour"
    result = await hass.config_entries.options.async_configure(result["flow_id"], suggested(result))
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_LEFT] == []
    assert entry.options[CONF_FORECAST_TEMPLATE] == TEMPLATE
    assert entry.options[CONF_WINDOW] == "hour"
    assert entry.runtime_data.settings.forecast_template == TEMPLATE
    assert_group_running(hass, entry.entry_id, "forecast", "measured", template=True)
