"""The integration's translated error for actions: a key under ``exceptions`` and its values."""

from __future__ import annotations

from typing import Any

from homeassistant.core import ServiceCall
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser

from .const import DOMAIN


class CarbonTrackerError(ServiceValidationError):
    """A request refused with a translated message; it changes nothing."""

    def __init__(self, key: str, **placeholders: Any) -> None:
        """Say what is wrong, with the values the message names."""
        super().__init__(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={name: str(value) for name, value in placeholders.items()},
        )


async def async_require_admin(call: ServiceCall) -> None:
    """Refuse a call made by a user who is not an administrator (automations have no user).

    For an action that writes files only when asked to: the rest of it stays open to everyone,
    as HA's admin-only registration cannot be.
    """
    if not call.context.user_id:
        return
    user = await call.hass.auth.async_get_user(call.context.user_id)
    if user is None:
        raise UnknownUser(context=call.context)
    if not user.is_admin:
        raise Unauthorized(context=call.context)
