"""The shipped automation blueprint: a group's threshold alert pushed to a phone.

The blueprint is loaded from the repository file the way HA loads a user's blueprint (from the
config folder's ``blueprints/automation``), instantiated with ``use_blueprint`` and run against a
real mobile_app registration whose push gateway is the only thing mocked: what the phone would
receive is the JSON HA posts there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.components.mobile_app.const import DOMAIN as MOBILE_APP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.carbon_tracker.const import EVENT_THRESHOLD_CLEARED, EVENT_THRESHOLD_CROSSED
from tests.common import meter_id, set_meter, use_automation_blueprint

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINT = ROOT / "blueprints" / "automation" / "carbon_tracker" / "threshold_alert.yaml"
BLUEPRINT_PATH = "carbon_tracker/threshold_alert.yaml"

PUSH_URL = "https://mobile-push.home-assistant.dev/push"
PUSH_TOKEN = "PUSH_TOKEN"
WEBHOOK_ID = "phone_webhook"
REGISTRATION = {
    "app_data": {"push_token": PUSH_TOKEN, "push_url": PUSH_URL},
    "app_id": "io.homeassistant.companion.android",
    "app_name": "Home Assistant",
    "app_version": "2026.10.1",
    "device_id": "pixel-4d5e6f",
    "device_name": "Pixel",
    "manufacturer": "Google",
    "model": "Pixel 9",
    "os_name": "Android",
    "os_version": "16",
    "secret": "123abc",
    "supports_encryption": False,
    "webhook_id": WEBHOOK_ID,
}
REGISTRATION_INFO = {
    "app_id": "io.homeassistant.companion.android",
    "app_version": "2026.10.1",
    "webhook_id": WEBHOOK_ID,
    "os_version": "16",
}


def crossed_total() -> dict[str, Any]:
    """What a total-vs-sub group fires when its error crosses the 2 kg line (alert_data)."""
    return {
        "config_entry_id": "group_main",
        "name": "Main vs subs",
        "group_number": 1,
        "notation": "G1: 1 > 2/3",
        "group_kind": "total_vs_sub",
        "window": "day",
        "window_start": "2026-10-20T00:00:00-07:00",
        "window_end": "2026-10-21T00:00:00-07:00",
        "total_kg": 5.0,
        "subs_kg": 1.0,
        "error_kg": 4.0,
        "error_pct": 80.0,
        "threshold_kg": 2.0,
        "threshold_pct": None,
    }


def cleared_total() -> dict[str, Any]:
    """The same group back within: 0.75 kg of error left."""
    return {**crossed_total(), "subs_kg": 4.25, "error_kg": 0.75, "error_pct": 15.0}


def crossed_forecast() -> dict[str, Any]:
    """A forecast-vs-measured group measuring below its forecast; error_pct None (the event
    allows it), which the text must leave out."""
    return {
        "config_entry_id": "group_forecast",
        "name": "Heat pump plan",
        "group_number": None,
        "notation": "T > 4",
        "group_kind": "forecast_vs_measured",
        "window": "week",
        "window_start": "2026-10-19T00:00:00-07:00",
        "window_end": "2026-10-26T00:00:00-07:00",
        "forecast_kg": 12.5,
        "measured_kg": 9.125,
        "error_kg": -3.375,
        "error_pct": None,
        "threshold_kg": 3.0,
        "threshold_pct": None,
    }


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A config folder of this test's own: the blueprint is copied into it."""
    return hass_tmp_config_dir


@pytest.fixture
async def phone(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, hass_admin_user: MockUser
) -> str:
    """A registered Companion app with cloud push (its gateway mocked); its device id."""
    aioclient_mock.post(PUSH_URL, json={"ok": True})
    entry = MockConfigEntry(
        domain=MOBILE_APP,
        data={**REGISTRATION, "user_id": hass_admin_user.id},
        source="registration",
        title="Pixel",
        version=1,
    )
    entry.add_to_hass(hass)
    assert await async_setup_component(hass, MOBILE_APP, {MOBILE_APP: {}})
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device_by_identifier(
        (MOBILE_APP, REGISTRATION["device_id"]), entry.entry_id
    )
    assert device is not None
    return device.id


async def use_blueprint(hass: HomeAssistant, **inputs: Any) -> None:
    """The shipped blueprint, as a user's automation."""
    await use_automation_blueprint(hass, BLUEPRINT, "carbon_alert", "Carbon alert", **inputs)


def pushes(aioclient_mock: AiohttpClientMocker) -> list[dict[str, Any]]:
    """The JSON bodies HA posted to the push gateway."""
    return [dict(data) for _, url, data, _ in aioclient_mock.mock_calls if str(url) == PUSH_URL]


def push(title: str, message: str, tag: str) -> dict[str, Any]:
    """The body of one notification to the phone, as mobile_app posts it."""
    return {
        "message": message,
        "title": title,
        "data": {"tag": tag},
        "push_token": PUSH_TOKEN,
        "registration_info": REGISTRATION_INFO,
    }


async def fire(hass: HomeAssistant, event: str, data: dict[str, Any]) -> None:
    hass.bus.async_fire(event, data)
    await hass.async_block_till_done()


