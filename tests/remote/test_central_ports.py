"""A remote port at the central is a port like a local one: bound in groups, named in reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_mqtt_message
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.core.region_wire import PortState, encode, state_topic
from custom_components.carbon_tracker.ports import next_free_port, port_of, used_ports
from tests.common import (
    add_nodes,
    approx,
    group_entry,
    import_hourly_sums,
    pick_kind,
    recorded,
    setup_node,
    state_number,
)
from tests.remote.conftest import (
    PORT_BASE,
    PREFIX,
    SITE,
    add_remote,
    remote_entry,
    remote_port_entity,
    settle,
    site_state,
)

MAIN = f"remote_{SITE}#1"
SUB_A = f"remote_{SITE}#2"
SUB_B = f"remote_{SITE}#3"


def report_day() -> datetime:
    """A day of 24 hours in HA's time zone (the test's), reported three days later."""
    return datetime(2026, 11, 2, tzinfo=dt_util.get_default_time_zone())


async def import_remote_hours(hass: HomeAssistant, rates: list[tuple[str, int, float]]) -> None:
    """48 hours of statistics from the report day on, for remote ports (site, port, kg/h)."""
    await recorded(hass)
    for site, port, per_hour in rates:
        entity_id = remote_port_entity(hass, port, site)
        assert entity_id is not None
        import_hourly_sums(
            hass,
            entity_id,
            [(report_day() + timedelta(hours=hour), per_hour * (hour + 1)) for hour in range(48)],
        )
    await recorded(hass)


async def report_of_the_day(hass: HomeAssistant, ports: list[int]) -> dict[str, Any]:
    """The report day's report of these ports, as the action answers."""
    report = await hass.services.async_call(
        DOMAIN,
        "generate_report",
        {
            "period": "day",
            "start": report_day().isoformat(),
            "end": (report_day() + timedelta(days=1)).isoformat(),
            "nodes": ports,
        },
        blocking=True,
        return_response=True,
    )
    assert report is not None
    return dict(report)


async def hear(hass: HomeAssistant, kilograms: dict[int, float], count: int = 1) -> None:
    """The site's ports 1 to 3, as the central hears them."""
    for port, kg in kilograms.items():
        async_fire_mqtt_message(hass, *site_state(kg, (1, count), port=port, cycle=f"c{port}"))
    await settle(hass)


