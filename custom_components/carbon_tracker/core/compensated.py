"""A Neumaier-compensated running sum. No HA imports.

Millions of small additions (a node's deltas, a group's member increases) stay exact to far
below a gram, where a plain float sum would drift.
"""

from __future__ import annotations


class CompensatedSum:
    """A running sum with its rounding error carried alongside."""

    __slots__ = ("_compensation", "_sum")

    def __init__(self, start: float = 0.0) -> None:
        """Start at ``start``."""
        self._sum = float(start)
        self._compensation = 0.0

    @property
    def value(self) -> float:
        """The sum."""
        return self._sum + self._compensation

    def add(self, value: float) -> None:
        """Add one value."""
        total = self._sum
        new = total + value
        if abs(total) >= abs(value):
            self._compensation += (total - new) + value
        else:
            self._compensation += (value - new) + total
        self._sum = new
