"""Tests of the calendar windows, daylight-saving changes included, against an oracle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import itertools
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st
import pytest

from custom_components.carbon_tracker.core.windows import (
    Period,
    next_window_start,
    window_start,
    windows,
)

LONDON = ZoneInfo("Europe/London")
SHANGHAI = ZoneInfo("Asia/Shanghai")
KOLKATA = ZoneInfo("Asia/Kolkata")
ZONES = [LONDON, SHANGHAI, KOLKATA, ZoneInfo("America/New_York"), UTC]

moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


def oracle_start(moment: datetime, period: Period, zone, week_start: int = 0) -> datetime:
    """Walk back day by day in the local calendar until a day that starts such a window."""
    local = moment.astimezone(zone)
    if period is Period.HOUR:
        utc = moment.astimezone(UTC)
        return datetime(utc.year, utc.month, utc.day, utc.hour, tzinfo=UTC)
    candidates = {
        Period.DAY: lambda d: True,
        Period.WEEK: lambda d: d.weekday() == week_start,
        Period.MONTH: lambda d: d.day == 1,
        Period.YEAR: lambda d: d.month == 1 and d.day == 1,
    }[period]
    day = local.date()
    while not candidates(day):
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone)


@given(moments, st.sampled_from(list(Period)), st.sampled_from(ZONES), st.integers(0, 6))
def test_the_window_holds_the_moment_and_matches_the_oracle(
    moment: datetime, period: Period, zone, week_start: int
) -> None:
    start = window_start(moment, period, zone, week_start)
    following = next_window_start(start, period, zone)
    assert start <= moment < following
    assert start == oracle_start(moment, period, zone, week_start)
    # The next window starts where this one ends.
    assert window_start(following, period, zone, week_start) == following


@given(moments, st.integers(1, 24 * 400), st.sampled_from(list(Period)), st.sampled_from(ZONES))
def test_windows_tile_the_range_without_gaps_or_overlap(
    begin: datetime, hours: int, period: Period, zone
) -> None:
    end = begin + timedelta(hours=hours)
    tiles = list(windows(begin, end, period, zone))
    assert tiles[0][0] <= begin
    assert tiles[-1][1] >= end
    for (_, first_end), (second_start, _) in itertools.pairwise(tiles):
        assert first_end == second_start


def test_a_day_across_a_daylight_saving_change_lasts_23_or_25_hours() -> None:
    spring = window_start(datetime(2026, 3, 29, 12, tzinfo=UTC), Period.DAY, LONDON)
    assert next_window_start(spring, Period.DAY, LONDON) - spring == timedelta(hours=23)
    autumn = window_start(datetime(2026, 10, 25, 12, tzinfo=UTC), Period.DAY, LONDON)
    assert next_window_start(autumn, Period.DAY, LONDON) - autumn == timedelta(hours=25)


def test_hours_are_utc_hours_also_where_the_offset_is_half_an_hour() -> None:
    start = window_start(datetime(2026, 5, 1, 10, 40, tzinfo=UTC), Period.HOUR, KOLKATA)
    assert start == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert start.tzinfo is UTC


def test_months_and_years_start_at_local_midnight() -> None:
    moment = datetime(2026, 1, 31, 17, tzinfo=UTC)  # 1 February 01:00 in Shanghai
    assert window_start(moment, Period.MONTH, SHANGHAI) == datetime(2026, 2, 1, tzinfo=SHANGHAI)
    december = datetime(2026, 12, 15, tzinfo=SHANGHAI)
    assert next_window_start(
        window_start(december, Period.MONTH, SHANGHAI), Period.MONTH, SHANGHAI
    ) == datetime(2027, 1, 1, tzinfo=SHANGHAI)
    assert window_start(moment, Period.YEAR, SHANGHAI) == datetime(2026, 1, 1, tzinfo=SHANGHAI)


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        window_start(datetime(2026, 1, 1), Period.DAY, LONDON)
