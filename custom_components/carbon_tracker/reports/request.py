"""A report's request: what the user asks for (range, period, scope), checked.

Each problem has its translated error. No statistics are read here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ..const import (
    CONF_GROUP_NUMBER,
    CONF_KIND,
    DOMAIN,
)
from ..core.windows import Period, next_window_start, window_start
from ..errors import CarbonTrackerError
from ..kinds import EntryKind, entries_of_kind
from ..ports import PORT_KINDS, all_ports, port_of, ports_by_number
from ..texts import local_minute
from .profile_settings import ProfileSettings

# At most this many periods in one report (8,784 hours is a leap year of hours).
MAX_PERIODS = 8784


# The translated error of the reports' and logistics' actions (one class for all).
ReportError = CarbonTrackerError


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """What a report covers."""

    title: str
    period: Period
    start: datetime
    end: datetime
    nodes: tuple[str, ...]  # node config entry ids (a group's members are added)
    groups: tuple[str, ...]
    threshold_kg: float | None
    # Also a "net" figure: the gross inventory minus the avoided emissions (asked for only).
    net: bool = False


def report_zone() -> tzinfo:
    """HA's time zone: periods are its days, weeks, months and years."""
    return dt_util.get_default_time_zone()


# The years a report's range may lie in.
FIRST_REPORT_YEAR, LAST_REPORT_YEAR = 1970, 2200


def report_range(
    period: Period,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    last: int | None = None,
    now: datetime | None = None,
) -> tuple[datetime, datetime]:
    """The range asked for, in UTC, checked: periods must fit it exactly.

    ``last`` N: the N whole periods before the current one. ``start`` (and ``end``, default the
    end of the current period): both on boundaries of ``period`` in HA's time zone.
    """
    zone = report_zone()
    now = now or dt_util.utcnow()
    if last is not None:
        end = window_start(now, period, zone)
        start = end
        try:
            for _ in range(last):
                start = window_start(start - _EPSILON, period, zone)
        except OverflowError, ValueError:
            raise ReportError("range_before_calendar", period=period.value, last=last) from None
        return start, end
    given = (start, end)
    try:
        if start is None:
            start = window_start(now, period, zone)
        start = dt_util.as_utc(_aware(start, zone))
        end = (
            next_window_start(window_start(now, period, zone), period, zone)
            if end is None
            else dt_util.as_utc(_aware(end, zone))
        )
    except OverflowError, ValueError:
        start = end = None
    if (
        start is None
        or end is None
        or not FIRST_REPORT_YEAR <= start.year <= LAST_REPORT_YEAR
        or not FIRST_REPORT_YEAR <= end.year <= LAST_REPORT_YEAR
    ):
        # Years 1 and 9999 overflow on the way to UTC and to the next period; HA's statistics
        # hold nothing before 1970.
        raise ReportError(
            "range_outside_calendar",
            start="" if given[0] is None else given[0].isoformat(),
            end="" if given[1] is None else given[1].isoformat(),
            first=FIRST_REPORT_YEAR,
            last=LAST_REPORT_YEAR,
        )
    if end <= start:
        raise ReportError("range_empty", start=local_minute(start), end=local_minute(end))
    for moment in (start, end):
        if window_start(moment, period, zone) != moment:
            raise ReportError(
                "period_does_not_fit",
                period=period.value,
                moment=local_minute(moment),
                before=local_minute(window_start(moment, period, zone)),
                after=local_minute(
                    next_window_start(window_start(moment, period, zone), period, zone)
                ),
            )
    return start, end


_EPSILON = timedelta(microseconds=1)


