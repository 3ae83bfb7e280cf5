"""Tests for the logistics config flow and options flow (logistics/flow.py)."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import EN, add_nodes, assert_refused, kind_form
from tests.logistics.conftest import logistics_entry as warehouse, record_shipment

WEBHOOK_ID = "0123456789abcdef0123456789abcdef"
WIDGET = {"model": "widget", "kg_per_unit": 12.5}
CRATE = {"model": "crate", "kg_per_unit": 40, "kg_co2e_per_km": 0.002}
SHIPMENT = {
    "order_id": "SO-1",
    "time": "2025-03-01T08:30:00+00:00",
    "model": "widget",
    "quantity": 20,
    "distance_km": 340,
    "mode": "hgv",
}
# 20 x 12.5 kg = 0.25 t, x 340 km x 0.10163 kg CO2e per tonne-km (DESNZ 2025 HGV).
SHIPMENT_KG = 0.25 * 340 * 0.10163


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def logistics_entry(
    *,
    port: int = 7,
    title: str = "Warehouse",
    entry_id: str = "logistics_main",
    webhook_id: str = WEBHOOK_ID,
    **options: Any,
) -> MockConfigEntry:
    """A logistics entry (tonne-km, one product, no mode override unless told otherwise)."""
    return warehouse(
        port=port,
        title=title,
        entry_id=entry_id,
        webhook_id=webhook_id,
        **{"products": [WIDGET], "modes": {}, **options},
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and set up an entry."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def suggested(result: FlowResult) -> dict[str, Any]:
    """Every field's pre-filled value (fields without one are left out)."""
    values = {}
    for marker in result["data_schema"].schema:
        if marker.description and "suggested_value" in marker.description:
            values[str(marker)] = marker.description["suggested_value"]
    return values


def defaults(result: FlowResult) -> dict[str, Any]:
    """Every field's default (fields without one are left out)."""
    values = {}
    for marker in result["data_schema"].schema:
        default = getattr(marker, "default", None)
        if callable(default):
            values[str(marker)] = default()
    return values


async def logistics_form(hass: HomeAssistant) -> FlowResult:
    """The user menu, then the logistics form."""
    return await kind_form(hass, "logistics")


async def submit(hass: HomeAssistant, **changes: Any) -> FlowResult:
    """Open a logistics flow and submit the form (valid unless ``changes`` say otherwise)."""
    result = await logistics_form(hass)
    user_input = {
        "name": "Warehouse",
        "port": 7,
        "method": "tonne_km",
        "products": [WIDGET],
        "modes": {},
        **changes,
    }
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


async def record(hass: HomeAssistant, port: int = 7, **changes: Any) -> dict[str, Any]:
    """Record one shipment through the action; its answer."""
    return await record_shipment(hass, port=port, **{**SHIPMENT, **changes})


# --------------------------------------------------------------------------------------------------
# Creating an entry
# --------------------------------------------------------------------------------------------------


async def test_create_flow(hass: HomeAssistant) -> None:
    result = await logistics_form(hass)
    assert [str(marker) for marker in result["data_schema"].schema] == [
        "name",
        "port",
        "method",
        "products",
        "modes",
    ]
    assert defaults(result) == {"port": 1, "method": "tonne_km", "products": [], "modes": {}}
    method = next(v for m, v in result["data_schema"].schema.items() if str(m) == "method")
    assert method.config["options"] == ["tonne_km", "per_km"]
    assert method.config["translation_key"] == "method"

    with patch(
        "custom_components.carbon_tracker.logistics.flow.webhook.async_generate_id",
        return_value=WEBHOOK_ID,
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "name": "  Main warehouse ",
                "port": 12.0,
                "method": "per_km",
                "products": [WIDGET, CRATE],
                "modes": {"rail": {"per_km_multiplier": 1.2}, "barge": {"kg_per_tonne_km": 0.03}},
            },
        )
        await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Main warehouse"
    assert result["data"] == {"kind": "logistics", "webhook_id": WEBHOOK_ID}
    assert result["options"] == {
        "port": 12,
        "method": "per_km",
        "products": [WIDGET, CRATE],
        "modes": {"rail": {"per_km_multiplier": 1.2}, "barge": {"kg_per_tonne_km": 0.03}},
    }
    assert isinstance(result["options"]["port"], int)
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.main_warehouse_logistics_emissions") is not None


