"""The README says what the code does: its factor table is the shipped table."""

from __future__ import annotations

from pathlib import Path
import runpy

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_factor_table_is_the_shipped_table() -> None:
    generate = runpy.run_path(str(ROOT / "scripts" / "factor_table.py"))["factor_table_markdown"]
    assert generate() in (ROOT / "README.md").read_text(encoding="utf-8")
