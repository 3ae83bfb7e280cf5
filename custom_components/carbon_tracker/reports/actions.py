"""The ``carbon_tracker.generate_report`` action."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..const import DOMAIN
from ..core.windows import Period
from ..errors import async_require_admin
from .build import async_build, report_data
from .downloads import async_download_links
from .files import async_write_files
from .request import MAX_PERIODS, request_from_call

SERVICE_GENERATE_REPORT = "generate_report"
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
        vol.Optional("net", default=False): cv.boolean,
    }
)


def async_register_report_actions(hass: HomeAssistant) -> None:
    """Register the report action (from ``async_setup``).

    A report is read by anyone who may call actions; writing its files asks for an
    administrator.
    """
    hass.services.async_register(
        DOMAIN,
        SERVICE_GENERATE_REPORT,
        _async_generate_report,
        schema=GENERATE_REPORT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


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
