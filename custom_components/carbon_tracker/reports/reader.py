"""Statistics sums at period boundaries, read in the recorder's executor.

A period's carbon is the change of the statistics ``sum`` between its two boundaries, so a report
needs one sum per statistic and boundary, never the hourly rows between: the row of the hour
that ends at the boundary (an index seek on (metadata_id, start_ts)), else the last row before it
(HA was down at that hour), else nothing (the sensor had no statistics yet: its sum counts as 0).
Plain SQLAlchemy selects on the recorder's own tables: SQLite, MariaDB/MySQL and PostgreSQL all
take them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from homeassistant.components.recorder.db_schema import Statistics, StatisticsMeta, StatisticsRuns
from homeassistant.components.recorder.models import process_timestamp
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance, session_scope
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..core.units import kilograms_per

HOUR = timedelta(hours=1)
FIVE_MINUTES = timedelta(minutes=5)
# Boundaries per query of exact hits (bound parameters stay well under every engine's limit).
CHUNK = 500
# Up to this many boundaries without their hour, a statistic's are looked up with the others';
# beyond, its first and last rows answer the boundaries outside its data without a query.
FEW_MISSING = 2


async def async_sums_at(
    hass: HomeAssistant, statistic_ids: Iterable[str], boundaries: Sequence[datetime]
) -> dict[str, list[float | None]]:
    """Each statistic's sum (in kg) at each boundary; None before its first row."""
    ids = sorted(set(statistic_ids))
    if not ids:
        return {}
    instance = get_instance(hass)
    sums, _ = await instance.async_add_executor_job(_sums_at, hass, ids, list(boundaries), True)
    return sums


async def async_meter_sums_at(
    hass: HomeAssistant, statistic_ids: Iterable[str], boundaries: Sequence[datetime]
) -> dict[str, tuple[str | None, list[float | None]]]:
    """Each statistic's unit, and its sum in that unit at each boundary (meters' activity)."""
    ids = sorted(set(statistic_ids))
    if not ids:
        return {}
    instance = get_instance(hass)
    sums, units = await instance.async_add_executor_job(
        _sums_at, hass, ids, list(boundaries), False
    )
    return {sid: (units[sid], sums[sid]) for sid in units}


async def async_compiled_until(hass: HomeAssistant) -> datetime | None:
    """The end of the last hour whose statistics HA has compiled (None: no run recorded).

    Each statistics run compiles a five-minute period; the run of an hour's last five minutes
    compiles that hour's long-term statistics too.
    """
    return await get_instance(hass).async_add_executor_job(_compiled_until, hass)


def _compiled_until(hass: HomeAssistant) -> datetime | None:
    with session_scope(hass=hass, read_only=True) as session:
        last = session.execute(select(func.max(StatisticsRuns.start))).scalar()
    if last is None:
        return None
    if isinstance(last, datetime):
        last = process_timestamp(last)
    else:  # some engines answer the aggregate as text
        last = process_timestamp(datetime.fromisoformat(str(last)))
    end = last + FIVE_MINUTES
    return end.replace(minute=0, second=0, microsecond=0)


