"""The translations: English and Simplified Chinese say the same things with the same values.

Every key of one is in the other, every text names the same placeholders in both, every action
and field of services.yaml has its name, and every entity translation key has its icon.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
from string import Formatter
from typing import Any

from homeassistant.util.yaml import load_yaml_dict

INTEGRATION = Path(__file__).parents[1] / "custom_components" / "carbon_tracker"
LANGUAGES = ("en", "zh-Hans")


def load(language: str) -> dict[str, Any]:
    """One language's translations."""
    path = INTEGRATION / "translations" / f"{language}.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def leaves(tree: dict[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every text in the tree."""
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from leaves(value, f"{path}{key}.")
        else:
            yield f"{path}{key}", value


def placeholders(text: str) -> set[str]:
    """The names a text formats in."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    """No text missing in one language, none naming a value the other does not."""
    english = dict(leaves(load("en")))
    chinese = dict(leaves(load("zh-Hans")))
    assert set(english) == set(chinese)
    for key, text in english.items():
        assert placeholders(text) == placeholders(chinese[key]), key


def test_every_action_and_field_is_named() -> None:
    """services.yaml and the translations list the same actions and fields."""
    services = load_yaml_dict(str(INTEGRATION / "services.yaml"))
    for language in LANGUAGES:
        translated = load(language)["services"]
        assert set(translated) == set(services), language
        for action, spec in services.items():
            fields = set((spec or {}).get("fields", {}))
            assert set(translated[action].get("fields", {})) == fields, (language, action)


def test_every_entity_and_action_has_its_icon() -> None:
    """icons.json covers each entity translation key and each action."""
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    english = load("en")
    for platform, entities in english["entity"].items():
        assert set(entities) <= set(icons["entity"][platform]), platform
    assert set(icons["services"]) == set(english["services"])
