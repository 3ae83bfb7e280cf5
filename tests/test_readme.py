"""The factor table is shown as shipped: in the README and in the factor picker."""

from __future__ import annotations

import json
from pathlib import Path
import runpy

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_factor_table_is_the_shipped_table() -> None:
    generate = runpy.run_path(str(ROOT / "scripts" / "factor_table.py"))["factor_table_markdown"]
    assert generate() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_factor_pickers_labels_are_the_shipped_table_in_each_language() -> None:
    labels = runpy.run_path(str(ROOT / "scripts" / "factor_table.py"))["picker_labels"]
    translations = ROOT / "custom_components" / "carbon_tracker" / "translations"
    for language in ("en", "zh-Hans"):
        strings = json.loads((translations / f"{language}.json").read_text(encoding="utf-8"))
        assert strings["selector"]["factor_id"]["options"] == labels(language), language
