"""Run a real Home Assistant process (``hass -c DIR``) on a seeded configuration.

For tests and benchmarks that need what only a real process has: its own restarts, ``kill -9``,
the SQLite recorder and the statistics it compiles.

    with LiveHass.create(nodes=[("Grid energy", "sensor.grid_meter", 1, factor)]) as live:
        live.start()
        live.set_state("sensor.grid_meter", 1000.0, {"unit_of_measurement": "kWh"})
        live.stop()

The configuration folder is a temporary folder (or one you give): a minimal
``configuration.yaml`` (``api:``, ``recorder:`` on SQLite in the folder, ``logger:``, no ``http:``
block), the checkout's integration linked into ``custom_components/``, and ``.storage`` seeded by
``devtools.seed`` (login demo / demo, onboarding done, the HTTP server on 127.0.0.1 and a free
port, the nodes). The process writes its output to ``hass.out.log`` in the folder, which is kept
for post-mortems. All traffic goes to 127.0.0.1, and every wait has a timeout.

Everything is synchronous. The REST helpers use urllib; seeding and the websocket helper run on
their own event loop in a worker thread, so an event loop of the caller's thread is left alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
import ipaddress
import json
import os
from pathlib import Path
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from types import TracebackType
from typing import Any, Self
import urllib.error
import urllib.request

import aiohttp

from devtools.seed import HOST, GroupSpec, NodeSpec, WindowSpec, seed

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "carbon_tracker"
HASS = Path(sys.prefix) / "bin" / "hass"
DB_FILE = "home-assistant_v2.db"
OUT_FILE = "hass.out.log"
# Debian's libfaketime (package faketime, installed by scripts/setup), in the machine's
# multiarch folder.
FAKETIME_LIBRARY = next(
    iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))),
    Path("/usr/lib/faketime/libfaketime.so.1"),
)

CONFIGURATION = """\
homeassistant:
  name: {name}
  time_zone: {time_zone}
  unit_system: metric

api:

recorder:
  db_url: {db_url}
  commit_interval: 1

logger:
  default: warning
  logs:
    custom_components.carbon_tracker: debug
"""

# Never ask a proxy from the environment to carry traffic meant for 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LiveHassError(RuntimeError):
    """The process did not do what was asked in time, or an API call failed."""


class ApiError(LiveHassError):
    """The REST API answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        """Keep the HTTP status."""
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class StatisticsRow:
    """One row of ``statistics`` or ``statistics_short_term``."""

    start_ts: float
    state: float | None
    sum: float | None


@dataclass(frozen=True, slots=True)
class RecordedState:
    """One row of the recorder's ``states`` table."""

    last_updated_ts: float
    state: str | None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _run_async[T](coro: Coroutine[Any, Any, T], timeout: float) -> T:
    """Run a coroutine on its own event loop, in a worker thread that is joined afterwards."""
    with ThreadPoolExecutor(1, thread_name_prefix="live-hass") as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, timeout)).result()


def _proc_address(hex_address: str) -> str:
    """An address of /proc/net/tcp{,6}: 32-bit words in host (little-endian) order."""
    raw = bytes.fromhex(hex_address)
    ordered = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(ordered))


