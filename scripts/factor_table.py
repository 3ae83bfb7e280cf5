"""The built-in factor table, written where it is shown: the README and the factor picker.

``python scripts/factor_table.py`` prints the README's markdown table;
``python scripts/factor_table.py --translations`` rewrites the picker's option labels
(``selector.factor_id.options``) in translations/en.json and zh-Hans.json, so each user reads the
factors in their own language. Tests check that both are exactly what the table gives.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import sys
from types import ModuleType

INTEGRATION = Path(__file__).resolve().parents[1] / "custom_components/carbon_tracker"
TABLE = INTEGRATION / "core/factor_library.json"
LIBRARY_MODULE = "core/factor_library.py"
LANGUAGES = ("en", "zh-Hans")


def factor_table_markdown() -> str:
    """The markdown table, one row per factor, in the table's order."""
    rows = json.loads(TABLE.read_text(encoding="utf-8"))["factors"]
    lines = [
        "| id | Name | Value | Unit | Region | Year | Status | Source |",
        "|---|---|---:|---|---|---|:---:|---|",
    ]
    for row in rows:
        year = "—" if row["year"] is None else str(row["year"])
        lines.append(
            f"| `{row['id']}` | {row['name']} | {row['value']:g} | "
            f"kg {row['gas']}/{row['per_unit']} | {row['region']} | {year} | {row['status']} | "
            f"{row['source']} |"
        )
    return "\n".join(lines) + "\n"


def _factor_library() -> ModuleType:
    """The integration's HA-free factor module, loaded from its file (no Home Assistant needed)."""
    name = "carbon_tracker_factor_library"
    if (loaded := sys.modules.get(name)) is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(name, INTEGRATION / LIBRARY_MODULE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {LIBRARY_MODULE}")
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while they are being made.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def picker_labels(language: str) -> dict[str, str]:
    """Factor id -> what the picker shows in ``language`` (the table's own ``label``)."""
    return {
        factor_id: factor.label(language)
        for factor_id, factor in _factor_library().load_library().items()
    }


def write_translations() -> None:
    """Put the picker labels into each language's translations, keeping everything else."""
    for language in LANGUAGES:
        path = INTEGRATION / "translations" / f"{language}.json"
        strings = json.loads(path.read_text(encoding="utf-8"))
        strings.setdefault("selector", {})["factor_id"] = {"options": picker_labels(language)}
        path.write_text(json.dumps(strings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--translations"]:
        write_translations()
    else:
        print(factor_table_markdown(), end="")
