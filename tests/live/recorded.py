"""What the live tests share: waiting for a state, and what a live ``hass``'s recorder kept.

The recorder's states are read as the statistics compile reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
import math
import time
from typing import Any

from devtools.live import RecordedState

PERIOD = 300  # s, one short-term statistics period
COMPILE_WAIT = 90.0  # s after a boundary: the recorder compiles at :10 past it


def wait_for[T](what: str, probe: Callable[[], T | None], timeout: float) -> T:
    """Poll ``probe`` until it returns something other than None (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def number(state: dict[str, Any] | None) -> float | None:
    """A state as a finite number, or None."""
    try:
        value = float(state["state"])  # type: ignore[index]
    except TypeError, ValueError, KeyError:
        return None
    return value if math.isfinite(value) else None


def numbers(states: list[RecordedState]) -> list[tuple[float, float]]:
    """(time, value) of the numeric states the recorder wrote, in order."""
    values = []
    for state in states:
        if (value := number({"state": state.state})) is not None:
            values.append((state.last_updated_ts, value))
    return values


def drops_in(values: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Consecutive values where the second is lower."""
    return [(a, b) for (_, a), (_, b) in pairwise(values) if b < a - tolerance]


def value_at(values: list[tuple[float, float]], moment: float) -> float | None:
    """The value a statistics compile starts a sensor's sum from: the state in effect at the
    first compiled period's start, else the first number after it."""
    before = [value for at, value in values if at < moment]
    after = [value for at, value in values if at >= moment]
    found = before[-1:] + after[:1]
    return found[0] if found else None


def seconds_to_boundary(offset_s: float = 0.0) -> float:
    """Seconds until the short-term statistics period of a clock ``offset_s`` ahead ends."""
    now = time.time() + offset_s
    return PERIOD - now % PERIOD
