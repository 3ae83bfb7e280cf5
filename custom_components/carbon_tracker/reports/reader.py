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

from homeassistant.components.recorder.db_schema import Statistics
from homeassistant.const import UnitOfMass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance, session_scope
from homeassistant.util.unit_conversion import MassConverter
from sqlalchemy import select
from sqlalchemy.orm import Session

HOUR = timedelta(hours=1)
# Boundaries per query of exact hits (bound parameters stay well under every engine's limit).
CHUNK = 500


async def async_sums_at(
    hass: HomeAssistant, statistic_ids: Iterable[str], boundaries: Sequence[datetime]
) -> dict[str, list[float | None]]:
    """Each statistic's sum (in kg) at each boundary; None before its first row."""
    ids = sorted(set(statistic_ids))
    if not ids:
        return {}
    instance = get_instance(hass)
    return await instance.async_add_executor_job(_sums_at, hass, ids, list(boundaries))


def _sums_at(
    hass: HomeAssistant, ids: list[str], boundaries: list[datetime]
) -> dict[str, list[float | None]]:
    instance = get_instance(hass)
    answer: dict[str, list[float | None]] = {sid: [None] * len(boundaries) for sid in ids}
    with session_scope(hass=hass, read_only=True) as session:
        metadata = instance.statistics_meta_manager.get_many(session, statistic_ids=set(ids))
        by_metadata_id = {meta_id: sid for sid, (meta_id, _) in metadata.items()}
        ratios = {
            sid: _kg_ratio(meta.get("unit_of_measurement")) for sid, (_, meta) in metadata.items()
        }
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
        for sid, (meta_id, _) in metadata.items():
            for index, boundary in enumerate(boundaries):
                if (sid, index) not in found:
                    total = _last_before(session, meta_id, boundary)
                    answer[sid][index] = None if total is None else total * ratios[sid]
    return answer


def _last_before(session: Session, meta_id: int, boundary: datetime) -> float | None:
    """The sum of the last hour that ended at or before the boundary."""
    row = session.execute(
        select(Statistics.sum)
        .where(
            Statistics.metadata_id == meta_id,
            Statistics.start_ts <= (boundary - HOUR).timestamp(),
        )
        .order_by(Statistics.start_ts.desc())
        .limit(1)
    ).first()
    return None if row is None or row[0] is None else float(row[0])


def _kg_ratio(unit: str | None) -> float:
    """Kilograms per unit of a statistic (a carbon sensor shown in g or lb by the user)."""
    if unit in (None, UnitOfMass.KILOGRAMS) or unit not in MassConverter.VALID_UNITS:
        return 1.0
    return MassConverter.convert(1.0, unit, UnitOfMass.KILOGRAMS)
