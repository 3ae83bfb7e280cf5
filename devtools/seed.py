"""Seed a Home Assistant configuration: a login (demo / demo), onboarding done, tracking nodes.

``python -m devtools.seed config`` seeds the demo. Tests and benchmarks that run a real HA process
call ``seed()`` with their own port and nodes, and can ask for a long-lived access token for the
REST and websocket APIs.

Uses Home Assistant's own auth manager and storage serialisers, so the files are what HA writes.
Runs once; a config folder that already has a .storage folder is left alone.

The HTTP server's settings are seeded in HA's own HTTP store (HA 2026.10 no longer takes them
from YAML without asking to confirm them): the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any

from homeassistant import auth
from homeassistant.auth.const import GROUP_ID_ADMIN
from homeassistant.auth.models import TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN
from homeassistant.components.http.config import (
    HTTP_STORAGE_SCHEMA,
    STORAGE_KEY as HTTP_KEY,
    STORAGE_MINOR_VERSION as HTTP_MINOR,
    STORAGE_VERSION as HTTP_VERSION,
)
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
from homeassistant.util import dt as dt_util, slugify

from custom_components.carbon_tracker.core.region_wire import STATUS_OFFLINE, status_topic
from devtools.demo_support.layout import (
    DASHBOARD_ID,
    DASHBOARD_URL,
    carbon_dashboard,
    dashboard_item,
    seeded_group_cards,
)

REPOSITORY = Path(__file__).resolve().parents[1]
QUICK_FORM = REPOSITORY / "blueprints" / "script" / "carbon_tracker" / "quick_declaration.yaml"
PERSON_VERSION = 2  # homeassistant.components.person's storage version

DEMO_USER = "demo"
DEMO_PASSWORD = "demo"
HOST = "127.0.0.1"

# (title, meter entity id, port, factor options)
type NodeSpec = tuple[str, str, int, dict[str, Any]]

NODES: list[NodeSpec] = [
    (
        "Grid electricity",
        "sensor.demo_electricity_meter",
        1,
        {
            "factor_mode": "entity",
            "intensity_entity": "sensor.demo_grid_intensity",
            # Scope 2 both ways: the supplier's renewable tariff beside the grid's intensity.
            "market_factor": 0.05,
            "market_source": "Demo Energy green tariff 2026 (supplier fuel mix)",
        },
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
    (
        "Site electricity",
        "sensor.demo_site_electricity_meter",
        5,
        {"factor_mode": "entity", "intensity_entity": "sensor.demo_grid_intensity"},
    ),
    (
        # Avoided emissions: the roof's export, at the same live grid intensity.
        "Solar export",
        "sensor.demo_solar_export_meter",
        6,
        {
            "factor_mode": "entity",
            "intensity_entity": "sensor.demo_grid_intensity",
            "meter_role": "export",
        },
    ),
]

# (title, kind of group, left ports, right ports, options)
type GroupSpec = tuple[str, str, list[int], list[int], dict[str, Any]]

# The site's main meter reads 5 % more than the grid sub-meter (unmetered loads): the group's
# error grows through each hour, crosses its 0.5 kg line late in the hour and clears at the next.
GROUPS: list[GroupSpec] = [
    (
        "Site vs sub-meters",
        "total_vs_sub",
        [5],
        [1],
        {"group_number": 1, "window": "hour", "threshold_kg": 0.5},
    ),
]


# (title, forecast entity, its attribute, run length in minutes, horizon in hours, more options:
# a forecast port's planned_kwh, port and load_port)
type WindowSpec = tuple[str, str, str, float, float, dict[str, Any]]

# The demo's carbon-aware window: a dishwasher's two hours in the next day of the demo grid
# intensity's forecast (config/demo_meters.yaml).
WINDOWS: list[WindowSpec] = [
    ("Dishwasher window", "sensor.demo_grid_intensity", "forecast", 120.0, 24.0, {}),
]


def carbon_sensor_name(entry: ConfigEntry) -> str:
    """How HA names a node's carbon sensor after the node: avoided emissions on an export meter."""
    return (
        "avoided_emissions" if entry.options.get("meter_role") == "export" else "carbon_emissions"
    )


