"""History backfill: a node's past carbon from its meter's long-term statistics.

Each hour of the meter's statistics before the node's own first statistics becomes that hour's
carbon (the meter's change in the hour, converted to the factor's unit, times the factor): at the
factor in force now, or, for a live intensity, at the intensity entity's mean for that very hour
from its own long-term statistics (an hour without them takes the last hour's that had them; the
answer lists such hours: core/hourly_intensity.py). The imported hours get sums from 0 up to H,
the history's total; the node's own rows (long-term and 5-minute) are then raised by H, so the
sums are continuous where history meets live data: no step, and nothing counted twice. A second
run finds no meter hour before the (now earlier) first carbon row and changes nothing.

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
from ..core.carbon_units import parse_intensity_unit
from ..core.hourly_intensity import hour_factors
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
    pricing: tuple[float, float | list[float], bool] | None
    if (intensity := runtime.settings.intensity_entity) is not None:
        hourly = await _async_hourly_factors(
            hass, runtime, intensity, meter_unit, [start for start, _ in meter_rows[1:]]
        )
        pricing = None if hourly is None else (hourly[0], hourly[1], False)
        answer.update({} if hourly is None else hourly[2])
    else:
        pricing = _pricing(runtime, meter_unit)
        answer["priced_by"] = "factor"
    if pricing is None:
        raise CarbonTrackerError(
            "backfill_unit", name=entry.title, unit=str(meter_unit), meter=meter_id
        )
    scale, factors, carbon_source = pricing
    so_far = priced_history([total for _, total in meter_rows], scale, factors, carbon_source)
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


async def _async_hourly_factors(
    hass: HomeAssistant, runtime: Any, intensity: str, meter_unit: str | None, hours: list[datetime]
) -> tuple[float, list[float], dict[str, Any]] | None:
    """A live intensity's history: each hour at the intensity's mean for that hour.

    From the intensity entity's own long-term statistics (state class measurement); the answer
    says which hours had none and how they were priced (core/hourly_intensity.py). None: the
    meter's unit cannot be priced by the intensity's.
    """
    means, unit = await get_instance(hass).async_add_executor_job(
        _intensity_hours, hass, intensity, hours[-1] + HOUR
    )
    parsed = parse_intensity_unit(unit) if unit is not None else None
    if parsed is None:
        # No statistics of the intensity (or in a unit we cannot read): the intensity now.
        means, per_unit, kg_per_mass = {}, runtime.per_unit, 1.0
    else:
        per_unit, kg_per_mass = parsed.per_unit, parsed.kg_per_mass
    current = runtime.factor if runtime.per_unit == per_unit else None
    if per_unit is None and current is None:
        raise CarbonTrackerError("backfill_no_intensity", name=runtime.name, intensity=intensity)
    scale = None if meter_unit is None else reading_scale(False, meter_unit, per_unit)
    if scale is None:
        return None
    try:
        factors, gaps = hour_factors(
            hours, {hour: mean * kg_per_mass for hour, mean in means.items()}, current
        )
    except ValueError:
        raise CarbonTrackerError(
            "backfill_no_intensity", name=runtime.name, intensity=intensity
        ) from None
    return (
        scale,
        factors,
        {
            "priced_by": "hourly_intensity",
            "intensity_entity": intensity,
            "hours_at_own_intensity": len(hours) - sum(gap.hours for gap in gaps),
            "hours_without_intensity": [
                {
                    "from": gap.start.isoformat(),
                    "to": gap.end.isoformat(),
                    "hours": gap.hours,
                    "priced_at": gap.priced_at.value,
                }
                for gap in gaps
            ],
        },
    )


def _intensity_hours(
    hass: HomeAssistant, intensity: str, end: datetime
) -> tuple[dict[datetime, float], str | None]:
    """The intensity's hourly means before ``end`` (in the executor), and their unit."""
    metadata = get_metadata(hass, statistic_ids={intensity})
    if intensity not in metadata:
        return {}, None
    unit = metadata[intensity][1]["unit_of_measurement"]
    rows = statistics_during_period(hass, EPOCH, end, {intensity}, "hour", None, {"mean"})
    return {
        datetime.fromtimestamp(row["start"], tz=UTC): float(mean)
        for row in rows.get(intensity, [])
        if (mean := row.get("mean")) is not None
    }, unit


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
