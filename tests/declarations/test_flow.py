"""Tests for the declaration config flow step and options flow (declarations/flow.py)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import assert_refused, declaration_entry, kind_form, node_entry
from tests.declarations.conftest import People

UK_GRID = "uk_desnz_2025_electricity"  # 0.177 kg CO2e/kWh
UK_GRID_KG = 0.177
CN_GRID = "cn_mee_grid_national_2023"
US_GRID = "us_egrid_2022_average"
EBIKE = {"id": "ebike", "unit": "km", "kg_per_unit": 0.005}
# What the settings form sends when nothing is changed (the options of ``declaration_entry``).
SETTINGS = {
    "port": 40,
    "grid_factor_id": UK_GRID,
    "max_age_days": 7,
    "reminder": False,
    "reminder_time": "20:00:00",
    "form_path": "/lovelace/declare",
}


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def suggested(result: FlowResult) -> dict[str, Any]:
    """Every field's pre-filled value (fields without one are left out)."""
    values = {}
    for marker in result["data_schema"].schema:
        if marker.description and "suggested_value" in marker.description:
            values[str(marker)] = marker.description["suggested_value"]
    return values


def field_selector(result: FlowResult, name: str) -> Any:
    """The selector of one field of the form."""
    return next(value for marker, value in result["data_schema"].schema.items() if marker == name)


async def declaration_form(hass: HomeAssistant) -> FlowResult:
    """The user menu, then the declaration form."""
    return await kind_form(hass, "declaration")


async def submit_declaration(hass: HomeAssistant, **changes: Any) -> FlowResult:
    """Open the declaration form and submit it for Blair (valid unless ``changes`` say so)."""
    result = await declaration_form(hass)
    user_input = {**SETTINGS, "person": "person.blair", "port": 41, **changes}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    await hass.async_block_till_done()
    return result


