"""The ``carbon_tracker.declare`` action: a person's day, from a form, a script or the phone."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..const import DOMAIN
from ..errors import CarbonTrackerError
from .access import async_allowed_person, declaration_runtime
from .book import DeclarationError

SERVICE_DECLARE = "declare"
ATTR_PERSON = "person"
ATTR_DATE = "date"
ATTR_ITEMS = "items"
ATTR_KG = "kg"
ATTR_NOTE = "note"
MAX_ITEMS = 100
NOTE_MAX_LENGTH = 255

# Amounts are checked by the book, so that a wrong one gets its own translated error.
ITEM_SCHEMA = vol.Schema(
    {
        vol.Required("activity"): cv.string,
        vol.Required("amount"): vol.Any(int, float, str),
    }
)
DECLARE_SCHEMA = vol.Schema(
    {
        # A string first: HA's entity id check raises TypeError on a number.
        vol.Optional(ATTR_PERSON): vol.All(cv.string, cv.entity_domain("person")),
        vol.Optional(ATTR_DATE): cv.date,
        vol.Optional(ATTR_ITEMS, default=list): vol.All(
            cv.ensure_list, [ITEM_SCHEMA], vol.Length(max=MAX_ITEMS)
        ),
        vol.Optional(ATTR_KG): vol.Any(int, float, str),
        vol.Optional(ATTR_NOTE): vol.All(cv.string, vol.Length(max=NOTE_MAX_LENGTH)),
    }
)


def async_register_declaration_actions(hass: HomeAssistant) -> None:
    """Register ``declare`` (from ``async_setup``)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_DECLARE,
        _async_declare,
        schema=DECLARE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


async def _async_declare(call: ServiceCall) -> ServiceResponse:
    """Declare a day for the calling user's person, or for the one named if allowed."""
    hass = call.hass
    person = await async_allowed_person(hass, call.context.user_id, call.data.get(ATTR_PERSON))
    runtime = declaration_runtime(hass, person)
    try:
        return await runtime.async_declare(
            call.data.get(ATTR_DATE),
            call.data[ATTR_ITEMS],
            direct_kg=call.data.get(ATTR_KG),
            note=call.data.get(ATTR_NOTE),
            context=call.context,
        )
    except DeclarationError as err:
        raise declaration_error(err, runtime.settings.max_age_days) from err


def declaration_error(err: DeclarationError, max_age_days: int) -> CarbonTrackerError:
    """The translated error of a refused declaration."""
    return CarbonTrackerError(err.problem.value, detail=err.detail, days=max_age_days)
