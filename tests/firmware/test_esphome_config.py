"""The shipped ESPHome node configurations pass `esphome config`, and a broken one does not.

ESPHome lives in its own environment (.venv-esphome, made by scripts/setup); validation runs
offline.
"""

from __future__ import annotations

from pathlib import Path
import re
import shutil
import subprocess

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "esphome"
ESPHOME = ROOT / ".venv-esphome" / "bin" / "esphome"
NODE_CONFIGS = sorted(path.name for path in FIRMWARE.glob("carbon-node-*.yaml"))


def esphome_config(folder: Path, config: str) -> subprocess.CompletedProcess[str]:
    """Run `esphome config` on a node configuration in ``folder``."""
    assert ESPHOME.exists(), f"{ESPHOME} is missing: run scripts/setup"
    return subprocess.run(
        [str(ESPHOME), "config", config],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def firmware(tmp_path: Path) -> Path:
    """A copy of esphome/ with the example secrets in place, as a user would have it."""
    folder = tmp_path / "esphome"
    shutil.copytree(FIRMWARE, folder, ignore=shutil.ignore_patterns(".esphome", "secrets.yaml"))
    shutil.copy(folder / "secrets.example.yaml", folder / "secrets.yaml")
    return folder


def test_every_kind_of_node_is_shipped() -> None:
    assert NODE_CONFIGS == [
        "carbon-node-co2.yaml",
        "carbon-node-pulse.yaml",
        "carbon-node-sdm120.yaml",
    ]


@pytest.mark.parametrize("config", NODE_CONFIGS)
def test_shipped_configuration_is_valid(firmware: Path, config: str) -> None:
    result = esphome_config(firmware, config)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Configuration is valid!" in output
    # The node publishes its carbon stream in kg CO2e, which the integration takes at factor 1.
    assert "unit_of_measurement: kg CO2e" in output
    assert "carbon_node.h" in output


def test_keypad_nodes_expose_the_factor_and_co2_node_does_not(firmware: Path) -> None:
    pulse = esphome_config(firmware, "carbon-node-pulse.yaml").stdout
    co2 = esphome_config(firmware, "carbon-node-co2.yaml").stdout
    assert "name: Emission factor" in pulse
    assert "unit_of_measurement: kg CO2e/kWh" in pulse
    assert "remote_receiver" in pulse
    assert "name: Emission factor" not in co2
    assert "remote_receiver" not in co2


def test_a_broken_copy_fails(firmware: Path) -> None:
    """A configuration with an error is refused, and says where."""
    broken = firmware / "carbon-node-broken.yaml"
    text = (firmware / "carbon-node-sdm120.yaml").read_text()
    broken.write_text(text.replace("board: esp32dev", "board: esp32dev\n  modbus_baud: fast"))
    result = esphome_config(firmware, broken.name)
    assert result.returncode != 0
    assert "Failed config" in result.stdout + result.stderr


def test_a_missing_header_fails(firmware: Path) -> None:
    (firmware / "carbon_node.h").unlink()
    result = esphome_config(firmware, "carbon-node-pulse.yaml")
    assert result.returncode != 0
    assert "carbon_node.h" in result.stdout + result.stderr


def test_lambdas_call_only_what_the_header_declares() -> None:
    """`esphome config` does not compile lambdas: check the calls into carbon_node.h by name."""
    header = (FIRMWARE / "carbon_node.h").read_text()
    classes = {"node": "Accumulator", "keypad": "FactorKeypad"}
    calls: set[tuple[str, str]] = set()
    for package in (FIRMWARE / "packages").glob("*.yaml"):
        calls |= set(re.findall(r"id\((node|keypad)\)\.([a-z_]+)\(", package.read_text()))
    assert {method for _, method in calls} >= {"reading", "total", "confirm"}
    for global_id, method in sorted(calls):
        body = header[header.index(f"class {classes[global_id]} ") :]
        assert re.search(rf"\b{method}\(", body), f"{classes[global_id]}::{method} is not declared"
    functions: set[str] = set()
    for package in (FIRMWARE / "packages").glob("*.yaml"):
        functions |= set(re.findall(r"carbon_node::([a-z_]+)\(", package.read_text()))
    assert functions == {"save", "restore"}
    for function in functions:
        assert re.search(rf"^inline \S+ {function}\(", header, re.MULTILINE), function
    # The globals are declared with the header's types.
    core = (FIRMWARE / "packages" / "node-core.yaml").read_text()
    keypad = (FIRMWARE / "packages" / "factor-keypad.yaml").read_text()
    assert "type: carbon_node::Accumulator" in core
    assert "type: carbon_node::FactorKeypad" in keypad