async def settings_form(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult:
    """The options flow of a declaration entry, on its one form."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "declaration_settings"
    assert result["errors"] == {}
    return result


async def submit_settings(
    hass: HomeAssistant, entry: MockConfigEntry, user_input: dict[str, Any]
) -> FlowResult:
    """Open the options flow and submit ``user_input``; the entry has reloaded after."""
    result = await settings_form(hass, entry)
    result = await hass.config_entries.options.async_configure(result["flow_id"], user_input)
    await hass.async_block_till_done()
    return result


async def declare(hass: HomeAssistant, user_id: str, *items: dict[str, Any]) -> dict[str, Any]:
    """Declare today for the calling user's person; the breakdown."""
    response = await hass.services.async_call(
        DOMAIN,
        "declare",
        {"items": list(items)},
        blocking=True,
        return_response=True,
        context=Context(user_id=user_id),
    )
    assert response is not None
    return response


def declared_total(hass: HomeAssistant, entity_id: str = "sensor.alex_declared_total") -> float:
    """A person's declared total, as the state machine shows it."""
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


# --------------------------------------------------------------------------------------------------
# The form
# --------------------------------------------------------------------------------------------------


async def test_the_form_suggests_the_next_free_port_and_the_uk_grid(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """The form asks the person and the settings; the port suggested is the lowest free one."""
    node_entry(port=1).add_to_hass(hass)
    hass.config.country = None
    result = await declaration_form(hass)
    assert [str(marker) for marker in result["data_schema"].schema] == [
        "person",
        "port",
        "grid_factor_id",
        "grid_factor",
        "max_age_days",
        "reminder",
        "reminder_time",
        "form_path",
    ]
    assert suggested(result) == {"port": 2, "grid_factor_id": UK_GRID}
    assert field_selector(result, "person").config["domain"] == ["person"]


@pytest.mark.parametrize(
    ("country", "grid_factor_id"),
    [("GB", UK_GRID), ("FR", UK_GRID), ("CN", CN_GRID), ("US", US_GRID)],
)
async def test_the_grid_factor_suggested_follows_the_country(
    hass: HomeAssistant, country: str, grid_factor_id: str
) -> None:
    """China and the US get their national grid; every other country the UK's."""
    hass.config.country = country
    result = await declaration_form(hass)
    assert suggested(result)["grid_factor_id"] == grid_factor_id
    assert grid_factor_id in {
        option["value"] for option in field_selector(result, "grid_factor_id").config["options"]
    }


async def test_the_grid_factor_list_holds_only_electricity_per_kwh(hass: HomeAssistant) -> None:
    """The table's gas, heat and fuel factors are not offered for home electricity."""
    result = await declaration_form(hass)
    options = field_selector(result, "grid_factor_id").config["options"]
    ids = {option["value"] for option in options}
    assert {UK_GRID, CN_GRID, US_GRID, "cn_mee_grid_south_2023"} <= ids
    assert "uk_desnz_2025_natural_gas_kwh" not in ids  # per kWh, but gas
    assert "uk_desnz_2025_heat_kwh" not in ids  # per kWh, but heat
    assert all("grid" in value or "electricity" in value for value in ids)
    labels = {option["value"]: option["label"] for option in options}
    assert labels[UK_GRID] == "UK grid electricity 2025: 0.177 kg CO2e/kWh"


# --------------------------------------------------------------------------------------------------
# Creating an entry
# --------------------------------------------------------------------------------------------------


async def test_create_an_entry_for_a_person(hass: HomeAssistant, people: People) -> None:
    """The title is the person's name, the data the person; the options are typed and trimmed."""
    result = await submit_declaration(
        hass,
        port=41.0,
        max_age_days=30.0,
        reminder=True,
        reminder_time="21:30:00",
        form_path="/dashboard-home/declare  ",
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Blair"
    assert result["data"] == {"kind": "declaration", "person": "person.blair"}
    assert result["options"] == {
        "port": 41,
        "grid_factor_id": UK_GRID,
        "max_age_days": 30,
        "reminder": True,
        "reminder_time": "21:30:00",
        "form_path": "/dashboard-home/declare",
        "activities": [],
    }
    assert isinstance(result["options"]["port"], int)
    assert isinstance(result["options"]["max_age_days"], int)
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.settings.grid_factor == UK_GRID_KG
    assert hass.states.get("sensor.blair_declared_total") is not None


async def test_a_typed_grid_factor_is_kept_alone(hass: HomeAssistant, people: People) -> None:
    """A typed grid factor without a table one: only the typed one is kept, as a float."""
    user_input = {key: value for key, value in SETTINGS.items() if key != "grid_factor_id"}
    result = await declaration_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**user_input, "person": "person.blair", "port": 41, "grid_factor": 0}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "grid_factor_id" not in result["options"]
    assert result["options"]["grid_factor"] == 0.0
    assert isinstance(result["options"]["grid_factor"], float)
    assert result["result"].runtime_data.settings.grid_factor == 0.0


# What is kept when only the person and port 41 are given (no grid factor at all).
DEFAULTS_ON_PORT_41 = {
    "port": 41,
    "max_age_days": 7,
    "reminder": False,
    "reminder_time": "20:00:00",
    "form_path": "/lovelace/declare",
    "activities": [],
}


async def test_no_grid_factor_at_all(hass: HomeAssistant, people: People) -> None:
    """Both grid choices left empty: neither is kept, and home electricity has no factor."""
    user_input = {key: value for key, value in SETTINGS.items() if key != "grid_factor_id"}
    result = await declaration_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**user_input, "person": "person.blair", "port": 41}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == DEFAULTS_ON_PORT_41
    assert result["result"].runtime_data.settings.grid_factor is None


async def test_the_defaults_fill_what_is_not_sent(hass: HomeAssistant, people: People) -> None:
    """Only the person and the port sent: the limits, reminder and form are the defaults."""
    result = await declaration_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"person": "person.blair", "port": 41}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == DEFAULTS_ON_PORT_41