async def test_create_flow_generates_a_webhook_id(hass: HomeAssistant) -> None:
    """Without catalogues given, the defaults are stored; each entry gets its own webhook id."""
    result = await logistics_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "North", "port": 3, "method": "tonne_km"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {"port": 3, "method": "tonne_km", "products": [], "modes": {}}
    first = result["data"]["webhook_id"]
    assert isinstance(first, str)
    assert len(first) >= 32

    result = await submit(hass, name="South", port=4)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["webhook_id"] != first


# --------------------------------------------------------------------------------------------------
# Catalogue errors
# --------------------------------------------------------------------------------------------------

PRODUCT_ERRORS = [
    pytest.param({"model": "widget"}, "products_not_a_list", "", id="a mapping"),
    pytest.param("widget", "products_not_a_list", "", id="a string"),
    pytest.param(["widget"], "product_without_model", "1", id="not a mapping"),
    pytest.param([WIDGET, {"kg_per_unit": 2}], "product_without_model", "2", id="no model"),
    pytest.param([{"model": "  ", "kg_per_unit": 2}], "product_without_model", "1", id="blank"),
    pytest.param([WIDGET, CRATE, WIDGET], "product_repeated", "widget", id="repeated"),
    pytest.param([{"model": "box"}], "product_bad_mass", "box", id="no mass"),
    pytest.param([{"model": "box", "kg_per_unit": 0}], "product_bad_mass", "box", id="zero"),
    pytest.param([{"model": "box", "kg_per_unit": -1}], "product_bad_mass", "box", id="neg"),
    pytest.param([{"model": "box", "kg_per_unit": "heavy"}], "product_bad_mass", "box", id="text"),
    pytest.param([{"model": "box", "kg_per_unit": True}], "product_bad_mass", "box", id="bool"),
    pytest.param(
        [{"model": "box", "kg_per_unit": float("nan")}], "product_bad_mass", "box", id="nan"
    ),
    pytest.param(
        [{"model": "box", "kg_per_unit": [1]}], "product_bad_mass", "box", id="a list mass"
    ),
    pytest.param(
        [{"model": "box", "kg_per_unit": 1, "kg_co2e_per_km": -0.1}],
        "product_bad_factor",
        "box",
        id="negative factor",
    ),
    pytest.param(
        [{"model": "box", "kg_per_unit": 1, "kg_co2e_per_km": "x"}],
        "product_bad_factor",
        "box",
        id="text factor",
    ),
    pytest.param(
        [{"model": "box", "kg_per_unit": 1, "kg_co2e_per_km": float("inf")}],
        "product_bad_factor",
        "box",
        id="infinite factor",
    ),
]
MODE_ERRORS = [
    pytest.param(["hgv"], "modes_not_a_mapping", "", id="a list"),
    pytest.param("hgv: 1", "modes_not_a_mapping", "", id="a string"),
    pytest.param({"hgv": 0.2}, "mode_bad_override", "hgv", id="not a mapping"),
    pytest.param({"rail": {"kg_per_tonne_km": -0.01}}, "mode_bad_override", "rail", id="negative"),
    pytest.param(
        {"rail": {"per_km_multiplier": -1}}, "mode_bad_override", "rail", id="neg multiplier"
    ),
    pytest.param({"van": {"kg_per_tonne_km": "lots"}}, "mode_bad_override", "van", id="text"),
    pytest.param({"van": {"kg_per_tonne_km": None}}, "mode_bad_override", "van", id="null"),
    pytest.param(
        {"hgv": {"kg_per_tonne_km": 0.1}, "barge": {"kg_per_tonne_kms": 0.03}},
        "mode_bad_override",
        "barge",
        id="unknown key",
    ),
]


