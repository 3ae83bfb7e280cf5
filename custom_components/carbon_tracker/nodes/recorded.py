"""What HA remembers of a cut: the last total shown, the meter's readings, what it was restored to.

That is: a node's last total shown, its meter's readings before the cut, and the reading HA
restored its meter to at this start.

Read only on a rare path (the first reading after a restart fell below the restored baseline), the
recorder in its executor, never from a state-change callback.
"""

from __future__ import annotations

from datetime import timedelta
from math import isfinite
from typing import Any

from homeassistant.components.sensor import SensorExtraStoredData
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import restore_state
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
    hass: HomeAssistant, entity_id: str, reading: State, cut_at: float | None
) -> bool:
    """Whether the meter showed ``reading``'s value in the minutes before ``cut_at``.

    If so, it went back to an older reading of its own (HA restored it), rather than being reset
    to a new count. The reading itself is not one of them, however soon after the cut it came.
    """
    if cut_at is None or "recorder" not in hass.config.components:
        return False
    from homeassistant.components.recorder import history  # noqa: PLC0415
    from homeassistant.helpers.recorder import get_instance  # noqa: PLC0415

    value = float(reading.state)
    taken_at = reading.last_updated_timestamp
    end = dt_util.utc_from_timestamp(min(cut_at + 1.0, taken_at))
    states = await get_instance(hass).async_add_executor_job(
        lambda: history.state_changes_during_period(
            hass, end - RESTORE_DUMP_REACH, end, entity_id, no_attributes=True
        )
    )
    for state in states.get(entity_id.lower(), []):
        if state.last_updated_timestamp >= taken_at:
            continue
        try:
            if float(state.state) == value:
                return True
        except ValueError:
            continue
    return False


def meter_restored_at_or_below(
    hass: HomeAssistant, entity_id: str, reading: float, unit: str | None
) -> bool:
    """Whether HA restored the meter, at this start, to a reading at or below ``reading``.

    An integration (Riemann sum) sensor, a utility meter or a helper is restored from HA's dump
    and goes on counting from there: its first reading is that older reading plus what it counted
    since, a number the recorder never saw. HA's restore data (read once at start, in memory)
    holds the reading it went back to: a restored sensor's own value (what it goes on from, even
    where the dump caught it showing nothing yet), else the state.
    """
    try:
        stored = restore_state.async_get(hass).last_states.get(entity_id)
    except KeyError:  # restore data not loaded (a bare test hass)
        return False
    if stored is None:
        return False
    value: Any = stored.state.state
    stored_unit = stored.state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    sensor = (
        None
        if stored.extra_data is None
        else SensorExtraStoredData.from_dict(stored.extra_data.as_dict())
    )
    if sensor is not None and sensor.native_value is not None:
        value, stored_unit = sensor.native_value, sensor.native_unit_of_measurement
    if stored_unit != unit:
        return False
    try:
        restored = float(value)
    except TypeError, ValueError:
        return False
    return isfinite(restored) and restored <= reading


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