class LiveHass:
    """One seeded configuration folder and the ``hass`` process running on it."""

    def __init__(self, config_dir: Path, port: int, token: str) -> None:
        """Drive an already seeded folder; use ``create`` to make one."""
        self.config_dir = config_dir
        self.port = port
        self.token = token
        # Seconds the process's clock runs ahead of the machine's (libfaketime), from its next
        # start on: a day passes for it between two starts.
        self.clock_offset_s = 0
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def create(
        cls,
        nodes: Iterable[NodeSpec],
        *,
        directory: Path | None = None,
        name: str = "Carbon Tracker live",
        integration: Path = INTEGRATION,
        declaration_port: int | None = None,
        groups: Iterable[GroupSpec] = (),
        logistics: tuple[int, str] | None = None,
        db_url: str | None = None,
        time_zone: str = "UTC",
        mqtt_port: int | None = None,
        publisher: tuple[str, str] | None = None,
        remotes: Iterable[tuple[str, str, int]] = (),
        windows: Iterable[WindowSpec] = (),
    ) -> Self:
        """Write configuration.yaml, link the integration and seed .storage; nothing runs yet.

        ``integration`` is the folder linked as custom_components/carbon_tracker: by default this
        checkout's, another one to run another version. ``declaration_port``: the demo person
        gets a personal declaration entry on that port (load ``person:`` to use it). ``groups``:
        binding groups over the nodes' ports (``devtools.seed.GroupSpec``). ``logistics``: (port,
        webhook id) of a warehouse's logistics entry (load ``webhook:`` to post to it).
        ``db_url``: the recorder's database (PostgreSQL or MariaDB, as a central runs it); by
        default SQLite in the folder, which the ``statistics`` and ``recorded_states`` helpers
        read. ``time_zone``: the server's. ``mqtt_port``, ``publisher``, ``remotes``: a region's
        site or central on a broker of 127.0.0.1 (see ``devtools.seed.seed``). ``windows``:
        carbon-aware windows (``devtools.seed.WindowSpec``).
        """
        config_dir = Path(directory or tempfile.mkdtemp(prefix="carbon-tracker-live-")).resolve()
        config_dir.mkdir(parents=True, exist_ok=True)
        db_url = db_url or f"sqlite:///{config_dir / DB_FILE}"
        (config_dir / "configuration.yaml").write_text(
            CONFIGURATION.format(
                name=json.dumps(name), db_url=json.dumps(db_url), time_zone=json.dumps(time_zone)
            )
        )
        components = config_dir / "custom_components"
        components.mkdir(exist_ok=True)
        (components / "carbon_tracker").symlink_to(integration.resolve(), target_is_directory=True)
        port = free_port()
        seeding = seed(
            str(config_dir),
            port=port,
            nodes=list(nodes),
            access_token=True,
            declaration_port=declaration_port,
            groups=groups,
            logistics=logistics,
            mqtt_port=mqtt_port,
            publisher=publisher,
            remotes=remotes,
            windows=windows,
        )
        token = _run_async(seeding, timeout=60)
        if token is None:
            raise LiveHassError("devtools.seed returned no access token")
        return cls(config_dir, port, token)

    # --- paths --------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT."""
        return f"http://{HOST}:{self.port}"

    @property
    def db_path(self) -> Path:
        """The recorder's SQLite database."""
        return self.config_dir / DB_FILE

    @property
    def log_path(self) -> Path:
        """The output (stdout and stderr) of every run, appended."""
        return self.config_dir / OUT_FILE

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the process output, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # --- process ------------------------------------------------------------------------------

    def start(self, timeout: float = 120.0) -> None:
        """Start ``hass -c DIR --skip-pip``; return once the API answers and HA is RUNNING."""
        if self.running:
            raise LiveHassError("Home Assistant is already running")
        with self.log_path.open("ab") as out:
            self._process = subprocess.Popen(
                # --skip-pip: everything HA would install is pinned in the requirements files, and a
                # test run must never change the venv it runs in (tests/live/test_no_installs.py).
                [str(HASS), "-c", str(self.config_dir), "--skip-pip"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.config_dir,
                env=self._environment(),
            )
        try:
            self._wait_running(timeout)
        except BaseException:
            self.kill()
            raise

    def _environment(self) -> dict[str, str] | None:
        """The process's environment: this one's, with libfaketime preloaded for an offset.

        Preloaded directly (not through the ``faketime`` program, which forks): the process is
        hass itself, so ``kill`` reaches it.
        """
        if not self.clock_offset_s:
            return None
        if not FAKETIME_LIBRARY.is_file():
            raise LiveHassError(f"{FAKETIME_LIBRARY} is missing: scripts/setup installs faketime")
        return {
            **os.environ,
            "LD_PRELOAD": str(FAKETIME_LIBRARY),
            "FAKETIME": f"{self.clock_offset_s:+d}",
            # The offset read once: no file looked up at each clock call.
            "FAKETIME_NO_CACHE": "0",
        }

    def _wait_running(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise LiveHassError(f"hass exited while starting:\n{self.log_tail()}")
            try:
                if self.request("GET", "/api/config", timeout=5)["state"] == "RUNNING":
                    return
            except OSError, LiveHassError:
                pass  # not listening yet, or still starting
            time.sleep(0.2)
        raise LiveHassError(f"hass not RUNNING after {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 60.0) -> int:
        """Stop cleanly (SIGTERM) and wait; returns the exit code."""
        process = self._require_process()
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise LiveHassError(f"hass did not stop within {timeout} s; killed") from None

    def kill(self, timeout: float = 30.0) -> int:
        """``kill -9`` and wait; returns the exit code (-9)."""
        process = self._require_process()
        process.kill()
        return process.wait(timeout)

    def restart(self, timeout: float = 120.0) -> None:
        """Stop cleanly if running, then start again on the same folder."""
        if self.running:
            self.stop()
        self.start(timeout)

    def close(self) -> None:
        """Kill the process if it still runs (for finalizers); the folder stays."""
        if self.running:
            self.kill()

    def __enter__(self) -> Self:
        """Use as a context manager that never leaves the process running."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Kill the process if it still runs."""
        self.close()

    def _require_process(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise LiveHassError("Home Assistant was never started")
        return self._process

    def listening(self) -> set[tuple[str, int]]:
        """(address, port) of every TCP socket the process listens on (read from Linux /proc)."""
        pid = self._require_process().pid
        inodes: set[str] = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue  # closed meanwhile
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
        found: set[tuple[str, int]] = set()
        for table in ("tcp", "tcp6"):
            path = Path(f"/proc/{pid}/net/{table}")
            if not path.exists():
                continue
            for line in path.read_text().splitlines()[1:]:
                fields = line.split()
                local, status, inode = fields[1], fields[3], fields[9]
                if status == "0A" and inode in inodes:  # 0A: LISTEN
                    address, port = local.split(":")
                    found.add((_proc_address(address), int(port, 16)))
        return found

    # --- REST and websocket -------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *, timeout: float = 10.0) -> Any:
        """Call the REST API with the token; returns the decoded JSON answer.

        Raises ApiError for an HTTP error status, OSError when nothing answers.
        """
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            raise ApiError(f"{method} {path}: HTTP {err.code} {err.read()!r}", err.code) from err

    def set_state(
        self, entity_id: str, state: Any, attributes: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """``POST /api/states/<entity_id>``; returns the new state (with last_updated)."""
        body = {"state": str(state), "attributes": attributes or {}}
        result: dict[str, Any] = self.request("POST", f"/api/states/{entity_id}", body)
        return result

    def get_state(self, entity_id: str) -> dict[str, Any] | None:
        """``GET /api/states/<entity_id>``; None when HA has no state for it."""
        try:
            result: dict[str, Any] = self.request("GET", f"/api/states/{entity_id}")
        except ApiError as err:
            if err.status == 404:
                return None
            raise
        return result

    def ws_command(self, message: dict[str, Any], *, timeout: float = 15.0) -> Any:
        """Send one websocket command (without ``id``); returns its ``result``."""
        return _run_async(self._ws_command(message), timeout)

    async def _ws_command(self, message: dict[str, Any]) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"ws://{HOST}:{self.port}/api/websocket") as ws,
        ):
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (reply := await ws.receive_json())["type"] != "auth_ok":
                raise LiveHassError(f"websocket authentication failed: {reply}")
            await ws.send_json({"id": 1, **message})
            reply = await ws.receive_json()
            if not reply.get("success"):
                raise LiveHassError(f"websocket {message['type']} failed: {reply}")
            return reply["result"]

    def repair_issues(self) -> list[dict[str, Any]]:
        """The open repair issues, as Settings > Repairs lists them (``repairs/list_issues``)."""
        issues: list[dict[str, Any]] = self.ws_command({"type": "repairs/list_issues"})["issues"]
        return issues

    def stored_repair_issues(self) -> list[dict[str, Any]]:
        """The issues in ``.storage/repairs.issue_registry`` (complete after a clean stop)."""
        path = self.config_dir / ".storage" / "repairs.issue_registry"
        if not path.exists():
            return []
        issues: list[dict[str, Any]] = json.loads(path.read_text())["data"]["issues"]
        return issues

    # --- recorder database --------------------------------------------------------------------

    def _query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the recorder's database read-only (also while HA writes to it)."""
        if not self.db_path.exists():
            return []
        uri = f"{self.db_path.as_uri()}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=10)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def statistics(self, statistic_id: str, *, short_term: bool = True) -> list[StatisticsRow]:
        """Rows of ``statistics_short_term`` (or ``statistics``) of one statistic, by start."""
        table = "statistics_short_term" if short_term else "statistics"
        rows = self._query(
            f"SELECT s.start_ts, s.state, s.sum FROM {table} AS s "
            "JOIN statistics_meta AS m ON s.metadata_id = m.id "
            "WHERE m.statistic_id = ? ORDER BY s.start_ts",
            statistic_id,
        )
        return [StatisticsRow(*row) for row in rows]

    def recorded_states(self, entity_id: str) -> list[RecordedState]:
        """Rows of the ``states`` table of one entity, in the order they were written."""
        rows = self._query(
            "SELECT s.last_updated_ts, s.state FROM states AS s "
            "JOIN states_meta AS m ON s.metadata_id = m.metadata_id "
            "WHERE m.entity_id = ? ORDER BY s.last_updated_ts, s.state_id",
            entity_id,
        )
        return [RecordedState(*row) for row in rows]
