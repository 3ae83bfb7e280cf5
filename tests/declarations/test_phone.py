"""Declaring from the phone, the way the companion app does it, with HA's real mobile_app.

Each phone is registered through ``POST /api/mobile_app/registrations`` with its user's token, so
mobile_app makes its config entry, its webhook and its ``notify.mobile_app_<device>`` action; the
app then calls ``carbon_tracker.declare`` and answers the reminder's buttons through that webhook,
as the device's user. The pushes mobile_app sends are caught at the push server's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from http import HTTPStatus
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, slugify
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import approx, declaration_entry, state_number, state_of
from tests.declarations.conftest import People

PUSH_URL = "https://mobile-push.example/push"
CLIENT_ID = "https://home-assistant.io/android"
APP_ID = "io.homeassistant.companion.android"
APP_VERSION = "2026.10.0"
OS_VERSION = "16"
TIME_ZONE = "Europe/Paris"
DAY = date(2026, 6, 10)  # a Wednesday, far from a change of summer time
NOTIFICATION_ACTION = "mobile_app_notification_action"
SAME = "CARBON_TRACKER_SAME_AS_YESTERDAY"
NOTHING = "CARBON_TRACKER_NOTHING_TO_DECLARE"
TITLE = "Carbon declaration"
MESSAGE = "Alex, what did today emit? Declare it, or answer below."

# 10 km by bus (0.10385 kg CO2e/km, DESNZ 2025) and 0.5 kg typed in.
YESTERDAY_ITEMS = [{"activity": "bus", "amount": 10}]
YESTERDAY_KG = 10 * 0.10385 + 0.5


@dataclass(frozen=True)
class Phone:
    """A companion app registration: its webhook, its notify action and its push token."""

    name: str
    webhook_id: str
    push_token: str | None

    @property
    def notify(self) -> str:
        """The notify action mobile_app made for the device."""
        return f"mobile_app_{slugify(self.name)}"


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of a day in HA's time zone."""
    return datetime.combine(day, time(hour, minute, second), dt_util.get_default_time_zone())


def call_declare(**service_data: Any) -> dict[str, Any]:
    """The app's ``call_service`` webhook body for ``carbon_tracker.declare``."""
    return {
        "type": "call_service",
        "data": {"domain": "carbon_tracker", "service": "declare", "service_data": service_data},
    }


def button(action: str) -> dict[str, Any]:
    """The app's ``fire_event`` webhook body when a notification button is pressed."""
    return {
        "type": "fire_event",
        "data": {"event_type": NOTIFICATION_ACTION, "event_data": {"action": action}},
    }


def pushes(aioclient_mock: AiohttpClientMocker) -> list[dict[str, Any]]:
    """The JSON bodies mobile_app posted to the push server, in order."""
    return [data for _, url, data, _ in aioclient_mock.mock_calls if str(url) == PUSH_URL]


