"""The shipped script blueprint: a quick declaration form for dashboards and the app.

The blueprint is loaded from the repository file the way HA loads a user's blueprint (from the
config folder's ``blueprints/script``), instantiated with ``use_blueprint``, and run as the users
who would tap it: what lands is read from the declaration sensors.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.common import state_number

from .conftest import People

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINT = ROOT / "blueprints" / "script" / "carbon_tracker" / "quick_declaration.yaml"


@pytest.fixture
async def quick_form(hass: HomeAssistant, people: People, alex_entry: MockConfigEntry) -> str:
    """The blueprint installed in the config folder and one script made from it."""
    target = Path(hass.config.path("blueprints", "script", "carbon_tracker"))
    await hass.async_add_executor_job(lambda: target.mkdir(parents=True, exist_ok=True))
    await hass.async_add_executor_job(shutil.copy, BLUEPRINT, target / BLUEPRINT.name)
    assert await async_setup_component(hass, "persistent_notification", {})
    assert await async_setup_component(
        hass,
        "script",
        {
            "script": {
                "declare_today": {
                    "use_blueprint": {
                        "path": "carbon_tracker/quick_declaration.yaml",
                        "input": {"car_activity": "car_diesel"},
                    }
                }
            }
        },
    )
    await hass.async_block_till_done()
    return "script.declare_today"


async def run(hass: HomeAssistant, user_id: str, **fields: Any) -> None:
    """Run the form as a user, the way a dashboard does (the script's own action)."""
    await hass.services.async_call(
        "script", "declare_today", fields, blocking=True, context=Context(user_id=user_id)
    )
    await hass.async_block_till_done()


async def test_the_form_declares_for_whoever_runs_it(
    hass: HomeAssistant, people: People, quick_form: str
) -> None:
    """Non-zero fields become items, priced as the chosen car; the extra kg is added."""
    await run(
        hass,
        people.alex.id,
        car_km=10,
        rail_km=100,
        long_flight_km=1000,
        poultry_kg=0.2,
        extra_kg=1,
    )
    assert state_number(hass, "sensor.alex_declared_today") == pytest.approx(
        10 * 0.17304 + 100 * 0.03546 + 1000 * 0.15282 + 0.2 * 9.87 + 1
    )
    # It says back what it declared.
    notices = persistent_notification._async_get_or_create_notifications(hass)
    notice = notices["carbon_tracker_declared_person.alex"]
    assert notice["title"] == "Carbon declared"
    today = dt_util.now().date().isoformat()
    assert notice["message"].startswith(f"{today}: 161.070 kg CO2e.")
    assert "car_diesel 10.0 km: 1.730 kg." in notice["message"]
    assert "Other: 1.000 kg." in notice["message"]
    # Run again: today's declaration is replaced, not added to, and the notice says so.
    await run(hass, people.alex.id, electricity_kwh=2)
    assert state_number(hass, "sensor.alex_declared_total") == pytest.approx(2 * 0.177)
    notice = persistent_notification._async_get_or_create_notifications(hass)[
        "carbon_tracker_declared_person.alex"
    ]
    assert notice["message"].startswith(f"{today}: 0.354 kg CO2e (replaces 161.070 kg).")


async def test_all_zero_is_nothing_to_declare(
    hass: HomeAssistant, people: People, quick_form: str
) -> None:
    """Every field at 0: the day is declared as 0 kg (and shows as declared)."""
    await run(hass, people.alex.id)
    assert state_number(hass, "sensor.alex_declared_today") == 0.0
    assert hass.states.get("sensor.alex_last_declaration").state not in ("unknown", "unavailable")


async def test_a_past_date_and_another_persons_form(
    hass: HomeAssistant, people: People, quick_form: str
) -> None:
    """A date is passed on; a plain user naming someone else is refused by the action."""
    three_days_ago = dt_util.now().date() - timedelta(days=3)  # within the 7 days allowed
    await run(hass, people.alex.id, date=three_days_ago.isoformat(), bus_km=5)
    assert state_number(hass, "sensor.alex_declared_total") == pytest.approx(5 * 0.10385)
    assert state_number(hass, "sensor.alex_declared_today") == 0.0
    with pytest.raises(ServiceValidationError) as refused:
        await run(hass, people.blair.id, person="person.alex", bus_km=50)
    assert refused.value.translation_key == "declare_not_your_person"
    assert state_number(hass, "sensor.alex_declared_total") == pytest.approx(5 * 0.10385)
