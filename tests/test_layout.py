"""The package's layout: each kind's folder stands on the shared floor, never on another kind."""

from __future__ import annotations

import ast
from pathlib import Path

from custom_components.carbon_tracker.specs import SPECS

PACKAGE = Path(__file__).parent.parent / "custom_components" / "carbon_tracker"
# Each kind's folder: where its runtime is built.
KIND_FOLDERS = {spec.build.__module__.split(".")[2] for spec in SPECS.values()}


def imported_folders(path: Path, package: Path = PACKAGE) -> set[str]:
    """The package's top-level names a file imports (folders and modules), relative or not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    depth = len(path.relative_to(package).parts) - 1
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 0:
            parts = (node.module or "").split(".")
            if parts[:2] == ["custom_components", "carbon_tracker"] and len(parts) > 2:
                found.add(parts[2])
            continue
        # A relative import: climb from the file's folder, then read the first part.
        climbed = node.level - 1
        if climbed > depth:
            continue
        base = list(path.relative_to(package).parts[: depth - climbed])
        target = base + (node.module.split(".") if node.module else [])
        if target:
            found.add(target[0])
        else:
            found.update(alias.name for alias in node.names)
    return found


def test_every_kind_has_its_own_folder_with_its_spec_and_steps() -> None:
    assert {
        "nodes",
        "groups",
        "reports",
        "logistics",
        "declarations",
        "publisher",
        "remote",
        "carbon_window",
    } == KIND_FOLDERS
    for spec in SPECS.values():
        folder = spec.build.__module__.split(".")[2]
        assert (PACKAGE / folder / "spec.py").is_file()
        assert spec.config_steps.__module__ == f"custom_components.carbon_tracker.{folder}.flow"
        assert spec.options_flow.__module__ == f"custom_components.carbon_tracker.{folder}.flow"


def test_no_kind_imports_another_kinds_folder() -> None:
    """A kind reaches another only through the registry of kinds (``hass.data[KINDS]``)."""
    crossings = {}
    for folder in KIND_FOLDERS:
        for path in sorted((PACKAGE / folder).glob("*.py")):
            if others := imported_folders(path) & (KIND_FOLDERS - {folder}):
                crossings[str(path.relative_to(PACKAGE))] = sorted(others)
    assert crossings == {}


def test_the_shared_floor_imports_no_kind() -> None:
    """``core/`` and the top-level modules the kinds stand on know no kind's folder."""
    floor = [*(PACKAGE / "core").glob("*.py")] + [
        PACKAGE / name
        for name in (
            "kinds.py",
            "ports.py",
            "entity.py",
            "flow_steps.py",
            "errors.py",
            "texts.py",
            "region.py",
        )
    ]
    crossings = {
        str(path.relative_to(PACKAGE)): sorted(found)
        for path in floor
        if (found := imported_folders(path) & KIND_FOLDERS)
    }
    assert crossings == {}


def test_the_reader_sees_every_form_of_import(tmp_path: Path) -> None:
    """The check itself: relative imports from a folder, from the top and absolute ones."""
    (tmp_path / "nodes").mkdir()
    crossing = tmp_path / "nodes" / "thing.py"
    crossing.write_text(
        "from ..groups.settings import GroupSettings\n"
        "from .. import reports\n"
        "from . import runtime\n"
        "from custom_components.carbon_tracker.logistics import intake\n"
        "from homeassistant.core import HomeAssistant\n"
        "import json\n",
        encoding="utf-8",
    )
    assert imported_folders(crossing, tmp_path) == {"groups", "reports", "nodes", "logistics"}
