"""A report profile's engine: a report when each period closes, and at once on a crossing.

The scheduled report covers the period that just closed. It is made REPORT_DELAY after the
boundary, once HA's recorder has compiled the last hour's statistics (it does so a few seconds
past each hour). The interrupt report covers the current period so far (the statistics up to the
last compiled hour) and carries the crossing that caused it. Each report goes out as the event
``carbon_tracker_report``, as a persistent notification (when asked) and as files (when asked).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
import logging
from pathlib import Path
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, EVENT_REPORT, EVENT_THRESHOLD_CROSSED
from ..core.listeners import Listeners
from ..core.windows import next_window_start, window_start
from ..durable import durable_records
from ..texts import async_load_texts, local_minute, text
from .build import async_build, report_data
from .downloads import async_download_links
from .files import async_write_files
from .profile_settings import ProfileSettings
from .request import ReportRequest

_LOGGER = logging.getLogger(__name__)

# After a period closes, the time HA's recorder needs to compile its last hour.
REPORT_DELAY = timedelta(minutes=5)

type ReportProfileConfigEntry = ConfigEntry[ProfileRuntime]


@dataclass(slots=True)
class LastReport:
    """What the profile's sensor shows: the last report's total, period and time."""

    total_kg: float
    period: str
    start: str
    end: str
    generated_at: str
    trigger: str
    files: list[str] = field(default_factory=list)


class ProfileRuntime:
    """The live state of one report profile."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        name: str,
        settings: ProfileSettings,
    ) -> None:
        """Nothing reported yet."""
        self.hass = hass
        self.entry_id = entry_id
        self.name = name
        self.settings = settings
        self.last: LastReport | None = None
        self.listeners = Listeners()
        self._durable = durable_records(hass)
        self._unsubscribes: list[CALLBACK_TYPE] = []
        self._next: CALLBACK_TYPE | None = None

    @callback
    def async_start(self) -> None:
        """Wait for the current period to close; listen for crossings of the profile's groups."""
        self._schedule(dt_util.utcnow())
        if self.settings.interrupt and self.settings.groups:
            groups = set(self.settings.groups)
            self._unsubscribes.append(
                self.hass.bus.async_listen(
                    EVENT_THRESHOLD_CROSSED,
                    self._on_crossing,
                    event_filter=_filter_groups(groups),
                )
            )

    @callback
    def async_stop(self) -> None:
        """Stop reporting."""
        if self._next is not None:
            self._next()
            self._next = None
        while self._unsubscribes:
            self._unsubscribes.pop()()

    def _schedule(self, now: datetime) -> None:
        period = self.settings.period
        zone = dt_util.get_default_time_zone()
        boundary = next_window_start(window_start(now, period, zone), period, zone)
        self._next = async_track_point_in_utc_time(
            self.hass, self._on_period_closed, boundary + REPORT_DELAY
        )

    async def _on_period_closed(self, now: datetime) -> None:
        """The period before this one closed: report on it, then wait for the next."""
        period = self.settings.period
        zone = dt_util.get_default_time_zone()
        end = window_start(now - REPORT_DELAY, period, zone)
        start = window_start(end - timedelta(microseconds=1), period, zone)
        self._schedule(now)
        await self.async_report(start, end, "schedule")

    async def _on_crossing(self, event: Event) -> None:
        """A group of the profile crossed its threshold: the current period so far, at once."""
        period = self.settings.period
        zone = dt_util.get_default_time_zone()
        now = dt_util.utcnow()
        start = window_start(now, period, zone)
        end = next_window_start(start, period, zone)
        await self.async_report(start, end, "interrupt", crossing=dict(event.data))

    async def async_report(
        self,
        start: datetime,
        end: datetime,
        trigger: str,
        *,
        crossing: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Make one report and send it out; None (and a warning) when there is nothing to say."""
        settings = self.settings
        request = ReportRequest(
            self.name,
            settings.period,
            start,
            end,
            settings.nodes,
            settings.groups,
            settings.threshold_kg,
        )
        try:
            report = await async_build(self.hass, request)
        except HomeAssistantError as err:
            _LOGGER.warning("%s: no %s report: %s", self.name, trigger, err)
            return None
        files = await async_write_files(self.hass, report, request, settings.formats)
        data = {
            **report_data(report, request, trigger),
            "config_entry_id": self.entry_id,
            "files": files,
            "downloads": async_download_links(self.hass, files),
        }
        if crossing is not None:
            data["crossing"] = crossing
        self.hass.bus.async_fire(EVENT_REPORT, data)
        if settings.notify:
            await self._async_notify(data)
        self.last = LastReport(
            data["total_kg"],
            data["period"],
            data["start"],
            data["end"],
            data["generated_at"],
            trigger,
            files,
        )
        self._durable.async_mark(self.entry_id, self.record)
        self.listeners.async_notify()
        return data

    def record(self) -> dict[str, Any] | None:
        """The profile's durable record: its last report, as its sensor shows it."""
        return None if self.last is None else asdict(self.last)

    @callback
    def async_restore_durable(self) -> None:
        """Take the last report back from the durable record, if there is a readable one."""
        record = self._durable.get(self.entry_id)
        if not isinstance(record, dict):
            return
        try:
            self.last = LastReport(**record)
        except TypeError:
            _LOGGER.debug("%s: durable record of the last report unreadable", self.name)

    async def _async_notify(self, data: dict[str, Any]) -> None:
        """A readable summary in HA's server language."""
        texts = await _async_texts(self.hass)
        lines = [
            texts("report_summary").format(
                start=local_minute(data["start"]),
                end=local_minute(data["end"]),
                period=texts(f"window_{data['period']}") or data["period"],
                total=f"{data['total_kg']:g}",
            )
        ]
        if not data["complete"]:
            until = next(p["statistics_until"] for p in data["periods"] if not p["complete"])
            lines.append(texts("report_incomplete").format(until=local_minute(until)))
        lines += [
            texts("report_scope").format(scope=scope, total=f"{total:g}")
            for scope, total in data["scopes"].items()
        ]
        for group in data["groups"]:
            error_pct = group["error_pct"]
            lines.append(
                texts("report_group").format(
                    name=group["name"],
                    error=f"{group['error_kg']:+g}",
                    error_pct="-" if error_pct is None else f"{error_pct:+g}",
                )
            )
        if "crossing" in data:
            lines.append(texts("report_interrupt").format(name=data["crossing"].get("name", "")))
        if data["files"]:
            # Links the browser can open: a notification cannot send the user's token.
            links = ", ".join(
                f"[{Path(path).name}]({url})"
                for path, url in zip(data["files"], data["downloads"], strict=True)
            )
            lines.append(texts("report_files").format(files=links))
        persistent_notification.async_create(
            self.hass,
            "\n\n".join(lines),
            texts("report_title").format(name=self.name),
            f"{DOMAIN}_report_{self.entry_id}",
        )


def _filter_groups(groups: set[str]) -> Callable[[Any], bool]:
    @callback
    def in_profile(data: Any) -> bool:
        return data.get("config_entry_id") in groups

    return in_profile


async def _async_texts(hass: HomeAssistant) -> Callable[[str], str]:
    """Report texts in the server language, English where a text is missing (texts.py's rule)."""
    await async_load_texts(hass)

    def report_text(key: str) -> str:
        return text(hass, key) or ""

    return report_text
