"""Logbook lines, as each kind describes its events (its spec's ``logbook``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN
from .specs import SPECS


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe every kind's events."""
    for spec in SPECS.values():
        for event_type, describe in spec.logbook.items():
            async_describe_event(DOMAIN, event_type, describe)
