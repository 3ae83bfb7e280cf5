"""The demo's Carbon dashboard, kept in step with the entries: demo only.

The seeded dashboard is a storage dashboard (devtools/seed.py writes it before the first start).
Whenever a Carbon Tracker entry is added, removed or reloaded, one of its entities changes in
the registry, or the server's language changes, its Carbon view is built again from what
exists: every port's carbon sensor under its name, the graphs per day and month, and each
group's entities (under their own, translated names) with its error per day. The words of the
dashboard itself follow HA's server language.
"""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.config_entries import SIGNAL_CONFIG_ENTRY_CHANGED, ConfigEntry
from homeassistant.const import EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from custom_components.carbon_tracker.const import DOMAIN as CARBON_DOMAIN

from .layout import DASHBOARD_URL, GroupCards, carbon_dashboard, dashboard_texts

_LOGGER = logging.getLogger(__name__)
REBUILD_AFTER = 2.0  # s: entries and their entities arrive in bursts
PORT_KINDS = ("tracking_node", "logistics", "declaration")


def dashboard_parts(hass: HomeAssistant) -> tuple[dict[str, str], list[GroupCards]]:
    """Each port's carbon sensor with the entry's name, and each group's entities."""
    registry = er.async_get(hass)
    carbon: dict[str, str] = {}
    groups: list[GroupCards] = []
    entries = sorted(
        hass.config_entries.async_entries(CARBON_DOMAIN),
        key=lambda entry: (int(entry.options.get("port") or 0), entry.title),
    )
    for entry in entries:
        entities = er.async_entries_for_config_entry(registry, entry.entry_id)
        kind = entry.data.get("kind")
        if kind in PORT_KINDS:
            carbon.update((e.entity_id, entry.title) for e in entities if _is_port_total(entry, e))
        elif kind == "binding_group":
            ids = sorted(e.entity_id for e in entities if not e.disabled)
            error_id = f"{entry.entry_id}_error"
            error = next((e.entity_id for e in entities if e.unique_id == error_id), None)
            if ids and error is not None:
                groups.append((entry.title, ids, error))
    return carbon, groups


def _is_port_total(entry: ConfigEntry, entity: er.RegistryEntry) -> bool:
    """The carbon total of a port: a node's emissions, a ledger's or a person's total."""
    return entity.domain == "sensor" and entity.unique_id == f"{entry.entry_id}_emissions"


async def async_rebuild(hass: HomeAssistant) -> bool:
    """Write the Carbon dashboard from the entries now; whether it was there to write."""
    dashboard = hass.data[LOVELACE_DATA].dashboards.get(DASHBOARD_URL)
    if dashboard is None:
        return False
    carbon, groups = dashboard_parts(hass)
    texts = dashboard_texts(hass.config.language)
    config: dict[str, Any] = carbon_dashboard(carbon, groups, texts)["config"]
    await dashboard.async_save(config)
    _LOGGER.debug("Carbon dashboard: %d ports, %d groups", len(carbon), len(groups))
    return True


@callback
def async_keep_dashboard(hass: HomeAssistant) -> CALLBACK_TYPE:
    """Rebuild now, and after every change of a Carbon Tracker entry or entity; how to stop."""

    async def rebuild() -> None:
        await async_rebuild(hass)

    debouncer = Debouncer(hass, _LOGGER, cooldown=REBUILD_AFTER, immediate=False, function=rebuild)

    @callback
    def entry_changed(_change: Any, entry: ConfigEntry) -> None:
        if entry.domain == CARBON_DOMAIN:
            hass.async_create_task(debouncer.async_call())

    @callback
    def entity_changed(event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        entity = er.async_get(hass).async_get(event.data["entity_id"])
        if entity is None or entity.platform == CARBON_DOMAIN:
            hass.async_create_task(debouncer.async_call())

    @callback
    def language_changed(event: Event[Any]) -> None:
        # The dashboard's words follow the server's language.
        if "language" in event.data:
            hass.async_create_task(debouncer.async_call())

    stops = [
        async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, entry_changed),
        hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, entity_changed),
        hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, language_changed),
    ]
    hass.async_create_task(async_rebuild(hass))

    @callback
    def stop() -> None:
        for unsubscribe in stops:
            unsubscribe()
        debouncer.async_shutdown()

    return stop
