"""Print the README's table of built-in factors from factor_library.json (markdown).

Run from the repository root: python scripts/factor_table.py. A test checks that the README's
table is exactly this output, so the README never disagrees with the shipped table.
"""

from __future__ import annotations

import json
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / (
    "custom_components/carbon_tracker/core/factor_library.json"
)


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


if __name__ == "__main__":
    print(factor_table_markdown(), end="")