@pytest.mark.parametrize(("products", "problem", "item"), PRODUCT_ERRORS)
async def test_product_errors(hass: HomeAssistant, products: Any, problem: str, item: str) -> None:
    result = await submit(hass, products=products)
    text = assert_refused(result, "products", problem, **({"item": item} if item else {}))
    if item:
        assert item in text
    assert result["description_placeholders"]["item"] == item
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.parametrize(("modes", "problem", "item"), MODE_ERRORS)
async def test_mode_errors(hass: HomeAssistant, modes: Any, problem: str, item: str) -> None:
    result = await submit(hass, modes=modes)
    text = assert_refused(result, "modes", problem, **({"item": item} if item else {}))
    if item:
        assert item in text
    assert result["description_placeholders"]["item"] == item
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_good_catalogues_pass(hass: HomeAssistant) -> None:
    """Zero factors and overrides are allowed, as are numbers typed as text."""
    result = await submit(
        hass,
        products=[
            {"model": "free", "kg_per_unit": "0.5", "kg_co2e_per_km": 0},
            {"model": "none", "kg_per_unit": 1, "kg_co2e_per_km": None},
        ],
        modes={"hgv": {}, "rail": {"kg_per_tonne_km": 0, "per_km_multiplier": "1.5"}},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_error_texts_exist_in_both_flows() -> None:
    keys = {
        "products_not_a_list",
        "product_without_model",
        "product_repeated",
        "product_bad_mass",
        "product_bad_factor",
        "modes_not_a_mapping",
        "mode_bad_override",
        "port_in_use",
    }
    assert keys <= set(EN["config"]["error"])
    assert keys <= set(EN["options"]["error"])


# --------------------------------------------------------------------------------------------------
# Ports
# --------------------------------------------------------------------------------------------------


async def test_port_in_use_by_a_node(hass: HomeAssistant) -> None:
    await add_nodes(hass, 1)
    result = await logistics_form(hass)
    assert defaults(result)["port"] == 2  # the next free one

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"name": "Warehouse", "port": 1, "method": "tonne_km", "products": [WIDGET]},
    )
    assert_refused(result, "port", "port_in_use")

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"name": "Warehouse", "port": 2, "method": "tonne_km", "products": [WIDGET]},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"]["port"] == 2


async def test_port_in_use_by_another_logistics_entry(hass: HomeAssistant) -> None:
    await setup_entry(hass, logistics_entry(port=7))
    result = await logistics_form(hass)
    assert defaults(result)["port"] == 1
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"name": "Second", "port": 7, "method": "tonne_km", "products": [WIDGET]},
    )
    assert_refused(result, "port", "port_in_use")


async def test_port_checked_before_catalogues(hass: HomeAssistant) -> None:
    await add_nodes(hass, 1)
    result = await submit(hass, port=1, products="not a list")
    assert_refused(result, "port", "port_in_use")


async def test_what_was_typed_is_kept(hass: HomeAssistant) -> None:
    await add_nodes(hass, 1)
    typed = {
        "name": "Warehouse",
        "port": 1,
        "method": "per_km",
        "products": [CRATE],
        "modes": {"rail": {"per_km_multiplier": 2}},
    }
    result = await logistics_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert_refused(result, "port", "port_in_use")
    assert suggested(result) == typed

    typed = {**typed, "port": 5, "products": [CRATE, CRATE]}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert_refused(result, "products", "product_repeated", item="crate")
    assert suggested(result) == typed


# --------------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------------


