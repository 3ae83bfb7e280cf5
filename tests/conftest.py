"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.carbon_tracker.nodes import runtime


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let HA load custom_components/carbon_tracker in every test."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots serialised as HA core does: states and registry entries without ids or times."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def write_every_total() -> Iterator[None]:
    """Tests read the carbon state right after a reading: no coalescing of writes, but where
    a test asks for it (the coalescing tests patch the interval themselves)."""
    with patch.object(runtime, "WRITE_INTERVAL", 0.0):
        yield
