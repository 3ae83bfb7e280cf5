"""A declaration entry's settings, from its data and options. No HA imports.

The person is the entry's data (one entry per person); everything else is an option: the port,
the grid factor home electricity is priced at (a factor of the table, or typed in), how many days
back a declaration may be for, the daily reminder, the form the reminder opens, and the person's
own activities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from math import isfinite
from typing import Any

from .activities import ACTIVITIES_BY_ID, Activity

CONF_PERSON = "person"
CONF_GRID_FACTOR_ID = "grid_factor_id"
CONF_GRID_FACTOR = "grid_factor"
CONF_MAX_AGE_DAYS = "max_age_days"
CONF_REMINDER = "reminder"
CONF_REMINDER_TIME = "reminder_time"
CONF_FORM_PATH = "form_path"
CONF_ACTIVITIES = "activities"

DEFAULT_MAX_AGE_DAYS = 7
MAX_AGE_DAYS_LIMIT = 366
DEFAULT_REMINDER_TIME = "20:00:00"
DEFAULT_FORM_PATH = "/lovelace/declare"
OWN_SOURCE = "declared by the user"


@dataclass(frozen=True, slots=True)
class DeclarationSettings:
    """How a person's declarations are priced and checked, and when they are reminded."""

    grid_factor: float | None
    max_age_days: int
    reminder: time | None
    form_path: str
    activities: Mapping[str, Activity]

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], library_grid_factor: float | None
    ) -> DeclarationSettings:
        """The settings; ``library_grid_factor`` is the value of the chosen table factor."""
        typed = options.get(CONF_GRID_FACTOR)
        reminder = options.get(CONF_REMINDER_TIME) if options.get(CONF_REMINDER) else None
        return cls(
            grid_factor=float(typed) if typed is not None else library_grid_factor,
            max_age_days=int(options.get(CONF_MAX_AGE_DAYS, DEFAULT_MAX_AGE_DAYS)),
            reminder=None if reminder is None else time.fromisoformat(str(reminder)),
            form_path=str(options.get(CONF_FORM_PATH) or DEFAULT_FORM_PATH),
            activities={**ACTIVITIES_BY_ID, **own_activities(options.get(CONF_ACTIVITIES) or [])},
        )


def own_activities(items: list[Mapping[str, Any]]) -> dict[str, Activity]:
    """The person's own activities (already checked by ``check_own_activities``)."""
    return {
        str(item["id"]).strip(): Activity(
            str(item["id"]).strip(),
            str(item["unit"]).strip(),
            float(item["kg_per_unit"]),
            str(item.get("source") or OWN_SOURCE),
            "U",
        )
        for item in items
    }


def check_own_activities(items: Any) -> tuple[str, dict[str, str]] | None:
    """The first problem of a list of own activities: (error key, placeholders), or None."""
    if not isinstance(items, list):
        return "activities_not_a_list", {"item": ""}
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or not str(item.get("id") or "").strip():
            return "activity_without_id", {"item": str(index)}
        activity_id = str(item["id"]).strip()
        where = {"item": activity_id}
        if activity_id in seen:
            return "activity_repeated", where
        if activity_id in ACTIVITIES_BY_ID:
            return "activity_built_in", where
        seen.add(activity_id)
        if not str(item.get("unit") or "").strip():
            return "activity_without_unit", where
        factor = item.get("kg_per_unit")
        if isinstance(factor, bool) or not isinstance(factor, int | float):
            return "activity_bad_factor", where
        if not isfinite(factor) or factor < 0:
            return "activity_bad_factor", where
    return None
