"""Fixtures of the live tests: a real Home Assistant process, no in-process one."""

from __future__ import annotations

from collections.abc import Iterator
import importlib.metadata

import pytest


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
