"""A group's arithmetic: window sums of its members, its error and its threshold. No HA imports.

Members are nodes whose totals only grow. A group keeps, per member, the total it last saw and
adds each increase to its side's running sum: a member update is O(1), whatever the group's size.
A member that is unavailable keeps its last total; when it comes back, the catch-up (its node
counted the outage's consumption) lands in the window it comes back in, once. At a window
boundary the sums start from zero and every member's last total becomes its baseline.

The error and its sign convention are in ``core/comparison.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from math import isfinite

from ..core.comparison import GroupError
from ..core.compensated import CompensatedSum


class Side(StrEnum):
    """The left side is the forecast (or the total), the right side the measured (or the subs)."""

    LEFT = "left"
    RIGHT = "right"


class WindowSums:
    """The carbon of each side of a group in the current window, and since the group began.

    The second (a side's cumulative) is what a site publisher publishes of a group's side: a
    total that windows do not reset, added to with the same increments as the window's.
    """

    __slots__ = ("_cumulative", "_last", "_side", "_sums")

    def __init__(self, left: Iterable[str], right: Iterable[str]) -> None:
        """Members by id on each side; none has been seen yet."""
        self._side: dict[str, Side] = {member: Side.LEFT for member in left}
        self._side.update({member: Side.RIGHT for member in right})
        self._last: dict[str, float | None] = dict.fromkeys(self._side)
        self._sums = {Side.LEFT: CompensatedSum(), Side.RIGHT: CompensatedSum()}
        self._cumulative = {Side.LEFT: CompensatedSum(), Side.RIGHT: CompensatedSum()}

    def update(self, member: str, total: float, *, can_decrease: bool = False) -> float:
        """A member's total now; returns the kilograms it added to its side.

        The first total seen of a member is its baseline; a total below the last one is taken as
        counted from zero (a member that started again), as HA's statistics take a meter reset,
        unless the member's total can decrease (state class total, e.g. a logistics entry whose
        order was corrected downwards): then the drop is a negative change.
        """
        if not isfinite(total) or total < 0.0:
            return 0.0
        last = self._last[member]
        self._last[member] = total
        if last is None:
            return 0.0
        added = total - last if total >= last or can_decrease else total
        if added:
            side = self._side[member]
            self._sums[side].add(added)
            self._cumulative[side].add(added)
        return added

    def side_of(self, member: str) -> Side:
        """The side a member is on."""
        return self._side[member]

    def last_totals(self) -> dict[str, float | None]:
        """Each member's last total seen (None: not seen yet)."""
        return dict(self._last)

    def restore(
        self, left_kg: float, right_kg: float, last: dict[str, float | None] | None = None
    ) -> None:
        """Take back saved sums and, for members still bound, their last totals."""
        self._sums = {Side.LEFT: CompensatedSum(left_kg), Side.RIGHT: CompensatedSum(right_kg)}
        for member, total in (last or {}).items():
            if member in self._last and (total is None or isfinite(total)):
                self._last[member] = total

    def sum(self, side: Side) -> float:
        """The kilograms of one side in this window."""
        return self._sums[side].value

    def cumulative(self, side: Side) -> float:
        """The kilograms of one side since the group began (windows do not reset it)."""
        return self._cumulative[side].value

    def restore_cumulative(self, left_kg: float, right_kg: float) -> None:
        """Take back the saved cumulative sums."""
        self._cumulative = {
            Side.LEFT: CompensatedSum(left_kg),
            Side.RIGHT: CompensatedSum(right_kg),
        }

    def seen(self, side: Side) -> bool:
        """Whether any member of the side has reported a total."""
        return any(
            self._last[member] is not None for member, own in self._side.items() if own is side
        )

    def new_window(self) -> None:
        """A window boundary: sums from zero, each member's last total is its new baseline."""
        self._sums = {Side.LEFT: CompensatedSum(), Side.RIGHT: CompensatedSum()}


@dataclass(frozen=True, slots=True)
class Threshold:
    """When a group's error is a problem.

    ``line_kg``: errors whose absolute value is below the line are within tolerance, always.
    ``alarm_kg``: the alarm preset: an error beyond it alarms. Between the line and the preset an
    error is shown as an error but does not alarm. Without a preset, the line alarms (as groups
    made before the preset existed do).
    ``relative_pct``: when set, the error must also exceed this share of the reference, and only
    once the reference has reached ``min_reference_kg`` (an empty window at 00:01 never alarms).
    ``hysteresis``: a fraction; an alarm clears only when the error falls below the line (and the
    relative limit) times (1 - hysteresis), so an error hovering at the line does not chatter.
    """

    line_kg: float | None = None
    alarm_kg: float | None = None
    relative_pct: float | None = None
    hysteresis: float = 0.0
    min_reference_kg: float = 0.0

    def beyond(self, error: GroupError, *, already: bool) -> bool:
        """Whether the error is a problem; ``already``: whether it was one until now."""
        limit_kg = self.alarm_kg if self.alarm_kg is not None else self.line_kg
        if limit_kg is None and self.relative_pct is None:
            return False
        scale = 1.0 - self.hysteresis if already else 1.0
        if limit_kg is not None and abs(error.kilograms) <= limit_kg * scale:
            return False
        if self.relative_pct is not None:
            if error.relative_pct is None or error.reference_kg < self.min_reference_kg:
                return False
            if abs(error.relative_pct) <= self.relative_pct * scale:
                return False
        return True


class Transition(StrEnum):
    """What an evaluation did to a group's alarm."""

    CROSSED = "crossed"
    CLEARED = "cleared"


class Alarm:
    """A group's alarm: on while its error is beyond its threshold."""

    __slots__ = ("on", "threshold")

    def __init__(self, threshold: Threshold, on: bool = False) -> None:
        """Start off (or as restored)."""
        self.threshold = threshold
        self.on = on

    def evaluate(self, error: GroupError) -> Transition | None:
        """Take the error now; the transition it causes, if any."""
        beyond = self.threshold.beyond(error, already=self.on)
        if beyond == self.on:
            return None
        self.on = beyond
        return Transition.CROSSED if beyond else Transition.CLEARED
