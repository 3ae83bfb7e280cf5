"""The demo's past: 30 days of hourly statistics for its meters, so graphs and reports show at once.

Demo only (part of ``devtools/demo_support``, not of the integration). A real install shows
what its meters' own statistics hold; the demo's meters are
new, so this gives each a month of plausible hours (a daily profile, deterministic by the hour)
and then asks Carbon Tracker to backfill each node's carbon from it, the way a user would
(``carbon_tracker.backfill``):

1. wait for a meter's first own statistics (HA compiles them within five minutes of a start);
2. put the month before them, joined with no step (the integration's own join);
3. once the recorder has it, backfill every node on that meter.

Each meter is done once (remembered in ``.storage/demo_history``), so restarts add nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
import math
import random

from homeassistant.components.recorder.models import StatisticData
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.storage import Store

from custom_components.carbon_tracker.nodes.backfill import (
    async_join_history,
    first_statistics_row,
)

STORE_KEY = "demo_history"
DAYS = 30
HOUR = timedelta(hours=1)
_LOGGER = logging.getLogger(__name__)

# Each demo meter's mean use per hour (its unit) and how much it follows the working day.
METERS: dict[str, tuple[float, float]] = {
    "sensor.demo_electricity_meter": (25.0, 0.6),
    "sensor.demo_site_electricity_meter": (26.25, 0.6),
    "sensor.demo_gas_meter": (0.7, 0.3),
    "sensor.demo_fuel_meter": (0.5, 0.9),
    "sensor.demo_odometer": (14.0, 1.0),
    "sensor.demo_solar_export_meter": (3.0, 1.0),
}
UNIT_CLASSES = {"energy": "energy", "gas": "volume", "volume": "volume", "distance": "distance"}


def hourly_use(meter: str, mean: float, swing: float, hour: datetime) -> float:
    """One hour's use: the mean shaped by the hour of day, varied, the same for the same hour."""
    local_hour = hour.hour  # UTC is good enough for a demo's day
    shape = 1.0 + swing * math.sin((local_hour - 6) / 24 * 2 * math.pi)
    noise = random.Random(f"{meter}{hour.isoformat()}").uniform(0.8, 1.2)
    return max(0.0, mean * shape * noise)


def history_rows(
    meter: str, mean: float, swing: float, cutoff: datetime, reading: float
) -> list[StatisticData]:
    """DAYS days of hours before ``cutoff``: sums from 0, states ending at ``reading``."""
    hours = [cutoff - HOUR * index for index in range(DAYS * 24, 0, -1)]
    uses = [hourly_use(meter, mean, swing, hour) for hour in hours]
    total = sum(uses)
    rows: list[StatisticData] = []
    running = 0.0
    for hour, use in zip(hours, uses, strict=True):
        running += use
        rows.append(
            StatisticData(start=hour, state=round(reading - total + running, 3), sum=running)
        )
    return rows


async def async_add_history(hass: HomeAssistant, meter: str) -> bool:
    """The month before the meter's own statistics, and its nodes' carbon; whether it is done."""
    instance = get_instance(hass)
    first = await instance.async_add_executor_job(first_statistics_row, hass, meter)
    state = hass.states.get(meter)
    if first is None or state is None:
        return False  # no statistics of its own yet: history is joined to them
    cutoff = first.replace(minute=0, second=0, microsecond=0)
    try:
        reading = float(state.state)
    except ValueError:
        return False
    mean, swing = METERS[meter]
    rows = history_rows(meter, mean, swing, cutoff, reading)
    async_join_history(
        hass,
        meter,
        unit_class=UNIT_CLASSES.get(str(state.attributes.get(ATTR_DEVICE_CLASS))),
        unit=str(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)),
        rows=rows,
        cutoff=cutoff,
    )
    await instance.async_block_till_done()
    for entry in hass.config_entries.async_entries("carbon_tracker"):
        if entry.data.get("source") != meter:
            continue
        try:
            answer = await hass.services.async_call(
                "carbon_tracker",
                "backfill",
                {"config_entry_id": entry.entry_id},
                blocking=True,
                return_response=True,
            )
        except HomeAssistantError as err:
            _LOGGER.warning("Demo history of %s not backfilled for %s: %s", meter, entry.title, err)
        else:
            _LOGGER.info("Demo history of %s for %s: %s", meter, entry.title, answer)
    return True


class DemoHistory:
    """Which meters have their month; the check that adds it to the others."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Nothing read yet."""
        self.hass = hass
        self._store: Store[dict[str, list[str]]] = Store(hass, 1, STORE_KEY)
        self.done: set[str] = set()

    @property
    def pending(self) -> list[str]:
        """The meters still without their month."""
        return sorted(set(METERS) - self.done)

    async def async_load(self) -> None:
        """What earlier starts did."""
        self.done = set((await self._store.async_load() or {}).get("done", []))

    async def async_check(self, _: datetime | None = None) -> None:
        """Add the month to every meter that has statistics of its own now."""
        for meter in self.pending:
            try:
                added = await async_add_history(self.hass, meter)
            except Exception:
                _LOGGER.exception("Demo history of %s failed", meter)
                added = True  # not again at every check
            if added:
                self.done.add(meter)
                await self._store.async_save({"done": sorted(self.done)})
