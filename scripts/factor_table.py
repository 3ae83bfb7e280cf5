"""The built-in factor table, written where it is shown: the README and the factor picker.

``python scripts/factor_table.py`` prints the README's markdown table;
``python scripts/factor_table.py --translations`` rewrites the picker's option labels
(``selector.factor_id.options``) in translations/en.json and zh-Hans.json, so each user reads the
factors in their own language. Tests check that both are exactly what the table gives.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

INTEGRATION = Path(__file__).resolve().parents[1] / "custom_components/carbon_tracker"
TABLE = INTEGRATION / "core/factor_library.json"
TRANSLATIONS = {"en": "name", "zh-Hans": "name_zh"}


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


def picker_labels(name_key: str) -> dict[str, str]:
    """Factor id -> what the picker shows: "name: value kg gas/unit", [U] when unverified."""
    rows = json.loads(TABLE.read_text(encoding="utf-8"))["factors"]
    return {
        row["id"]: f"{row[name_key]}: {row['value']:g} kg {row['gas']}/{row['per_unit']}"
        + (" [U]" if row["status"] == "U" else "")
        for row in rows
    }


def write_translations() -> None:
    """Put the picker labels into each language's translations, keeping everything else."""
    for language, name_key in TRANSLATIONS.items():
        path = INTEGRATION / "translations" / f"{language}.json"
        strings = json.loads(path.read_text(encoding="utf-8"))
        strings.setdefault("selector", {})["factor_id"] = {"options": picker_labels(name_key)}
        path.write_text(json.dumps(strings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--translations"]:
        write_translations()
    else:
        print(factor_table_markdown(), end="")
