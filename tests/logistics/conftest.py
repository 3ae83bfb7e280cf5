"""Shared by the logistics tests: the warehouse entry, a shipment, the record action."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import setup_node

WEBHOOK_ID = "secret-hook"
HOOK = f"/api/webhook/{WEBHOOK_ID}"
# A1 weighs 12.5 kg a unit, B2 2 kg with its own per-km intensity; barges have one of their own.
PRODUCTS = [
    {"model": "A1", "kg_per_unit": 12.5},
    {"model": "B2", "kg_per_unit": 2.0, "kg_co2e_per_km": 0.002},
]
MODES = {"inland_waterway": {"kg_per_tonne_km": 0.03}}


def logistics_entry(
    *,
    port: int = 20,
    title: str = "Warehouse",
    entry_id: str | None = None,
    webhook_id: str = WEBHOOK_ID,
    **options: Any,
) -> MockConfigEntry:
    """A warehouse priced by tonne-km (its catalogues as given, else A1, B2 and barges)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data={"kind": "logistics", "webhook_id": webhook_id},
        minor_version=3,
        **({} if entry_id is None else {"entry_id": entry_id}),
        options={
            "port": port,
            "method": "tonne_km",
            "products": PRODUCTS,
            "modes": MODES,
            **options,
        },
    )


def shipment(order_id: str = "SO-1", **changes: Any) -> dict[str, Any]:
    """A good record: 20 x A1 (0.25 t) over 340 km by HGV unless told otherwise."""
    return {
        "order_id": order_id,
        "time": "2026-11-25T09:30:00+08:00",
        "model": "A1",
        "quantity": 20,
        "distance_km": 340,
        "mode": "hgv",
        **changes,
    }


async def record_shipment(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call ``record_shipment`` with these fields; its answer, once the sensors show it."""
    response = await hass.services.async_call(
        DOMAIN, "record_shipment", data, blocking=True, return_response=True
    )
    assert response is not None
    await hass.async_block_till_done()
    return dict(response)


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Imports are read from a temporary config folder of the test's own."""
    return hass_tmp_config_dir


@pytest.fixture
async def entry(hass: HomeAssistant) -> MockConfigEntry:
    """The warehouse at port 20, set up, with HA's webhook component running."""
    assert await async_setup_component(hass, "webhook", {})
    return await setup_node(hass, logistics_entry())


async def write_import(hass: HomeAssistant, name: str, content: str | bytes) -> Path:
    """A file in ``<config>/carbon_tracker/imports/``."""
    path = Path(hass.config.path("carbon_tracker", "imports", name))

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    await hass.async_add_executor_job(write)
    return path
