"""Each hour of a history priced at the grid intensity of that hour. No HA imports.

A live-intensity node's past (backfill) is priced hour by hour at the intensity entity's mean
for that hour, from its own long-term statistics. An hour with no intensity statistics takes the
nearest earlier hour's mean (the intensity as it was last known, as a live node keeps the last
intensity while the entity is silent); before the first hour with statistics, the first one's
(the nearest known); with no intensity statistics at all, the intensity now. Every hour not
priced at its own mean is reported, in runs of consecutive hours priced the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

HOUR = timedelta(hours=1)


class PricedAt(StrEnum):
    """How an hour without intensity statistics was priced."""

    PREVIOUS_HOUR = "previous_hour"  # the last hour before it that has a mean
    NEXT_HOUR = "next_hour"  # before the first hour with a mean: that one's
    CURRENT = "current_intensity"  # no intensity statistics at all: the intensity now


@dataclass(frozen=True, slots=True)
class Gap:
    """Consecutive hours without intensity statistics, priced the same way."""

    start: datetime  # the first hour's start
    end: datetime  # the last hour's end
    priced_at: PricedAt
    hours: int


def hour_factors(
    hours: Sequence[datetime], means: Mapping[datetime, float], current: float | None
) -> tuple[list[float], list[Gap]]:
    """The factor of each hour (by its start), and the hours that had no mean of their own.

    ``means``: the intensity's mean per hour start, already in kg per priced unit (hours before
    the history count as "the last known" for its first hours). ``current``: the intensity now,
    for a history with no intensity statistics (None: not known either; then ValueError).
    """
    if not hours:
        return [], []
    known = [hour for hour in hours if hour in means]
    earlier = [hour for hour in means if hour < hours[0]]
    # Carried in from an hour before the history, where the statistics have one.
    last: float | None = means[max(earlier)] if earlier else None
    if not known and last is None and current is None:
        raise ValueError("no intensity to price the history with")
    first_known = means[known[0]] if known else None
    factors: list[float] = []
    gaps: list[Gap] = []
    for hour in hours:
        if hour in means:
            last = means[hour]
            factors.append(last)
            continue
        if last is not None:
            how, price = PricedAt.PREVIOUS_HOUR, last
        elif first_known is not None:
            how, price = PricedAt.NEXT_HOUR, first_known
        else:
            assert current is not None
            how, price = PricedAt.CURRENT, current
        factors.append(price)
        if gaps and gaps[-1].priced_at is how and gaps[-1].end == hour:
            gaps[-1] = Gap(gaps[-1].start, hour + HOUR, how, gaps[-1].hours + 1)
        else:
            gaps.append(Gap(hour, hour + HOUR, how, 1))
    return factors, gaps
