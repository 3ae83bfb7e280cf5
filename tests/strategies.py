"""Hypothesis strategies shared by the fuzz tests: random structures, bytes and hostile values."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Values that have broken parsers somewhere: empty and blank text, number-like text that is not a
# plain number, numbers at and past the edges of a float, times a UTC time cannot be, very long
# and NUL-holding text, text a spreadsheet reads as a formula.
HOSTILE: list[Any] = [
    None,
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1e309",
    "-1",
    "0",
    "0x10",
    "1_000",
    1e308,
    -1e308,
    5e-324,
    -0.0,
    0,
    -1,
    2**63,
    True,
    False,
    [],
    {},
    "0001-01-01T00:00+01:00",
    "9999-12-31T23:59-01:00",
    "2026-02-30",
    "9" * 5000,
    "\x00",
    "é" * 1000,
    '=HYPERLINK("http://x")',
    "../../etc/passwd",
]

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included: Python's json module reads them
    | st.text(max_size=20)
    | st.sampled_from(HOSTILE)
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
hostile = st.sampled_from(HOSTILE) | json_leaves


def records_like(fields: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with any of ``fields`` (each hostile or random) and a few unknown keys."""
    return st.fixed_dictionaries(
        {},
        optional={field: hostile for field in fields} | {"unknown_field": hostile, "": json_leaves},
    )
