"""Benchmark of a carbon-aware window's recompute: what a forecast change costs.

Run from the repository root (scripts/bench does that):

    .venv/bin/python -m bench.bench_windows

Prints one ``name=value`` line on stdout:

* ``window_recompute_us``: microseconds to read a 48-hour forecast at 30-minute steps (96 slots
  in Carbon Intensity UK's rates format, times as ISO text) and find the lowest-carbon 2-hour
  window within 48 hours (``core/carbon_windows.py``): the work a window does on each forecast
  change, never on a meter update. The median of REPS timed batches of BATCH recomputes; the
  window found is checked against the forecast's own lowest stretch first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math
from statistics import median
import time

from bench.common import configure_logging, emit
from custom_components.carbon_tracker.core.carbon_windows import best_window, parse_forecast

SLOTS = 96
STEP = timedelta(minutes=30)
LENGTH = timedelta(hours=2)
HORIZON = timedelta(hours=48)
BATCH = 200
REPS = 7
NOW = datetime(2026, 11, 20, 21, 50, tzinfo=UTC)


def forecast() -> list[dict[str, object]]:
    """A day-and-night shape over 48 hours, its lowest 2 hours at 03:00-05:00 on the 2nd night."""
    start = NOW.replace(minute=0) + timedelta(hours=1)
    items = []
    for index in range(SLOTS):
        moment = start + index * STEP
        value = 200 + 80 * math.sin(2 * math.pi * (moment.hour - 9) / 24)
        if moment.day == 22 and 3 <= moment.hour < 5:
            value = 40
        items.append(
            {
                "from": moment.isoformat(),
                "to": (moment + STEP).isoformat(),
                "intensity_forecast": round(value),
            }
        )
    return items


def recompute(rates: list[dict[str, object]]) -> object:
    """What a window does on a forecast change."""
    slots = parse_forecast(rates, zone=UTC, today=NOW.date())
    return best_window(slots, NOW, LENGTH, HORIZON)


def main() -> None:
    """The check, then the timing."""
    configure_logging()
    rates = forecast()
    window = recompute(rates)
    assert window is not None
    assert window.start == datetime(2026, 11, 22, 3, 0, tzinfo=UTC), window
    assert window.mean == 40.0
    samples = []
    for _ in range(REPS):
        clock = time.perf_counter()
        for _ in range(BATCH):
            recompute(rates)
        samples.append((time.perf_counter() - clock) / BATCH * 1e6)
    emit("window_recompute_us", median(samples), 1)


if __name__ == "__main__":
    main()