def _sums_at(
    hass: HomeAssistant, ids: list[str], boundaries: list[datetime], in_kg: bool
) -> tuple[dict[str, list[float | None]], dict[str, str | None]]:
    """The sums at the boundaries (in kg, or in each statistic's unit), and the units."""
    instance = get_instance(hass)
    answer: dict[str, list[float | None]] = {sid: [None] * len(boundaries) for sid in ids}
    with session_scope(hass=hass, read_only=True) as session:
        metadata = instance.statistics_meta_manager.get_many(session, statistic_ids=set(ids))
        by_metadata_id = {meta_id: sid for sid, (meta_id, _) in metadata.items()}
        units = {sid: meta.get("unit_of_measurement") for sid, (_, meta) in metadata.items()}
        ratios = {sid: _kg_ratio(unit) if in_kg else 1.0 for sid, unit in units.items()}
        # The hour ending at each boundary starts an hour before it.
        starts = {(boundary - HOUR).timestamp(): index for index, boundary in enumerate(boundaries)}
        found: set[tuple[str, int]] = set()
        meta_ids = list(by_metadata_id)
        start_list = list(starts)
        for first in range(0, len(start_list), CHUNK):
            chunk = start_list[first : first + CHUNK]
            rows = session.execute(
                select(Statistics.metadata_id, Statistics.start_ts, Statistics.sum).where(
                    Statistics.metadata_id.in_(meta_ids), Statistics.start_ts.in_(chunk)
                )
            )
            for meta_id, start_ts, total in rows:
                if total is None:
                    continue
                sid = by_metadata_id[meta_id]
                index = starts[start_ts]
                answer[sid][index] = total * ratios[sid]
                found.add((sid, index))
        # The boundaries without the hour ending there (HA down then, or before the first row):
        # the last row before, for all the statistics missing it at once.
        # Boundaries before a statistic's first row or after its last need no query at all.
        missing: dict[int, list[int]] = {}
        for sid, (meta_id, _) in metadata.items():
            wanted = [index for index in range(len(boundaries)) if (sid, index) not in found]
            if len(wanted) <= FEW_MISSING:
                # Usually just the first boundary: one batched query for all statistics is cheaper.
                for index in wanted:
                    missing.setdefault(index, []).append(meta_id)
                continue
            first_ts, last_ts, last_sum = _extent(session, meta_id)
            for index in wanted:
                hour = (boundaries[index] - HOUR).timestamp()
                if first_ts is None or hour < first_ts:
                    continue  # no statistics yet: None
                if last_ts is not None and hour >= last_ts:
                    answer[sid][index] = None if last_sum is None else last_sum * ratios[sid]
                    continue
                missing.setdefault(index, []).append(meta_id)
        for index, missing_ids in missing.items():
            for first in range(0, len(missing_ids), CHUNK):
                chunk_ids = missing_ids[first : first + CHUNK]
                totals = _last_before_many(session, chunk_ids, boundaries[index])
                for meta_id in chunk_ids:
                    sid = by_metadata_id[meta_id]
                    total = totals.get(meta_id)
                    answer[sid][index] = None if total is None else total * ratios[sid]
    return answer, units


def _extent(session: Session, meta_id: int) -> tuple[float | None, float | None, float | None]:
    """A statistic's first hour, last hour and the sum of its last hour (index seeks)."""
    first = session.execute(
        select(Statistics.start_ts)
        .where(Statistics.metadata_id == meta_id)
        .order_by(Statistics.start_ts)
        .limit(1)
    ).first()
    last = session.execute(
        select(Statistics.start_ts, Statistics.sum)
        .where(Statistics.metadata_id == meta_id)
        .order_by(Statistics.start_ts.desc())
        .limit(1)
    ).first()
    if first is None or last is None:
        return None, None, None
    return first[0], last[0], None if last[1] is None else float(last[1])


def _last_before_many(
    session: Session, meta_ids: list[int], boundary: datetime
) -> dict[int, float]:
    """Per statistic, the sum of the last hour that ended at or before the boundary.

    One statement: for each statistic a reverse seek on (metadata_id, start_ts), limit 1, as a
    correlated subquery (how the recorder finds the statistics at a time); statistics with no
    such row (or a NULL sum there) are left out.
    """
    latest = (
        select(Statistics.start_ts)
        .where(
            Statistics.metadata_id == StatisticsMeta.id,
            Statistics.start_ts <= (boundary - HOUR).timestamp(),
        )
        .order_by(Statistics.start_ts.desc())
        .limit(1)
        .scalar_subquery()
        .correlate(StatisticsMeta)
    )
    rows = session.execute(
        select(StatisticsMeta.id, Statistics.sum)
        .select_from(StatisticsMeta)
        .join(
            Statistics,
            and_(Statistics.metadata_id == StatisticsMeta.id, Statistics.start_ts == latest),
        )
        .where(StatisticsMeta.id.in_(meta_ids))
    )
    return {meta_id: float(total) for meta_id, total in rows if total is not None}


def _kg_ratio(unit: str | None) -> float:
    """Kilograms per unit of a statistic (a carbon sensor shown in g or lb by the user)."""
    return kilograms_per(unit) or 1.0
