"""The shipped ESPHome node configurations pass `esphome config`, and a broken one does not.

ESPHome lives in its own environment (.venv-esphome, made by scripts/setup); validation runs
offline. `esphome config` does not compile C++: test_esphome_host_build.py compiles the nodes.
"""

from __future__ import annotations

from pathlib import Path
import shutil
import subprocess

import pytest

from tests.firmware.esphome_host import ESPHOME, NODE_CONFIGS, firmware_copy


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
    return firmware_copy(tmp_path / "esphome")


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
    # carbon_node.h comes in as the local component next to the configuration.
    assert "carbon_node: {}" in output
    assert f"path: {firmware / 'components'}" in output
    assert "  includes: []" in output  # not `esphome: includes:`, which comes after the globals


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


@pytest.mark.parametrize("missing", ["components", "components/carbon_node/__init__.py"])
def test_a_missing_component_fails(firmware: Path, missing: str) -> None:
    """Without its component folder a node is refused, and says what it did not find."""
    path = firmware / missing
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    result = esphome_config(firmware, "carbon-node-pulse.yaml")
    assert result.returncode != 0
    assert "Failed config" in result.stdout + result.stderr
    assert str(path) in result.stdout + result.stderr