def window_entries(windows: Iterable[WindowSpec]) -> list[ConfigEntry]:
    """Carbon-aware windows, as their flow writes them."""
    return [
        carbon_entry(
            title,
            {"kind": "carbon_window"},
            {
                "forecast_entity": entity,
                "forecast_attribute": attribute,
                "length_minutes": length,
                "horizon_hours": horizon,
                **more,
            },
        )
        for title, entity, attribute, length, horizon, more in windows
    ]


# The kinds of entry a site publisher can publish.
PORTS = ("tracking_node", "logistics", "declaration")
# The port number of a site's first published group side.
SIDE_PORTS = 901


def carbon_entry(title: str, data: dict[str, Any], options: dict[str, Any]) -> ConfigEntry:
    """A Carbon Tracker config entry as the config flow writes it (version 1.3)."""
    return ConfigEntry(
        data=data,
        discovery_keys={},
        domain="carbon_tracker",
        minor_version=3,
        options=options,
        source="user",
        subentries_data=None,
        title=title,
        unique_id=None,
        version=1,
    )


def node_entries(nodes: Iterable[NodeSpec] = NODES) -> list[ConfigEntry]:
    """Tracking nodes as config entries, as the config flow writes them (version 1.2)."""
    return [
        carbon_entry(title, {"kind": "tracking_node", "source": source}, {"port": port, **factor})
        for title, source, port, factor in nodes
    ]


def group_entries(
    groups: Iterable[GroupSpec], nodes_by_port: dict[int, ConfigEntry]
) -> list[ConfigEntry]:
    """Binding groups as config entries, as the config flow writes them (members by entry id)."""
    return [
        carbon_entry(
            title,
            {"kind": "binding_group", "group_kind": kind},
            {
                "left": [nodes_by_port[port].entry_id for port in left],
                "right": [nodes_by_port[port].entry_id for port in right],
                "forecast_template": None,
                "group_number": None,
                "threshold_kg": None,
                "threshold_pct": None,
                "hysteresis_pct": 10.0,
                "min_reference_kg": 1.0,
                **options,
            },
        )
        for title, kind, left, right, options in groups
    ]


def declaration_entry(port: int, form_path: str) -> ConfigEntry:
    """The demo user's personal declaration entry, priced at China's national grid factor."""
    return carbon_entry(
        "Demo",
        {"kind": "declaration", "person": "person.demo"},
        {
            "port": port,
            "grid_factor_id": "cn_mee_grid_national_2023",
            "max_age_days": 7,
            "reminder": False,
            "reminder_time": "20:00:00",
            "form_path": form_path,
            "activities": [],
        },
    )


def logistics_entry(port: int, webhook_id: str) -> ConfigEntry:
    """A warehouse shipping one product (10 kg a unit) by HGV, priced per tonne-km (DESNZ 2025)."""
    return carbon_entry(
        "Warehouse",
        {"kind": "logistics", "webhook_id": webhook_id},
        {
            "port": port,
            "method": "tonne_km",
            "products": [{"model": "BOX", "kg_per_unit": 10.0}],
            "modes": {},
        },
    )


def mqtt_entry(broker_port: int, will_topic: str | None = None) -> ConfigEntry:
    """HA's MQTT integration on the broker at 127.0.0.1 (as its config flow writes it, 2.1).

    ``will_topic``: its Last Will there, payload ``offline``, retained (a site's status topic,
    as the README asks of a site).
    """
    options: dict[str, Any] = {"discovery": False}
    if will_topic is not None:
        options["will_message"] = {
            "topic": will_topic,
            "payload": STATUS_OFFLINE,
            "qos": 1,
            "retain": True,
        }
    return ConfigEntry(
        data={"broker": "127.0.0.1", "port": broker_port},
        discovery_keys={},
        domain="mqtt",
        minor_version=1,
        options=options,
        source="user",
        subentries_data=None,
        title="127.0.0.1",
        unique_id=None,
        version=2,
    )


def publisher_entry(
    site_id: str, prefix: str, ports: list[str], sides: dict[str, int] | None = None
) -> ConfigEntry:
    """A site publisher of these ports (entry ids) and group sides (side id: port number)."""
    sides = sides or {}
    return carbon_entry(
        f"Publisher {site_id}",
        {"kind": "site_publisher", "site_id": site_id},
        {"prefix": prefix, "ports": ports, "group_sides": list(sides), "side_ports": sides},
    )


