"""A report's files: CSV and Markdown under <config>/carbon_tracker/reports/, off the loop."""

from __future__ import annotations

from collections.abc import Sequence
import hashlib
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util, slugify

from ..const import (
    DOMAIN,
)
from .assembly import Report
from .render import as_csv, as_markdown
from .request import ReportRequest, report_zone

REPORTS_FOLDER = Path(DOMAIN) / "reports"


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
    zone = report_zone()
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
