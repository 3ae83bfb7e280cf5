"""A group's interrupt output: events, and a notification while its error is beyond the line.

Crossing the threshold fires an event and shows a persistent notification; coming back within
fires another event and dismisses the notification.

The notification is written in HA's server language, from the integration's translations (read
into HA's translation cache when a group is set up), falling back to English.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, EVENT_THRESHOLD_CLEARED, EVENT_THRESHOLD_CROSSED
from ..core.comparison import GroupKind
from ..texts import local_minute, text as _text
from .arithmetic import Side, Transition
from .runtime import GroupRuntime


def notification_id(entry_id: str) -> str:
    """The one notification a group has at a time."""
    return f"{DOMAIN}_threshold_{entry_id}"


def alert_data(group: GroupRuntime) -> dict[str, Any]:
    """What the events carry (and the notification tells)."""
    settings = group.settings
    error = group.error()
    threshold = settings.threshold
    forecast = settings.kind is GroupKind.FORECAST_VS_MEASURED
    left = group.side_kg(Side.LEFT)
    right = group.side_kg(Side.RIGHT)
    return {
        "config_entry_id": group.entry_id,
        "name": group.name,
        "group_number": settings.number,
        "notation": group.notation(),
        "group_kind": settings.kind.value,
        "window": settings.window.value,
        # Local time with its offset, as the notification and the logbook show it.
        "window_start": dt_util.as_local(group.window_start).isoformat(),
        "window_end": dt_util.as_local(group.window_end).isoformat(),
        ("forecast_kg" if forecast else "total_kg"): _round(left),
        ("measured_kg" if forecast else "subs_kg"): _round(right),
        "error_kg": None if error is None else _round(error.kilograms),
        "error_pct": None if error is None else _round(error.relative_pct, 2),
        "threshold_kg": threshold.line_kg,
        "alarm_kg": threshold.alarm_kg,
        "threshold_pct": threshold.relative_pct,
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


@callback
def async_announce(group: GroupRuntime, transition: Transition) -> None:
    """Fire the event of a crossing or a clearing; show or dismiss the notification."""
    hass = group.hass
    data = alert_data(group)
    if transition is Transition.CROSSED:
        hass.bus.async_fire(EVENT_THRESHOLD_CROSSED, data)
        title, message = _texts(hass, group, data)
        persistent_notification.async_create(hass, message, title, notification_id(group.entry_id))
    else:
        hass.bus.async_fire(EVENT_THRESHOLD_CLEARED, data)
        persistent_notification.async_dismiss(hass, notification_id(group.entry_id))


def _texts(hass: HomeAssistant, group: GroupRuntime, data: dict[str, Any]) -> tuple[str, str]:
    """The notification's title and message, translated."""
    forecast = group.settings.kind is GroupKind.FORECAST_VS_MEASURED
    window = _text(hass, f"window_{group.settings.window.value}") or group.settings.window.value
    left = data["forecast_kg" if forecast else "total_kg"]
    right = data["measured_kg" if forecast else "subs_kg"]
    placeholders = {
        "name": group.name,
        "notation": data["notation"],
        "window": window,
        "window_start": local_minute(group.window_start),
        "left": f"{left:g}",
        "right": f"{right:g}",
        "error": f"{data['error_kg']:+g}",
        "error_pct": "-" if data["error_pct"] is None else f"{data['error_pct']:+g}",
    }
    key = "forecast" if forecast else "total"
    title = _text(hass, "threshold_crossed_title") or "Carbon Tracker: {name}"
    message = _text(hass, f"threshold_crossed_{key}") or (
        "{name} ({notation}), {window} from {window_start}: {left} kg against {right} kg, "
        "error {error} kg ({error_pct} %)."
    )
    return title.format(**placeholders), message.format(**placeholders)
