"""History backfill: a node's past carbon from its meter's long-term statistics.

Each hour of the meter's statistics before the node's own first statistics becomes that hour's
carbon at the factor in force now (the meter's change in the hour, converted to the factor's
unit, times the factor). The imported hours get sums from 0 up to H, the history's total; the
node's own rows (long-term and 5-minute) are then raised by H, so the sums are continuous where
history meets live data: no step, and nothing counted twice. A second run finds no meter hour
before the (now earlier) first carbon row and changes nothing.

The meter's first hour has no hour before it to take its change from, so history starts with
its second hour; the hour the node was created in is the node's own (its part before the node
existed is not imported).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import logging
from typing import Any

from homeassistant.components.recorder.db_schema import Statistics, StatisticsShortTerm
from homeassistant.components.recorder.models import StatisticData, StatisticMeanType
from homeassistant.components.recorder.statistics import (
    async_import_statistics,
    get_metadata,
    statistics_during_period,
)
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, UnitOfMass
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.recorder import get_instance, session_scope
from sqlalchemy import func, select

from ..const import CONF_BACKFILL, FactorMode
from ..core.pricing import priced_history, reading_scale
from ..errors import CarbonTrackerError
from ..ports import emissions_entity_id
from .runtime import TrackingNodeConfigEntry

_LOGGER = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def async_backfill(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> dict[str, Any]:
    """Import the node's past carbon; what was imported (nothing the second time)."""
    runtime = entry.runtime_data
    carbon_id = emissions_entity_id(hass, entry.entry_id)
    meter_id = runtime.settings.source
    if carbon_id is None:
        raise CarbonTrackerError("backfill_no_statistics_yet", name=entry.title)
    instance = get_instance(hass)
    first = await instance.async_add_executor_job(first_statistics_row, hass, carbon_id)
    if first is None:
        # The node's own statistics must exist first: they are what history is joined to.
        raise CarbonTrackerError("backfill_no_statistics_yet", name=entry.title)
    cutoff = first.replace(minute=0, second=0, microsecond=0)
    # HA gives the statistics in the unit the meter shows now.
    state = hass.states.get(meter_id)
    shown_unit = None if state is None else state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    meter_rows, meter_unit = await instance.async_add_executor_job(
        _meter_hours, hass, meter_id, cutoff
    )
    meter_unit = shown_unit or meter_unit
    answer: dict[str, Any] = {
        "config_entry_id": entry.entry_id,
        "statistic_id": carbon_id,
        "hours": 0,
        "kg": 0.0,
        "from": None,
        "to": cutoff.isoformat(),
    }
    if len(meter_rows) < 2:
        return answer
    pricing = _pricing(runtime, meter_unit)
    if pricing is None:
        raise CarbonTrackerError(
            "backfill_unit", name=entry.title, unit=str(meter_unit), meter=meter_id
        )
    scale, factor, carbon_source = pricing
    so_far = priced_history([total for _, total in meter_rows], scale, factor, carbon_source)
    rows = [
        StatisticData(start=start, state=kg, sum=kg)
        for (start, _), kg in zip(meter_rows[1:], so_far, strict=True)
    ]
    total = so_far[-1]
    async_join_history(
        hass,
        carbon_id,
        unit_class="mass",
        unit=UnitOfMass.KILOGRAMS,
        rows=rows,
        cutoff=cutoff,
    )
    _LOGGER.info(
        "%s: imported %d hours of history (%.3f kg) before %s",
        entry.title,
        len(rows),
        total,
        cutoff,
    )
    answer.update(hours=len(rows), kg=round(total, 6), **{"from": meter_rows[1][0].isoformat()})
    return answer


@callback
def async_join_history(
    hass: HomeAssistant,
    statistic_id: str,
    *,
    unit_class: str | None,
    unit: str,
    rows: list[StatisticData],
    cutoff: datetime,
) -> None:
    """Put hourly history before a sensor's own statistics, with no step where they meet.

    ``rows``: hours before ``cutoff`` (the sensor's first own hour), sums from 0 up to the
    history's total; the sensor's own rows (hourly and 5-minute) from ``cutoff`` on are raised by
    that total. Both go through the recorder's queue, in that order.
    """
    if not rows:
        return
    async_import_statistics(
        hass,
        {
            "mean_type": StatisticMeanType.NONE,
            "has_sum": True,
            "name": None,
            "source": "recorder",
            "statistic_id": statistic_id,
            "unit_class": unit_class,
            "unit_of_measurement": unit,
        },
        rows,
    )
    total = rows[-1]["sum"]
    assert total is not None
    get_instance(hass).async_adjust_statistics(statistic_id, cutoff, total, unit)


def _pricing(runtime: Any, unit: str | None) -> tuple[float, float, bool] | None:
    """How the node prices a reading of the meter's statistics now: scale, factor, carbon."""
    carbon_source = runtime.settings.mode is FactorMode.CARBON
    scale = None if unit is None else reading_scale(carbon_source, unit, runtime.per_unit)
    factor = 1.0 if carbon_source else runtime.factor
    if scale is None or factor is None:
        return None
    return scale, factor, carbon_source


def first_statistics_row(hass: HomeAssistant, statistic_id: str) -> datetime | None:
    """The start of the statistic's first row, long-term or 5-minute (in the executor)."""
    instance = get_instance(hass)
    with session_scope(hass=hass, read_only=True) as session:
        found = instance.statistics_meta_manager.get(session, statistic_id)
        if found is None:
            return None
        meta_id = found[0]
        starts = [
            session.execute(
                select(func.min(table.start_ts)).where(table.metadata_id == meta_id)
            ).scalar()
            for table in (Statistics, StatisticsShortTerm)
        ]
    known = [start for start in starts if start is not None]
    return datetime.fromtimestamp(min(known), tz=UTC) if known else None


def _meter_hours(
    hass: HomeAssistant, meter_id: str, cutoff: datetime
) -> tuple[list[tuple[datetime, float]], str | None]:
    """The meter's hourly sums before ``cutoff``, and the unit they are in."""
    metadata = get_metadata(hass, statistic_ids={meter_id})
    if meter_id not in metadata:
        return [], None
    unit = metadata[meter_id][1]["unit_of_measurement"]
    rows = statistics_during_period(hass, EPOCH, cutoff, {meter_id}, "hour", None, {"sum"})
    hours = [
        (datetime.fromtimestamp(row["start"], tz=UTC), float(total))
        for row in rows.get(meter_id, [])
        if (total := row.get("sum")) is not None
    ]
    return hours, unit


# Tries of a backfill asked for when the node was added: the node's first statistics come within
# five minutes (HA compiles 5-minute statistics); then the meter's history is joined to them.
PENDING_TRIES = 12
PENDING_INTERVAL = timedelta(minutes=5)


@callback
def async_schedule_pending_backfill(hass: HomeAssistant, entry: TrackingNodeConfigEntry) -> None:
    """Import the history the node's flow asked for, once the node has statistics."""
    tries = 0

    async def attempt(_: datetime) -> None:
        nonlocal tries
        tries += 1
        try:
            await async_backfill(hass, entry)
        except CarbonTrackerError as err:
            if err.translation_key == "backfill_no_statistics_yet" and tries < PENDING_TRIES:
                return
            _LOGGER.warning("%s: history not imported: %s", entry.title, err)
        stop()
        data = {key: value for key, value in entry.data.items() if key != CONF_BACKFILL}
        hass.config_entries.async_update_entry(entry, data=data)

    stop = async_track_time_interval(hass, attempt, PENDING_INTERVAL)
    entry.async_on_unload(stop)
