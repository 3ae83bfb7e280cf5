"""What the demo needs beyond Home Assistant and Carbon Tracker: demo only, not the integration.

``scripts/develop`` links this folder into the demo's ``config/custom_components`` and the demo's
configuration loads it (``demo_support:``):

* ``history``: a month of history for the demo's meters and their nodes' carbon, within five
  minutes of the first start;
* ``dashboard``: the seeded Carbon dashboard kept in step with the entries (a node or group added
  in the UI shows on it), in the server's language.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.typing import ConfigType

from .dashboard import async_keep_dashboard
from .history import DemoHistory

DOMAIN = "demo_support"
CHECK_EVERY = timedelta(seconds=30)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """From HA's start: the history (checked every 30 s until done) and the dashboard."""
    history = DemoHistory(hass)
    await history.async_load()
    stop: CALLBACK_TYPE | None = None

    async def check(now: datetime) -> None:
        await history.async_check(now)
        if not history.pending and stop is not None:
            stop()

    @callback
    def started(_: HomeAssistant) -> None:
        nonlocal stop
        if history.pending:
            stop = async_track_time_interval(hass, check, CHECK_EVERY)
        async_keep_dashboard(hass)

    async_at_started(hass, started)
    return True
