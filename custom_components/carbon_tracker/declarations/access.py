"""Who may declare for whom, and the entry a person's declarations go to.

A user who is not an administrator declares only for the person linked to their own user; an
administrator declares for anyone; a call without a user (an automation) must name the person.
The same rule answers the action and the reminder's buttons.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant

from ..errors import CarbonTrackerError
from ..kinds import EntryKind, entries_of_kind
from .runtime import DeclarationRuntime
from .settings import CONF_PERSON

PERSON_DOMAIN = "person"
ATTR_USER_ID = "user_id"


def person_of_user(hass: HomeAssistant, user_id: str) -> str | None:
    """The person entity linked to a user, if any."""
    return next(
        (
            state.entity_id
            for state in hass.states.async_all(PERSON_DOMAIN)
            if state.attributes.get(ATTR_USER_ID) == user_id
        ),
        None,
    )


def user_of_person(hass: HomeAssistant, person: str) -> str | None:
    """The user a person entity is linked to, if any."""
    state = hass.states.get(person)
    return None if state is None else state.attributes.get(ATTR_USER_ID)


async def async_allowed_person(hass: HomeAssistant, user_id: str | None, person: str | None) -> str:
    """The person a call may declare for; raises a translated error when it may not."""
    if user_id is None:
        if person is None:
            raise CarbonTrackerError("declare_person_required")
        return person
    user = await hass.auth.async_get_user(user_id)
    if user is None:
        raise CarbonTrackerError("declare_unknown_user")
    own = person_of_user(hass, user.id)
    if person is None:
        if own is None:
            raise CarbonTrackerError("declare_no_person_for_user", user=user.name)
        return own
    if person != own and not user.is_admin:
        raise CarbonTrackerError("declare_not_your_person", person=person)
    return person


def declaration_runtime(hass: HomeAssistant, person: str) -> DeclarationRuntime:
    """The loaded declaration entry of a person; a translated error when there is none."""
    for entry in entries_of_kind(hass, EntryKind.DECLARATION):
        if entry.data.get(CONF_PERSON) != person:
            continue
        if entry.state is not ConfigEntryState.LOADED:
            raise CarbonTrackerError("declaration_not_loaded", name=entry.title)
        runtime: DeclarationRuntime = entry.runtime_data
        return runtime
    raise CarbonTrackerError("declaration_no_entry", **{ATTR_ENTITY_ID: person})
