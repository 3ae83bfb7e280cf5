"""What the in-process benchmarks share: the output line, a fresh Home Assistant, node entries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
import logging
import sys
import tempfile
import time
from typing import Any

from homeassistant import loader
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, frame, translation
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.carbon_tracker.const import (
    CONF_FACTOR_MODE,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    CONF_KIND,
    CONF_PORT,
    CONF_SOURCE,
    DOMAIN,
)
from custom_components.carbon_tracker.kinds import EntryKind

FACTOR = 0.5  # kg CO2e per kWh: the custom factor of every benchmark node

_LOGGER = logging.getLogger("bench")
_START = time.perf_counter()


def configure_logging() -> None:
    """Logs at WARNING on stderr, the benchmark's progress at INFO; figures go to stdout."""
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s:%(name)s:%(message)s"
    )
    _LOGGER.setLevel(logging.INFO)  # progress, with the time since start
    # One line per custom integration at each start; says nothing about the benchmark.
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)


def run_main(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """A benchmark's entry point."""
    configure_logging()
    asyncio.run(main())


def emit(name: str, value: float, digits: int = 3) -> None:
    """The only writer to stdout: one ``name=value`` line per figure (progress goes to stderr)."""
    print(f"{name}={value:.{digits}f}", flush=True)
    _LOGGER.info("%6.1f s  %s done", time.perf_counter() - _START, name)


class _StubHttp:
    """Stands in for the http server, which ``repairs`` (a dependency of ours) registers views on.

    A real server would bind port 8123; nothing here is served over HTTP.
    """

    def register_view(self, view: Any) -> None:
        """Accept and forget a view."""

    def register_redirect(self, *args: Any, **kwargs: Any) -> None:
        """Accept and forget a redirect."""

    async def async_register_static_paths(self, configs: Any) -> None:
        """Accept and forget static paths."""


@asynccontextmanager
async def fresh_hass() -> AsyncIterator[HomeAssistant]:
    """A running test instance with custom integrations enabled; stopped cleanly on exit."""
    with tempfile.TemporaryDirectory(prefix="carbon-bench-") as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            # What the enable_custom_integrations fixture does: custom_components is then imported
            # from sys.path, whose first entry is the repository root (python -m from there).
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            frame.async_setup(hass)
            await translation.async_load_integrations(hass, {"homeassistant"})
            hass.http = _StubHttp()
            hass.config.components.add("http")
            try:
                yield hass
            finally:
                await hass.async_block_till_done()
                await hass.async_stop(force=True)


def node_entry(source: str, port: int) -> MockConfigEntry:
    """A tracking node at FACTOR kg CO2e/kWh on ``source``, as the config flow writes it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Meter {port}",
        data={CONF_KIND: EntryKind.TRACKING_NODE.value, CONF_SOURCE: source},
        options={
            CONF_PORT: port,
            CONF_FACTOR_MODE: "custom",
            CONF_FACTOR_VALUE: FACTOR,
            CONF_FACTOR_UNIT: "kWh",
        },
        minor_version=3,
    )


async def setup_metered_nodes(hass: HomeAssistant, n: int) -> list[MockConfigEntry]:
    """N tracking nodes, each on its own meter (reading 1 kWh), set up as HA does at start."""
    entries = []
    for i in range(n):
        source = f"sensor.meter_{i}"
        hass.states.async_set(
            source, "1.0", {"unit_of_measurement": "kWh", "state_class": "total_increasing"}
        )
        entry = node_entry(source, i + 1)
        entry.add_to_hass(hass)
        entries.append(entry)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    for entry in entries:
        assert entry.state is ConfigEntryState.LOADED, (entry.title, entry.state)
    return entries


def carbon_entity_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """The entity id of a node's carbon sensor."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_emissions"
    )
    assert entity_id is not None
    return entity_id
