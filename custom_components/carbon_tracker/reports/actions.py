"""The ``carbon_tracker.generate_report`` action."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_register_admin_service
import voluptuous as vol

from ..const import CONF_GROUP_NUMBER, CONF_PORT, DOMAIN
from ..core.windows import Period
from ..errors import async_require_admin
from ..kinds import EntryKind
from .backfill import async_backfill
from .build import (
    MAX_PERIODS,
    ReportError,
    ReportRequest,
    async_build,
    async_write_files,
    check_scope,
    entries_of,
    report_data,
    report_range,
)
from .downloads import async_download_links
from .profile_settings import ProfileSettings

SERVICE_GENERATE_REPORT = "generate_report"
SERVICE_BACKFILL = "backfill"
FORMATS = ("csv", "markdown")

GENERATE_REPORT_SCHEMA = vol.Schema(
    {
        vol.Required("period"): vol.In([period.value for period in Period]),
        vol.Exclusive("start", "range"): cv.datetime,
        vol.Optional("end"): cv.datetime,
        vol.Exclusive("last", "range"): vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_PERIODS)),
        vol.Optional("nodes"): vol.All(cv.ensure_list, [vol.Any(int, cv.string)]),
        vol.Optional("groups"): vol.All(cv.ensure_list, [vol.Any(int, cv.string)]),
        vol.Optional("profile"): cv.string,
        # Finite: float() reads a 400-digit number as infinity.
        vol.Optional("threshold_kg"): vol.All(
            vol.Coerce(float), vol.Range(min=0, max=1e12, max_included=True)
        ),
        vol.Optional("formats", default=[]): vol.All(
            cv.ensure_list, [vol.In(FORMATS)], lambda formats: list(dict.fromkeys(formats))
        ),
        vol.Optional("title"): cv.string,
    }
)


BACKFILL_SCHEMA = vol.Schema(
    {
        vol.Exclusive(CONF_PORT, "node"): vol.All(vol.Coerce(int), vol.Range(min=1, max=65535)),
        vol.Exclusive("config_entry_id", "node"): cv.string,
    }
)


def async_register_report_actions(hass: HomeAssistant) -> None:
    """Register the report actions (from ``async_setup``).

    Backfill writes long-term statistics: administrators only. A report is read by anyone who
    may call actions; writing its files asks for an administrator.
    """
    hass.services.async_register(
        DOMAIN,
        SERVICE_GENERATE_REPORT,
        _async_generate_report,
        schema=GENERATE_REPORT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_BACKFILL,
        _async_backfill,
        schema=BACKFILL_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


async def _async_backfill(call: ServiceCall) -> ServiceResponse:
    """Import a node's past carbon from its meter's statistics."""
    hass = call.hass
    given = call.data.get(CONF_PORT, call.data.get("config_entry_id"))
    if given is None:
        raise ReportError("unknown_scope", entry_id="-", kind=EntryKind.TRACKING_NODE.value)
    (entry_id,) = _ids(hass, [given], EntryKind.TRACKING_NODE)
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.state is not ConfigEntryState.LOADED:
        raise ReportError("backfill_no_statistics_yet", name=given)
    return await async_backfill(hass, entry)


def _ids(hass: HomeAssistant, items: list[Any], kind: EntryKind) -> tuple[str, ...]:
    """Entry ids from ids, ports (nodes) or group numbers (groups, also written G1)."""
    number_key = CONF_PORT if kind is EntryKind.TRACKING_NODE else CONF_GROUP_NUMBER
    by_number = {
        int(entry.options[number_key]): entry.entry_id
        for entry in entries_of(hass, kind)
        if entry.options.get(number_key) is not None
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
        nodes = _ids(hass, data.get("nodes", []), EntryKind.TRACKING_NODE)
        groups = _ids(hass, data.get("groups", []), EntryKind.BINDING_GROUP)
    else:
        nodes = tuple(entry.entry_id for entry in entries_of(hass, EntryKind.TRACKING_NODE))
        groups = tuple(entry.entry_id for entry in entries_of(hass, EntryKind.BINDING_GROUP))
    start, end = report_range(
        period, start=data.get("start"), end=data.get("end"), last=data.get("last")
    )
    return ReportRequest(title or "Carbon report", period, start, end, nodes, groups, threshold)


async def _async_generate_report(call: ServiceCall) -> ServiceResponse:
    """Build the report; write its files; answer with it."""
    hass = call.hass
    if call.data["formats"]:
        await async_require_admin(call)
    request = request_from_call(hass, dict(call.data))
    report = await async_build(hass, request)
    files = await async_write_files(hass, report, request, call.data["formats"])
    return {
        **report_data(report, request, "action"),
        "files": files,
        "downloads": async_download_links(hass, files),
    }
