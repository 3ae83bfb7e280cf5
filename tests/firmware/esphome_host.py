"""Build the shipped ESPHome nodes for ESPHome's Linux `host` platform with plain g++, offline.

`esphome config` does not compile C++, so a configuration can be valid and still not build (the
header included after the globals that use it, a typo in a lambda). PlatformIO cannot download
toolchains here, and does not need to for the host platform:

* a *host wrapper* of a node is the node's own file with its meter package swapped for a test-only
  meter (host/meter-rising.yaml) and, at the end of the file after all packages, `host:` plus the
  removal of what only an ESP32 has (`esp32`, `wifi`, `ota`, `remote_receiver` and the keypad's
  IR binary sensors);
* `esphome compile --only-generate` writes main.cpp (every YAML lambda in it, behind a `#line`
  marker naming its YAML file and line) and copies the core and component sources it uses into
  the build folder;
* g++ with the flags ESPHome writes into the generated platformio.ini then checks main.cpp
  (`-fsyntax-only`, about 2 s) or builds the whole node (every copied source, then link).

Everything happens in a copy of esphome/ under pytest's tmp_path; nothing is written to the repo.
g++ is required: a machine without it fails these tests rather than skipping them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
import configparser
import os
from pathlib import Path
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "esphome"
ESPHOME = ROOT / ".venv-esphome" / "bin" / "esphome"
HOST_FILES = Path(__file__).resolve().parent / "host"
NODE_CONFIGS = sorted(path.name for path in FIRMWARE.glob("carbon-node-*.yaml"))
HEADER = FIRMWARE / "components" / "carbon_node" / "carbon_node.h"
# Parallel g++ jobs: one per CPU this process may use.
JOBS = max(1, os.process_cpu_count() or 1)
TIMEOUT = 300

# `meter: !include packages/meter-....yaml` in a node's packages; swapped for the test meter.
METER_PACKAGE = re.compile(
    r"^(?P<key>[ \t]+meter:[ \t]*)!include packages/meter-[\w-]+\.yaml[ \t]*$", re.MULTILINE
)
TEST_METER = "host-test/meter-rising.yaml"

# Appended to a node's own file: the host platform, then the removals of what only an ESP32 has.
# They come last, after `packages:`, so they apply to the configuration merged from all packages.
HOST_PLATFORM = """
# ---- Test only (tests/firmware/esphome_host.py): the node built for ESPHome's host platform.
host:

