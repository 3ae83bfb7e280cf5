"""A person's declarations, one per day, and their totals. No HA imports.

A declaration is a list of items (an activity and its amount) and/or a direct figure in kg; its
breakdown names each item's factor and source. Declaring a date again replaces that date's
declaration: the total moves by the difference, so nothing is counted twice. A date may not be
in the future, nor older than the allowed number of days.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from enum import StrEnum
from math import fsum, isfinite
from typing import Any

from ..core.compensated import CompensatedSum
from .activities import Activity


class DeclarationProblem(StrEnum):
    """Why a declaration is refused; values are translated error keys."""

    FUTURE_DATE = "declaration_future_date"
    TOO_OLD = "declaration_too_old"
    EMPTY = "declaration_empty"
    UNKNOWN_ACTIVITY = "declaration_unknown_activity"
    BAD_AMOUNT = "declaration_bad_amount"
    NO_GRID_FACTOR = "declaration_no_grid_factor"
    TOO_LARGE = "declaration_too_large"


class DeclarationError(ValueError):
    """A refused declaration: what is wrong, and with which item."""

    def __init__(self, problem: DeclarationProblem, detail: str = "") -> None:
        """Say what is wrong."""
        super().__init__(f"{problem.value}: {detail}")
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Line:
    """One priced item of a declaration."""

    activity: str
    amount: float
    unit: str
    factor: float
    source: str
    kg: float


@dataclass(frozen=True, slots=True)
class Declaration:
    """A day's declaration: its priced items, a direct figure, and the total."""

    day: date
    lines: tuple[Line, ...]
    direct_kg: float
    note: str | None

    @property
    def kg(self) -> float:
        """The day's total."""
        total = CompensatedSum(self.direct_kg)
        for line in self.lines:
            total.add(line.kg)
        return total.value


# No person emits a thousand tonnes in a day: a figure beyond is a typing slip (or an overflow to
# infinity), refused before it reaches the book, the total and HA's statistics.
MAX_DAY_KG = 1_000_000.0


def check_day(day: date, today: date, max_age_days: int) -> None:
    """A date a declaration may be for: not in the future, not older than the limit."""
    if day > today:
        raise DeclarationError(DeclarationProblem.FUTURE_DATE, day.isoformat())
    if (today - day).days > max_age_days:
        raise DeclarationError(DeclarationProblem.TOO_OLD, day.isoformat())


def _amount(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except TypeError, ValueError, OverflowError:
        return None
    return number if isfinite(number) and number >= 0.0 else None


def declare(
    day: date,
    items: Iterable[Mapping[str, Any]],
    *,
    direct_kg: Any,
    note: str | None,
    activities: Mapping[str, Activity],
    grid_factor: float | None,
) -> Declaration:
    """Price a declaration; raises DeclarationError with the first problem."""
    lines = []
    for item in items:
        activity = activities.get(str(item.get("activity")))
        if activity is None:
            raise DeclarationError(DeclarationProblem.UNKNOWN_ACTIVITY, str(item.get("activity")))
        amount = _amount(item.get("amount"))
        if amount is None:
            raise DeclarationError(DeclarationProblem.BAD_AMOUNT, activity.id)
        factor = activity.kg_per_unit if activity.kg_per_unit is not None else grid_factor
        if factor is None:
            raise DeclarationError(DeclarationProblem.NO_GRID_FACTOR, activity.id)
        lines.append(
            Line(activity.id, amount, activity.unit, factor, activity.source, amount * factor)
        )
    direct = 0.0
    if direct_kg is not None:
        checked = _amount(direct_kg)
        if checked is None:
            raise DeclarationError(DeclarationProblem.BAD_AMOUNT, "kg")
        direct = checked
    if not lines and direct_kg is None:
        raise DeclarationError(DeclarationProblem.EMPTY)
    declaration = Declaration(day, tuple(lines), direct, note)
    if not isfinite(declaration.kg) or declaration.kg > MAX_DAY_KG:
        raise DeclarationError(DeclarationProblem.TOO_LARGE, day.isoformat())
    return declaration


@dataclass(slots=True)
class Book:
    """A person's declarations by day; the total is the sum of each day's latest one."""

    days: dict[date, Declaration] = field(default_factory=dict)
    total: float = 0.0

    @classmethod
    def read_back(cls, declarations: Iterable[Declaration]) -> Book:
        """A book of saved days (one declaration each), summed once."""
        book = cls({declaration.day: declaration for declaration in declarations})
        book._sum_days()
        return book

    def _sum_days(self) -> None:
        # Correctly rounded, in any order: the same figure however the days came to be.
        self.total = fsum(declaration.kg for declaration in self.days.values())

    def record(self, declaration: Declaration) -> float:
        """Keep a day's declaration, replacing an earlier one; the kg the total moved by.

        The total is summed again from the days (correctly rounded, in any order), so it is the
        same figure whether it was built by corrections or read back after a restart.
        """
        old = self.days.get(declaration.day)
        moved = declaration.kg - (0.0 if old is None else old.kg)
        self.days[declaration.day] = declaration
        self._sum_days()
        return moved

    def put_back(self, day: date, earlier: Declaration | None) -> None:
        """Undo a record: the day as it was before (not declared, or its earlier declaration)."""
        if earlier is None:
            self.days.pop(day, None)
        else:
            self.days[day] = earlier
        self._sum_days()

    def kg_by_day(self) -> dict[date, float]:
        """Each declared day's kg."""
        return {day: declaration.kg for day, declaration in self.days.items()}

    def day_kg(self, day: date) -> float:
        """The kg declared for a day (0 when nothing was)."""
        found = self.days.get(day)
        return 0.0 if found is None else found.kg


def kg_in_periods(
    kg_by_day: Mapping[date, float],
    periods: Sequence[tuple[datetime, datetime]],
    zone: tzinfo,
) -> list[float | None]:
    """Each period's declared kg: the days whose start (midnight in ``zone``) falls in it.

    A day counts once, in the period its start is in, whenever it was declared or corrected;
    a period with no declared day has no figure (None). The periods are aware datetimes in any
    zone (reports work in UTC); ``zone`` is the one the days are local to, HA's.
    """
    days = sorted(kg_by_day)
    if not periods:
        return []
    starts = [datetime.combine(day, time(), zone) for day in days]
    sums: list[float | None] = []
    for start, end in periods:
        first = bisect_left(starts, start)
        last = bisect_left(starts, end)
        if first == last:
            sums.append(None)
            continue
        total = CompensatedSum()
        for day in days[first:last]:
            total.add(kg_by_day[day])
        sums.append(total.value)
    return sums
