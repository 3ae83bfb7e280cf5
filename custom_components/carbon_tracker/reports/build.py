"""Building a report from a checked request (``request``); its files are written after (``files``).

The statistics sums at the periods' boundaries are read (``reader``), each port and group is
described by its kind (its spec, from the registry of kinds), and the figures are assembled
(``assembly``, HA-free).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from ..const import (
    DOMAIN,
)
from ..core.comparison import GroupInfo
from ..core.port_info import REMOTE_MARK, NodeInfo
from ..core.units import reading_multiplier
from ..core.windows import windows
from ..kinds import KINDS
from ..ports import emissions_entity_id, entry_id_of, port_of
from ..texts import local_minute
from .assembly import Report, assemble, changes_between
from .reader import async_compiled_until, async_meter_sums_at, async_sums_at
from .render import as_data
from .request import (
    MAX_PERIODS,
    ReportError,
    ReportRequest,
    kind_of,
    period_count,
    report_zone,
)

# A node's market-based statistic among the statistics read: its entry id and this.
MARKET_KEY = "#market"

# At most this many (statistic, boundary) sums read for one report.
MAX_SUMS = 2_000_000


def node_info(hass: HomeAssistant, member_id: str) -> NodeInfo | None:
    """What a report says about a port, as its kind describes it (None: not a port, or gone)."""
    entry = hass.config_entries.async_get_entry(entry_id_of(member_id))
    kind = None if entry is None else kind_of(entry)
    if entry is None or kind is None:
        return None
    spec = hass.data[KINDS][kind]
    if REMOTE_MARK in member_id:
        port = port_of(hass, member_id)
        if port is None or spec.extra_port_info is None:
            return None
        return spec.extra_port_info(hass, port)
    return None if spec.port_report is None else spec.port_report.info(hass, entry)


def group_info(hass: HomeAssistant, entry: ConfigEntry) -> GroupInfo | None:
    """A group as its kind describes it (None: not a group)."""
    kind = kind_of(entry)
    group_report = None if kind is None else hass.data[KINDS][kind].group_report
    return None if group_report is None else group_report(entry)


async def async_build(hass: HomeAssistant, request: ReportRequest) -> Report:
    """Read the statistics and assemble the report."""
    zone = report_zone()
    # Counted before they are listed: a typo such as year 0026 must not build millions of them.
    count = period_count(request.start, request.end, request.period, zone)
    if count > MAX_PERIODS:
        raise ReportError("range_too_large", periods=count, limit=MAX_PERIODS)
    periods = list(windows(request.start, request.end, request.period, zone))
    # A group named twice counts once; a group deleted since a profile named it is left out.
    groups = [
        group
        for group_id in dict.fromkeys(request.groups)
        if (entry := hass.config_entries.async_get_entry(group_id)) is not None
        and (group := group_info(hass, entry)) is not None
    ]
    node_ids = list(dict.fromkeys(request.nodes))
    for group in groups:
        for member in (group.left or ()) + group.right:
            if member not in node_ids and port_of(hass, member) is not None:
                node_ids.append(member)
    nodes = {
        member_id: info
        for member_id in node_ids
        if (info := node_info(hass, member_id)) is not None
    }
    statistic_of: dict[str, str] = {}
    registry = er.async_get(hass)
    for entry_id, info in nodes.items():
        if (entity_id := emissions_entity_id(hass, entry_id)) is not None:
            statistic_of[entry_id] = entity_id
        if info.market_unique_id is not None and (
            market := registry.async_get_entity_id(Platform.SENSOR, DOMAIN, info.market_unique_id)
        ):
            statistic_of[f"{entry_id}{MARKET_KEY}"] = market
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
    changes |= _own_periods(hass, nodes, periods)
    if not any(value is not None for values in changes.values() for value in values):
        raise ReportError(
            "range_no_data", start=local_minute(request.start), end=local_minute(request.end)
        )
    return assemble(
        periods,
        nodes,
        groups,
        {entry_id: changes[entry_id] for entry_id in nodes if entry_id in changes},
        {group.entry_id: changes[group.entry_id] for group in groups if group.entry_id in changes},
        request.threshold_kg,
        activity_changes=await _async_activity(hass, nodes, boundaries),
        market_changes={
            entry_id: changes[key]
            for entry_id in nodes
            if (key := f"{entry_id}{MARKET_KEY}") in changes
        },
        statistics_until=await async_compiled_until(hass),
        as_of=dt_util.utcnow(),
        net=request.net,
    )


def _own_periods(
    hass: HomeAssistant, nodes: Iterable[str], periods: list[tuple[datetime, datetime]]
) -> dict[str, list[float | None]]:
    """The kilograms of the ports whose kind counts its own periods.

    A person's declarations count on the day declared for; every other port is read from its
    statistics.
    """
    found = {}
    for member_id in nodes:
        if REMOTE_MARK in member_id:
            continue
        entry = hass.config_entries.async_get_entry(member_id)
        kind = None if entry is None else kind_of(entry)
        port_report = None if kind is None else hass.data[KINDS][kind].port_report
        own = None if port_report is None else port_report.kg_in_periods
        if own is not None and (kilograms := own(entry, periods, report_zone())) is not None:
            found[member_id] = kilograms
    return found


async def _async_activity(
    hass: HomeAssistant, nodes: dict[str, NodeInfo], boundaries: list[datetime]
) -> dict[str, list[float | None]]:
    """Each metered node's activity per period, in its factor's unit, from its meter's statistics.

    A meter without statistics (no state class), or in a unit that cannot be expressed in the
    factor's, gives no activity: the row then has none.
    """
    meters: dict[str, tuple[str, str]] = {}
    for entry_id, info in nodes.items():
        if info.activity_unit is not None and info.meter is not None:
            meters[entry_id] = (info.meter, info.activity_unit)
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
        report_zone(),
        {
            "title": request.title,
            "period": request.period.value,
            "start": dt_util.as_local(request.start).isoformat(),
            "end": dt_util.as_local(request.end).isoformat(),
            "trigger": trigger,
            "generated_at": dt_util.now().isoformat(),
        },
    )
