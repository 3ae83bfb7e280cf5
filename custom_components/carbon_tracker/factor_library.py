"""The built-in, sourced emission factor table (``factor_library.json``). No HA imports.

Every factor is kg of its gas basis (CO2 or CO2e) per one ``per_unit`` of activity, with the region,
data year, source and verification status (V read from the official file, S secondary and
corroborated, U unverified) that the user sees when choosing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
import json
from pathlib import Path

LIBRARY_FILE = Path(__file__).with_name("factor_library.json")


@dataclass(frozen=True, slots=True)
class LibraryFactor:
    """One row of the factor table."""

    id: str
    name: str
    name_zh: str
    value: float
    per_unit: str
    gas: str
    region: str
    year: int | None
    source: str
    status: str
    scope: str

    def label(self, language: str) -> str:
        """What the factor picker shows, in the user's language where the table has it."""
        name = self.name_zh if language.lower().startswith("zh") else self.name
        unverified = " [U]" if self.status == "U" else ""
        return f"{name}: {self.value:g} kg {self.gas}/{self.per_unit}{unverified}"


@cache
def load_library() -> dict[str, LibraryFactor]:
    """All factors by id (read once; call it off the event loop the first time)."""
    raw = json.loads(LIBRARY_FILE.read_text(encoding="utf-8"))
    return {
        row["id"]: LibraryFactor(
            id=row["id"],
            name=row["name"],
            name_zh=row["name_zh"],
            value=float(row["value"]),
            per_unit=row["per_unit"],
            gas=row["gas"],
            region=row["region"],
            year=row["year"],
            source=row["source"],
            status=row["status"],
            scope=row["scope"],
        )
        for row in raw["factors"]
    }
