"""The demo's Carbon dashboard follows the entries: a node or a group added (or removed) shows (or
goes) without editing the dashboard, in the server's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from devtools.demo_support.dashboard import REBUILD_AFTER, async_keep_dashboard, async_rebuild
from devtools.demo_support.layout import DASHBOARD_URL, dashboard_item
from tests.common import group_entry, meter_id, node_entry, set_meter, setup_node


@pytest.fixture
async def dashboard(hass: HomeAssistant, hass_storage: dict[str, Any]) -> Any:
    """Lovelace with the seeded storage dashboard."""
    hass_storage["lovelace_dashboards"] = {
        "version": 1,
        "minor_version": 1,
        "key": "lovelace_dashboards",
        "data": {"items": [dashboard_item()]},
    }
    assert await async_setup_component(hass, "lovelace", {})
    await hass.async_block_till_done()
    return hass.data[LOVELACE_DATA].dashboards[DASHBOARD_URL]


async def carbon_view(dashboard: Any) -> dict[str, Any]:
    config = await dashboard.async_load(False)
    view: dict[str, Any] = config["views"][0]
    return view


def cards_of(view: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [card for card in view["cards"] if card["type"] == kind]


async def test_a_node_and_a_group_added_show_on_the_dashboard(
    hass: HomeAssistant, dashboard: Any
) -> None:
    for port in (1, 2):
        set_meter(hass, 100.0, entity_id=meter_id(port))
    await setup_node(hass, node_entry(source=meter_id(10), port=10, title="Ten", entry_id="n10"))
    assert await async_rebuild(hass)
    view = await carbon_view(dashboard)
    so_far = cards_of(view, "entities")[0]
    assert so_far["title"] == "Carbon so far"
    assert [row["name"] for row in so_far["entities"]] == ["Ten"]

    # Added later, as in the UI: they show once the burst of changes is over, by port (2
    # before 10), with the group's own card.
    stop = async_keep_dashboard(hass)
    await setup_node(hass, node_entry(source=meter_id(2), port=2, title="Two", entry_id="n2"))
    await setup_node(
        hass, group_entry(left=["n10"], right=["n2"], title="Main vs subs", entry_id="g1")
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=REBUILD_AFTER + 1))
    await hass.async_block_till_done()
    stop()
    view = await carbon_view(dashboard)
    so_far, group = cards_of(view, "entities")
    assert [row["name"] for row in so_far["entities"]] == ["Two", "Ten"]
    assert so_far["entities"][0]["entity"] == "sensor.two_carbon_emissions"
    assert group["title"] == "Main vs subs"
    assert "sensor.main_vs_subs_error" in group["entities"]
    per_day, per_month, group_error = cards_of(view, "statistics-graph")
    assert per_day["entities"] == ["sensor.two_carbon_emissions", "sensor.ten_carbon_emissions"]
    assert per_month["period"] == "month"
    assert group_error["entities"] == ["sensor.main_vs_subs_error"]
    # The declaration view stays.
    config = await dashboard.async_load(False)
    assert config["views"][1]["path"] == "declare"


async def test_the_words_change_with_the_server_language(
    hass: HomeAssistant, dashboard: Any
) -> None:
    """Settings > System > General > Language: the dashboard's own words follow at once."""
    stop = async_keep_dashboard(hass)
    await hass.async_block_till_done()
    assert (await carbon_view(dashboard))["title"] == "Carbon"
    await hass.config.async_update(language="zh-Hans")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=REBUILD_AFTER + 1))
    await hass.async_block_till_done()
    stop()
    assert (await carbon_view(dashboard))["title"] == "碳排放"


async def test_a_node_removed_goes_and_words_follow_the_server_language(
    hass: HomeAssistant, dashboard: Any
) -> None:
    set_meter(hass, 100.0, entity_id=meter_id(1))
    entry = await setup_node(hass, node_entry(source=meter_id(1), title="One", entry_id="n1"))
    await hass.config.async_update(language="zh-Hans")
    assert await async_rebuild(hass)
    view = await carbon_view(dashboard)
    assert view["title"] == "碳排放"
    assert cards_of(view, "entities")[0]["title"] == "累计碳排放"
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert await async_rebuild(hass)
    assert cards_of(await carbon_view(dashboard), "entities")[0]["entities"] == []


async def test_no_dashboard_no_write(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "lovelace", {})
    assert not await async_rebuild(hass)