async def test_options_pre_filled(hass: HomeAssistant) -> None:
    entry = await setup_entry(
        hass,
        logistics_entry(
            method="per_km", products=[CRATE], modes={"rail": {"per_km_multiplier": 1.2}}
        ),
    )
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "catalogues"
    assert result["errors"] == {}
    assert [str(marker) for marker in result["data_schema"].schema] == [
        "port",
        "method",
        "products",
        "modes",
    ]
    assert suggested(result) == {
        "port": 7,
        "method": "per_km",
        "products": [CRATE],
        "modes": {"rail": {"per_km_multiplier": 1.2}},
    }
    assert result["description_placeholders"] == {"item": "", "webhook_id": WEBHOOK_ID}
    text = EN["options"]["step"]["catalogues"]["description"]
    assert WEBHOOK_ID in text.format(**result["description_placeholders"])


async def test_options_errors(hass: HomeAssistant) -> None:
    await add_nodes(hass, 1)
    await setup_entry(
        hass, logistics_entry(port=9, entry_id="logistics_other", title="Other", webhook_id="other")
    )
    entry = await setup_entry(hass, logistics_entry(port=7))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    typed = {"port": 1, "method": "tonne_km", "products": [WIDGET], "modes": {}}

    result = await hass.config_entries.options.async_configure(result["flow_id"], typed)
    assert_refused(result, "port", "port_in_use", flow="options")
    assert suggested(result) == typed
    assert result["description_placeholders"]["webhook_id"] == WEBHOOK_ID

    typed = {**typed, "port": 9}
    result = await hass.config_entries.options.async_configure(result["flow_id"], typed)
    assert_refused(result, "port", "port_in_use", flow="options")

    typed = {**typed, "port": 8, "modes": {"hgv": {"kg_per_tonne_km": -1}}}
    result = await hass.config_entries.options.async_configure(result["flow_id"], typed)
    assert_refused(result, "modes", "mode_bad_override", flow="options", item="hgv")
    assert suggested(result) == typed

    typed = {**typed, "products": [{"model": "box", "kg_per_unit": 0}]}
    result = await hass.config_entries.options.async_configure(result["flow_id"], typed)
    assert_refused(result, "products", "product_bad_mass", flow="options", item="box")
    assert entry.options["port"] == 7


async def test_options_keep_own_port(hass: HomeAssistant) -> None:
    """The entry's own port is not 'in use'; omitted catalogues are stored as empty."""
    entry = await setup_entry(hass, logistics_entry(port=7))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"port": 7.0, "method": "tonne_km"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {
        "port": 7,
        "method": "tonne_km",
        "products": [],
        "modes": {},
    }


async def test_new_catalogues_reload_and_keep_the_ledger(hass: HomeAssistant) -> None:
    entry = await setup_entry(hass, logistics_entry(port=7))
    answer = await record(hass)
    assert answer["accepted"] == 1
    total = "sensor.warehouse_logistics_emissions"
    assert float(hass.states.get(total).state) == pytest.approx(SHIPMENT_KG, abs=1e-9)
    old_runtime = entry.runtime_data

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "port": 8,
            "method": "tonne_km",
            "products": [WIDGET, CRATE],
            "modes": {"hgv": {"kg_per_tonne_km": 0.2}},
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not old_runtime  # reloaded
    assert entry.options["port"] == 8

    # The ledger is kept: the old shipment at its old price.
    assert float(hass.states.get(total).state) == pytest.approx(SHIPMENT_KG, abs=1e-9)
    # The new catalogues are in force: a crate, 10 x 40 kg = 0.4 t x 100 km x 0.2.
    answer = await record(
        hass, port=8, order_id="SO-2", model="crate", quantity=10, distance_km=100
    )
    assert answer["results"][0]["kg"] == pytest.approx(0.4 * 100 * 0.2)
    assert float(hass.states.get(total).state) == pytest.approx(
        SHIPMENT_KG + 0.4 * 100 * 0.2, abs=1e-9
    )


async def test_reconfigure_aborts(hass: HomeAssistant) -> None:
    entry = await setup_entry(hass, logistics_entry())
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "group_in_options"