esp32: !remove
wifi: !remove
ota: !remove
remote_receiver: !remove
"""


def find_tool(name: str) -> str:
    """Path of a compiler; a missing one fails the test (not a skip)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found on PATH: install g++ to compile the ESPHome nodes")
    return path


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command, never raising on its exit status (the caller asserts).

    In the C locale, so compiler messages are the same everywhere (plain quotes, English).
    """
    env = {**os.environ, "LC_ALL": "C"}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    """Everything a process printed."""
    return result.stdout + result.stderr


def firmware_copy(folder: Path) -> Path:
    """A copy of esphome/ in ``folder`` with example secrets and the test-only host files."""
    assert ESPHOME.exists(), f"{ESPHOME} is missing: run scripts/setup"
    shutil.copytree(
        FIRMWARE,
        folder,
        ignore=shutil.ignore_patterns(".esphome", "secrets.yaml", "__pycache__"),
    )
    shutil.copy(folder / "secrets.example.yaml", folder / "secrets.yaml")
    shutil.copytree(HOST_FILES, folder / "host-test")
    return folder


def keypad_removals(folder: Path) -> str:
    """`!remove` of every IR binary sensor of the keypad package (no IR receiver on the host)."""
    keypad = yaml.safe_load((folder / "packages" / "factor-keypad.yaml").read_text())
    ids = [
        sensor["id"]
        for sensor in keypad["binary_sensor"]
        if sensor["platform"] == "remote_receiver"
    ]
    assert ids, "the keypad package has no IR binary sensors?"
    return "binary_sensor:\n" + "".join(f"  - id: !remove {sensor_id}\n" for sensor_id in ids)


def host_wrapper(folder: Path, config: str, extra: str = "") -> str:
    """Write the host wrapper of node ``config`` into ``folder``; returns its file name.

    ``extra`` is YAML appended at the very end (e.g. what a test needs to watch the node run).
    """
    text = (folder / config).read_text()
    swapped, count = METER_PACKAGE.subn(rf"\g<key>!include {TEST_METER}", text)
    assert count == 1, f"{config}: no `meter: !include packages/meter-*.yaml` package to swap"
    name = f"host-{config}"
    (folder / name).write_text(swapped + HOST_PLATFORM + keypad_removals(folder) + extra)
    return name


def generate(folder: Path, config: str) -> tuple[subprocess.CompletedProcess[str], Path | None]:
    """`esphome compile --only-generate`: the result, and the build folder it wrote (or None)."""
    result = run([str(ESPHOME), "compile", "--only-generate", config], cwd=folder)
    builds = sorted((folder / ".esphome" / "build").glob("*/src/main.cpp"))
    if result.returncode != 0 or len(builds) != 1:
        return result, None
    return result, builds[0].parents[1]


def build_flags(build: Path) -> list[str]:
    """The compiler flags ESPHome wrote for the node into its generated platformio.ini."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(build / "platformio.ini")
    envs = [section for section in ini.sections() if section.startswith("env:")]
    assert len(envs) == 1, envs
    env = ini[envs[0]]
    # A library PlatformIO would have to download (libsodium for the API's encryption, ...) cannot
    # be built here: the host wrappers must not need one.
    libraries = [lib for lib in env.get("lib_deps", "").split() if lib != "${common.lib_deps}"]
    libraries += ini.get("common", "lib_deps", fallback="").split()
    assert not libraries, f"the host build needs PlatformIO libraries: {libraries}"
    flags = shlex.split(env.get("build_flags", ""))
    assert "-DUSE_HOST" in flags, flags
    unflags = set(shlex.split(env.get("build_unflags", "")))
    return [flag for flag in flags if flag not in unflags]


def check_lambdas(build: Path) -> subprocess.CompletedProcess[str]:
    """`g++ -fsyntax-only` on main.cpp: every YAML lambda, the globals and the header together."""
    src = build / "src"
    return run(
        [find_tool("g++"), *build_flags(build), "-I", str(src), "-fsyntax-only", "src/main.cpp"],
        cwd=build,
    )


def parallel[T, R](function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``function`` over ``items`` in JOBS threads (each runs a process), results in order."""
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        return list(pool.map(function, items))


def build_program(build: Path, program: Path) -> None:
    """Compile every source ESPHome copied into the build folder, then link ``program``."""
    flags = build_flags(build)
    src = build / "src"
    objects = build / "objects"
    sources = sorted(path for path in src.rglob("*") if path.suffix in {".c", ".cc", ".cpp"})
    assert any(path.name == "main.cpp" for path in sources), sources
    c_flags = [flag for flag in flags if not flag.startswith(("-std=gnu++", "-std=c++"))]

    def compile_one(source: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
        target = objects / source.relative_to(src).with_suffix(source.suffix + ".o")
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix == ".c":
            compiler = [find_tool("gcc"), *c_flags]
        else:
            compiler = [find_tool("g++"), *flags]
        command = [*compiler, "-I", str(src), "-c", str(source), "-o", str(target)]
        return target, run(command, cwd=build)

    compiled = parallel(compile_one, sources)
    failed = [output(result) for _, result in compiled if result.returncode != 0]
    assert not failed, f"{len(failed)} of {len(sources)} sources failed:\n" + "\n".join(failed[:3])
    linked = run(
        [find_tool("g++"), *flags, *(str(target) for target, _ in compiled), "-o", str(program)],
        cwd=build,
    )
    assert linked.returncode == 0, output(linked)
