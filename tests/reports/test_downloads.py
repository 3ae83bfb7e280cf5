"""Written reports offered for download: signed links in the answer and the notification, one
authenticated view that serves the reports folder and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.reports.downloads import LINK_VALIDITY
from tests.common import recorded, setup_node
from tests.reports.conftest import ImportHours

DAY = datetime(2026, 3, 1, 8, tzinfo=UTC)  # 2026-03-01 00:00 in US/Pacific
pytestmark = pytest.mark.freeze_time("2026-03-03 20:00:00+00:00")


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Reports are written into a folder of this test's own."""
    return hass_tmp_config_dir


@pytest.fixture
async def written(
    hass: HomeAssistant, report_nodes: dict[int, str], import_hours: ImportHours
) -> dict[str, Any]:
    """A day's report of node 1 written as CSV and Markdown by the action."""
    import_hours(1, DAY, [0.5] * 24)
    await recorded(hass)
    response = await hass.services.async_call(
        DOMAIN,
        "generate_report",
        {
            "period": "day",
            "start": "2026-03-01 00:00:00",
            "nodes": [1],
            "formats": ["csv", "markdown"],
            "title": "Site day",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def test_each_written_file_is_offered_by_a_signed_link(
    hass: HomeAssistant, written: dict[str, Any], hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The browser opens a link without a token: the signed link alone gets the file."""
    csv_path, markdown_path = (Path(path) for path in written["files"])
    csv_link, markdown_link = written["downloads"]
    assert csv_link.startswith(f"/api/{DOMAIN}/reports/{csv_path.name}?authSig=")
    assert markdown_link.startswith(f"/api/{DOMAIN}/reports/{markdown_path.name}?authSig=")
    client = await hass_client_no_auth()

    answer = await client.get(csv_link)
    assert answer.status == HTTPStatus.OK
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{csv_path.name}"'
    body = await answer.text()
    assert body == await hass.async_add_executor_job(csv_path.read_text)
    assert "total,," in body  # the report itself, as written
    answer = await client.get(markdown_link)
    assert answer.status == HTTPStatus.OK
    assert answer.headers["Content-Type"].startswith("text/markdown")
    assert "**Total: 12 kg**" in await answer.text()

    # Without the signature, or with another file's: no file.
    plain = markdown_link.split("?", 1)[0]
    assert (await client.get(plain)).status == HTTPStatus.UNAUTHORIZED
    signature = csv_link.split("?", 1)[1]
    assert (await client.get(f"{plain}?{signature}")).status == HTTPStatus.UNAUTHORIZED


async def test_a_link_expires(
    hass: HomeAssistant,
    written: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    client = await hass_client_no_auth()
    link = written["downloads"][0]
    freezer.tick(LINK_VALIDITY - timedelta(minutes=1))
    assert (await client.get(link)).status == HTTPStatus.OK
    freezer.tick(timedelta(minutes=2))
    assert (await client.get(link)).status == HTTPStatus.UNAUTHORIZED


async def test_signed_in_users_read_the_reports_folder_and_nothing_else(
    hass: HomeAssistant,
    written: dict[str, Any],
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
    hass_config_dir: str,
) -> None:
    """Any signed-in user may read a report (as they may read every carbon sensor); a name
    that is not a report the writer could have made, or no file, is not found."""
    name = Path(written["files"][0]).name
    for client in (await hass_client(), await hass_client(hass_read_only_access_token)):
        assert (await client.get(f"/api/{DOMAIN}/reports/{name}")).status == HTTPStatus.OK
    client = await hass_client()
    secrets = Path(hass_config_dir) / "secrets.yaml"
    await hass.async_add_executor_job(secrets.write_text, "password: hunter2\n")
    for wrong in (
        "..%2Fsecrets.yaml",
        "..%2F..%2Fsecrets.yaml",
        "secrets.yaml",
        "nothing_here.csv",
        "site_day.CSV",
        f"{name}.bak",
        "%2E%2E%2Fcarbon_tracker.csv",
    ):
        answer = await client.get(f"/api/{DOMAIN}/reports/{wrong}")
        # HA's own filter refuses a path that climbs out (400) before the view sees it.
        assert answer.status in (HTTPStatus.NOT_FOUND, HTTPStatus.BAD_REQUEST), wrong
        assert "hunter2" not in await answer.text()


async def test_the_notification_links_each_file(
    hass: HomeAssistant,
    report_nodes: dict[int, str],
    import_hours: ImportHours,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A profile's notification names each file as a link the browser can open."""
    import_hours(1, DAY, [0.5] * 24)
    await recorded(hass)
    profile = await setup_node(
        hass,
        MockConfigEntry(
            domain=DOMAIN,
            title="Board",
            entry_id="board",
            data={"kind": "report_profile"},
            minor_version=3,
            options={
                "nodes": [report_nodes[1]],
                "groups": [],
                "period": "day",
                "threshold_kg": None,
                "notify": True,
                "formats": ["csv"],
                "interrupt": False,
            },
        ),
    )
    # The profile's own reports notify (the action answers): one as the schedule makes it.
    await profile.runtime_data.async_report(DAY, DAY + timedelta(days=1), "schedule")
    await hass.async_block_till_done()
    message = persistent_notification._async_get_or_create_notifications(hass)[
        f"{DOMAIN}_report_board"
    ]["message"]
    (name, link) = re.findall(r"\[([^\]]+)\]\((/api/[^)]+)\)", message)[0]
    assert name.endswith(".csv")
    answer = await (await hass_client_no_auth()).get(link)
    assert answer.status == HTTPStatus.OK
    assert "total,," in await answer.text()