# --------------------------------------------------------------------------------------------------
# Refused entries
# --------------------------------------------------------------------------------------------------


async def test_a_person_has_one_declaration_entry(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """A second entry for Alex is refused on the person; nothing is created."""
    result = await submit_declaration(hass, person="person.alex")
    assert assert_refused(result, "person", "person_already_declares") == (
        "This person already has a declaration entry."
    )
    assert hass.config_entries.async_entries(DOMAIN) == [alex_entry]


async def test_a_person_not_set_up_yet_is_taken_too(hass: HomeAssistant, people: People) -> None:
    """An entry not loaded (not set up) still holds its person."""
    blair = declaration_entry("person.blair", port=41, title="Blair")
    blair.add_to_hass(hass)
    result = await submit_declaration(hass, port=42)
    assert_refused(result, "person", "person_already_declares")
    assert hass.config_entries.async_entries(DOMAIN) == [blair]


async def test_the_person_must_exist(hass: HomeAssistant, people: People) -> None:
    """A person entity that is not in the state machine is refused on the person."""
    result = await submit_declaration(hass, person="person.nobody")
    assert assert_refused(result, "person", "person_not_found") == "That person does not exist."
    assert hass.config_entries.async_entries(DOMAIN) == []
    # The form comes back with what was typed.
    assert suggested(result)["person"] == "person.nobody"
    assert suggested(result)["port"] == 41


async def test_the_port_of_a_node_is_refused(hass: HomeAssistant, people: People) -> None:
    """A port a tracking node already has is refused on the port."""
    node = node_entry(port=5)
    node.add_to_hass(hass)
    result = await submit_declaration(hass, port=5)
    assert_refused(result, "port", "port_in_use")
    assert hass.config_entries.async_entries(DOMAIN) == [node]


async def test_the_port_of_another_declaration_is_refused(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """Declaration entries are ports too: Blair cannot take Alex's."""
    result = await submit_declaration(hass, port=40)
    assert_refused(result, "port", "port_in_use")
    assert hass.config_entries.async_entries(DOMAIN) == [alex_entry]


async def test_a_grid_factor_is_picked_or_typed_not_both(
    hass: HomeAssistant, people: People
) -> None:
    """A table factor and a typed one: refused on the typed one."""
    result = await submit_declaration(hass, grid_factor_id=CN_GRID, grid_factor=0.5)
    assert assert_refused(result, "grid_factor", "grid_factor_twice") == (
        "Choose a table factor or type one, not both."
    )
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_the_form_path_is_trimmed_before_it_is_checked(
    hass: HomeAssistant, people: People
) -> None:
    """Spaces around a path are not part of it: it is accepted, and kept without them."""
    result = await submit_declaration(hass, form_path="  /dashboard-home/declare ")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"]["form_path"] == "/dashboard-home/declare"


@pytest.mark.parametrize(
    "form_path", ["lovelace/declare", "https://example.com/declare", "", "   ", " lovelace/x"]
)
async def test_the_form_must_be_a_path(hass: HomeAssistant, people: People, form_path: str) -> None:
    """A form that does not start with / is refused on the form."""
    result = await submit_declaration(hass, form_path=form_path)
    assert_refused(result, "form_path", "form_path_not_a_path")
    assert hass.config_entries.async_entries(DOMAIN) == []


# --------------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------------


async def test_the_options_form_shows_the_entry_as_it_is(
    hass: HomeAssistant, alex_entry: MockConfigEntry
) -> None:
    """Every setting is suggested as it is now, with the own activities last."""
    result = await settings_form(hass, alex_entry)
    assert [str(marker) for marker in result["data_schema"].schema] == [
        "port",
        "grid_factor_id",
        "grid_factor",
        "max_age_days",
        "reminder",
        "reminder_time",
        "form_path",
        "activities",
    ]
    assert suggested(result) == {**SETTINGS, "activities": []}
    assert result["description_placeholders"] == {"item": ""}


async def test_new_settings_reload_the_entry_and_keep_the_book(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """Saved settings are the entry's options, its runtime starts again with them, and what Alex
    declared before is still there; keeping its own port is not a clash."""
    breakdown = await declare(hass, people.alex.id, {"activity": "bus", "amount": 10})
    total = breakdown["declared_total_kg"]
    assert total > 0
    assert declared_total(hass) == pytest.approx(total)
    before = alex_entry.runtime_data

    result = await submit_settings(
        hass,
        alex_entry,
        {**SETTINGS, "max_age_days": 30, "reminder": True, "reminder_time": "07:15:00"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(alex_entry.options) == {
        **SETTINGS,
        "max_age_days": 30,
        "reminder": True,
        "reminder_time": "07:15:00",
        "activities": [],
    }
    assert alex_entry.state is ConfigEntryState.LOADED
    assert alex_entry.runtime_data is not before
    assert alex_entry.runtime_data.settings.max_age_days == 30
    assert alex_entry.runtime_data.book.total == pytest.approx(total)
    assert declared_total(hass) == pytest.approx(total)
    assert alex_entry.title == "Alex"
    assert alex_entry.data == {"kind": "declaration", "person": "person.alex"}


async def test_the_port_of_another_entry_is_refused_in_options(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """Moving to a node's port is refused; the options are unchanged."""
    node_entry(port=3).add_to_hass(hass)
    result = await submit_settings(hass, alex_entry, {**SETTINGS, "port": 3})
    assert_refused(result, "port", "port_in_use", flow="options")
    assert suggested(result)["port"] == 3
    assert alex_entry.options["port"] == 40


async def test_options_refuse_two_grid_factors_and_a_bad_form(
    hass: HomeAssistant, alex_entry: MockConfigEntry
) -> None:
    """The settings are checked as when the entry was created."""
    before = dict(alex_entry.options)
    result = await submit_settings(hass, alex_entry, {**SETTINGS, "grid_factor": 0.2})
    assert_refused(result, "grid_factor", "grid_factor_twice", flow="options")
    result = await submit_settings(hass, alex_entry, {**SETTINGS, "form_path": "declare"})
    assert_refused(result, "form_path", "form_path_not_a_path", flow="options")
    assert dict(alex_entry.options) == before


async def test_a_typed_grid_factor_replaces_the_table_one_and_can_be_cleared(
    hass: HomeAssistant, alex_entry: MockConfigEntry
) -> None:
    """Typing a factor instead of the table's keeps only it; clearing it drops it again."""
    typed = {key: value for key, value in SETTINGS.items() if key != "grid_factor_id"}
    result = await submit_settings(hass, alex_entry, {**typed, "grid_factor": 0.42})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert alex_entry.options["grid_factor"] == 0.42
    assert "grid_factor_id" not in alex_entry.options
    assert alex_entry.runtime_data.settings.grid_factor == 0.42

    result = await settings_form(hass, alex_entry)
    assert suggested(result)["grid_factor"] == 0.42
    assert "grid_factor_id" not in suggested(result)
    result = await hass.config_entries.options.async_configure(result["flow_id"], SETTINGS)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "grid_factor" not in alex_entry.options
    assert alex_entry.options["grid_factor_id"] == UK_GRID
    assert alex_entry.runtime_data.settings.grid_factor == UK_GRID_KG


# --------------------------------------------------------------------------------------------------
# Own activities
# --------------------------------------------------------------------------------------------------

ACTIVITY_ERRORS = [
    pytest.param({"id": "ebike"}, "activities_not_a_list", None, id="a mapping"),
    pytest.param("ebike", "activities_not_a_list", None, id="a string"),
    pytest.param(["ebike"], "activity_without_id", "1", id="not a mapping"),
    pytest.param([EBIKE, {"unit": "km", "kg_per_unit": 1}], "activity_without_id", "2", id="no id"),
    pytest.param([EBIKE, {"id": " ", "unit": "km"}], "activity_without_id", "2", id="blank id"),
    pytest.param([EBIKE, {**EBIKE, "id": " ebike "}], "activity_repeated", "ebike", id="repeated"),
    pytest.param(
        [{"id": "car_petrol", "unit": "km", "kg_per_unit": 0.1}],
        "activity_built_in",
        "car_petrol",
        id="built in",
    ),
    pytest.param([{"id": "boat", "kg_per_unit": 1}], "activity_without_unit", "boat", id="no unit"),
    pytest.param(
        [{"id": "boat", "unit": "  ", "kg_per_unit": 1}],
        "activity_without_unit",
        "boat",
        id="blank unit",
    ),
    pytest.param([{"id": "boat", "unit": "km"}], "activity_bad_factor", "boat", id="no factor"),
    pytest.param(
        [{"id": "boat", "unit": "km", "kg_per_unit": "0.1"}],
        "activity_bad_factor",
        "boat",
        id="text",
    ),
    pytest.param(
        [{"id": "boat", "unit": "km", "kg_per_unit": True}],
        "activity_bad_factor",
        "boat",
        id="bool",
    ),
    pytest.param(
        [{"id": "boat", "unit": "km", "kg_per_unit": -0.1}],
        "activity_bad_factor",
        "boat",
        id="negative",
    ),
    pytest.param(
        [{"id": "boat", "unit": "km", "kg_per_unit": float("inf")}],
        "activity_bad_factor",
        "boat",
        id="inf",
    ),
    pytest.param(
        [{"id": "boat", "unit": "km", "kg_per_unit": float("nan")}],
        "activity_bad_factor",
        "boat",
        id="nan",
    ),
]


@pytest.mark.parametrize(("activities", "problem", "item"), ACTIVITY_ERRORS)
async def test_own_activity_errors(
    hass: HomeAssistant,
    alex_entry: MockConfigEntry,
    activities: Any,
    problem: str,
    item: str | None,
) -> None:
    """Each problem of the own activities is refused on them, naming the item it is about."""
    result = await submit_settings(hass, alex_entry, {**SETTINGS, "activities": activities})
    if item is None:
        assert_refused(result, "activities", problem, flow="options")
    else:
        text = assert_refused(result, "activities", problem, flow="options", item=item)
        assert f"Activity {item}" in text
    assert suggested(result)["activities"] == activities
    assert alex_entry.options["activities"] == []


async def test_own_activities_price_a_declaration(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """Saved own activities can be declared; their source is the user unless one is given."""
    scooter = {"id": "scooter", "unit": "km", "kg_per_unit": 0, "source": "My meter"}
    result = await submit_settings(hass, alex_entry, {**SETTINGS, "activities": [EBIKE, scooter]})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert alex_entry.options["activities"] == [EBIKE, scooter]

    breakdown = await declare(
        hass,
        people.alex.id,
        {"activity": "ebike", "amount": 20},
        {"activity": "scooter", "amount": 3},
    )
    ebike, own_scooter = breakdown["items"]
    assert ebike["source"] == "declared by the user"
    assert ebike["unit"] == "km"
    assert ebike["factor"] == 0.005
    assert ebike["kg"] == pytest.approx(0.1)
    assert own_scooter["source"] == "My meter"
    assert own_scooter["kg"] == 0
    assert breakdown["total_kg"] == pytest.approx(0.1)
    assert declared_total(hass) == pytest.approx(0.1)


async def test_reconfigure_points_to_the_options(
    hass: HomeAssistant, alex_entry: MockConfigEntry
) -> None:
    """A declaration entry is its person's: reconfigure says its settings are in the options."""
    result = await alex_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "group_in_options"
    assert alex_entry.data == {"kind": "declaration", "person": "person.alex"}
