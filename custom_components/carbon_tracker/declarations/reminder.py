"""The daily reminder: a notification to the person's phones, and what its buttons do.

At the entry's reminder time, unless the day is already declared, each of the person's companion
app devices (mobile_app registrations of the person's user that can take notifications) gets a
notification with three buttons: "same as yesterday", "nothing to declare" and "open the form"
(a link the app opens). A button's action id names the entry and the day it reminds of, so an
answer given after midnight still declares that day. The app answers a button with a
``mobile_app_notification_action`` event, sent through the device's own webhook, so it carries the
device's user: the same rule as the action decides whether that user may declare for the person.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_change

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


def action_id(action: str, entry_id: str, day: date) -> str:
    """A button's action id: which answer, for which entry and which day."""
    return f"{action}_{entry_id}_{day.isoformat()}"


def parse_action_id(value: Any, entry_id: str) -> tuple[str, date] | None:
    """(answer, day) of one of this entry's buttons; None for anything else."""
    for action in (ACTION_SAME, ACTION_NOTHING):
        prefix = f"{action}_{entry_id}_"
        if isinstance(value, str) and value.startswith(prefix):
            try:
                return action, date.fromisoformat(value.removeprefix(prefix))
            except ValueError:
                return None
    return None


def notify_services(hass: HomeAssistant, user_id: str | None) -> list[str]:
    """The notify actions of the user's companion app devices that can take a notification.

    Asked of mobile_app by each device's webhook id, not guessed from its name: two phones of one
    name share a notify action that reaches only one of them, maybe another user's.
    """
    if user_id is None:
        return []
    targets = _registered_targets(hass)
    services = []
    for entry in hass.config_entries.async_entries(MOBILE_APP):
        if entry.data.get("user_id") != user_id:
            continue
        service = targets.get(entry.data["webhook_id"])
        if service is None:
            # No push (or its name's action now reaches another phone): no reminder there.
            _LOGGER.debug("No notify action reaches %s only", entry.title)
        elif hass.services.has_service(NOTIFY, service):
            services.append(service)
    return sorted(services)


def _registered_targets(hass: HomeAssistant) -> dict[str, str]:
    """mobile_app's notify targets by webhook id; empty while mobile_app's notify is not up.

    Read from the notify service object mobile_app keeps in hass.data (its ``registered_targets``:
    action name -> webhook id), not through mobile_app's code: importing that code would make
    mobile_app a dependency, and naming it even as an after-dependency makes HA resolve mobile_app's
    (and cloud's) requirements at every start, which cost a 5,000-node factory 7 KiB a node.
    """
    notify = hass.data.get(MOBILE_APP, {}).get(NOTIFY)
    registered = getattr(notify, "registered_targets", None)
    if not isinstance(registered, dict):
        return {}
    # Two names for one webhook cannot happen (one device, one name); the last one would win.
    return {str(webhook_id): str(name) for name, webhook_id in registered.items()}


def _kg_text(kg: float) -> str:
    """A figure as people read it: to the gram, no exponent, no trailing zeros."""
    return f"{kg:.3f}".rstrip("0").rstrip(".")


def _texts(
    hass: HomeAssistant, runtime: DeclarationRuntime, day: date, kg: float = 0.0
) -> dict[str, str]:
    names = ("title", "message", "same", "nothing", "form", "done", "refused")
    found = {name: text(hass, f"reminder_{name}") or name for name in names}
    values = {"name": runtime.name, "kg": _kg_text(kg), "date": day.isoformat()}
    return {name: value.format(**values) for name, value in found.items()}


async def _async_notify(
    hass: HomeAssistant, runtime: DeclarationRuntime, data: dict[str, Any]
) -> int:
    """Send to each of the person's phones; how many took it."""
    sent = 0
    for service in notify_services(hass, user_of_person(hass, runtime.person)):
        try:
            await hass.services.async_call(NOTIFY, service, data, blocking=True)
        except HomeAssistantError as err:
            # One phone that cannot be reached must not keep the others from their notification.
            _LOGGER.warning("Declaration notification to %s not sent: %s", service, err)
        else:
            sent += 1
    return sent


async def async_send_reminder(hass: HomeAssistant, runtime: DeclarationRuntime) -> int:
    """Remind the person of today, unless it is declared; how many devices were notified."""
    day = runtime.today()
    if day in runtime.book.days:
        return 0
    texts = _texts(hass, runtime, day)
    entry_id = runtime.entry_id
    return await _async_notify(
        hass,
        runtime,
        {
            "title": texts["title"],
            "message": texts["message"],
            "data": {
                "tag": f"carbon_tracker_{entry_id}",
                "actions": [
                    {"action": action_id(ACTION_SAME, entry_id, day), "title": texts["same"]},
                    {"action": action_id(ACTION_NOTHING, entry_id, day), "title": texts["nothing"]},
                    {"action": "URI", "title": texts["form"], "uri": runtime.settings.form_path},
                ],
            },
        },
    )


async def async_answer(hass: HomeAssistant, runtime: DeclarationRuntime, event: Event) -> None:
    """A reminder button was pressed: declare its day like the day before, or as nothing."""
    parsed = parse_action_id(event.data.get("action"), runtime.entry_id)
    if parsed is None:
        return
    action, day = parsed
    try:
        await async_allowed_person(hass, event.context.user_id, runtime.person)
    except HomeAssistantError:
        _LOGGER.warning(
            "A reminder answer for %s came from a user who may not declare for them",
            runtime.person,
        )
        return
    if day in runtime.book.days:
        # An old reminder answered after the day was declared another way: the declaration stays.
        await _async_confirm(hass, runtime, day, runtime.book.day_kg(day))
        return
    try:
        answer = None
        if action == ACTION_SAME:
            answer = await runtime.async_declare_like(
                day - timedelta(days=1), day, context=event.context
            )
        if answer is None:
            # Nothing the day before is nothing now: the day is declared as zero either way.
            answer = await runtime.async_declare(
                day, [], direct_kg=0.0, note=None, context=event.context
            )
    except DeclarationError as err:
        # The day is now too old, or the day before used an activity since removed: the phone
        # is told, and the form is the way left.
        _LOGGER.warning("The reminder answer for %s was not declared: %s", runtime.person, err)
        await _async_tell(hass, runtime, _texts(hass, runtime, day)["refused"], with_form=True)
        return
    await _async_confirm(hass, runtime, day, float(answer["total_kg"]))


async def _async_confirm(
    hass: HomeAssistant, runtime: DeclarationRuntime, day: date, kg: float
) -> None:
    """Replace the reminder on the phones with what was declared."""
    await _async_tell(hass, runtime, _texts(hass, runtime, day, kg)["done"])


async def _async_tell(
    hass: HomeAssistant, runtime: DeclarationRuntime, message: str, *, with_form: bool = False
) -> None:
    """Replace the reminder on the phones (same tag) with a message, maybe the form's button."""
    texts = _texts(hass, runtime, runtime.today())
    data: dict[str, Any] = {"tag": f"carbon_tracker_{runtime.entry_id}"}
    if with_form:
        data["actions"] = [
            {"action": "URI", "title": texts["form"], "uri": runtime.settings.form_path}
        ]
    await _async_notify(hass, runtime, {"title": texts["title"], "message": message, "data": data})


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
