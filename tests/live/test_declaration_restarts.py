"""A person's declarations across real restarts of a Home Assistant process.

One configuration folder, seeded with the demo user's person and its declaration entry. The
declarations are made through the REST API as the demo user (the token's user is the caller, so
no person is named), then the process is killed right after one (``kill -9``, a power cut) and
stopped cleanly after a correction: the book is read back each time, to the gram.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import pytest_socket

from devtools.live import LiveHass

TOTAL = "sensor.demo_declared_total"
TODAY = "sensor.demo_declared_today"
LAST = "sensor.demo_last_declaration"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHass]:
    """A running HA with the demo person and their declaration entry (port 10)."""
    pytest_socket.enable_socket()
    directory = tmp_path_factory.mktemp("declaration-hass")
    with LiveHass.create([], directory=directory, declaration_port=10) as hass:
        with (hass.config_dir / "configuration.yaml").open("a") as config:
            config.write("\nperson:\n")
        hass.start()
        try:
            yield hass
        finally:
            hass.close()


def declare(live: LiveHass, **data: Any) -> dict[str, Any]:
    """carbon_tracker.declare as the demo user; its answer."""
    answer = live.request("POST", "/api/services/carbon_tracker/declare?return_response", data)
    return dict(answer["service_response"])


def kg(live: LiveHass, entity_id: str) -> float:
    """A sensor's state as a number (it must be one)."""
    state = live.get_state(entity_id)
    assert state is not None
    return float(state["state"])


def test_declarations_survive_a_kill_and_a_restart(live: LiveHass) -> None:
    """Declared, killed at once, started: all there; corrected, restarted: the correction."""
    today = date.fromisoformat(live.get_state(LAST)["last_changed"][:10])  # UTC, as HA's zone
    yesterday = (today - timedelta(days=1)).isoformat()
    assert declare(live, date=yesterday, kg=2)["person"] == "person.demo"
    answer = declare(live, items=[{"activity": "rail", "amount": 40}], kg=0.25)
    assert answer["total_kg"] == pytest.approx(40 * 0.03546 + 0.25)
    expected = 2 + 40 * 0.03546 + 0.25
    assert kg(live, TOTAL) == pytest.approx(expected)
    last = live.get_state(LAST)["state"]

    live.kill()  # a power cut right after the declaration
    live.start()
    assert kg(live, TOTAL) == pytest.approx(expected)
    assert kg(live, TODAY) == pytest.approx(40 * 0.03546 + 0.25)
    assert live.get_state(LAST)["state"] == last

    # The day before, corrected after the restart: replaced, not added.
    assert declare(live, date=yesterday, kg=0.5)["replaced_kg"] == 2
    live.restart()
    assert kg(live, TOTAL) == pytest.approx(expected - 1.5)
