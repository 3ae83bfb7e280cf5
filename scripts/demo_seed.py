"""Seed the demo configuration: a login (demo / demo), onboarding done, four tracking nodes.

Uses Home Assistant's own auth manager and storage serialisers, so the files are what HA writes.
Runs once; a config folder that already has a .storage folder is left alone.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import sys

from homeassistant import auth
from homeassistant.auth.const import GROUP_ID_ADMIN
from homeassistant.components.onboarding import (
    STORAGE_KEY as ONBOARDING_KEY,
    STORAGE_VERSION as ONBOARDING_VERSION,
)
from homeassistant.components.onboarding.const import STEPS
from homeassistant.config_entries import (
    STORAGE_KEY as ENTRIES_KEY,
    STORAGE_VERSION as ENTRIES_VERSION,
    STORAGE_VERSION_MINOR as ENTRIES_MINOR,
    ConfigEntry,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.storage import Store

DEMO_USER = "demo"
DEMO_PASSWORD = "demo"

NODES = [
    (
        "Grid electricity",
        "sensor.demo_electricity_meter",
        1,
        {"factor_mode": "entity", "intensity_entity": "sensor.demo_grid_intensity"},
    ),
    (
        "Boiler gas",
        "sensor.demo_gas_meter",
        2,
        {"factor_mode": "library", "factor_id": "uk_desnz_2025_natural_gas_m3"},
    ),
    (
        "Generator diesel",
        "sensor.demo_fuel_meter",
        3,
        {"factor_mode": "library", "factor_id": "uk_desnz_2025_diesel"},
    ),
    (
        "Company car",
        "sensor.demo_odometer",
        4,
        {"factor_mode": "library", "factor_id": "uk_desnz_2025_car_petrol"},
    ),
]


def node_entries() -> list[ConfigEntry]:
    """The demo's tracking nodes, as config entries."""
    return [
        ConfigEntry(
            data={"kind": "tracking_node", "source": source},
            discovery_keys={},
            domain="carbon_tracker",
            minor_version=2,
            options={"port": port, **factor},
            source="user",
            subentries_data=None,
            title=title,
            unique_id=None,
            version=1,
        )
        for title, source, port, factor in NODES
    ]


async def seed(config_dir: str) -> None:
    """Write the login, onboarding state and node entries into config_dir/.storage."""
    hass = HomeAssistant(config_dir)
    # The auth store links users to devices, so the registries must be loaded first.
    dr.async_setup(hass)
    await dr.async_load(hass)
    await er.async_load(hass)
    hass.auth = await auth.auth_manager_from_config(hass, [{"type": "homeassistant"}], [])
    provider = hass.auth.auth_providers[0]
    await provider.async_initialize()
    await provider.async_add_auth(DEMO_USER, DEMO_PASSWORD)
    user = await hass.auth.async_create_user("Demo", group_ids=[GROUP_ID_ADMIN])
    credentials = await provider.async_get_or_create_credentials({"username": DEMO_USER})
    await hass.auth.async_link_user(user, credentials)
    await Store(hass, ONBOARDING_VERSION, ONBOARDING_KEY, private=True).async_save(
        {"done": list(STEPS)}
    )
    await Store(hass, ENTRIES_VERSION, ENTRIES_KEY, minor_version=ENTRIES_MINOR).async_save(
        {"entries": [entry.as_storage_fragment for entry in node_entries()]}
    )
    await hass.async_stop(force=True)


def main() -> None:
    """Seed the folder given on the command line unless it is seeded already."""
    config_dir = Path(sys.argv[1]).resolve()
    if (config_dir / ".storage").exists():
        print(f"demo: {config_dir} already set up")
        return
    asyncio.run(seed(str(config_dir)))
    print(f"demo: seeded {config_dir} (login {DEMO_USER} / {DEMO_PASSWORD})")


if __name__ == "__main__":
    main()
