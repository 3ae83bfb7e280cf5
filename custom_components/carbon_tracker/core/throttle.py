"""How a runtime writes its entities: at once, then at most once per interval. One rule for all.

A meter that reports every second or faster would make a node's carbon sensor (and the recorder,
and every listener) write as often: at factory scale that halves how many meter updates HA can
take. A change is written at once when the last write is an interval old; later changes inside
the interval are written together at its end, exact. What is counted is durable within a second
whatever this interval is (durable.WRITE_DELAY); only what the entities show waits. A group's
threshold crossing is written at once. Throttles that share a pace (the nodes) stretch the
interval when they are many, so that their load on the recorder stays bounded (WritePace).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sized
import math
import time

# Seconds between two writes of a runtime's entities (the first change is written at once).
WRITE_INTERVAL = 5.0
# Writers that share a pace and still write every WRITE_INTERVAL; past them, the interval grows
# in proportion (together they write at most this many states per WRITE_INTERVAL).
PACED_WRITERS = 1000


class WritePace:
    """The interval of the throttles that share it: WRITE_INTERVAL, longer when they are many.

    A home's nodes each write every 5 s. A factory's 5,000 would write 1,000 states a second
    between them, each one a row for the recorder (86 million a day) and work for every state
    listener, whatever their meters do: past PACED_WRITERS, each writes less often, so that all
    of them together keep the load of PACED_WRITERS (25 s each for 5,000). What is counted is
    on disk within a second whatever the interval; only what the entities show waits.
    """

    __slots__ = ("_writers",)

    def __init__(self, writers: Sized = ()) -> None:
        """``writers``: the collection whose size is how many throttles share the pace."""
        self._writers = writers

    @property
    def interval(self) -> float:
        """Seconds between two writes of one throttle."""
        return WRITE_INTERVAL * max(1.0, len(self._writers) / PACED_WRITERS)


# The pace of a throttle that shares none: WRITE_INTERVAL.
OWN_PACE = WritePace()


class WriteThrottle:
    """Writes one runtime's entities: now, or once at the end of the interval."""

    # One per node and group: no per-instance dict.
    __slots__ = ("_loop", "_pace", "_write", "pending", "published_at")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        write: Callable[[], None],
        pace: WritePace = OWN_PACE,
    ) -> None:
        """Nothing written yet: the first change is written at once."""
        self._loop = loop
        self._write = write
        self._pace = pace
        self.published_at = -math.inf
        self.pending: asyncio.TimerHandle | None = None

    def request(self, now: float) -> None:
        """A change at ``now`` (seconds, the clock of ``time.time``)."""
        if self.pending is not None:
            return  # written with the others at the end of the interval
        interval = self._pace.interval
        wait = self.published_at + interval - now
        if wait <= 0.0:
            self.published_at = now
            self._write()
        else:
            self.pending = self._loop.call_later(min(wait, interval), self._deferred)

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
