"""Fixtures of the live tests: a real Home Assistant process, no in-process one."""

from __future__ import annotations

from collections.abc import Iterator
import importlib.metadata

import pytest
import pytest_socket


def installed_distributions() -> frozenset[tuple[str, str]]:
    """(name, version) of every distribution in the venv the tests run in."""
    return frozenset(
        (dist.metadata["Name"], dist.version) for dist in importlib.metadata.distributions()
    )


@pytest.fixture(scope="package", autouse=True)
def venv_left_alone() -> Iterator[None]:
    """No live test (a real hass, a browser) installs anything into the venv: checked after all."""
    before = installed_distributions()
    yield
    assert installed_distributions() == before, "a live test changed the venv"


@pytest.fixture
def local_sockets_in_each_test() -> None:
    """Let the test talk to 127.0.0.1: the HA test plugin blocks sockets again in each test.

    The plugin's host filter stays in place, so connections can only go to 127.0.0.1.
    """
    pytest_socket.enable_socket()
