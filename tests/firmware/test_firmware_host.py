"""The node's C++ arithmetic builds and passes its tests on the host.

The header (esphome/components/carbon_node/carbon_node.h, the local ESPHome component the nodes
load) is plain C++17 with no ESPHome types, so g++ compiles it here on its own exactly as the ESP32
toolchain does on the device; tests/firmware/test_carbon_node.cpp checks every rule against an
exact oracle (test_esphome_host_build.py compiles it inside whole nodes). g++ is part of the
development setup: without it these tests fail rather than skip, so a machine that cannot check the
firmware's arithmetic never looks green.
"""

from __future__ import annotations

from pathlib import Path
import re
import shutil
import subprocess

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER_DIR = ROOT / "esphome" / "components" / "carbon_node"
HEADER = HEADER_DIR / "carbon_node.h"
TEST_SOURCE = Path(__file__).resolve().parent / "test_carbon_node.cpp"
WARNINGS = ["-Wall", "-Wextra", "-Werror"]
SUMMARY = re.compile(r"^(\d+) passed, 0 failed$")
# The only headers carbon_node.h may use: the standard library, nothing of ESPHome or Arduino.
ALLOWED_INCLUDES = {"cmath", "cstddef", "cstdint", "cstdlib", "string", "type_traits"}


def find_gxx() -> str:
    """Path of g++; a missing compiler fails the test (not a skip, not a fixture error)."""
    path = shutil.which("g++")
    if path is None:
        pytest.fail("g++ not found on PATH: install g++ to build and test carbon_node.h")
    return path


def compile_cpp(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run g++ with ``args``; fail the test with the compiler's output on an error."""
    result = subprocess.run(
        [find_gxx(), "-std=c++17", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"g++ {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
    return result


def test_host_tests_of_the_node_arithmetic_pass(tmp_path: Path) -> None:
    program = tmp_path / "test_carbon_node"
    compile_cpp(["-O2", *WARNINGS, "-I", str(HEADER_DIR), str(TEST_SOURCE), "-o", str(program)])
    result = subprocess.run(
        [str(program)], capture_output=True, text=True, timeout=300, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    lines = result.stdout.strip().splitlines()
    assert lines, output
    summary = SUMMARY.match(lines[-1])
    assert summary is not None, output
    # The random-sequence property test alone makes far more checks than this.
    assert int(summary.group(1)) > 1000, output


def test_header_compiles_pedantic_on_its_own(tmp_path: Path) -> None:
    """The header is self-contained: it compiles first in a file, with every warning an error."""
    source = tmp_path / "only_header.cpp"
    source.write_text(
        '#include "carbon_node.h"\n'
        "double use() {\n"
        "  carbon_node::Accumulator acc;\n"
        "  acc.restore(1.0, 2.0, true);\n"
        "  acc.reading(3.0, 0.5);\n"
        "  carbon_node::FactorKeypad pad;\n"
        "  pad.digit(1);\n"
        "  pad.point();\n"
        "  double factor = 0.0;\n"
        "  pad.confirm(&factor);\n"
        "  return acc.total() + factor;\n"
        "}\n"
    )
    compile_cpp(
        [
            "-O2",
            *WARNINGS,
            "-Wpedantic",
            "-I",
            str(HEADER_DIR),
            "-c",
            str(source),
            "-o",
            str(tmp_path / "only_header.o"),
        ],
    )


def test_header_has_no_esphome_includes() -> None:
    text = HEADER.read_text()
    includes = re.findall(r"^\s*#\s*include\s*([<\"])([^>\"]+)[>\"]", text, flags=re.MULTILINE)
    assert includes, "carbon_node.h includes nothing?"
    for bracket, name in includes:
        assert "esphome" not in name.lower(), f"carbon_node.h includes {name}"
        assert bracket == "<", f"carbon_node.h includes a project header: {name}"
        assert name in ALLOWED_INCLUDES, f"carbon_node.h includes {name}, not a plain C++ header"
    # No ESPHome include path, namespace or macro anywhere (comments say "ESPHome").
    assert "esphome" not in text
    assert '#include "esphome' not in text
    assert "ESP_LOG" not in text
