"""Building a report in Home Assistant: which nodes and groups, which periods, read and assembled.

Everything the user asks for is checked here first, with a translated error for each problem;
then the statistics sums at the periods' boundaries are read (``reader``) and the figures are
assembled (``assembly``, HA-free).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
import hashlib
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util, slugify

from ..const import (
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    CONF_GHG_SCOPE,
    CONF_GROUP_KIND,
    CONF_INTENSITY_ENTITY,
    CONF_KIND,
    CONF_PORT,
    CONF_SOURCE,
    DOMAIN,
)
from ..core.library_store import factor_table
from ..core.scopes import Scope
from ..core.units import reading_multiplier
from ..core.windows import Period, next_window_start, window_start, windows
from ..declarations.book import kg_in_periods
from ..errors import CarbonTrackerError
from ..groups.arithmetic import GroupKind
from ..groups.settings import GroupSettings
from ..kinds import EntryKind, entries_of_kind
from ..nodes.scope import node_scope
from ..ports import PORT_KINDS, emissions_entity_id
from ..texts import local_minute
from .assembly import GroupInfo, NodeInfo, Report, assemble, changes_between
from .reader import async_compiled_until, async_meter_sums_at, async_sums_at
from .render import as_csv, as_data, as_markdown

# At most this many periods in one report (8,784 hours is a leap year of hours).
MAX_PERIODS = 8784
# At most this many (statistic, boundary) sums read for one report.
MAX_SUMS = 2_000_000
REPORTS_FOLDER = Path(DOMAIN) / "reports"


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


def _zone() -> tzinfo:
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
    zone = _zone()
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
        raise ReportError("range_empty", start=_local(start), end=_local(end))
    for moment in (start, end):
        if window_start(moment, period, zone) != moment:
            raise ReportError(
                "period_does_not_fit",
                period=period.value,
                moment=_local(moment),
                before=_local(window_start(moment, period, zone)),
                after=_local(next_window_start(window_start(moment, period, zone), period, zone)),
            )
    return start, end


_EPSILON = timedelta(microseconds=1)


def _aware(moment: datetime, zone: tzinfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _local(moment: datetime) -> str:
    return local_minute(moment)


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
    """Entry ids of ``kind`` (for nodes: any port, a logistics or declaration too), each checked."""
    kinds = PORT_KINDS if kind is EntryKind.TRACKING_NODE else {kind}
    checked = []
    for entry_id in ids:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or kind_of(entry) not in kinds:
            raise ReportError("unknown_scope", entry_id=entry_id, kind=kind.value)
        checked.append(entry_id)
    return tuple(checked)


def node_info(hass: HomeAssistant, entry: ConfigEntry) -> NodeInfo:
    """What a report says about a node: port, name, scope, where its factor comes from, gas."""
    options = entry.options
    if kind_of(entry) is EntryKind.LOGISTICS:
        # Shipments: value-chain carbon, priced by the entry's method with DESNZ 2025 freight
        # factors unless its catalogue overrides them.
        method = options.get("method", "tonne_km")
        return NodeInfo(
            entry.entry_id,
            int(options[CONF_PORT]),
            entry.title,
            Scope(options.get(CONF_GHG_SCOPE) or Scope.VALUE_CHAIN),
            f"logistics ({method}; UK DESNZ 2025 freight factors unless overridden)",
            "CO2e",
        )
    if kind_of(entry) is EntryKind.DECLARATION:
        # A person's own carbon (commuting, travel, home, food): value chain for an organisation.
        return NodeInfo(
            entry.entry_id,
            int(options[CONF_PORT]),
            entry.title,
            Scope.VALUE_CHAIN,
            "personal declaration (UK DESNZ 2025 travel and gas, Poore & Nemecek 2018 food, "
            "the entry's grid factor, own activities)",
            "CO2e",
            declared=True,
        )
    mode = options.get(CONF_FACTOR_MODE, "")
    table = factor_table(hass)
    library = table.factors.get(str(options.get(CONF_FACTOR_ID)))
    scope = node_scope(hass, entry, table)
    gas = "CO2e"
    runtime = getattr(entry, "runtime_data", None)
    value: float | None = None
    per_unit: str | None = None
    row = status = None
    if mode == "library" and library is not None:
        factor, row, status = library.source, library.id, library.status
        value, per_unit, gas = library.value, library.per_unit, library.gas
    elif mode == "custom":
        factor = "typed in"
        value, per_unit = float(options[CONF_FACTOR_VALUE]), options[CONF_FACTOR_UNIT]
    elif mode == "entity":
        # The value varies: the report gives the mean over its range instead.
        factor = f"live intensity {options.get(CONF_INTENSITY_ENTITY)}"
        per_unit = getattr(runtime, "per_unit", None)
    else:
        factor = "measured by the source"
    if mode in ("entity", "custom") and runtime is not None:
        # The live gas basis: a live intensity says CO2 or CO2e in its unit.
        gas = getattr(runtime, "gas", gas)
    if mode == "custom" and runtime is not None:
        # A factor changed from its number entity applies in place, without a reload.
        value = getattr(runtime, "factor", value)
    return NodeInfo(
        entry.entry_id,
        int(options[CONF_PORT]),
        entry.title,
        Scope(scope),
        factor,
        gas,
        activity_unit=per_unit,
        factor_value=value,
        factor_row=row,
        factor_status=status,
    )


def group_info(entry: ConfigEntry) -> GroupInfo:
    """A group as a report reads it."""
    settings = GroupSettings.from_entry(entry.data, entry.options)
    return GroupInfo(
        entry.entry_id,
        entry.title,
        settings.number,
        GroupKind(entry.data[CONF_GROUP_KIND]),
        None if settings.forecast_template else settings.left,
        settings.right,
    )


async def async_build(hass: HomeAssistant, request: ReportRequest) -> Report:
    """Read the statistics and assemble the report."""
    zone = _zone()
    # Counted before they are listed: a typo such as year 0026 must not build millions of them.
    count = period_count(request.start, request.end, request.period, zone)
    if count > MAX_PERIODS:
        raise ReportError("range_too_large", periods=count, limit=MAX_PERIODS)
    periods = list(windows(request.start, request.end, request.period, zone))
    # A group named twice counts once; a group deleted since a profile named it is left out.
    groups = [
        group_info(entry)
        for group_id in dict.fromkeys(request.groups)
        if (entry := hass.config_entries.async_get_entry(group_id)) is not None
        and kind_of(entry) is EntryKind.BINDING_GROUP
    ]
    node_ids = list(dict.fromkeys(request.nodes))
    for group in groups:
        for member in (group.left or ()) + group.right:
            if member not in node_ids and hass.config_entries.async_get_entry(member) is not None:
                node_ids.append(member)
    nodes = {
        entry_id: node_info(hass, entry)
        for entry_id in node_ids
        if (entry := hass.config_entries.async_get_entry(entry_id)) is not None
    }
    statistic_of: dict[str, str] = {}
    for entry_id in nodes:
        if (entity_id := emissions_entity_id(hass, entry_id)) is not None:
            statistic_of[entry_id] = entity_id
    registry = er.async_get(hass)
    for group in groups:
        if group.left is None and (
            entity_id := registry.async_get_entity_id(
                Platform.SENSOR, DOMAIN, f"{group.entry_id}_forecast"
            )
        ):
            statistic_of[group.entry_id] = entity_id
    boundaries = [start for start, _ in periods] + [periods[-1][1]]
    if len(statistic_of) * len(boundaries) > MAX_SUMS:
        raise ReportError("range_too_large", periods=len(periods), limit=MAX_PERIODS)
    sums = await async_sums_at(hass, statistic_of.values(), boundaries)
    changes = {
        entry_id: changes_between(sums.get(entity_id, [None] * len(boundaries)))
        for entry_id, entity_id in statistic_of.items()
    }
    for entry_id in nodes:
        entry = hass.config_entries.async_get_entry(entry_id)
        if (
            entry is not None
            and kind_of(entry) is EntryKind.DECLARATION
            and entry.state is ConfigEntryState.LOADED
        ):
            # A person's day counts on that day, however late it was declared or corrected
            # (HA's statistics have it in the hour it was declared).
            changes[entry_id] = kg_in_periods(entry.runtime_data.book.kg_by_day(), periods, _zone())
    if not any(value is not None for values in changes.values() for value in values):
        raise ReportError("range_no_data", start=_local(request.start), end=_local(request.end))
    return assemble(
        periods,
        nodes,
        groups,
        {entry_id: changes[entry_id] for entry_id in nodes if entry_id in changes},
        {group.entry_id: changes[group.entry_id] for group in groups if group.entry_id in changes},
        request.threshold_kg,
        activity_changes=await _async_activity(hass, nodes, boundaries),
        statistics_until=await async_compiled_until(hass),
        as_of=dt_util.utcnow(),
    )


async def _async_activity(
    hass: HomeAssistant, nodes: dict[str, NodeInfo], boundaries: list[datetime]
) -> dict[str, list[float | None]]:
    """Each metered node's activity per period, in its factor's unit, from its meter's statistics.

    A meter without statistics (no state class), or in a unit that cannot be expressed in the
    factor's, gives no activity: the row then has none.
    """
    meters: dict[str, tuple[str, str]] = {}
    for entry_id, info in nodes.items():
        entry = hass.config_entries.async_get_entry(entry_id)
        if info.activity_unit is not None and entry is not None and CONF_SOURCE in entry.data:
            meters[entry_id] = (entry.data[CONF_SOURCE], info.activity_unit)
    sums = await async_meter_sums_at(hass, {meter for meter, _ in meters.values()}, boundaries)
    activity: dict[str, list[float | None]] = {}
    for entry_id, (meter, per_unit) in meters.items():
        if meter not in sums:
            continue
        unit, meter_sums = sums[meter]
        multiplier = reading_multiplier(unit, per_unit)
        if multiplier is None:
            continue
        activity[entry_id] = [
            None if change is None else change * multiplier
            for change in changes_between(meter_sums)
        ]
    return activity


def report_data(report: Report, request: ReportRequest, trigger: str) -> dict[str, Any]:
    """The report as response and event data."""
    return as_data(
        report,
        _zone(),
        {
            "title": request.title,
            "period": request.period.value,
            "start": dt_util.as_local(request.start).isoformat(),
            "end": dt_util.as_local(request.end).isoformat(),
            "trigger": trigger,
            "generated_at": dt_util.now().isoformat(),
        },
    )


# File names stay well under the 255 bytes file systems allow, with the range and suffix added.
MAX_SLUG = 80


def file_slug(title: str) -> str:
    """The title as a file name part: its slug, or a shortened one that stays unique to it."""
    slug = slugify(title) or "report"
    if len(slug) <= MAX_SLUG:
        return slug
    digest = hashlib.sha256(title.encode()).hexdigest()[:10]
    return f"{slug[: MAX_SLUG - 11].rstrip('_')}_{digest}"


async def async_write_files(
    hass: HomeAssistant, report: Report, request: ReportRequest, formats: Sequence[str]
) -> list[str]:
    """Write the report in each format under <config>/carbon_tracker/reports/, off the loop."""
    if not formats:
        return []
    zone = _zone()
    folder = Path(hass.config.path(str(REPORTS_FOLDER)))
    stem = "_".join(
        (
            file_slug(request.title),
            request.period.value,
            dt_util.as_local(request.start).strftime("%Y%m%dT%H%M"),
            dt_util.as_local(request.end).strftime("%Y%m%dT%H%M"),
        )
    )
    texts = {
        "csv": as_csv(report, zone),
        "markdown": as_markdown(report, zone, request.title),
    }
    suffixes = {"csv": ".csv", "markdown": ".md"}

    def write() -> list[str]:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for kind in formats:
            path = folder / f"{stem}{suffixes[kind]}"
            path.write_text(texts[kind], encoding="utf-8")
            written.append(str(path))
        return written

    return await hass.async_add_executor_job(write)
