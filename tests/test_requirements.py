"""Set-up alone makes a complete venv: every requirement HA would install is already there.

HA installs the requirements of an integration, of its dependencies and of its after-dependencies
before it sets the integration up. The real ``hass`` of the live tests and of ``scripts/develop``
runs with ``--skip-pip``, and the in-process tests never install anything, so each of those
requirements must come from the requirements files. The closure is resolved here from the pinned
HA's own manifests: when an HA upgrade changes a pin, this test names it.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import homeassistant.components
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
import pytest
import yaml

COMPONENTS = Path(homeassistant.components.__file__).parent
ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "custom_components" / "carbon_tracker"

# What the tests set up or import (in process), and what the live tests' hass loads.
LOADED_BY_TESTS = {
    "api",
    "automation",
    "binary_sensor",
    "blueprint",
    "config",
    "diagnostics",
    "frontend",
    "history",
    "http",
    # Entity components HA sets up itself in a live hass with the frontend (seen in
    # tests/live/test_no_installs.py, which fails on any integration that cannot load).
    "infrared",
    "radio_frequency",
    "logbook",
    "logger",
    "mobile_app",
    "number",
    "onboarding",
    "person",
    "persistent_notification",
    "recorder",
    "repairs",
    "script",
    "sensor",
    "webhook",
}


def manifest(domain: str) -> dict[str, object] | None:
    """A built-in integration's manifest; None for a name HA does not have."""
    path = COMPONENTS / domain / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else None


def demo_domains() -> set[str]:
    """The integrations config/configuration.yaml loads (its top-level keys)."""

    class Loader(yaml.SafeLoader):
        """Reads HA's tags (!include, !secret) as plain strings."""

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "config" / "configuration.yaml").read_text(), Loader=Loader)
    return set(config) - {"homeassistant"}


def closure(domains: set[str]) -> dict[str, set[str]]:
    """Every requirement HA would install for these domains, with the integrations asking."""
    ours = json.loads((INTEGRATION / "manifest.json").read_text())
    todo = [*domains, *ours["dependencies"], *ours["after_dependencies"]]
    seen: set[str] = set()
    wanted: dict[str, set[str]] = {}
    while todo:
        domain = todo.pop()
        if domain in seen or (found := manifest(domain)) is None:
            continue
        seen.add(domain)
        for requirement in found.get("requirements", []):  # type: ignore[attr-defined]
            wanted.setdefault(requirement, set()).add(domain)
        todo.extend(found.get("dependencies", []))  # type: ignore[arg-type]
        todo.extend(found.get("after_dependencies", []))  # type: ignore[arg-type]
    return wanted


def pinned_names() -> set[str]:
    """The distributions the requirements files name."""
    names = set()
    for path in ROOT.glob("requirements_*.txt"):
        for line in path.read_text().splitlines():
            pin = line.split("#", 1)[0].strip()
            if pin and not pin.startswith("-"):
                names.add(canonicalize_name(Requirement(pin).name))
    return names


def test_the_demo_is_covered() -> None:
    """The demo's integrations are resolved too (scripts/develop runs with --skip-pip)."""
    assert {"frontend", "mobile_app", "recorder", "template"} <= demo_domains()


@pytest.mark.parametrize(
    ("requirement", "asked_by"),
    sorted(
        (requirement, ", ".join(sorted(domains)))
        for requirement, domains in closure(LOADED_BY_TESTS | demo_domains()).items()
    ),
)
def test_each_requirement_is_installed_at_its_pin(requirement: str, asked_by: str) -> None:
    """Installed, at the version HA pins; and named in our files unless HA itself brings it."""
    parsed = Requirement(requirement)
    try:
        version = importlib.metadata.version(parsed.name)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{requirement} (for {asked_by}) is not installed: pin it in requirements")
    assert parsed.specifier.contains(version, prereleases=True), (
        f"{requirement} (for {asked_by}): {version} is installed"
    )
    core = {
        canonicalize_name(Requirement(line).name)
        for line in importlib.metadata.requires("homeassistant") or []
    }
    name = canonicalize_name(parsed.name)
    assert name in pinned_names() | core, f"{requirement} (for {asked_by}) is not pinned"
