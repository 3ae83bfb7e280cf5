"""What the recorder last wrote of a node's carbon sensor: the last total it showed.

Read only on a rare path (a meter reset during an outage that followed a power cut), in the
recorder's executor, never from a state-change callback.
"""

from __future__ import annotations

from math import isfinite

from homeassistant.core import HomeAssistant, State

# A few states back: the newest is the "unknown" the sensor shows from the start until it has
# caught up, and an outage can span several starts.
STATES_LOOKED_AT = 5


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