class CompanionApp:
    """The companion app on several phones, and the push server that reaches them."""

    def __init__(
        self,
        hass: HomeAssistant,
        hass_client: ClientSessionGenerator,
        hass_client_no_auth: ClientSessionGenerator,
        push_server: AiohttpClientMocker,
    ) -> None:
        """HA's HTTP clients, with and without a token, and the push server's record."""
        self.hass = hass
        self._client = hass_client
        self._client_no_auth = hass_client_no_auth
        self._push_server = push_server

    async def register(
        self,
        user: User,
        name: str,
        *,
        push: bool = True,
        device_id: str | None = None,
        app_data: dict[str, Any] | None = None,
    ) -> Phone:
        """Register a phone for a user through mobile_app's registration API, as the app does:
        signed in as the user, with a push token and the push server unless told otherwise
        (``app_data``: the app's own, such as a local push channel only)."""
        hass = self.hass
        refresh_token = await hass.auth.async_create_refresh_token(user, client_id=CLIENT_ID)
        client = await self._client(hass.auth.async_create_access_token(refresh_token))
        device_id = device_id or slugify(name)
        token = f"token-{device_id}" if push and app_data is None else None
        body: dict[str, Any] = {
            "app_id": APP_ID,
            "app_name": "Home Assistant",
            "app_version": APP_VERSION,
            "device_name": name,
            "manufacturer": "Google",
            "model": "Pixel 9",
            "os_name": "Android",
            "os_version": OS_VERSION,
            "supports_encryption": False,
            "device_id": device_id,
        }
        if app_data is not None:
            body["app_data"] = app_data
        elif push:
            body["app_data"] = {"push_token": token, "push_url": PUSH_URL}
        response = await client.post("/api/mobile_app/registrations", json=body)
        assert response.status == HTTPStatus.CREATED
        answer = await response.json()
        await hass.async_block_till_done()
        phone = Phone(name, answer["webhook_id"], token)
        assert hass.services.has_service("notify", phone.notify) is (push or app_data is not None)
        return phone

    async def send(self, phone: Phone, body: dict[str, Any]) -> None:
        """Post to a phone's webhook without a token, as the app does; mobile_app answers 200
        even when the action it calls fails."""
        client = await self._client_no_auth()
        response = await client.post(f"/api/webhook/{phone.webhook_id}", json=body)
        assert response.status == HTTPStatus.OK
        await self.hass.async_block_till_done()

    def pushes(self) -> list[dict[str, Any]]:
        """What the phones were sent, in order."""
        return pushes(self._push_server)


