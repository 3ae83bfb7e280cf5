"""The shipped ESPHome nodes compile, and one runs: built for ESPHome's Linux host with g++.

How a node is built without PlatformIO is in esphome_host.py. Checked here:

* every node's generated main.cpp compiles (all its YAML lambdas, its globals and carbon_node.h),
  and the node as shipped for the ESP32 includes the header before its globals too;
* a broken lambda fails with an error that names its YAML file and line;
* a node without the header stops as the issue described, so the check would have caught it;
* a full host build runs, counts carbon from the test meter, takes a factor typed through the
  keypad script, stops cleanly on SIGTERM, and restores its factor and total when started again.
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import re
import signal
import subprocess
import time

import pytest

from tests.firmware.esphome_host import (
    HEADER,
    NODE_CONFIGS,
    build_program,
    check_lambdas,
    firmware_copy,
    generate,
    host_wrapper,
    output,
    parallel,
)

KEYPAD_NODES = ["carbon-node-pulse.yaml", "carbon-node-sdm120.yaml"]
HEADER_INCLUDE = '#include "esphome/components/carbon_node/carbon_node.h"'


@dataclass
class NodeBuild:
    """One shipped node, generated as shipped (ESP32) and as its host wrapper."""

    host: subprocess.CompletedProcess[str]
    host_build: Path | None
    lambdas: subprocess.CompletedProcess[str] | None
    esp32: subprocess.CompletedProcess[str]
    esp32_build: Path | None


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, NodeBuild]:
    """Every shipped node generated twice and its host main.cpp compiled, in parallel.

    Nothing is asserted here, so a broken node fails its own test, with the compiler's output.
    """

    def build(config: str) -> NodeBuild:
        folder = firmware_copy(tmp_path_factory.mktemp("host") / "esphome")
        host, host_build = generate(folder, host_wrapper(folder, config))
        lambdas = None if host_build is None else check_lambdas(host_build)
        esp32_folder = firmware_copy(tmp_path_factory.mktemp("esp32") / "esphome")
        esp32, esp32_build = generate(esp32_folder, config)
        return NodeBuild(host, host_build, lambdas, esp32, esp32_build)

    return dict(zip(NODE_CONFIGS, parallel(build, NODE_CONFIGS), strict=True))


@pytest.mark.parametrize("config", NODE_CONFIGS)
def test_every_lambda_of_the_node_compiles(nodes: dict[str, NodeBuild], config: str) -> None:
    node = nodes[config]
    assert node.host_build is not None, output(node.host)
    assert node.lambdas is not None
    assert node.lambdas.returncode == 0, output(node.lambdas)
    main = (node.host_build / "src" / "main.cpp").read_text()
    # The lambdas g++ just compiled are the node's own, from its packages, and the test meter's.
    assert '"packages/node-core.yaml"' in main
    assert '"host-test/meter-rising.yaml"' in main
    assert "carbon_node::restore(" in main
    if config in KEYPAD_NODES:
        assert '"packages/factor-keypad.yaml"' in main
        assert "keypad->value().confirm(" in main


@pytest.mark.parametrize("config", NODE_CONFIGS)
def test_node_as_shipped_includes_the_header_before_its_globals(
    nodes: dict[str, NodeBuild], config: str
) -> None:
    """The ESP32 build cannot be compiled here, but its main.cpp is generated the same way."""
    node = nodes[config]
    assert node.esp32_build is not None, output(node.esp32)
    src = node.esp32_build / "src"
    assert "-DUSE_ESP32" in (node.esp32_build / "platformio.ini").read_text()
    copied = src / "esphome" / "components" / "carbon_node" / "carbon_node.h"
    assert copied.read_text() == HEADER.read_text()
    assert HEADER_INCLUDE in (src / "esphome.h").read_text()
    main = (src / "main.cpp").read_text()
    assert main.index('#include "esphome.h"') < main.index("carbon_node::Accumulator")
    # Not included a second time at the end, as `esphome: includes:` would.
    assert "carbon_node.h" not in main


def test_a_broken_lambda_names_its_yaml_file_and_line(tmp_path: Path) -> None:
    folder = firmware_copy(tmp_path / "esphome")
    core = folder / "packages" / "node-core.yaml"
    lines = core.read_text().splitlines(keepends=True)
    (index,) = [i for i, line in enumerate(lines) if "id(node).reading(value" in line]
    lines[index] = lines[index].replace("id(node).reading(", "id(node).readng(")
    core.write_text("".join(lines))
    result, build = generate(folder, host_wrapper(folder, "carbon-node-pulse.yaml"))
    assert build is not None, output(result)  # ESPHome itself does not look inside lambdas
    compiled = check_lambdas(build)
    assert compiled.returncode != 0
    assert re.search(
        rf"packages/node-core\.yaml:{index + 1}:\d+: error: .*readng", output(compiled)
    ), output(compiled)


def test_without_the_header_the_build_stops_as_in_the_issue(tmp_path: Path) -> None:
    """What the compile check catches that `esphome config` does not."""
    folder = firmware_copy(tmp_path / "esphome")
    (folder / "components" / "carbon_node" / "carbon_node.h").unlink()
    result, build = generate(folder, host_wrapper(folder, "carbon-node-co2.yaml"))
    assert build is not None, output(result)
    compiled = check_lambdas(build)
    assert compiled.returncode != 0
    assert "'carbon_node' was not declared in this scope" in output(compiled)


# ---- A full host build that runs.

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FACTOR_LINE = re.compile(r"Emission factor in force: ([0-9.]+)")
TOTAL_LINE = re.compile(r"Carbon total ([0-9.]+)")
DEFAULT_FACTOR = 0.5306  # default_factor of packages/factor-keypad.yaml
TYPED_FACTOR = 2.5
# 9, cancel, then 2.5 and OK: only 2.5 may go into force.
KEYS = "9c2.5k"


def events(log: str) -> list[tuple[str, float]]:
    """("factor", f) and ("total", kg) in the order the node logged them."""
    found = []
    for line in ANSI.sub("", log).splitlines():
        if match := FACTOR_LINE.search(line):
            found.append(("factor", float(match.group(1))))
        elif match := TOTAL_LINE.search(line):
            found.append(("total", float(match.group(1))))
    return found


def run_node(program: Path, home: Path, log: Path, keys: str | None, done: int) -> tuple[int, str]:
    """Run the node until it has published ``done`` totals after its last factor; SIGTERM it.

    Returns its exit status and log. The node's home folder holds its saved preferences.
    """
    env = {key: value for key, value in os.environ.items() if key != "CARBON_NODE_KEYS"}
    env["HOME"] = str(home)
    if keys is not None:
        env["CARBON_NODE_KEYS"] = keys
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(program)], cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                found = events(log.read_text())
                factors = [i for i, (kind, _) in enumerate(found) if kind == "factor"]
                last_factor = factors[-1] if factors else len(found)
                totals_after = sum(1 for kind, _ in found[last_factor:] if kind == "total")
                typed = keys is None or ("factor", TYPED_FACTOR) in found
                if typed and totals_after >= done:
                    break
                time.sleep(0.05)
            assert process.poll() is None, f"the node stopped by itself:\n{log.read_text()}"
            process.send_signal(signal.SIGTERM)
            status = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return status, log.read_text()


def assert_counts(found: list[tuple[str, float]]) -> None:
    """Each reading rises by one unit: each total is the one before plus the factor in force."""
    factor = None
    previous = None
    for kind, value in found:
        if kind == "factor":
            factor = value
        elif previous is None:
            previous = value  # restored from the preferences at boot
        else:
            assert factor is not None
            assert value == pytest.approx(previous + factor, abs=2e-4), found
            previous = value


def test_host_node_runs_counts_and_restores(tmp_path: Path) -> None:
    folder = firmware_copy(tmp_path / "esphome")
    extra = (folder / "host-test" / "run-keypad-node.yaml").read_text()
    # A port of its own, so the node's API server does not meet another one on 6053.
    extra += f"\napi:\n  port: {20000 + os.getpid() % 20000}\n"
    result, build = generate(folder, host_wrapper(folder, "carbon-node-pulse.yaml", extra))
    assert build is not None, output(result)
    program = tmp_path / "carbon-node"
    build_program(build, program)
    home = tmp_path / "home"
    home.mkdir()

    # First start, from nothing: the default factor, then the typed one.
    status, log = run_node(program, home, tmp_path / "run1.log", KEYS, done=5)
    assert status == 0, log
    first = events(log)
    factors = [value for kind, value in first if kind == "factor"]
    assert factors == [pytest.approx(DEFAULT_FACTOR), TYPED_FACTOR], log
    assert first[1] == ("total", 0.0), log  # nothing saved yet
    assert_counts(first)
    at_typed = first.index(("factor", TYPED_FACTOR))
    counted = [value for kind, value in first[at_typed:] if kind == "total"]
    assert len(counted) >= 5, log
    total = counted[-1]
    assert total > 5 * TYPED_FACTOR
    assert (home / ".esphome" / "prefs" / "carbon-node-pulse.prefs").is_file()
    # The status LED (GPIO2, logged by the host's GPIO) lit after cancel and after OK.
    plain = ANSI.sub("", log)
    for key in ("c", "k"):
        after = plain[plain.index(f"Key {key}") :]
        assert "Setting pin 2 to HIGH" in after[: after.index("Carbon total")], plain

    # Started again with no keys: the typed factor and the total come back from the preferences,
    # and the meter, counting from zero again, counts in full at the restored factor.
    status, log = run_node(program, home, tmp_path / "run2.log", None, done=3)
    assert status == 0, log
    second = events(log)
    assert second[0] == ("factor", TYPED_FACTOR), log
    assert second[1] == ("total", pytest.approx(total, abs=2e-4)), log
    assert_counts(second)
    assert [kind for kind, _ in second].count("factor") == 1, log
    assert "Key" not in ANSI.sub("", log)
