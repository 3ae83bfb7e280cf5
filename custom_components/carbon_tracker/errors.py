"""The integration's translated error for actions: a key under ``exceptions`` and its values."""

from __future__ import annotations

from typing import Any

from homeassistant.exceptions import ServiceValidationError

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