@pytest.fixture
async def app(
    hass: HomeAssistant,
    people: People,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> CompanionApp:
    """HA's mobile_app set up, and a push server that accepts every notification."""
    # Carbon Tracker first, as at HA's start: it registers its report view before the test
    # client starts serving (a running test server takes no new routes; HA's own server does).
    assert await async_setup_component(hass, DOMAIN, {})
    assert await async_setup_component(hass, "mobile_app", {})
    await hass.async_block_till_done()
    # What HA's push relay answers to a notification it forwarded.
    aioclient_mock.post(
        PUSH_URL,
        json={
            "rateLimits": {
                "attempts": 1,
                "successful": 1,
                "errors": 0,
                "total": 1,
                "maximum": 150,
                "remaining": 149,
                "resetsAt": "2026-06-11T00:00:00Z",
            }
        },
    )
    return CompanionApp(hass, hass_client, hass_client_no_auth, aioclient_mock)


@pytest.fixture
async def clock(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """HA in Paris, frozen at noon of the test day."""
    await hass.config.async_set_time_zone(TIME_ZONE)
    freezer.move_to(local(DAY, 12))
    return freezer


async def move_to(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: datetime) -> None:
    """Move the frozen clock and run what was due by then (the reminder, midnight)."""
    freezer.move_to(moment)
    async_fire_time_changed(hass, moment)
    await hass.async_block_till_done()


async def reminded_entry(
    hass: HomeAssistant, person: str = "person.alex", **options: Any
) -> MockConfigEntry:
    """A declaration entry with the daily reminder (at 20:00 unless told), set up."""
    entry = declaration_entry(person, reminder=True, **{"reminder_time": "20:00:00", **options})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def expected_push(phone: Phone, title: str, message: str, data: dict[str, Any]) -> dict[str, Any]:
    """What mobile_app posts to the push server for a phone."""
    return {
        "title": title,
        "message": message,
        "data": data,
        "push_token": phone.push_token,
        "registration_info": {
            "app_id": APP_ID,
            "app_version": APP_VERSION,
            "webhook_id": phone.webhook_id,
            "os_version": OS_VERSION,
        },
    }


def answer(action: str, entry: MockConfigEntry, day: date = DAY) -> str:
    """A reminder button's action id: the answer, the entry and the day it reminds of."""
    return f"{action}_{entry.entry_id}_{day.isoformat()}"


def reminder_push(
    phone: Phone, entry: MockConfigEntry, form: str, day: date = DAY
) -> dict[str, Any]:
    """The reminder of ``day`` with its three buttons, as the phone receives it."""
    return expected_push(
        phone,
        TITLE,
        MESSAGE,
        {
            "tag": f"carbon_tracker_{entry.entry_id}",
            "actions": [
                {"action": answer(SAME, entry, day), "title": "Same as yesterday"},
                {"action": answer(NOTHING, entry, day), "title": "Nothing to declare"},
                {"action": "URI", "title": "Open the form", "uri": form},
            ],
        },
    )


def confirmation_push(
    phone: Phone, entry: MockConfigEntry, kg_text: str, day: date = DAY
) -> dict[str, Any]:
    """The confirmation replacing the reminder (same tag), as the phone receives it."""
    return expected_push(
        phone,
        TITLE,
        f"Declared {kg_text} kg for {day.isoformat()}.",
        {"tag": f"carbon_tracker_{entry.entry_id}"},
    )


def problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warnings and errors HA and the integration logged (not asyncio's and aiohttp's
    notes on a request or step that seems to take hours when the frozen clock moves)."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING
        and record.name.startswith(("homeassistant", "custom_components"))
    ]


# The action through the phone's webhook


async def test_a_phone_declares_for_its_users_person(
    hass: HomeAssistant,
    people: People,
    alex_entry: MockConfigEntry,
    blair_entry: MockConfigEntry,
    app: CompanionApp,
) -> None:
    """The app's call_service without a person declares today for the phone user's person."""
    phone = await app.register(people.alex, "Alex Pixel")
    assert state_of(hass, "sensor.alex_last_declaration") == "unknown"

    await app.send(
        phone,
        call_declare(items=[{"activity": "car_petrol", "amount": 10}], kg=1, note="to work"),
    )

    declared = 10 * 0.16272 + 1
    assert state_number(hass, "sensor.alex_declared_today") == approx(declared)
    assert state_number(hass, "sensor.alex_declared_total") == approx(declared)
    assert state_of(hass, "sensor.alex_last_declaration") != "unknown"
    assert state_number(hass, "sensor.blair_declared_total") == 0
    assert state_of(hass, "sensor.blair_last_declaration") == "unknown"


async def test_a_phone_may_not_declare_for_another_person(  # noqa: PLR0917 (fixtures)
    hass: HomeAssistant,
    people: People,
    alex_entry: MockConfigEntry,
    blair_entry: MockConfigEntry,
    app: CompanionApp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A plain user's phone naming someone else's person is refused: nobody's day changes."""
    phone = await app.register(people.alex, "Alex Pixel")
    await app.send(phone, call_declare(kg=3))
    sensors = [
        f"sensor.{name}_{key}"
        for name in ("alex", "blair")
        for key in ("declared_today", "declared_total", "last_declaration")
    ]
    before = {entity_id: state_of(hass, entity_id) for entity_id in sensors}

    await app.send(phone, call_declare(person="person.blair", kg=5))

    assert {entity_id: state_of(hass, entity_id) for entity_id in sensors} == before
    assert state_number(hass, "sensor.alex_declared_total") == 3
    # mobile_app logs the refusal (with our translated message) and still answers 200.
    assert any(
        "Alex Pixel" in message and "Only an administrator may declare for person.blair" in message
        for message in problems(caplog)
    )


async def test_an_administrators_phone_declares_for_anyone(
    hass: HomeAssistant,
    people: People,
    alex_entry: MockConfigEntry,
    blair_entry: MockConfigEntry,
    app: CompanionApp,
) -> None:
    """An administrator's phone may name another person: that person's day is declared."""
    phone = await app.register(people.admin, "Sam Tablet")

    await app.send(phone, call_declare(person="person.blair", kg=2.5))

    assert state_number(hass, "sensor.blair_declared_today") == 2.5
    assert state_number(hass, "sensor.alex_declared_total") == 0


# The reminder and its buttons


async def test_the_reminder_reaches_each_phone_of_the_person(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
) -> None:
    """At the reminder time each of the person's phones gets the reminder with three buttons;
    another user's phone gets nothing."""
    pixel = await app.register(people.alex, "Alex Pixel")
    tablet = await app.register(people.alex, "Alex Tablet")
    await app.register(people.blair, "Blair Pixel")
    entry = await reminded_entry(hass, form_path="/carbon-dashboard/declare")

    await move_to(hass, clock, local(DAY, 19, 59, 59))
    assert app.pushes() == []

    await move_to(hass, clock, local(DAY, 20))

    form = "/carbon-dashboard/declare"
    assert sorted(app.pushes(), key=lambda body: body["push_token"]) == [
        reminder_push(pixel, entry, form),
        reminder_push(tablet, entry, form),
    ]


async def test_same_as_yesterday_declares_yesterdays_day_again(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
) -> None:
    """Pressing "Same as yesterday" on the phone declares today as yesterday, as the phone's
    user, and the reminder is replaced by a confirmation; midnight starts today at 0 again."""
    phone = await app.register(people.alex, "Alex Pixel")
    entry = await reminded_entry(hass)
    await app.send(
        phone,
        call_declare(date=(DAY - timedelta(days=1)).isoformat(), items=YESTERDAY_ITEMS, kg=0.5),
    )
    assert state_number(hass, "sensor.alex_declared_today") == 0
    assert state_number(hass, "sensor.alex_declared_total") == approx(YESTERDAY_KG)
    await move_to(hass, clock, local(DAY, 20))
    assert app.pushes() == [reminder_push(phone, entry, "/lovelace/declare")]
    declared = async_capture_events(hass, "carbon_tracker_declared")

    await app.send(phone, button(answer(SAME, entry)))

    assert state_number(hass, "sensor.alex_declared_today") == approx(YESTERDAY_KG)
    assert state_number(hass, "sensor.alex_declared_total") == approx(2 * YESTERDAY_KG)
    assert [event.data["date"] for event in declared] == [DAY.isoformat()]
    assert declared[0].context.user_id == people.alex.id
    # The confirmation rounds to the gram.
    assert app.pushes()[1:] == [confirmation_push(phone, entry, "1.538")]

    await move_to(hass, clock, local(DAY + timedelta(days=1), 0))
    assert state_number(hass, "sensor.alex_declared_today") == 0
    assert state_number(hass, "sensor.alex_declared_total") == approx(2 * YESTERDAY_KG)


async def test_same_as_an_empty_yesterday_is_nothing(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
) -> None:
    """Pressing "Same as yesterday" when yesterday was not declared declares today as zero."""
    phone = await app.register(people.alex, "Alex Pixel")
    entry = await reminded_entry(hass)
    await move_to(hass, clock, local(DAY, 20))

    await app.send(phone, button(answer(SAME, entry)))

    assert state_number(hass, "sensor.alex_declared_today") == 0
    assert dt_util.parse_datetime(state_of(hass, "sensor.alex_last_declaration")) == local(DAY, 20)
    assert app.pushes()[1:] == [confirmation_push(phone, entry, "0")]


async def test_nothing_to_declare_declares_zero_and_the_reminder_comes_daily(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
) -> None:
    """Pressing "Nothing to declare" declares today as 0 kg; the reminder comes again each
    evening, except on a day already declared."""
    phone = await app.register(people.alex, "Alex Pixel")
    entry = await reminded_entry(hass)
    await move_to(hass, clock, local(DAY, 20))
    assert len(app.pushes()) == 1
    clock.tick(timedelta(minutes=5))

    await app.send(phone, button(answer(NOTHING, entry)))

    assert state_number(hass, "sensor.alex_declared_today") == 0
    assert state_number(hass, "sensor.alex_declared_total") == 0
    assert dt_util.parse_datetime(state_of(hass, "sensor.alex_last_declaration")) == local(
        DAY, 20, 5
    )
    assert app.pushes()[1:] == [confirmation_push(phone, entry, "0")]

    # The next day is declared from the phone before the evening: no reminder that day.
    await move_to(hass, clock, local(DAY + timedelta(days=1), 12))
    await app.send(phone, call_declare(kg=2))
    assert state_number(hass, "sensor.alex_declared_today") == 2
    await move_to(hass, clock, local(DAY + timedelta(days=1), 20))
    assert len(app.pushes()) == 2

    # The day after is not declared: the reminder comes again.
    await move_to(hass, clock, local(DAY + timedelta(days=2), 20))
    assert app.pushes()[2:] == [
        reminder_push(phone, entry, "/lovelace/declare", DAY + timedelta(days=2))
    ]


async def test_an_old_reminder_answered_keeps_the_days_declaration(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
) -> None:
    """A button pressed after today was declared another way changes nothing but confirms
    what today holds."""
    phone = await app.register(people.alex, "Alex Pixel")
    entry = await reminded_entry(hass)
    await app.send(phone, call_declare(date=(DAY - timedelta(days=1)).isoformat(), kg=9))
    await move_to(hass, clock, local(DAY, 20))
    await app.send(phone, call_declare(kg=4))

    await app.send(phone, button(answer(SAME, entry)))

    assert state_number(hass, "sensor.alex_declared_today") == 4
    assert state_number(hass, "sensor.alex_declared_total") == 13
    assert app.pushes()[1:] == [confirmation_push(phone, entry, "4")]


async def test_a_reminder_answered_after_midnight_declares_the_day_it_reminded_of(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
) -> None:
    """The 23:30 reminder answered at 00:10: its own day is declared, not the new one; "same as
    yesterday" copies the day before the reminded day."""
    phone = await app.register(people.alex, "Alex Pixel")
    entry = await reminded_entry(hass, reminder_time="23:30:00")
    await app.send(phone, call_declare(date=(DAY - timedelta(days=1)).isoformat(), kg=2))
    await move_to(hass, clock, local(DAY, 23, 30))
    assert len(app.pushes()) == 1
    await move_to(hass, clock, local(DAY + timedelta(days=1), 0, 10))

    await app.send(phone, button(answer(SAME, entry)))

    assert state_number(hass, "sensor.alex_declared_today") == 0  # the new day is still open
    assert state_number(hass, "sensor.alex_declared_total") == 4
    assert app.pushes()[1:] == [confirmation_push(phone, entry, "2", DAY)]


async def test_a_reminder_answered_too_late_declares_nothing(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only today may be declared (0 days back): yesterday's reminder answered after midnight is
    refused, logged, and changes nothing."""
    phone = await app.register(people.alex, "Alex Pixel")
    entry = await reminded_entry(hass, reminder_time="23:30:00", max_age_days=0)
    await move_to(hass, clock, local(DAY, 23, 30))
    await move_to(hass, clock, local(DAY + timedelta(days=1), 0, 10))

    await app.send(phone, button(answer(NOTHING, entry)))

    assert state_of(hass, "sensor.alex_last_declaration") == "unknown"
    assert any("was not declared" in problem for problem in problems(caplog))
    # The phone is told, with the form's button: the reminder is replaced (same tag).
    assert app.pushes()[1:] == [
        expected_push(
            phone,
            TITLE,
            f"Nothing was declared for {DAY.isoformat()}: it is too far back, or the day before "
            "used an activity that no longer exists. Use the form.",
            {
                "tag": f"carbon_tracker_{entry.entry_id}",
                "actions": [
                    {"action": "URI", "title": "Open the form", "uri": "/lovelace/declare"}
                ],
            },
        )
    ]


async def test_a_phone_out_of_reach_does_not_keep_the_others_from_the_reminder(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A tablet that takes notifications only over its local push channel, not connected now:
    its reminder fails (logged) and the phone still gets its own."""
    await app.register(people.alex, "Alex Tablet", app_data={"push_websocket_channel": True})
    phone = await app.register(people.alex, "Alex Pixel")
    entry = await reminded_entry(hass)

    await move_to(hass, clock, local(DAY, 20))

    assert app.pushes() == [reminder_push(phone, entry, "/lovelace/declare")]
    assert any(
        problem.startswith("Declaration notification to mobile_app_alex_tablet not sent")
        for problem in problems(caplog)
    )


async def test_another_users_phone_cannot_answer_the_reminder(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A button answer for Alex's entry fired by Blair's phone declares nothing."""
    alexs = await app.register(people.alex, "Alex Pixel")
    blairs = await app.register(people.blair, "Blair Pixel")
    entry = await reminded_entry(hass)
    await app.send(alexs, call_declare(date=(DAY - timedelta(days=1)).isoformat(), kg=1))
    await move_to(hass, clock, local(DAY, 20))
    assert len(app.pushes()) == 1
    last = state_of(hass, "sensor.alex_last_declaration")

    await app.send(blairs, button(answer(NOTHING, entry)))
    await app.send(blairs, button(answer(SAME, entry)))

    assert state_of(hass, "sensor.alex_last_declaration") == last
    assert state_number(hass, "sensor.alex_declared_today") == 0
    assert state_number(hass, "sensor.alex_declared_total") == 1
    assert len(app.pushes()) == 1
    assert (
        "A reminder answer for person.alex came from a user who may not declare for them"
        in problems(caplog)
    )


async def test_answers_for_another_entry_are_ignored(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each entry takes only the buttons of its own reminder; other notification actions
    are left alone."""
    phone = await app.register(people.alex, "Alex Pixel")
    alex = await reminded_entry(hass)
    await reminded_entry(hass, "person.blair", port=41, title="Blair")
    await move_to(hass, clock, local(DAY, 20))
    sent = len(app.pushes())
    caplog.clear()

    others = (
        f"{NOTHING}_01JOTHERENTRY_{DAY.isoformat()}",
        f"{SAME}_01JOTHERENTRY_{DAY.isoformat()}",
        f"{NOTHING}_{alex.entry_id}_not-a-day",
        f"{NOTHING}_{alex.entry_id}",
        "OPEN_GARAGE",
        NOTHING,
    )
    for action in others:
        await app.send(phone, button(action))

    for name in ("alex", "blair"):
        assert state_of(hass, f"sensor.{name}_last_declaration") == "unknown"
    assert len(app.pushes()) == sent
    assert problems(caplog) == []

    await app.send(phone, button(answer(NOTHING, alex)))

    assert state_of(hass, "sensor.alex_last_declaration") != "unknown"
    assert state_of(hass, "sensor.blair_last_declaration") == "unknown"
    assert problems(caplog) == []


async def test_no_reminder_without_a_phone_that_takes_notifications(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A person whose user has no phone that takes pushes gets no reminder, and nothing fails."""
    await app.register(people.alex, "Alex Old Phone", push=False)
    await app.register(people.blair, "Blair Pixel")
    await reminded_entry(hass)
    caplog.clear()

    await move_to(hass, clock, local(DAY, 20))

    assert app.pushes() == []
    assert problems(caplog) == []


async def test_no_reminder_without_the_companion_app(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without mobile_app at all, the reminder time passes quietly."""
    await reminded_entry(hass)
    caplog.clear()

    await move_to(hass, clock, local(DAY, 20))

    assert aioclient_mock.call_count == 0
    assert problems(caplog) == []


async def test_no_reminder_when_it_is_off(
    hass: HomeAssistant,
    people: People,
    clock: FrozenDateTimeFactory,
    app: CompanionApp,
) -> None:
    """With the reminder off, the reminder time passes without a push."""
    await app.register(people.alex, "Alex Pixel")
    entry = declaration_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    await move_to(hass, clock, local(DAY, 20))

    assert app.pushes() == []


async def test_a_reminder_never_goes_to_another_users_phone_of_the_same_name(
    hass: HomeAssistant, people: People, clock: FrozenDateTimeFactory, app: CompanionApp
) -> None:
    """Two phones of one name share mobile_app's notify action, which reaches the one that
    registered last (Blair's): Alex's reminder is not sent through it."""
    alexs = await app.register(people.alex, "Pixel 9", device_id="alex-pixel")
    await app.register(people.blair, "Pixel 9", device_id="blair-pixel")
    await reminded_entry(hass)

    await move_to(hass, clock, local(DAY, 20))

    assert app.pushes() == []
    assert alexs.name == "Pixel 9"