def _aware(moment: datetime, zone: tzinfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def period_count(start: datetime, end: datetime, period: Period, zone: tzinfo) -> int:
    """Periods in [start, end) (both boundaries of ``period``), without listing them."""
    if period is Period.HOUR:
        return int((end - start) // timedelta(hours=1))
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    if period is Period.DAY:
        return (last - first).days
    if period is Period.WEEK:
        return (last - first).days // 7
    if period is Period.MONTH:
        return (last.year - first.year) * 12 + last.month - first.month
    return last.year - first.year


def kind_of(entry: ConfigEntry) -> EntryKind | None:
    """The kind of one of our entries, or None for anything else."""
    if entry.domain != DOMAIN:
        return None
    try:
        return EntryKind(entry.data[CONF_KIND])
    except KeyError, ValueError:
        return None


def entries_of(hass: HomeAssistant, kind: EntryKind) -> list[ConfigEntry]:
    """Our entries of one kind; for nodes, every port (logistics and declarations too)."""
    return entries_of_kind(hass, *(PORT_KINDS if kind is EntryKind.TRACKING_NODE else {kind}))


def check_scope(hass: HomeAssistant, ids: Iterable[str], kind: EntryKind) -> tuple[str, ...]:
    """Ids of ``kind``, each checked.

    For nodes any port (a logistics or declaration entry, a remote site's port too, by member
    id); else entry ids.
    """
    checked = []
    for entry_id in ids:
        if kind is EntryKind.TRACKING_NODE:
            known = port_of(hass, entry_id) is not None
        else:
            entry = hass.config_entries.async_get_entry(entry_id)
            known = entry is not None and kind_of(entry) is kind
        if not known:
            raise ReportError("unknown_scope", entry_id=entry_id, kind=kind.value)
        checked.append(entry_id)
    return tuple(checked)


def entry_ids(hass: HomeAssistant, items: list[Any], kind: EntryKind) -> tuple[str, ...]:
    """Entry ids from ids, ports (nodes) or group numbers (groups, also written G1)."""
    if kind is EntryKind.TRACKING_NODE:
        by_number = {number: port.member_id for number, port in ports_by_number(hass).items()}
    else:
        by_number = {
            int(entry.options[CONF_GROUP_NUMBER]): entry.entry_id
            for entry in entries_of(hass, kind)
            if entry.options.get(CONF_GROUP_NUMBER) is not None
        }
    ids = []
    for item in items:
        text = str(item).strip()
        if kind is EntryKind.BINDING_GROUP and text[:1] in "Gg" and text[1:].isdigit():
            text = text[1:]
        if text.isdigit():
            if int(text) not in by_number:
                raise ReportError("unknown_scope", entry_id=text, kind=kind.value)
            ids.append(by_number[int(text)])
        else:
            ids.append(text)
    return check_scope(hass, ids, kind)


def request_from_call(hass: HomeAssistant, data: dict[str, Any]) -> ReportRequest:
    """What the action's fields ask for, checked."""
    period = Period(data["period"])
    threshold = data.get("threshold_kg")
    title = data.get("title")
    if (profile_id := data.get("profile")) is not None:
        (profile_id,) = check_scope(hass, [profile_id], EntryKind.REPORT_PROFILE)
        entry = hass.config_entries.async_get_entry(profile_id)
        assert entry is not None
        profile = ProfileSettings.from_entry(entry.options)
        nodes, groups = profile.nodes, profile.groups
        threshold = profile.threshold_kg if threshold is None else threshold
        title = title or entry.title
    elif "nodes" in data or "groups" in data:
        nodes = entry_ids(hass, data.get("nodes", []), EntryKind.TRACKING_NODE)
        groups = entry_ids(hass, data.get("groups", []), EntryKind.BINDING_GROUP)
    else:
        nodes = tuple(port.member_id for port in all_ports(hass))
        groups = tuple(entry.entry_id for entry in entries_of(hass, EntryKind.BINDING_GROUP))
    start, end = report_range(
        period, start=data.get("start"), end=data.get("end"), last=data.get("last")
    )
    return ReportRequest(
        title or "Carbon report",
        period,
        start,
        end,
        nodes,
        groups,
        threshold,
        net=bool(data.get("net", False)),
    )
