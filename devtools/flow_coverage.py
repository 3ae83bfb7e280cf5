"""Every config flow module is covered to 100 %, lines and branches, each file on its own.

Run by scripts/test after pytest has written ``.coverage``: the package's floor (95 %) would let a
flow branch go untested while the rest makes up for it; the Quality Scale asks for the whole flow.
Exit 1 and the missing lines of each file short of it.
"""

from __future__ import annotations

import io
from pathlib import Path
import sys

import coverage

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "carbon_tracker"


def flow_modules() -> list[Path]:
    """config_flow.py and each kind's flow.py."""
    return [INTEGRATION / "config_flow.py", *sorted(INTEGRATION.glob("*/flow.py"))]


def main() -> int:
    """Check each flow module; print what is short."""
    data = coverage.Coverage(data_file=str(ROOT / ".coverage"))
    data.load()
    short = []
    for module in flow_modules():
        out = io.StringIO()
        try:
            percent = data.report(include=[str(module)], show_missing=True, file=out)
        except coverage.exceptions.NoDataError:
            percent = 0.0  # never imported by the tests that ran
            out.write(f"{module.relative_to(ROOT)}: no coverage data\n")
        if percent < 100:
            short.append(out.getvalue())
        print(f"flow coverage: {module.relative_to(ROOT)} {percent:.1f} %", file=sys.stderr)
    for report in short:
        print(report, file=sys.stderr)
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
