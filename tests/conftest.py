"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
import csv
import os
from pathlib import Path
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
import pytest_socket
from sqlalchemy import make_url
from syrupy.assertion import SnapshotAssertion

from custom_components.carbon_tracker import durable
from custom_components.carbon_tracker.core import throttle

TESTS = Path(__file__).resolve().parent
MARKER_BY_FOLDER = {"live": pytest.mark.live, "firmware": pytest.mark.firmware}
SERVER_URLS = ("postgresql://", "mysql://")


def pytest_configure(config: pytest.Config) -> None:
    """With ``--dburl`` naming a PostgreSQL or MariaDB server, each xdist worker has a database of
    its own (HA's fixture creates and drops it around every test)."""
    url = config.getoption("dburl", "sqlite://")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith(SERVER_URLS):
        made = make_url(url)
        config.option.dburl = made.set(database=f"{made.database}_{worker}").render_as_string(
            hide_password=False
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test of tests/live and tests/firmware, so ``-m`` can leave the slow parts out,
    and each test with the recorder (``-m recorder`` runs them on another database)."""
    for item in items:
        parts = item.path.resolve().relative_to(TESTS).parts
        if marker := MARKER_BY_FOLDER.get(parts[0]):
            item.add_marker(marker)
        if "recorder_mock" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.recorder)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let HA load custom_components/carbon_tracker in every test that runs HA.

    A test with the recorder has its database prepared first (HA's fixtures require it before
    hass starts); a test of the HA-free arithmetic starts no hass at all.
    """
    if "recorder_mock" in request.fixturenames:
        request.getfixturevalue("recorder_db_url")
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture(scope="module")
def local_sockets() -> None:
    """Let a module's tests open sockets (a real hass, a browser, the tests' servers), which the
    HA test plugin blocks in every test. Its host filter stays: connections go to 127.0.0.1."""
    pytest_socket.enable_socket()


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots serialised as HA core does: states and registry entries without ids or times."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def write_every_total() -> Iterator[None]:
    """Tests read a state right after a change: no coalescing of the entities' writes (nodes and
    groups: one interval) nor of the durable records' rounds, but where a test asks for it (those
    tests patch it themselves)."""
    with patch.object(throttle, "WRITE_INTERVAL", 0.0), patch.object(durable, "WRITE_DELAY", 0.0):
        yield


DESNZ_2025_NAME = "uk-desnz-ghg-conversion-factors-2025.csv"
# The shared material sits beside the clone (../shared), as /work/shared on the dev box and in CI.
DESNZ_2025_CANDIDATES = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / DESNZ_2025_NAME,
    Path("/work/shared/data") / DESNZ_2025_NAME,
)


@pytest.fixture(scope="session")
def desnz_2025() -> dict[str, dict[str, str]]:
    """The official DESNZ 2025 flat file by factor ID, when the shared data is beside the clone."""
    for path in DESNZ_2025_CANDIDATES:
        if path.is_file():
            with path.open(encoding="utf-8-sig", newline="") as file:
                rows = list(csv.DictReader(file))
            by_id = {row["ID"]: row for row in rows}
            assert len(by_id) == len(rows), "DESNZ ids are not unique in the flat file"
            return by_id
    pytest.skip(f"{DESNZ_2025_NAME} is not available")