async def test_remote_ports_are_numbered_at_the_central_and_known_as_ports(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    await add_nodes(hass, 1)
    await add_remote(hass)
    await hear(hass, {1: 10.0, 2: 6.0, 3: 3.5})
    assert used_ports(hass) == {1, PORT_BASE + 1, PORT_BASE + 2, PORT_BASE + 3}
    assert next_free_port(hass) == 2
    port = port_of(hass, MAIN)
    assert port is not None
    assert (port.number, port.name) == (PORT_BASE + 1, "Central factory-a Port 1001 · Grid")
    assert port_of(hass, f"remote_{SITE}#9") is None


async def test_a_region_main_meter_against_its_sites_ports(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    """A total-vs-sub group over remote ports follows them exactly."""
    await add_remote(hass)
    await hear(hass, {1: 10.0, 2: 6.0, 3: 3.5})
    await setup_node(hass, group_entry(left=[MAIN], right=[SUB_A, SUB_B]))
    assert state_number(hass, "sensor.main_vs_subs_total") == approx(0.0)
    await hear(hass, {1: 12.0, 2: 7.0, 3: 4.0}, count=2)
    # The window started with the remote totals as they were: it counts what came since.
    assert state_number(hass, "sensor.main_vs_subs_total") == approx(2.0)
    assert state_number(hass, "sensor.main_vs_subs_sum_of_sub_meters") == approx(1.5)
    assert state_number(hass, "sensor.main_vs_subs_error") == approx(0.5)


async def test_an_offline_sites_ports_are_missing_members_until_it_is_back(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    """The site's last will (offline): its port sensors are unavailable and the group lists them
    as missing; back online, what the site counted meanwhile enters the group's window."""
    await add_remote(hass)
    async_fire_mqtt_message(hass, f"{PREFIX}/{SITE}/status", "online")
    await hear(hass, {1: 10.0, 2: 6.0, 3: 3.5})
    group = await setup_node(hass, group_entry(left=[MAIN], right=[SUB_A, SUB_B]))
    async_fire_mqtt_message(hass, f"{PREFIX}/{SITE}/status", "offline")
    await settle(hass)
    entity_id = remote_port_entity(hass, 2)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "unavailable"
    site = hass.states.get("sensor.central_factory_a_site_emissions")
    assert site is not None
    assert site.attributes["online"] is False
    assert site.state == "19.5"
    assert [member["port"] for member in group.runtime_data.missing_members()] == [
        PORT_BASE + 1,
        PORT_BASE + 2,
        PORT_BASE + 3,
    ]
    # The site comes back with what it counted while it was away.
    async_fire_mqtt_message(hass, f"{PREFIX}/{SITE}/status", "online")
    await hear(hass, {1: 12.0, 2: 7.0, 3: 4.0}, count=2)
    assert state_number(hass, entity_id) == approx(7.0)
    assert group.runtime_data.missing_members() == []
    assert state_number(hass, "sensor.main_vs_subs_total") == approx(2.0)
    assert state_number(hass, "sensor.main_vs_subs_sum_of_sub_meters") == approx(1.5)


async def test_the_group_form_offers_remote_ports_and_reads_them_in_the_notation(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    await add_remote(hass)
    await hear(hass, {1: 10.0, 2: 6.0, 3: 3.5})
    result = await pick_kind(hass, "binding_group")
    assert result["step_id"] == "binding_group"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Region", "group_kind": "total_vs_sub"}
    )
    offered = {
        option["value"]: option["label"]
        for option in result["data_schema"].schema["right"].config["options"]
    }
    assert offered[SUB_A] == "1002 · Central factory-a Port 1002 · Grid"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"notation": "1001 > 1002/1003"}
    )
    assert result["step_id"] == "group_threshold"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"window": "day"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"]["left"] == [MAIN]
    assert result["options"]["right"] == [SUB_A, SUB_B]


async def test_a_remote_site_deleted_leaves_its_ports_as_missing_members(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    remote = await add_remote(hass)
    await hear(hass, {1: 10.0, 2: 6.0, 3: 3.5})
    group = await setup_node(hass, group_entry(left=[MAIN], right=[SUB_A, SUB_B]))
    await hass.config_entries.async_remove(remote.entry_id)
    await hass.async_block_till_done()
    members = group.runtime_data.members
    assert [members[member].port for member in (MAIN, SUB_A, SUB_B)] == [None, None, None]


async def test_a_report_names_remote_ports_and_reconciles_with_their_statistics(
    recorder_mock: None,
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(report_day() + timedelta(days=3))
    await add_remote(hass)
    await hear(hass, {1: 10.0, 2: 6.0})
    await import_remote_hours(hass, [(SITE, 1, 1.0), (SITE, 2, 0.5)])
    report = await report_of_the_day(hass, [PORT_BASE + 1, PORT_BASE + 2])
    rows = {row["port"]: row for row in report["nodes"]}
    assert set(rows) == {PORT_BASE + 1, PORT_BASE + 2}
    assert rows[PORT_BASE + 1]["factor_source"] == "site factory-a: typed in"
    assert rows[PORT_BASE + 1]["scope"] == "2"
    # The day's change of each remote port's statistics sum (hours 1 to 24 of the import).
    assert report["periods"][0]["nodes"] == {
        str(PORT_BASE + 1): approx(24.0),
        str(PORT_BASE + 2): approx(12.0),
    }
    assert report["total_kg"] == approx(36.0)


async def test_a_region_report_gives_each_sites_inventory_with_its_scopes(
    recorder_mock: None,
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two sites at the central: the report splits the region's inventory by site and scope."""
    freezer.move_to(report_day() + timedelta(days=3))
    await add_remote(hass)
    await setup_node(hass, remote_entry(site="factory-b", port_base=2000))
    gas = PortState(SITE, 2, "c2", (1, 1), 1.0, "Boiler", "1", "typed in")
    async_fire_mqtt_message(hass, *site_state(10.0, (1, 1), port=1, cycle="c1"))
    async_fire_mqtt_message(hass, state_topic(PREFIX, SITE, 2, "c2"), encode(gas))
    async_fire_mqtt_message(hass, *site_state(5.0, (1, 1), port=1, cycle="b1", site="factory-b"))
    await settle(hass)
    await import_remote_hours(hass, [(SITE, 1, 1.0), (SITE, 2, 0.25), ("factory-b", 1, 2.0)])
    report = await report_of_the_day(hass, [PORT_BASE + 1, PORT_BASE + 2, 2001])
    assert report["sites"] == [
        {"site": SITE, "total_kg": approx(30.0), "scopes": {"1": approx(6.0), "2": approx(24.0)}},
        {"site": "factory-b", "total_kg": approx(48.0), "scopes": {"2": approx(48.0)}},
    ]
    assert report["scopes"] == {"1": approx(6.0), "2": approx(72.0)}
    assert report["total_kg"] == approx(78.0)
    # An offline site's ports keep their site, scope and source in the report.
    async_fire_mqtt_message(hass, f"{PREFIX}/factory-b/status", "offline")
    await settle(hass)
    again = await report_of_the_day(hass, [2001])
    (row,) = again["nodes"]
    assert (row["scope"], row["factor_source"]) == ("2", "site factory-b: typed in")
    assert again["sites"] == [
        {"site": "factory-b", "total_kg": approx(48.0), "scopes": {"2": approx(48.0)}}
    ]


async def test_a_group_set_up_before_its_remote_ports_were_heard_of_finds_them(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    """A central started before its sites: the members are missing, then there, issue gone."""
    await add_remote(hass)
    group = await setup_node(hass, group_entry(left=[MAIN], right=[SUB_A]))
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, f"member_deleted_{group.entry_id}") is not None
    await hear(hass, {1: 10.0, 2: 6.0})
    assert issues.async_get_issue(DOMAIN, f"member_deleted_{group.entry_id}") is None
    await hear(hass, {1: 11.0, 2: 6.5}, count=2)
    assert state_number(hass, "sensor.main_vs_subs_total") == approx(1.0)
    assert state_number(hass, "sensor.main_vs_subs_sum_of_sub_meters") == approx(0.5)
