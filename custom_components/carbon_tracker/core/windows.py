"""Calendar windows (hour, day, week, month, year) for groups and reports. No HA imports.

Hours are aligned in UTC, as Home Assistant's long-term statistics are: an hour is the same
instant everywhere, also where the local offset is not a whole number of hours. Days, weeks,
months and years follow the local calendar of the time zone given: a day runs from local midnight
to local midnight, so across a daylight-saving change it lasts 23 or 25 hours.

Every boundary is returned in UTC: Python compares and subtracts two datetimes of the same zone by
their wall clocks, which is wrong across a daylight-saving change; in UTC it is always exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum


class Period(StrEnum):
    """The length of a window."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


def window_start(moment: datetime, period: Period, zone: tzinfo, week_start: int = 0) -> datetime:
    """Start (in UTC) of the window of ``period`` that holds ``moment`` (aware), in ``zone``.

    ``week_start`` is the first day of a week, 0 for Monday to 6 for Sunday.
    """
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    if period is Period.HOUR:
        return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    local = moment.astimezone(zone)
    if period is Period.DAY:
        day = local.date()
    elif period is Period.WEEK:
        day = local.date() - timedelta(days=(local.weekday() - week_start) % 7)
    elif period is Period.MONTH:
        day = local.date().replace(day=1)
    else:
        day = local.date().replace(month=1, day=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def next_window_start(start: datetime, period: Period, zone: tzinfo) -> datetime:
    """Start of the window after the one starting at ``start`` (a value of ``window_start``)."""
    if period is Period.HOUR:
        return start.astimezone(UTC) + timedelta(hours=1)
    local = start.astimezone(zone)
    if period is Period.DAY:
        day = local.date() + timedelta(days=1)
    elif period is Period.WEEK:
        day = local.date() + timedelta(days=7)
    elif period is Period.MONTH:
        year, month = divmod(local.month, 12)
        day = local.date().replace(year=local.year + year, month=month + 1, day=1)
    else:
        day = local.date().replace(year=local.year + 1, month=1, day=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def windows(
    begin: datetime, end: datetime, period: Period, zone: tzinfo, week_start: int = 0
) -> Iterator[tuple[datetime, datetime]]:
    """The windows that cover [begin, end): each (start, end), in order, without gaps or overlap.

    The first starts at or before ``begin``; the last ends at or after ``end``.
    """
    start = window_start(begin, period, zone, week_start)
    while start < end:
        following = next_window_start(start, period, zone)
        yield start, following
        start = following
