"""How a runtime writes its entities: at once, then at most once per interval. One rule for all.

A meter that reports every second or faster would make a node's carbon sensor (and the recorder,
and every listener) write as often: at factory scale that halves how many meter updates HA can
take. A change is written at once when the last write is an interval old; later changes inside
the interval are written together at its end, exact. What is counted is durable within a second
whatever this interval is (durable.WRITE_DELAY); only what the entities show waits. A group's
threshold crossing is written at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import math
import time

# Seconds between two writes of a runtime's entities (the first change is written at once).
WRITE_INTERVAL = 5.0


class WriteThrottle:
    """Writes one runtime's entities: now, or once at the end of the interval."""

    # One per node and group: no per-instance dict.
    __slots__ = ("_loop", "_write", "pending", "published_at")

    def __init__(self, loop: asyncio.AbstractEventLoop, write: Callable[[], None]) -> None:
        """Nothing written yet: the first change is written at once."""
        self._loop = loop
        self._write = write
        self.published_at = -math.inf
        self.pending: asyncio.TimerHandle | None = None

    def request(self, now: float) -> None:
        """A change at ``now`` (seconds, the clock of ``time.time``)."""
        if self.pending is not None:
            return  # written with the others at the end of the interval
        wait = self.published_at + WRITE_INTERVAL - now
        if wait <= 0.0:
            self.published_at = now
            self._write()
        else:
            self.pending = self._loop.call_later(min(wait, WRITE_INTERVAL), self._deferred)

    def at_once(self, now: float) -> None:
        """Write now, with whatever was waiting."""
        self.cancel()
        self.published_at = now
        self._write()

    def cancel(self) -> None:
        """Drop a write to come (the runtime stops)."""
        if self.pending is not None:
            self.pending.cancel()
            self.pending = None

    def _deferred(self) -> None:
        self.pending = None
        self.published_at = time.time()
        self._write()
