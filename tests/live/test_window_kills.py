"""A forecast port's planned run through ``kill -9``: one run per window, measured at its end.

A real ``hass`` runs a dishwasher's tracking node (port 1, 0.5 kg CO2e/kWh) and a carbon-aware
window that is a forecast port (port 2, a planned run of 2 kWh, the load on port 1). The grid
forecast (carbon_intensity_uk's format, set through the REST API after each start: it is not a
restored entity) is 100 g/kWh for an hour from five minutes before the first start, and ends
there. The lowest 30-minute window therefore starts at once, and its run is recorded as a plan:
2 kWh x 0.1 kg/kWh = 0.2 kg.

Then, inside that window: ``kill -9`` a second and a half after the plan was shown (a counted
change is on disk within a second), a start again; the dishwasher uses 1 kWh; ``kill -9`` again;
a start with the clock 20 minutes on (libfaketime), where a window found from "now" would be
just as low and would plan the run a second time; another kWh; a clean stop, and a start a
moment before the window's end. At the end the load's measured carbon over the window (1.0 kg)
is the run's measure, beside its plan, and after the end no run is planned again (the forecast
holds no further 30 minutes). Each restart must find the one plan, never none and never two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import time
from typing import Any

import pytest

from devtools.live import LiveHass
from tests.live.recorded import number, wait_for

METER = "sensor.dishwasher_meter"
METER_ATTRIBUTES = {
    "unit_of_measurement": "kWh",
    "state_class": "total_increasing",
    "device_class": "energy",
    "friendly_name": "Dishwasher meter",
}
FORECAST = "sensor.grid_forecast"
FORECAST_ATTRIBUTES = {
    "unit_of_measurement": "gCO2eq/kWh",
    "state_class": "measurement",
    "friendly_name": "Grid forecast",
}
NODES = [
    (
        "Dishwasher",
        METER,
        1,
        {"factor_mode": "custom", "factor_value": 0.5, "factor_unit": "kWh"},
    )
]
PLANNED_KWH = 2.0
WINDOWS = [
    (
        "Dishwasher run",
        FORECAST,
        "forecast",
        30.0,
        24.0,
        {"planned_kwh": PLANNED_KWH, "port": 2, "load_port": 1},
    )
]
LOAD = "sensor.dishwasher_carbon_emissions"
PLANNED = "sensor.dishwasher_run_planned_carbon"
IN_WINDOW = "binary_sensor.dishwasher_run_in_the_low_carbon_window"
PLAN_KG = PLANNED_KWH * 0.1  # the window's mean: 100 g/kWh
LENGTH = timedelta(minutes=30)
DURABLE_S = 1.5  # a counted change is on disk within a second
WAIT_S = 60.0
# The last start: this long before the window's end (in the hass's clock), so that the start
# itself (seconds, more on a busy machine) ends well inside the window.
BEFORE_END = timedelta(seconds=100)
TOLERANCE = 1e-9


def _forecast(begins: datetime) -> list[dict[str, Any]]:
    """Two half-hours at 100 g/kWh from ``begins``, then nothing (the forecast ends)."""
    half_hour = timedelta(minutes=30)
    return [
        {
            "from": (begins + index * half_hour).isoformat(),
            "to": (begins + (index + 1) * half_hour).isoformat(),
            "intensity": 100,
        }
        for index in range(2)
    ]


@dataclass
class Seen:
    """What the planned-carbon sensor showed at one moment of the run."""

    moment: str
    kg: float
    runs: int
    start: str | None
    in_window: str | None


@dataclass
class Run:
    """What the run saw, and the planned sensor at its end."""

    seen: list[Seen]
    window_start: str
    final: dict[str, Any]
    load_kg: float
    kills: int


def _wait[T](
    live: LiveHass, what: str, probe: Callable[[], T | None], timeout: float = WAIT_S
) -> T:
    try:
        return wait_for(what, probe, timeout)
    except AssertionError as err:
        raise AssertionError(f"{err}:\n{live.log_tail()}") from None


def _number(live: LiveHass, entity_id: str) -> float | None:
    return number(live.get_state(entity_id))


class Driver:
    """The hass, its meter and its forecast (both set again after each start)."""

    def __init__(self, live: LiveHass) -> None:
        self.live = live
        self.kwh = 100.0
        self.forecast: list[dict[str, Any]] = []
        self.seen: list[Seen] = []
        self.kills = 0

    def now(self) -> datetime:
        """The hass's clock: the machine's, plus the offset it runs with."""
        return datetime.now(tz=UTC) + timedelta(seconds=self.live.clock_offset_s)

    def start(self) -> None:
        self.live.start()
        self.live.set_state(METER, self.kwh, METER_ATTRIBUTES)
        if self.forecast:
            self.live.set_state(FORECAST, 100.0, {**FORECAST_ATTRIBUTES, "forecast": self.forecast})

    def use(self, kwh: float) -> None:
        """The dishwasher uses ``kwh``: its node counts it at 0.5 kg/kWh."""
        before = _wait(self.live, f"{LOAD} numeric", lambda: _number(self.live, LOAD))
        self.kwh += kwh
        self.live.set_state(METER, self.kwh, METER_ATTRIBUTES)
        expected = before + kwh * 0.5
        _wait(
            self.live,
            f"{LOAD} = {expected}",
            lambda: True if abs((_number(self.live, LOAD) or -1) - expected) < 1e-9 else None,
        )

    def look(self, moment: str) -> Seen:
        """The planned sensor now, once it has a number (kept in the run's record)."""
        state = _wait(
            self.live,
            f"{PLANNED} after {moment}",
            lambda: (
                found
                if (found := self.live.get_state(PLANNED)) and found["state"] not in ("unknown",)
                else None
            ),
        )
        in_window = self.live.get_state(IN_WINDOW)
        seen = Seen(
            moment,
            float(state["state"]),
            int(state["attributes"]["runs"]),
            state["attributes"]["last_run_start"],
            None if in_window is None else in_window["state"],
        )
        self.seen.append(seen)
        return seen

    def kill(self) -> None:
        time.sleep(DURABLE_S)
        self.live.kill()
        self.kills += 1


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, local_sockets: None) -> Iterator[Run]:
    """Run the experiment once."""
    directory = tmp_path_factory.mktemp("window-kills")
    with LiveHass.create(NODES, directory=directory, windows=WINDOWS) as live:
        driver = Driver(live)
        driver.start()
        begins = driver.now().replace(microsecond=0) - timedelta(minutes=5)
        driver.forecast = _forecast(begins)
        live.set_state(FORECAST, 100.0, {**FORECAST_ATTRIBUTES, "forecast": driver.forecast})
        planned = _wait(
            live,
            "the run planned",
            lambda: True if (_number(live, PLANNED) or 0.0) > 0 else None,
        )
        assert planned
        first = driver.look("the plan")
        assert first.start is not None
        window_start = datetime.fromisoformat(first.start)
        driver.kill()
        driver.start()
        driver.look("kill -9 after the plan")
        driver.use(1.0)
        driver.kill()
        # 20 minutes into the window: a window from now would be as low, and a second run.
        live.clock_offset_s = round(
            (window_start + timedelta(minutes=20) - datetime.now(tz=UTC)).total_seconds()
        )
        driver.start()
        driver.look("kill -9, and a start 20 minutes into the window")
        driver.use(1.0)
        live.stop()
        live.clock_offset_s = round(
            (window_start + LENGTH - BEFORE_END - datetime.now(tz=UTC)).total_seconds()
        )
        driver.start()
        driver.look(f"a clean stop, and a start {BEFORE_END.seconds} s before the end")
        final = _wait(
            live,
            "the run measured at the window's end",
            lambda: (
                found
                if (found := live.get_state(PLANNED))
                and found["attributes"]["last_run_measured_kg"] is not None
                else None
            ),
            timeout=BEFORE_END.seconds + WAIT_S,
        )
        # After the end: the window is over and no other run fits in the forecast.
        driver.kill()
        driver.start()
        driver.look("kill -9 after the end")
        final = live.get_state(PLANNED) or final
        yield Run(driver.seen, first.start, final, _number(live, LOAD) or 0.0, driver.kills)