async def test_the_blueprint_validates_as_an_automation_blueprint(hass: HomeAssistant) -> None:
    data = await hass.async_add_executor_job(load_yaml_dict, str(BLUEPRINT))
    blueprint = Blueprint(
        data, path=BLUEPRINT_PATH, expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA
    )
    assert blueprint.metadata["author"] == "Carbon Tracker"
    assert set(blueprint.inputs) == {"notify_device", "group_entry", "notify_cleared"}
    assert blueprint.inputs["notify_device"]["selector"]["device"]["filter"] == [
        {"integration": "mobile_app"}
    ]
    assert blueprint.inputs["group_entry"]["selector"] == {
        "config_entry": {"integration": "carbon_tracker"}
    }
    assert blueprint.inputs["group_entry"]["default"] == ""
    assert blueprint.inputs["notify_cleared"]["default"] is True


async def test_a_crossing_is_pushed_to_the_phone_once(
    hass: HomeAssistant, phone: str, aioclient_mock: AiohttpClientMocker
) -> None:
    await use_blueprint(hass, notify_device=phone)

    await fire(hass, EVENT_THRESHOLD_CROSSED, crossed_total())

    assert pushes(aioclient_mock) == [
        push(
            "Carbon Tracker: Main vs subs beyond its threshold",
            "Main vs subs (G1: 1 > 2/3), day: total 5 kg, sub-meters 1 kg, error +4 kg (+80 %)",
            "carbon_tracker_group_main",
        )
    ]


async def test_a_clearing_replaces_the_alert_under_the_same_tag(
    hass: HomeAssistant, phone: str, aioclient_mock: AiohttpClientMocker
) -> None:
    await use_blueprint(hass, notify_device=phone)

    await fire(hass, EVENT_THRESHOLD_CROSSED, crossed_total())
    await fire(hass, EVENT_THRESHOLD_CLEARED, cleared_total())

    crossed, cleared = pushes(aioclient_mock)
    assert cleared == push(
        "Carbon Tracker: Main vs subs back within its threshold",
        "Back within: Main vs subs (G1: 1 > 2/3), day: total 5 kg, sub-meters 4.25 kg, "
        "error +0.75 kg (+15 %)",
        "carbon_tracker_group_main",
    )
    assert cleared["data"]["tag"] == crossed["data"]["tag"]


async def test_no_clearing_is_pushed_when_the_toggle_is_off(
    hass: HomeAssistant, phone: str, aioclient_mock: AiohttpClientMocker
) -> None:
    await use_blueprint(hass, notify_device=phone, notify_cleared=False)

    await fire(hass, EVENT_THRESHOLD_CLEARED, cleared_total())
    assert pushes(aioclient_mock) == []

    await fire(hass, EVENT_THRESHOLD_CROSSED, crossed_total())
    assert len(pushes(aioclient_mock)) == 1


async def test_the_group_filter_ignores_other_groups(
    hass: HomeAssistant, phone: str, aioclient_mock: AiohttpClientMocker
) -> None:
    await use_blueprint(hass, notify_device=phone, group_entry="group_main")

    await fire(hass, EVENT_THRESHOLD_CROSSED, crossed_forecast())
    await fire(hass, EVENT_THRESHOLD_CLEARED, {**cleared_total(), "config_entry_id": "other"})
    assert pushes(aioclient_mock) == []

    await fire(hass, EVENT_THRESHOLD_CROSSED, crossed_total())
    assert [body["data"]["tag"] for body in pushes(aioclient_mock)] == ["carbon_tracker_group_main"]


async def test_without_a_group_every_group_alerts_each_under_its_own_tag(
    hass: HomeAssistant, phone: str, aioclient_mock: AiohttpClientMocker
) -> None:
    await use_blueprint(hass, notify_device=phone)

    await fire(hass, EVENT_THRESHOLD_CROSSED, crossed_forecast())
    await fire(hass, EVENT_THRESHOLD_CROSSED, crossed_total())

    forecast, total = pushes(aioclient_mock)
    assert forecast == push(
        "Carbon Tracker: Heat pump plan beyond its threshold",
        "Heat pump plan (T > 4), week: forecast 12.5 kg, measured 9.125 kg, error -3.375 kg",
        "carbon_tracker_group_forecast",
    )
    assert total["data"]["tag"] == "carbon_tracker_group_main"


async def test_a_real_group_crossing_its_line_reaches_the_phone(
    hass: HomeAssistant,
    total_group: MockConfigEntry,
    phone: str,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Group 1: meter 1 is the total, meters 2 and 3 its subs; 2 kg line. 10 kWh on the total
    alone at 0.5 kg/kWh is a +5 kg error, beyond the line."""
    await use_blueprint(hass, notify_device=phone, group_entry=total_group.entry_id)

    set_meter(hass, 110, entity_id=meter_id(1))
    await hass.async_block_till_done()

    assert pushes(aioclient_mock) == [
        push(
            "Carbon Tracker: Main vs subs beyond its threshold",
            "Main vs subs (G1: 1 > 2/3), day: total 5 kg, sub-meters 0 kg, error +5 kg (+100 %)",
            "carbon_tracker_group_main",
        )
    ]
