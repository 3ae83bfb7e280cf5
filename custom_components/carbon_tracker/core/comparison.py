"""What a binding group compares, its error, and how a report names a group. No HA imports.

The groups' arithmetic and the reports both read it.

Sign convention: forecast against measured gives measured minus forecast; a total meter against
its sub-meters gives the total minus the sum of the subs (the unaccounted remainder). The relative
error is the error over the forecast (or the total), in per cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class GroupKind(StrEnum):
    """What a group compares."""

    FORECAST_VS_MEASURED = "forecast_vs_measured"
    TOTAL_VS_SUB = "total_vs_sub"


@dataclass(frozen=True, slots=True)
class GroupError:
    """A group's error now: kilograms (signed) and per cent of the reference (None if zero)."""

    kilograms: float
    relative_pct: float | None
    reference_kg: float


def group_error(kind: GroupKind, left_kg: float, right_kg: float) -> GroupError:
    """The error by the documented sign convention."""
    # Measured minus forecast; the total minus its subs.
    forward = kind is GroupKind.FORECAST_VS_MEASURED
    error = right_kg - left_kg if forward else left_kg - right_kg
    reference = left_kg
    relative = error / reference * 100.0 if reference > 0.0 else None
    return GroupError(error, relative, reference)


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A group as a report reads it; ``left`` is None for a forecast template."""

    entry_id: str
    name: str
    number: int | None
    kind: GroupKind
    left: tuple[str, ...] | None
    right: tuple[str, ...]
