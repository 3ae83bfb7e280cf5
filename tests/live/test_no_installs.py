"""A real hass of the tests installs nothing: set-up alone made a complete venv.

The hass of the live tests runs with --skip-pip, so a requirement missing from the requirements
files shows as an integration that does not load, not as a package quietly installed into the
shared venv (which once hid it on every machine but a fresh one). This hass loads every
integration the live tests and the demo load, at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pytest_socket

from devtools.live import LiveHass
from tests.live.conftest import installed_distributions

LOADED = (
    "frontend",
    "config",
    "history",
    "logbook",
    "person",
    "mobile_app",
    "script",
    "template",
)
# One node and the demo person's declaration entry, so carbon_tracker itself is set up too.
NODE = (
    "Grid energy",
    "sensor.grid_meter",
    1,
    {"factor_mode": "custom", "factor_value": 0.5, "factor_unit": "kWh"},
)


@pytest.fixture(scope="module")
def before() -> frozenset[tuple[str, str]]:
    """The venv's distributions before the process starts."""
    return installed_distributions()


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, before: frozenset[tuple[str, str]]
) -> Iterator[LiveHass]:
    """A running HA with every integration the live tests and the demo use."""
    pytest_socket.enable_socket()
    directory = tmp_path_factory.mktemp("no-installs-hass")
    with LiveHass.create([NODE], directory=directory, declaration_port=10) as hass:
        with (hass.config_dir / "configuration.yaml").open("a") as config:
            config.write("".join(f"\n{domain}:" for domain in LOADED) + "\n")
        hass.start()
        try:
            yield hass
        finally:
            hass.close()


def test_every_integration_loads_from_the_venv_as_set_up(live: LiveHass) -> None:
    """All of them loaded, and nothing in the log about a package to install or import."""
    components = set(live.request("GET", "/api/config")["components"])
    assert {*LOADED, "carbon_tracker", "recorder", "api"} <= components
    log = live.log_tail(100_000)
    for trouble in ("Unable to install", "Setup failed for", "No module named", "Error setting up"):
        assert trouble not in log


def test_the_venv_is_unchanged_after_a_run(
    live: LiveHass, before: frozenset[tuple[str, str]]
) -> None:
    """Stopped cleanly: the venv's distributions are exactly those from before the start."""
    assert live.stop() == 0
    assert installed_distributions() == before
