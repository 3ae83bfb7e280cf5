"""Adding a site publisher and a remote site: the forms, their errors, their options."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.ports import next_free_port, port_in_use, used_ports
from tests.common import add_nodes, group_entry, pick_kind, setup_node
from tests.remote.conftest import publisher_entry, remote_entry

PUBLISHER = {"name": "Factory A", "site_id": "factory-a", "prefix": "carbon_tracker"}
REMOTE = {"name": "Factory A", "site_id": "factory-a", "prefix": "carbon_tracker", "port_base": 100}


async def test_both_need_mqtt_set_up_first(hass: HomeAssistant) -> None:
    for kind in ("site_publisher", "remote_site"):
        result = await pick_kind(hass, kind)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "mqtt_not_set_up"


@pytest.mark.usefixtures("mqtt_mock")
async def test_a_publisher_needs_a_port_to_publish(hass: HomeAssistant) -> None:
    result = await pick_kind(hass, "site_publisher")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_nodes"


@pytest.mark.usefixtures("mqtt_mock")
async def test_a_publisher_is_added(hass: HomeAssistant) -> None:
    nodes = await add_nodes(hass, 1, 2)
    result = await pick_kind(hass, "site_publisher")
    assert result["step_id"] == "site_publisher"
    labels = {
        option["value"]: option["label"]
        for option in result["data_schema"].schema["ports"].config["options"]
    }
    assert labels == {nodes[1]: "1 · Meter 1", nodes[2]: "2 · Meter 2"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**PUBLISHER, "ports": [nodes[2]]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Factory A"
    assert result["data"] == {"kind": "site_publisher", "site_id": "factory-a"}
    assert result["options"] == {
        "prefix": "carbon_tracker",
        "ports": [nodes[2]],
        "group_sides": [],
        "side_ports": {},
    }
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"site_id": "Factory A"}, {"site_id": "site_id_invalid"}),
        ({"site_id": "-a"}, {"site_id": "site_id_invalid"}),
        ({"prefix": "a/+/b"}, {"prefix": "prefix_invalid"}),
        ({"prefix": "a//b"}, {"prefix": "prefix_invalid"}),
        ({"ports": []}, {"ports": "ports_required"}),
        ({"ports": ["not_a_port"]}, {"ports": "ports_required"}),
    ],
)
@pytest.mark.usefixtures("mqtt_mock")
async def test_a_publishers_form_refuses_by_field(
    hass: HomeAssistant, changes: dict[str, Any], errors: dict[str, str]
) -> None:
    nodes = await add_nodes(hass, 1)
    result = await pick_kind(hass, "site_publisher")
    user_input = {**PUBLISHER, "ports": [nodes[1]], **changes}
    if changes.get("ports") == ["not_a_port"]:
        # Not offered by the form's list: only a stale or hand-made answer has it.
        result["data_schema"].schema["ports"].config["options"].append(
            {"value": "not_a_port", "label": "gone"}
        )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    kinds = [entry.data["kind"] for entry in hass.config_entries.async_entries(DOMAIN)]
    assert "site_publisher" not in kinds


@pytest.mark.usefixtures("mqtt_mock")
async def test_a_publisher_s_options_change_its_ports(hass: HomeAssistant) -> None:
    nodes = await add_nodes(hass, 1, 2)
    entry = await setup_node(hass, publisher_entry([nodes[1]]))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "publishing"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"prefix": "region/north", "ports": []}
    )
    assert result["errors"] == {"ports": "ports_required"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"prefix": "region/north", "ports": [nodes[1], nodes[2]]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options == {
        "prefix": "region/north",
        "ports": [nodes[1], nodes[2]],
        "group_sides": [],
        "side_ports": {},
    }
    assert entry.runtime_data.settings.prefix == "region/north"


@pytest.mark.usefixtures("mqtt_mock")
async def test_a_publisher_publishes_group_sides_on_port_numbers_no_port_may_take(
    hass: HomeAssistant,
) -> None:
    """A group's sides are offered by group, name and side; each chosen side takes the next
    free port number, keeps it while it is published, and no node may take it."""
    nodes = await add_nodes(hass, 1, 2)
    await setup_node(
        hass, group_entry(left=[nodes[1]], right=[nodes[2]], entry_id="grp", group_number=1)
    )
    await setup_node(
        hass,
        group_entry(
            kind="forecast_vs_measured",
            right=[nodes[2]],
            forecast_template="{{ 3 }}",
            entry_id="plan",
            title="Plan",
            group_number=2,
        ),
    )
    result = await pick_kind(hass, "site_publisher")
    offered = {
        option["value"]: option["label"]
        for option in result["data_schema"].schema["group_sides"].config["options"]
    }
    # A template's forecast has no cumulative side: only the measured side is offered.
    assert offered == {
        "grp-left": "G1 · Main vs subs · total",
        "grp-right": "G1 · Main vs subs · subs",
        "plan-right": "G2 · Plan · measured",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**PUBLISHER, "ports": [], "group_sides": ["grp-right", "plan-right"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"]["side_ports"] == {"grp-right": 3, "plan-right": 4}
    await hass.async_block_till_done(wait_background_tasks=True)
    publisher = result["result"]
    assert used_ports(hass) == {1, 2, 3, 4}
    assert next_free_port(hass) == 5
    # A node cannot take a side's number.
    assert port_in_use(hass, 3)
    # Options: a side kept keeps its number; one dropped frees it; a new one takes the lowest.
    result = await hass.config_entries.options.async_init(publisher.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "prefix": "carbon_tracker",
            "ports": [nodes[1]],
            "group_sides": ["plan-right", "grp-left"],
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert publisher.options["side_ports"] == {"plan-right": 4, "grp-left": 3}
    # A side that is no longer there (a hand-made or stale answer) is refused.
    result = await hass.config_entries.options.async_init(publisher.entry_id)
    result["data_schema"].schema["group_sides"].config["options"].append(
        {"value": "gone-left", "label": "gone"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"prefix": "carbon_tracker", "group_sides": ["gone-left"]}
    )
    assert result["errors"] == {"group_sides": "group_sides_unknown"}


@pytest.mark.usefixtures("mqtt_mock")
async def test_a_remote_site_is_added_once(hass: HomeAssistant) -> None:
    result = await pick_kind(hass, "remote_site")
    assert result["step_id"] == "remote_site"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], REMOTE)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"kind": "remote_site", "site_id": "factory-a"}
    assert result["options"] == {"prefix": "carbon_tracker", "port_base": 100}
    await hass.async_block_till_done()
    # The same site again would count it twice.
    result = await pick_kind(hass, "remote_site")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], REMOTE)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"site_id": "factory a"}, {"site_id": "site_id_invalid"}),
        ({"prefix": "#"}, {"prefix": "prefix_invalid"}),
    ],
)
@pytest.mark.usefixtures("mqtt_mock")
async def test_a_remote_sites_form_refuses_by_field(
    hass: HomeAssistant, changes: dict[str, Any], errors: dict[str, str]
) -> None:
    result = await pick_kind(hass, "remote_site")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**REMOTE, **changes}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors


async def test_a_remote_site_s_options_keep_what_was_counted(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    entry = await setup_node(hass, remote_entry())
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "following"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"prefix": "bad prefix", "port_base": 5}
    )
    assert result["errors"] == {"prefix": "prefix_invalid"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"prefix": "carbon_tracker", "port_base": 5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.runtime_data.settings.port_base == 5
