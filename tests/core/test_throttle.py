"""Tests of the write throttle's pace: the interval, and how it stretches for many writers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from custom_components.carbon_tracker.core import throttle
from custom_components.carbon_tracker.core.throttle import WritePace, WriteThrottle


@pytest.fixture(autouse=True)
def five_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The product's interval (the suite's fixture sets it to 0 for the HA tests)."""
    monkeypatch.setattr(throttle, "WRITE_INTERVAL", 5.0)
    monkeypatch.setattr(throttle, "PACED_WRITERS", 1000)


class RecordingLoop:
    """The loop's call_later, noted: when the throttle would write next."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.cancelled: float | None = None

    def call_later(self, delay: float, write: Callable[[], None]) -> asyncio.TimerHandle:
        self.delays.append(delay)
        return asyncio.TimerHandle(delay, write, (), self)  # type: ignore[arg-type]

    def get_debug(self) -> bool:
        return False

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        self.cancelled = handle.when()


@pytest.mark.parametrize(
    ("writers", "interval"), [(0, 5.0), (1, 5.0), (1000, 5.0), (2000, 10.0), (5000, 25.0)]
)
def test_the_interval_grows_past_a_thousand_writers(writers: int, interval: float) -> None:
    assert WritePace(range(writers)).interval == interval


def test_the_pace_follows_the_writers_as_they_come_and_go() -> None:
    writers: dict[str, Any] = {str(i): None for i in range(3000)}
    pace = WritePace(writers)
    assert pace.interval == 15.0
    for i in range(2500):
        del writers[str(i)]
    assert pace.interval == 5.0


def test_no_interval_stays_none_however_many_writers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "WRITE_INTERVAL", 0.0)
    assert WritePace(range(5000)).interval == 0.0


def test_a_paced_throttle_waits_its_pace_and_an_own_one_five_seconds() -> None:
    written: list[str] = []
    loop = RecordingLoop()
    paced = WriteThrottle(loop, lambda: written.append("paced"), WritePace(range(5000)))  # type: ignore[arg-type]
    own = WriteThrottle(loop, lambda: written.append("own"))  # type: ignore[arg-type]
    for runtime in (paced, own):
        runtime.request(100.0)  # written at once
        runtime.request(101.0)  # later changes wait for the end of the interval
    assert written == ["paced", "own"]
    assert loop.delays == [24.0, 4.0]
    # Dropped (the node stops), then a change a whole interval after the write: at once again.
    paced.cancel()
    assert loop.cancelled == 24.0
    paced.request(125.0)
    assert written == ["paced", "own", "paced"]