def remote_entry(site_id: str, prefix: str, port_base: int) -> ConfigEntry:
    """The central's remote site following ``site_id``."""
    return carbon_entry(
        f"Site {site_id}",
        {"kind": "remote_site", "site_id": site_id},
        {"prefix": prefix, "port_base": port_base},
    )


def quick_form_script() -> str:
    """scripts.yaml: the quick declaration form, made from the shipped blueprint."""
    return (
        "declare_today:\n"
        "  alias: Declare today\n"
        "  use_blueprint:\n"
        "    path: carbon_tracker/quick_declaration.yaml\n"
        "    input:\n"
        "      car_activity: car_petrol\n"
    )


def http_settings(port: int) -> dict[str, Any]:
    """HA's HTTP store: a confirmed ("stable") configuration on 127.0.0.1, nothing to migrate."""
    stable = {
        **HTTP_STORAGE_SCHEMA({"server_host": [HOST], "server_port": port}),
        "created_at": dt_util.utcnow().isoformat(),
        "error": None,
        "error_message": None,
    }
    return {"stable": stable, "pending": None, "yaml_migration_done": True}


def region_entries(  # noqa: PLR0917 (the region's parts, each optional)
    seeded: list[ConfigEntry],
    nodes_by_port: dict[int, ConfigEntry],
    mqtt_port: int | None,
    publisher: tuple[str, str] | None,
    remotes: Iterable[tuple[str, str, int]],
    region_group: tuple[str, list[int], list[tuple[str, int]]] | None,
) -> list[ConfigEntry]:
    """The region's entries, as their flows write them.

    HA's MQTT integration, a site publisher of every seeded port, remote sites and the region
    group.
    """
    found = []
    if mqtt_port is not None:
        will = None if publisher is None else status_topic(publisher[1], publisher[0])
        found.append(mqtt_entry(mqtt_port, will))
    if publisher is not None:
        ports = [entry.entry_id for entry in seeded if entry.data.get("kind") in PORTS]
        # Each group's two sides too, as ports 901, 902, ... (above the seeded ports).
        side_ids = [
            f"{entry.entry_id}-{side}"
            for entry in seeded
            if entry.data.get("kind") == "binding_group"
            for side in ("left", "right")
        ]
        sides = {side_id: SIDE_PORTS + index for index, side_id in enumerate(side_ids)}
        found.append(publisher_entry(*publisher, ports, sides))
    by_site = {remote[0]: remote_entry(*remote) for remote in remotes}
    found.extend(by_site.values())
    if region_group is not None:
        title, left, right = region_group
        (group,) = group_entries(
            [(title, "total_vs_sub", left, [], {"group_number": 1, "window": "day"})],
            nodes_by_port,
        )
        remote_ports = [f"{by_site[site].entry_id}#{port}" for site, port in right]
        found.append(
            carbon_entry(title, dict(group.data), {**group.options, "right": remote_ports})
        )
    return found


async def save_dashboards(
    hass: HomeAssistant, dashboard: tuple[str, dict[str, Any]] | None
) -> None:
    """The Carbon dashboard's entry in HA's list, and one more dashboard when given."""
    items = [dashboard_item()]
    if dashboard is not None:
        url_path, config = dashboard
        items.append(
            {
                "id": url_path,
                "url_path": url_path,
                "title": config["config"]["title"],
                "icon": "mdi:map-marker-multiple",
                "show_in_sidebar": True,
                "require_admin": False,
                "mode": "storage",
            }
        )
        await Store(hass, 1, f"lovelace.{url_path}").async_save(config)
    await Store(hass, 1, "lovelace_dashboards").async_save({"items": items})


