"""What the recorder remembers: a node's last total shown, and its meter's readings before a cut.

Read only on a rare path (the first reading after a restart fell below the restored baseline), in
the recorder's executor, never from a state-change callback.
"""

from __future__ import annotations

from datetime import timedelta
from math import isfinite

from homeassistant.core import HomeAssistant, State
from homeassistant.util import dt as dt_util

# A few states back: the newest is the "unknown" the sensor shows from the start until it has
# caught up, and an outage can span several starts.
STATES_LOOKED_AT = 5
# HA saves restore data every 15 minutes: a meter it restores comes back with a reading it had at
# most that long before the cut (the cut being the node's last reading), with a margin.
RESTORE_DUMP_REACH = timedelta(minutes=20)


async def async_last_shown_total(hass: HomeAssistant, entity_id: str) -> float | None:
    """The newest numeric state the recorder has of ``entity_id``, or None."""
    if "recorder" not in hass.config.components:
        return None
    # Imported here: the recorder is an optional after-dependency.
    from homeassistant.components.recorder import history  # noqa: PLC0415
    from homeassistant.helpers.recorder import get_instance  # noqa: PLC0415

    states = await get_instance(hass).async_add_executor_job(
        history.get_last_state_changes, hass, STATES_LOOKED_AT, entity_id
    )
    return _newest_number(states.get(entity_id.lower(), []))


async def async_reading_seen_before(
    hass: HomeAssistant, entity_id: str, reading: float, cut_at: float | None
) -> bool:
    """Whether the meter showed ``reading`` in the minutes before ``cut_at``.

    If so, it went back to an older reading of its own (HA restored it), rather than being reset
    to a new count.
    """
    if cut_at is None or "recorder" not in hass.config.components:
        return False
    from homeassistant.components.recorder import history  # noqa: PLC0415
    from homeassistant.helpers.recorder import get_instance  # noqa: PLC0415

    end = dt_util.utc_from_timestamp(cut_at) + timedelta(seconds=1)
    states = await get_instance(hass).async_add_executor_job(
        lambda: history.state_changes_during_period(
            hass, end - RESTORE_DUMP_REACH, end, entity_id, no_attributes=True
        )
    )
    for state in states.get(entity_id.lower(), []):
        try:
            if float(state.state) == reading:
                return True
        except ValueError:
            continue
    return False


def _newest_number(states: list[State]) -> float | None:
    newest: tuple[float, float] | None = None
    for state in states:
        try:
            value = float(state.state)
        except ValueError:
            continue
        if isfinite(value) and (newest is None or state.last_updated_timestamp > newest[0]):
            newest = (state.last_updated_timestamp, value)
    return None if newest is None else newest[1]
