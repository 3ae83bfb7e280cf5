"""The daily reminder: a notification to the person's phones, and what its buttons do.

At the entry's reminder time, unless today is already declared, each of the person's companion
app devices (mobile_app registrations of the person's user that can take notifications) gets a
notification with three buttons: "same as yesterday", "nothing to declare" and "open the form"
(a link the app opens). The app answers a button with a ``mobile_app_notification_action`` event,
sent through the device's own webhook, so it carries the device's user: the same rule as the
action decides whether that user may declare for the person.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_change
from homeassistant.util import slugify

from ..texts import text
from .access import async_allowed_person, user_of_person
from .book import DeclarationError
from .runtime import DeclarationRuntime

_LOGGER = logging.getLogger(__name__)

MOBILE_APP = "mobile_app"
NOTIFY = "notify"
EVENT_NOTIFICATION_ACTION = "mobile_app_notification_action"
ACTION_SAME = "CARBON_TRACKER_SAME_AS_YESTERDAY"
ACTION_NOTHING = "CARBON_TRACKER_NOTHING_TO_DECLARE"


def action_id(action: str, entry_id: str) -> str:
    """A button's action id: which answer, for which entry."""
    return f"{action}_{entry_id}"


def notify_services(hass: HomeAssistant, user_id: str | None) -> list[str]:
    """The notify actions of the user's companion app devices that can take a notification."""
    if user_id is None:
        return []
    names = (
        f"{MOBILE_APP}_{slugify(entry.data.get('device_name', ''))}"
        for entry in hass.config_entries.async_entries(MOBILE_APP)
        if entry.data.get("user_id") == user_id
    )
    return sorted(name for name in names if hass.services.has_service(NOTIFY, name))


def _texts(hass: HomeAssistant, runtime: DeclarationRuntime, kg: float = 0.0) -> dict[str, str]:
    names = ("title", "message", "same", "nothing", "form", "done")
    found = {name: text(hass, f"reminder_{name}") or name for name in names}
    values = {"name": runtime.name, "kg": f"{kg:g}"}
    return {name: value.format(**values) for name, value in found.items()}


async def async_send_reminder(hass: HomeAssistant, runtime: DeclarationRuntime) -> int:
    """Remind the person, unless today is declared; how many devices were notified."""
    if runtime.today() in runtime.book.days:
        return 0
    texts = _texts(hass, runtime)
    data: dict[str, Any] = {
        "title": texts["title"],
        "message": texts["message"],
        "data": {
            "tag": f"carbon_tracker_{runtime.entry_id}",
            "actions": [
                {"action": action_id(ACTION_SAME, runtime.entry_id), "title": texts["same"]},
                {"action": action_id(ACTION_NOTHING, runtime.entry_id), "title": texts["nothing"]},
                {"action": "URI", "title": texts["form"], "uri": runtime.settings.form_path},
            ],
        },
    }
    sent = 0
    for service in notify_services(hass, user_of_person(hass, runtime.person)):
        try:
            await hass.services.async_call(NOTIFY, service, data, blocking=True)
        except HomeAssistantError as err:
            # One phone that cannot be reached must not keep the others from their reminder.
            _LOGGER.warning("Declaration reminder to %s not sent: %s", service, err)
        else:
            sent += 1
    return sent


async def async_answer(hass: HomeAssistant, runtime: DeclarationRuntime, event: Event) -> None:
    """A reminder button was pressed: declare today like yesterday, or nothing."""
    action = event.data.get("action")
    if action not in (
        action_id(ACTION_SAME, runtime.entry_id),
        action_id(ACTION_NOTHING, runtime.entry_id),
    ):
        return
    try:
        await async_allowed_person(hass, event.context.user_id, runtime.person)
    except HomeAssistantError:
        _LOGGER.warning(
            "A reminder answer for %s came from a user who may not declare for them",
            runtime.person,
        )
        return
    today = runtime.today()
    if today in runtime.book.days:
        # An old reminder answered after the day was declared another way: the declaration stays.
        await _async_confirm(hass, runtime, runtime.book.day_kg(today))
        return
    answer = None
    if action == action_id(ACTION_SAME, runtime.entry_id):
        try:
            answer = await runtime.async_declare_like(
                today - timedelta(days=1), context=event.context
            )
        except DeclarationError as err:
            # Yesterday used an activity the person has since removed from their own.
            _LOGGER.warning(
                "Yesterday's declaration of %s cannot be repeated: %s", runtime.person, err
            )
            return
    if answer is None:
        # Nothing yesterday is nothing today: the day is declared as zero either way.
        answer = await runtime.async_declare(
            None, [], direct_kg=0.0, note=None, context=event.context
        )
    await _async_confirm(hass, runtime, float(answer["total_kg"]))


async def _async_confirm(hass: HomeAssistant, runtime: DeclarationRuntime, kg: float) -> None:
    """Replace the reminder on the phones with what was declared."""
    texts = _texts(hass, runtime, kg)
    data = {
        "title": texts["title"],
        "message": texts["done"],
        "data": {"tag": f"carbon_tracker_{runtime.entry_id}"},
    }
    for service in notify_services(hass, user_of_person(hass, runtime.person)):
        try:
            await hass.services.async_call(NOTIFY, service, data, blocking=True)
        except HomeAssistantError as err:
            _LOGGER.warning("Declaration confirmation to %s not sent: %s", service, err)


@callback
def async_setup_reminder(
    hass: HomeAssistant, entry: ConfigEntry, runtime: DeclarationRuntime
) -> None:
    """Remind at the set time, and listen for the buttons, while the entry is loaded."""
    reminder = runtime.settings.reminder
    if reminder is None:
        return

    async def remind(now: datetime) -> None:
        await async_send_reminder(hass, runtime)

    async def answer(event: Event) -> None:
        await async_answer(hass, runtime, event)

    entry.async_on_unload(
        async_track_time_change(
            hass, remind, hour=reminder.hour, minute=reminder.minute, second=reminder.second
        )
    )
    entry.async_on_unload(hass.bus.async_listen(EVENT_NOTIFICATION_ACTION, answer))