async def seed(
    config_dir: str,
    *,
    port: int = 8123,
    nodes: Iterable[NodeSpec] = NODES,
    groups: Iterable[GroupSpec] = (),
    access_token: bool = False,
    declaration_port: int | None = None,
    logistics: tuple[int, str] | None = None,
    mqtt_port: int | None = None,
    publisher: tuple[str, str] | None = None,
    remotes: Iterable[tuple[str, str, int]] = (),
    region_group: tuple[str, list[int], list[tuple[str, int]]] | None = None,
    dashboard: tuple[str, dict[str, Any]] | None = None,
    windows: Iterable[WindowSpec] = (),
) -> str | None:
    """Write the login, onboarding state, HTTP settings and node entries into config_dir/.storage.

    The demo user is also a person (``person.demo``, once ``person:`` is loaded), and the quick
    declaration form is a script (once ``script: !include scripts.yaml`` is loaded), on the
    dashboard's "Declare" view. With ``declaration_port`` the person has a declaration entry on
    that port. ``logistics`` (port, webhook id) adds a warehouse's logistics entry. Returns a
    long-lived access token of the demo user when ``access_token`` is set. ``mqtt_port``: HA's
    MQTT integration on that broker port of 127.0.0.1; then ``publisher`` (site id, prefix)
    publishes every seeded port and each seeded group's sides (ports 901, 902, ...), and each
    of ``remotes`` (site id, prefix, port numbering) follows a site. ``region_group`` (title,
    ports of seeded nodes, (site id, site port) of remote ports) is group G1, a total (left)
    against its sub-meters (right). ``dashboard`` (url path, Lovelace config) is one more
    dashboard. ``windows``: carbon-aware windows.
    """
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
    token: str | None = None
    if access_token:
        refresh = await hass.auth.async_create_refresh_token(
            user,
            client_name="Carbon Tracker tests",
            token_type=TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN,
            access_token_expiration=timedelta(days=3650),
        )
        token = hass.auth.async_create_access_token(refresh)
    await Store(hass, ONBOARDING_VERSION, ONBOARDING_KEY, private=True).async_save(
        {"done": list(STEPS)}
    )
    await Store(hass, HTTP_VERSION, HTTP_KEY, minor_version=HTTP_MINOR).async_save(
        http_settings(port)
    )
    await Store(hass, PERSON_VERSION, "person").async_save(
        {
            "items": [
                {
                    "id": "demo",
                    "name": "Demo",
                    "user_id": user.id,
                    "device_trackers": [],
                    "picture": None,
                }
            ]
        }
    )
    blueprints = Path(config_dir) / "blueprints" / "script" / "carbon_tracker"
    blueprints.mkdir(parents=True, exist_ok=True)
    shutil.copy(QUICK_FORM, blueprints / QUICK_FORM.name)
    (Path(config_dir) / "scripts.yaml").write_text(quick_form_script(), encoding="utf-8")
    entries = node_entries(nodes)
    nodes_by_port = {int(entry.options["port"]): entry for entry in entries}
    groups = list(groups)
    others = group_entries(groups, nodes_by_port)
    if declaration_port is not None:
        others.append(declaration_entry(declaration_port, f"/{DASHBOARD_URL}/declare"))
    if logistics is not None:
        others.append(logistics_entry(*logistics))
    others.extend(window_entries(windows))
    others.extend(
        region_entries(entries + others, nodes_by_port, mqtt_port, publisher, remotes, region_group)
    )
    await Store(hass, ENTRIES_VERSION, ENTRIES_KEY, minor_version=ENTRIES_MINOR).async_save(
        {"entries": [entry.as_storage_fragment for entry in entries + others]}
    )
    # HA names a node's carbon sensor after the node: "Boiler gas" -> sensor.boiler_gas_carbon_...
    carbon_sensors = {
        f"sensor.{slugify(entry.title)}_{carbon_sensor_name(entry)}": entry.title
        for entry in entries
    }
    await save_dashboards(hass, dashboard)
    await Store(hass, 1, f"lovelace.{DASHBOARD_ID}").async_save(
        carbon_dashboard(carbon_sensors, [seeded_group_cards(title) for title, *_ in groups])
    )
    await hass.async_stop(force=True)
    return token


def main() -> None:
    """Seed the folder given on the command line unless it is seeded already."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_dir", type=Path)
    parser.add_argument("--port", type=int, default=8123)
    args = parser.parse_args()
    config_dir = args.config_dir.resolve()
    if (config_dir / ".storage").exists():
        print(f"demo: {config_dir} already set up")
        return
    asyncio.run(
        seed(str(config_dir), port=args.port, groups=GROUPS, declaration_port=10, windows=WINDOWS)
    )
    print(
        f"demo: seeded {config_dir} (login {DEMO_USER} / {DEMO_PASSWORD}, http://{HOST}:{args.port})"
    )


if __name__ == "__main__":
    main()
