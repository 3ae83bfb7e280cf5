"""The demo's Carbon dashboard: its layout, shared by the seeder and the demo's upkeep.

``devtools/seed.py`` writes it before the first start (by the entity ids HA will give); the demo
(``dashboard``) writes it again from the registry whenever the entries change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.util import slugify

DASHBOARD_ID = "carbon_dashboard"
DASHBOARD_URL = "carbon-dashboard"


def dashboard_item() -> dict[str, Any]:
    """The Carbon dashboard as HA's list of dashboards holds it (a storage dashboard)."""
    return {
        "id": DASHBOARD_ID,
        "url_path": DASHBOARD_URL,
        "title": "Carbon",
        "icon": "mdi:molecule-co2",
        "show_in_sidebar": True,
        "require_admin": False,
        "mode": "storage",
    }


# The dashboard's own words, in the server's language (a dashboard is one text for all its
# users; the entities' names come translated from HA).
DASHBOARD_TEXTS = {
    "en": {
        "view": "Carbon",
        "so_far": "Carbon so far",
        "per_day": "Carbon per day",
        "per_month": "Carbon per month",
        "error_per_day": "{group}: error per day",
        "declare": "Declare",
        "declare_today": "Declare today",
        "my_declarations": "My declarations",
    },
    "zh-Hans": {
        "view": "碳排放",
        "so_far": "累计碳排放",
        "per_day": "每日碳排放",
        "per_month": "每月碳排放",
        "error_per_day": "{group}：每日误差",  # noqa: RUF001 (Chinese punctuation)
        "declare": "申报",
        "declare_today": "今日申报",
        "my_declarations": "我的申报",
    },
}


def dashboard_texts(language: str) -> dict[str, str]:
    """The dashboard's words in ``language`` (HA's server language), else English."""
    return DASHBOARD_TEXTS["zh-Hans" if language.lower().startswith("zh") else "en"]


def declare_view(texts: dict[str, str] | None = None) -> dict[str, Any]:
    """The dashboard view the declaration form lives on (the entry's form path)."""
    texts = texts or dashboard_texts("en")
    return {
        "title": texts["declare"],
        "path": "declare",
        "cards": [
            {
                # The tile shows what is declared today (a script's tile would read "Off"); a tap
                # opens the form, and the tile's figure changing is the confirmation (the form also
                # says back what it declared in a notification).
                "type": "tile",
                "entity": "sensor.demo_declared_today",
                "name": texts["declare_today"],
                "icon": "mdi:hand-extended",
                "tap_action": {"action": "more-info", "entity": "script.declare_today"},
            },
            {
                "type": "entities",
                "title": texts["my_declarations"],
                "entities": [
                    "sensor.demo_declared_today",
                    "sensor.demo_declared_total",
                    "sensor.demo_last_declaration",
                ],
            },
        ],
    }


# A group on the dashboard: its title, its entities (shown under their own, translated names)
# and its error sensor (graphed per day).
type GroupCards = tuple[str, list[str], str]


def seeded_group_cards(title: str) -> GroupCards:
    """A seeded total-vs-sub group's entities, by the ids HA will give them."""
    slug = slugify(title)
    entities = [
        f"sensor.{slug}_{key}" for key in ("total", "sum_of_sub_meters", "error", "relative_error")
    ] + [f"binary_sensor.{slug}_threshold_exceeded"]
    return title, entities, f"sensor.{slug}_error"


def carbon_dashboard(
    carbon_sensors: dict[str, str],
    groups: Iterable[GroupCards] = (),
    texts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The "Carbon" dashboard, core cards only: node totals, per day and month; group errors.

    Each group gets its entities now, and its error per day. ``carbon_sensors``: each node's
    carbon sensor and the node's name. The demo keeps it in step with the entries
    (``devtools/demo_support``).
    """
    texts = texts or dashboard_texts("en")
    by_period = [
        {
            "type": "statistics-graph",
            "title": texts[key],
            "entities": list(carbon_sensors),
            "stat_types": ["change"],
            "period": period,
            "days_to_show": days,
            "chart_type": "bar",
        }
        for key, period, days in (("per_day", "day", 30), ("per_month", "month", 365))
    ]
    group_cards = [
        card
        for title, entities, error in groups
        for card in (
            {"type": "entities", "title": title, "entities": entities},
            {
                "type": "statistics-graph",
                "title": texts["error_per_day"].format(group=title),
                "entities": [error],
                "stat_types": ["change"],
                "period": "day",
                "days_to_show": 30,
                "chart_type": "bar",
            },
        )
    ]
    return {
        "config": {
            "title": texts["view"],
            "views": [
                {
                    "title": texts["view"],
                    "path": "carbon",
                    "cards": [
                        {
                            "type": "entities",
                            "title": texts["so_far"],
                            # The node's name alone: "Boiler gas Carbon emissions" is cut off.
                            "entities": [
                                {"entity": entity_id, "name": name}
                                for entity_id, name in carbon_sensors.items()
                            ],
                        },
                        *by_period,
                        *group_cards,
                    ],
                },
                declare_view(texts),
            ],
        }
    }
