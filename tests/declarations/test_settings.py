"""A declaration entry's settings from its options, and the checks of a person's own activities.

No HA: these are the plain functions the flows and the runtime are built on.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from custom_components.carbon_tracker.declarations.activities import ACTIVITIES_BY_ID
from custom_components.carbon_tracker.declarations.settings import (
    DEFAULT_FORM_PATH,
    DEFAULT_MAX_AGE_DAYS,
    OWN_SOURCE,
    DeclarationSettings,
    check_own_activities,
)


def test_defaults_with_the_table_factor() -> None:
    """Nothing set: seven days back, no reminder, the default form, the built-in activities."""
    settings = DeclarationSettings.from_options({}, 0.177)
    assert settings.grid_factor == 0.177
    assert settings.max_age_days == DEFAULT_MAX_AGE_DAYS == 7
    assert settings.reminder is None
    assert settings.form_path == DEFAULT_FORM_PATH
    assert dict(settings.activities) == ACTIVITIES_BY_ID


def test_a_typed_grid_factor_wins_and_the_reminder_needs_its_switch() -> None:
    """The typed factor over the table's; the reminder time only counts when it is on."""
    options: dict[str, Any] = {
        "grid_factor": 0.42,
        "max_age_days": 0,
        "reminder": True,
        "reminder_time": "07:45:00",
        "form_path": "/carbon/declare",
    }
    settings = DeclarationSettings.from_options(options, 0.177)
    assert settings.grid_factor == 0.42
    assert settings.max_age_days == 0
    assert settings.reminder == time(7, 45)
    assert settings.form_path == "/carbon/declare"
    off = DeclarationSettings.from_options({**options, "reminder": False}, None)
    assert off.reminder is None
    assert DeclarationSettings.from_options({}, None).grid_factor is None


def test_own_activities_join_the_table() -> None:
    """Each own activity priced as typed, its source the user's unless given."""
    settings = DeclarationSettings.from_options(
        {
            "activities": [
                {"id": " ebike ", "unit": "km", "kg_per_unit": 0.005},
                {"id": "canteen", "unit": "meal", "kg_per_unit": 1, "source": "Canteen 2026"},
            ]
        },
        None,
    )
    ebike = settings.activities["ebike"]
    assert (ebike.unit, ebike.kg_per_unit, ebike.source) == ("km", 0.005, OWN_SOURCE)
    assert settings.activities["canteen"].source == "Canteen 2026"
    assert settings.activities["bus"] == ACTIVITIES_BY_ID["bus"]


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        ({"id": "ebike"}, ("activities_not_a_list", {"item": ""})),
        (["ebike"], ("activity_without_id", {"item": "1"})),
        (
            [{"id": "a", "unit": "km", "kg_per_unit": 1}, {"id": " "}],
            ("activity_without_id", {"item": "2"}),
        ),
        (
            [
                {"id": "a", "unit": "km", "kg_per_unit": 1},
                {"id": "a", "unit": "km", "kg_per_unit": 1},
            ],
            ("activity_repeated", {"item": "a"}),
        ),
        (
            [{"id": "car_petrol", "unit": "km", "kg_per_unit": 1}],
            ("activity_built_in", {"item": "car_petrol"}),
        ),
        ([{"id": "a", "kg_per_unit": 1}], ("activity_without_unit", {"item": "a"})),
        ([{"id": "a", "unit": "km", "kg_per_unit": "1"}], ("activity_bad_factor", {"item": "a"})),
        ([{"id": "a", "unit": "km", "kg_per_unit": True}], ("activity_bad_factor", {"item": "a"})),
        ([{"id": "a", "unit": "km", "kg_per_unit": -0.1}], ("activity_bad_factor", {"item": "a"})),
        (
            [{"id": "a", "unit": "km", "kg_per_unit": float("nan")}],
            ("activity_bad_factor", {"item": "a"}),
        ),
        ([{"id": "a", "unit": "km"}], ("activity_bad_factor", {"item": "a"})),
        ([], None),
        ([{"id": "a", "unit": "km", "kg_per_unit": 0}], None),
    ],
)
def test_own_activities_are_checked_item_by_item(
    items: Any, problem: tuple[str, dict[str, str]] | None
) -> None:
    """The first wrong item, named by its id (or its place when it has none)."""
    assert check_own_activities(items) == problem