def test_the_window_started_at_once_and_planned_one_run(run: Run) -> None:
    first = run.seen[0]
    assert first.kg == pytest.approx(PLAN_KG, abs=TOLERANCE)
    assert first.runs == 1
    assert first.in_window == "on"


def test_every_restart_finds_the_one_plan(run: Run) -> None:
    assert len(run.seen) == 5
    assert run.kills == 3
    for seen in run.seen:
        assert seen.kg == pytest.approx(PLAN_KG, abs=TOLERANCE), seen.moment
        assert (seen.moment, seen.runs, seen.start) == (seen.moment, 1, run.window_start)


def test_inside_the_window_after_every_start(run: Run) -> None:
    assert [seen.in_window for seen in run.seen[:-1]] == ["on"] * 4
    assert run.seen[-1].in_window == "off"


def test_the_run_is_measured_beside_its_plan(run: Run) -> None:
    attributes = run.final["attributes"]
    assert run.load_kg == pytest.approx(1.0, abs=TOLERANCE)  # 2 kWh at 0.5 kg/kWh
    assert attributes["last_run_measured_kg"] == pytest.approx(1.0, abs=TOLERANCE)
    assert attributes["last_run_error_kg"] == pytest.approx(1.0 - PLAN_KG, abs=TOLERANCE)
    assert attributes["last_run_kg"] == pytest.approx(PLAN_KG, abs=TOLERANCE)
    assert float(run.final["state"]) == pytest.approx(PLAN_KG, abs=TOLERANCE)
