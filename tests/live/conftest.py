"""Fixtures of the live tests: a real Home Assistant process, no in-process one."""

from __future__ import annotations

import pytest
import pytest_socket


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py: live tests start no in-process Home Assistant."""


@pytest.fixture(scope="module")
def local_sockets() -> None:
    """Let the harness open sockets, which the HA test plugin blocks in every test.

    The plugin's host filter stays in place, so connections can only go to 127.0.0.1.
    """
    pytest_socket.enable_socket()
