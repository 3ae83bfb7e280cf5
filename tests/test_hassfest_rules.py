"""The rules of HA's hassfest that this integration meets, checked in every test run.

hassfest lives in HA core's repository, not in the pinned package, so its rules that concern this
integration are restated here, each as the check hassfest makes (integration mode): strings with
no tag-shaped text, imports of other integrations only through the manifest, ``runtime_data`` set
in ``async_setup_entry`` with a typed entry everywhere HA hands one over, and a config flow that
refuses a duplicate.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.const import Platform
from homeassistant.helpers import config_validation as cv
import pytest
import voluptuous as vol

INTEGRATION = Path(__file__).resolve().parents[1] / "custom_components" / "carbon_tracker"
MANIFEST = json.loads((INTEGRATION / "manifest.json").read_text())
LANGUAGES = sorted((INTEGRATION / "translations").glob("*.json"))
# Internal integrations hassfest lets any integration import without naming them (those we use).
IMPORTABLE_WITHOUT_MANIFEST = {"persistent_notification", "person", "webhook", "websocket_api"}
# A typed entry is an alias such as CarbonTrackerConfigEntry; plain ConfigEntry is not.
TYPED_ENTRY = re.compile(r"^[A-Za-z]+ConfigEntry$")


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every string in a translation file."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}" if path else key)
    elif isinstance(node, str):
        yield path, node


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda path: path.stem)
def test_no_string_looks_like_html(language: Path) -> None:
    """HA's own validator (what hassfest applies) accepts every string of every language."""
    refused = []
    for key, text in strings(json.loads(language.read_text())):
        try:
            cv.string_with_no_html(text)
        except vol.Invalid:
            refused.append(key)
    assert refused == []


def imported_integrations(module: ast.Module) -> set[str]:
    """Domains of HA integrations a module imports, anywhere in it but under TYPE_CHECKING."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        under_type_checking = isinstance(node, ast.If) and isinstance(node.test, ast.Name)
        if under_type_checking and node.test.id == "TYPE_CHECKING":  # type: ignore[attr-defined]
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("homeassistant.components."):
                found.add(node.module.split(".")[2])
            elif node.module == "homeassistant.components":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[2]
                for alias in node.names
                if alias.name.startswith("homeassistant.components.")
            )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(module)
    return found


def test_other_integrations_are_imported_only_through_the_manifest() -> None:
    """Each imported integration is a dependency, an after-dependency, an entity platform, one
    we provide a platform file for (diagnostics, repairs, ...) or one any integration may use."""
    allowed = (
        set(MANIFEST.get("dependencies", []))
        | set(MANIFEST.get("after_dependencies", []))
        | {platform.value for platform in Platform}
        | {path.stem for path in INTEGRATION.glob("*.py")}
        | IMPORTABLE_WITHOUT_MANIFEST
    )
    offending = {
        f"{path.relative_to(INTEGRATION)}: {domain}"
        for path in INTEGRATION.rglob("*.py")
        for domain in imported_integrations(ast.parse(path.read_text()))
        if domain not in allowed
    }
    assert offending == set()


def async_function(module: ast.Module, name: str) -> ast.AsyncFunctionDef | None:
    """A module-level ``async def`` by name."""
    for node in module.body:
        if isinstance(node, ast.AsyncFunctionDef) and node.name == name:
            return node
    return None


def test_async_setup_entry_sets_runtime_data() -> None:
    """``entry.runtime_data = ...`` in __init__.async_setup_entry itself."""
    setup = async_function(
        ast.parse((INTEGRATION / "__init__.py").read_text()), "async_setup_entry"
    )
    assert setup is not None
    entry = setup.args.args[1].arg
    assert any(
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == entry
        and node.attr == "runtime_data"
        and isinstance(node.ctx, ast.Store)
        for node in ast.walk(setup)
    )


def entry_annotation(function: ast.AsyncFunctionDef | ast.FunctionDef, position: int) -> str:
    """The annotation's name of the function's argument at ``position`` (1-based)."""
    annotation = function.args.args[position - 1].annotation
    return annotation.id if isinstance(annotation, ast.Name) else ast.dump(annotation or ast.Name())


HANDED_AN_ENTRY = {
    "__init__": ("async_setup_entry", "async_unload_entry", "async_remove_entry",
                 "async_migrate_entry"),
    "diagnostics": ("async_get_config_entry_diagnostics",),
    **{platform.value: ("async_setup_entry",) for platform in Platform},
}  # fmt: skip


def test_every_function_handed_an_entry_takes_the_typed_one() -> None:
    """Setup, unload, removal, migration, diagnostics, platforms and the options flow."""
    untyped = []
    for module_name, functions in HANDED_AN_ENTRY.items():
        path = INTEGRATION / f"{module_name}.py"
        if not path.is_file():
            continue
        module = ast.parse(path.read_text())
        for name in functions:
            if (function := async_function(module, name)) is None:
                continue
            if not TYPED_ENTRY.match(entry_annotation(function, 2)):
                untyped.append(f"{module_name}.{name}")
    flow = ast.parse((INTEGRATION / "config_flow.py").read_text())
    options_flows = [
        node
        for cls in flow.body
        if isinstance(cls, ast.ClassDef)
        for node in cls.body
        if isinstance(node, ast.FunctionDef) and node.name == "async_get_options_flow"
    ]
    assert len(options_flows) == 1
    if not TYPED_ENTRY.match(entry_annotation(options_flows[0], 1)):
        untyped.append("config_flow.async_get_options_flow")
    assert untyped == []
    assert {"sensor", "binary_sensor", "number"} <= {path.stem for path in INTEGRATION.glob("*.py")}


def test_the_config_flow_refuses_a_duplicate() -> None:
    """config_flow.py aborts an entry that matches an existing one (unique-config-entry)."""
    flow = ast.parse((INTEGRATION / "config_flow.py").read_text())
    called = {
        node.func.attr
        for node in ast.walk(flow)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert "_async_abort_entries_match" in called or MANIFEST.get("single_config_entry")
