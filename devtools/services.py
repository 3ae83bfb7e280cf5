"""The servers the tests talk to: PostgreSQL, MariaDB and an MQTT broker (Mosquitto).

On the project's machines they run on their standard ports (PostgreSQL 127.0.0.1:5432 with trust
authentication, MariaDB 127.0.0.1:3306 as root without a password, Mosquitto 127.0.0.1:1883).
On a machine without one of them, this starts a private instance from Debian's packages
(installed when missing) in a folder of its own, on a free port, as the tests' own: it is never
a reason to skip a test.

    eval "$(.venv/bin/python -m devtools.services env)"

prints (and starts what is missing) the ``export`` lines scripts/test reads:
``CARBON_TRACKER_POSTGRES_URL``, ``CARBON_TRACKER_MARIADB_URL``, ``CARBON_TRACKER_MQTT_PORT``, and
``CARBON_TRACKER_SERVICES_PIDS`` (private instances to stop afterwards; empty when none).
Tests add a database or topic of their own under these.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
POSTGRES_PORT = 5432
MARIADB_PORT = 3306
MQTT_PORT = 1883
WAIT_S = 60.0


@dataclass(frozen=True, slots=True)
class PrivateServer:
    """A server started here: its port, its process group and its folder."""

    port: int
    pid: int
    folder: Path


def log(message: str) -> None:
    """A line on stderr (stdout carries the exports)."""
    print(f"services: {message}", file=sys.stderr)


def reachable(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, what: str) -> None:
    """Until the server accepts connections; it fails the run after a minute."""
    deadline = time.monotonic() + WAIT_S
    while not reachable(port):
        if time.monotonic() > deadline:
            raise SystemExit(f"services: {what} did not start on port {port}")
        time.sleep(0.2)


def apt_install(*packages: str) -> None:
    """Debian's packages of a server this machine lacks."""
    log(f"installing {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def binary(name: str, *search: str) -> str | None:
    """A server binary: on the PATH, else in one of the folders Debian puts it in."""
    if found := shutil.which(name):
        return found
    for folder in search:
        for candidate in sorted(Path("/").glob(f"{folder.lstrip('/')}/{name}"), reverse=True):
            if candidate.is_file():
                return str(candidate)
    return None


def private_folder(name: str) -> Path:
    """A folder of a private server's own, in the system's temporary folder.

    PostgreSQL's own user must reach it: not under root's home.
    """
    return Path(tempfile.mkdtemp(prefix=f"carbon-tracker-{name}-"))


def start_postgres() -> PrivateServer:
    """A private PostgreSQL (trust authentication, user postgres)."""
    pg_bin = "usr/lib/postgresql/*/bin"
    if binary("initdb", pg_bin) is None:
        apt_install("postgresql")
    initdb, postgres = binary("initdb", pg_bin), binary("postgres", pg_bin)
    assert initdb is not None
    assert postgres is not None
    folder = private_folder("postgres")
    port = free_port()
    # PostgreSQL refuses to run as root: the package's own user runs it.
    shutil.chown(folder, "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [*as_postgres, initdb, "-D", str(folder / "data"), "-U", "postgres", "-A", "trust"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [
            *as_postgres,
            postgres,
            *("-D", str(folder / "data"), "-p", str(port), "-h", HOST, "-k", str(folder)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "server.log").open("w"),
        start_new_session=True,
    )
    wait_for(port, "PostgreSQL")
    return PrivateServer(port, server.pid, folder)


def start_mariadb() -> PrivateServer:
    """A private MariaDB (root without a password)."""
    if binary("mariadbd", "usr/sbin") is None:
        apt_install("mariadb-server")
    server_binary = binary("mariadbd", "usr/sbin")
    install = binary("mariadb-install-db", "usr/bin")
    assert server_binary is not None
    assert install is not None
    folder = private_folder("mariadb")
    port = free_port()
    data = folder / "data"
    subprocess.run(
        # The system's own option files point at its own folders: not read.
        [
            install,
            "--no-defaults",
            f"--datadir={data}",
            "--user=root",
            "--auth-root-authentication-method=normal",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [
            server_binary,
            "--no-defaults",
            f"--datadir={data}",
            f"--port={port}",
            f"--bind-address={HOST}",
            f"--socket={folder / 'mysqld.sock'}",
            f"--pid-file={folder / 'mysqld.pid'}",
            "--user=root",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "server.log").open("w"),
        start_new_session=True,
    )
    wait_for(port, "MariaDB")
    return PrivateServer(port, server.pid, folder)


def start_mosquitto(port: int | None = None, folder: Path | None = None) -> PrivateServer:
    """A private Mosquitto on loopback, anonymous, with persistence in its folder.

    Given the port and folder of one that was stopped, it starts again as the same broker (its
    retained messages kept), as a broker restarted by its operator.
    """
    if binary("mosquitto", "usr/sbin") is None:
        apt_install("mosquitto")
    broker = binary("mosquitto", "usr/sbin")
    assert broker is not None
    folder = folder or private_folder("mosquitto")
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config = folder / "mosquitto.conf"
    config.write_text(
        f"listener {port} {HOST}\nallow_anonymous true\npersistence true\n"
        f"persistence_location {folder}/\nautosave_interval 1\n",
        encoding="utf-8",
    )
    server = subprocess.Popen(
        [broker, "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "broker.log").open("a"),
        start_new_session=True,
    )
    wait_for(port, "Mosquitto")
    return PrivateServer(port, server.pid, folder)


def ensure() -> dict[str, str]:
    """The services' addresses, starting a private instance of each one that is not running."""
    pids = []
    postgres_port, mariadb_port, mqtt_port = POSTGRES_PORT, MARIADB_PORT, MQTT_PORT
    if not reachable(POSTGRES_PORT):
        postgres = start_postgres()
        postgres_port = postgres.port
        pids.append(postgres.pid)
    if not reachable(MARIADB_PORT):
        mariadb = start_mariadb()
        mariadb_port = mariadb.port
        pids.append(mariadb.pid)
    if not reachable(MQTT_PORT):
        broker = start_mosquitto()
        mqtt_port = broker.port
        pids.append(broker.pid)
    return {
        "CARBON_TRACKER_POSTGRES_URL": f"postgresql://postgres@{HOST}:{postgres_port}/",
        "CARBON_TRACKER_MARIADB_URL": f"mysql://root@{HOST}:{mariadb_port}/",
        "CARBON_TRACKER_MQTT_PORT": str(mqtt_port),
        "CARBON_TRACKER_SERVICES_PIDS": " ".join(str(pid) for pid in pids),
    }


def stop(pid: int) -> None:
    """Stop a private instance (its whole process group: runuser and the server)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)


def main() -> None:
    """Print the exports (starting what is missing)."""
    if sys.argv[1:] != ["env"]:
        raise SystemExit("usage: python -m devtools.services env")
    for name, value in ensure().items():
        print(f"export {name}='{value}'")


if __name__ == "__main__":
    main()
