"""The tests' servers: found where they run, else started privately (never a skipped test)."""

from __future__ import annotations

from collections.abc import Callable
import subprocess

import pytest
import pytest_socket
import sqlalchemy as sa

from devtools import services


@pytest.fixture(autouse=True)
def loopback() -> None:
    """These tests connect to servers on 127.0.0.1, which the HA plugin blocks before each test
    (and blocks again before the next: nothing to undo here)."""
    pytest_socket.enable_socket()


def test_ensure_gives_every_address_and_each_answers() -> None:
    found = services.ensure()
    try:
        postgres = sa.make_url(found["CARBON_TRACKER_POSTGRES_URL"]).set(database="postgres")
        mariadb = sa.make_url(found["CARBON_TRACKER_MARIADB_URL"]).set(database="mysql")
        for url in (postgres, mariadb):
            engine = sa.create_engine(url)
            with engine.connect() as connection:
                assert connection.execute(sa.text("SELECT 1")).scalar() == 1
            engine.dispose()
        assert services.reachable(int(found["CARBON_TRACKER_MQTT_PORT"]))
    finally:
        for pid in found["CARBON_TRACKER_SERVICES_PIDS"].split():
            services.stop(int(pid))


@pytest.mark.parametrize(
    ("start", "url"),
    [
        (services.start_postgres, "postgresql://postgres@127.0.0.1:{port}/postgres"),
        (services.start_mariadb, "mysql://root@127.0.0.1:{port}/mysql"),
    ],
    ids=["postgres", "mariadb"],
)
def test_a_private_database_server_starts_and_takes_the_tests_login(
    start: Callable[[], services.PrivateServer], url: str
) -> None:
    """What a machine without the server gets: the same login the tests use on its own port."""
    server = start()
    port, pid = server.port, server.pid
    try:
        assert port not in (services.POSTGRES_PORT, services.MARIADB_PORT)
        engine = sa.create_engine(url.format(port=port))
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar() == 1
        engine.dispose()
    finally:
        services.stop(pid)


def test_a_private_broker_starts_and_keeps_retained_messages() -> None:
    broker = services.start_mosquitto()
    port, pid = broker.port, broker.pid
    try:
        subprocess.run(
            ["mosquitto_pub", "-p", str(port), "-t", "ct/test", "-m", "kept", "-r", "-q", "1"],
            check=True,
            timeout=10,
        )
        read = subprocess.run(
            ["mosquitto_sub", "-p", str(port), "-t", "ct/test", "-C", "1", "-W", "5"],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert read.stdout.strip() == "kept"
    finally:
        services.stop(pid)
