"""A binding group's settings, read from its config entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..const import (
    CONF_ALARM_KG,
    CONF_FORECAST_TEMPLATE,
    CONF_GROUP_KIND,
    CONF_GROUP_NUMBER,
    CONF_HYSTERESIS_PCT,
    CONF_LEFT,
    CONF_MIN_REFERENCE_KG,
    CONF_RIGHT,
    CONF_THRESHOLD_KG,
    CONF_THRESHOLD_PCT,
    CONF_WINDOW,
)
from ..core.comparison import GroupKind
from ..core.windows import Period
from .arithmetic import Threshold

DEFAULT_WINDOW = Period.DAY
DEFAULT_HYSTERESIS_PCT = 10.0
DEFAULT_MIN_REFERENCE_KG = 1.0


@dataclass(frozen=True, slots=True)
class GroupSettings:
    """What a group binds, over which window, and when its error is a problem.

    Members are config entry ids (never ports: a port can be edited, the id cannot). The left
    side is the forecast or the total meter; with a forecast template it has no members.
    """

    kind: GroupKind
    left: tuple[str, ...]
    right: tuple[str, ...]
    forecast_template: str | None
    number: int | None
    window: Period
    threshold: Threshold

    @classmethod
    def from_entry(cls, data: Mapping[str, Any], options: Mapping[str, Any]) -> GroupSettings:
        """Read an entry's data (its kind of group) and options (everything that can change)."""
        hysteresis = options.get(CONF_HYSTERESIS_PCT)
        return cls(
            kind=GroupKind(data[CONF_GROUP_KIND]),
            left=tuple(options.get(CONF_LEFT) or ()),
            right=tuple(options.get(CONF_RIGHT) or ()),
            forecast_template=options.get(CONF_FORECAST_TEMPLATE) or None,
            number=options.get(CONF_GROUP_NUMBER),
            window=Period(options.get(CONF_WINDOW, DEFAULT_WINDOW)),
            threshold=Threshold(
                line_kg=options.get(CONF_THRESHOLD_KG),
                alarm_kg=options.get(CONF_ALARM_KG),
                relative_pct=options.get(CONF_THRESHOLD_PCT),
                hysteresis=(DEFAULT_HYSTERESIS_PCT if hysteresis is None else hysteresis) / 100.0,
                min_reference_kg=options.get(CONF_MIN_REFERENCE_KG, DEFAULT_MIN_REFERENCE_KG),
            ),
        )

    @property
    def members(self) -> tuple[str, ...]:
        """Every member's config entry id, left side first."""
        return self.left + self.right
