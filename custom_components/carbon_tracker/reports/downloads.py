"""Written reports, offered for download in the browser.

The files are written under ``<config>/carbon_tracker/reports/`` (administrators only write them).
Any signed-in user may read them, as they may read every carbon sensor's state and history: one
authenticated view serves the files of that folder and nothing else. A persistent notification
cannot send a browser's access token with a link, so the links it carries are signed paths (HA's
own mechanism for media and camera links): valid for ``LINK_VALIDITY`` and until HA restarts;
the action's response carries them too.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
import re

from aiohttp import web
from homeassistant.components.http.auth import async_sign_path
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from .files import REPORTS_FOLDER

DOWNLOAD_URL = f"/api/{DOMAIN}/reports/{{filename}}"
LINK_VALIDITY = timedelta(days=7)
# What the report writer names its files: a slug, the period and range, and a known suffix.
FILE_NAME = re.compile(r"[A-Za-z0-9_]{1,200}\.(csv|md)")
CONTENT_TYPES = {"csv": "text/csv", "md": "text/markdown"}
_REGISTERED: HassKey[bool] = HassKey(f"{DOMAIN}_report_downloads")


def reports_folder(hass: HomeAssistant) -> Path:
    """Where the report files are written."""
    return Path(hass.config.path(str(REPORTS_FOLDER)))


@callback
def async_register_downloads(hass: HomeAssistant) -> None:
    """Serve the report files (once per HA run)."""
    if hass.data.get(_REGISTERED):
        return
    hass.data[_REGISTERED] = True
    hass.http.register_view(ReportFilesView(reports_folder(hass)))


@callback
def async_download_url(hass: HomeAssistant, path: str) -> str:
    """A signed link to a written report file, for a notification or an action's answer."""
    return async_sign_path(
        hass,
        DOWNLOAD_URL.format(filename=Path(path).name),
        LINK_VALIDITY,
        use_content_user=True,
    )


@callback
def async_download_links(hass: HomeAssistant, paths: list[str]) -> list[str]:
    """Signed links to the written files, in their order."""
    return [async_download_url(hass, path) for path in paths]


class ReportFilesView(HomeAssistantView):
    """GET one written report, as an attachment; any other name is not found."""

    url = DOWNLOAD_URL
    name = f"api:{DOMAIN}:reports"
    requires_auth = True

    def __init__(self, folder: Path) -> None:
        """Serve from ``folder`` only."""
        self._folder = folder

    async def get(self, request: web.Request, filename: str) -> web.StreamResponse:
        """The file, if it is a report the writer could have written and it exists."""
        match = FILE_NAME.fullmatch(filename)
        if match is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        path = self._folder / filename
        hass = request.app[KEY_HASS]
        if not await hass.async_add_executor_job(path.is_file):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.FileResponse(
            path,
            headers={
                "Content-Type": f"{CONTENT_TYPES[match.group(1)]}; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )
