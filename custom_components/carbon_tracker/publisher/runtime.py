"""A site publisher's engine: each chosen port's carbon total, published through HA's MQTT.

Each port is published on its cycle's topic (``core/region_wire.py``), retained, QoS 1, with a
``seq`` of ``[session, count]``. The session is stored, one higher, before anything of a run is
published: a site started again (or killed) publishes after all it published before.

A port's carbon sensor changing only marks the port (O(1), no disk, no network); its state is
published at once when the port's last publish is an interval old, else with the others at the
end of the interval (``core/throttle.py``, the sensors' own rule). Everything is published again
on every connection to the broker: the totals are cumulative, so a broker that was down, or
restarted without its retained messages, loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from homeassistant.components import mqtt
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event

from ..const import DOMAIN
from ..core.listeners import Listeners
from ..core.port_info import NodeInfo, PublishedSide
from ..core.region_wire import (
    STATUS_OFFLINE,
    STATUS_ONLINE,
    PortState,
    encode,
    state_topic,
    status_topic,
)
from ..core.throttle import WriteThrottle
from ..durable import CheckedStore
from ..kinds import KINDS, entry_kind
from ..ports import emissions_entity_id, published_sides
from ..region import QOS
from .settings import PublisherSettings

_LOGGER = logging.getLogger(__name__)

STORE_VERSION = 1

type PublisherConfigEntry = ConfigEntry[PublisherRuntime]


def session_store(hass: HomeAssistant, entry_id: str) -> CheckedStore[dict[str, Any]]:
    """Where the publisher keeps its session number (written before it publishes)."""
    return CheckedStore(hass, STORE_VERSION, f"{DOMAIN}.publisher.{entry_id}", atomic_writes=True)


class PublisherRuntime:
    """What one site publishes, and how much of it has gone out."""

    def __init__(self, hass: HomeAssistant, entry_id: str, settings: PublisherSettings) -> None:
        """Nothing published yet; ``async_start_session`` before the first publish."""
        self.hass = hass
        self.entry_id = entry_id
        self.settings = settings
        self.session = 0
        self.count = 0
        self.published = 0
        self.connected = False
        self.listeners = Listeners()
        self._store = session_store(hass, entry_id)
        self._dirty: set[str] = set()
        self._throttle = WriteThrottle(hass.loop, self._async_flush_soon)
        self._flushing: asyncio.Task[None] | None = None
        self._again = False
        self._infos: dict[str, tuple[Any, NodeInfo]] = {}
        # The group sides published (as the registry of kinds offers them) and each watched
        # key's sensor (a port's entry id or a side's id).
        self._sides: dict[str, PublishedSide] = {}
        self._entity_of: dict[str, str] = {}

    async def async_start_session(self) -> None:
        """A session number higher than any the site used, on disk before any publish."""
        stored = await self._store.async_load() or {}
        self.session = int(stored.get("session", 0)) + 1
        await self._store.async_save({"session": self.session})
        self.count = 0

    @callback
    def async_watch(self) -> Any:
        """Follow the ports' carbon sensors and the sides' cumulative ones.

        The returned callable stops it.
        """
        by_entity = {
            entity_id: entry_id
            for entry_id in self.settings.ports
            if (entity_id := emissions_entity_id(self.hass, entry_id)) is not None
        }
        known = {side.side_id: side for side in published_sides(self.hass)}
        self._sides = {
            side_id: known[side_id] for side_id in self.settings.sides if side_id in known
        }
        registry = er.async_get(self.hass)
        for side_id, side in self._sides.items():
            entity_id = registry.async_get_entity_id(Platform.SENSOR, DOMAIN, side.unique_id)
            if entity_id is not None:
                by_entity[entity_id] = side_id
        self._entity_of = {key: entity_id for entity_id, key in by_entity.items()}

        @callback
        def changed(event: Event[EventStateChangedData]) -> None:
            self._dirty.add(by_entity[event.data["entity_id"]])
            self._throttle.request(time.time())

        return async_track_state_change_event(self.hass, list(by_entity), changed)

    @callback
    def async_connection_changed(self, connected: bool) -> None:
        """The broker connection came or went: on (re)connection, everything again."""
        self.connected = connected
        if connected:
            self._dirty.update(self.settings.ports)
            self._dirty.update(self.settings.sides)
            self._throttle.at_once(time.time())
        self.listeners.async_notify()

    def side_numbers(self) -> dict[str, int]:
        """Each published group side's port number, by its label."""
        return {side.label: self.settings.sides[side_id] for side_id, side in self._sides.items()}

    def side_state(self, side_id: str) -> PortState | None:
        """A group side's state now: its cumulative sensor gives the kilograms."""
        side = self._sides.get(side_id)
        entity_id = self._entity_of.get(side_id)
        state = None if entity_id is None else self.hass.states.get(entity_id)
        if side is None or state is None:
            return None
        try:
            kg = float(state.state)
        except ValueError:
            return None
        self.count += 1
        return PortState(
            self.settings.site_id,
            self.settings.sides[side_id],
            side_id,
            (self.session, self.count),
            kg,
            side.label,
            role=side.role,
        )

    def port_state(self, entry_id: str) -> PortState | None:
        """A port's state now: its kind describes it, its carbon sensor gives the kilograms."""
        if entry_id in self.settings.sides:
            return self.side_state(entry_id)
        entry = self.hass.config_entries.async_get_entry(entry_id)
        if entry is None:
            return None
        port_report = self.hass.data[KINDS][entry_kind(entry.data)].port_report
        entity_id = emissions_entity_id(self.hass, entry_id)
        state = None if entity_id is None else self.hass.states.get(entity_id)
        if port_report is None or state is None:
            return None
        try:
            kg = float(state.state)
        except ValueError:
            return None  # unavailable or unknown: its last published state stands
        # What the port says of itself changes only with its entry: read again after a change.
        cached = self._infos.get(entry_id)
        if cached is None or cached[0] != entry.modified_at:
            cached = self._infos[entry_id] = (entry.modified_at, port_report.info(self.hass, entry))
        info = cached[1]
        self.count += 1
        return PortState(
            self.settings.site_id,
            info.port,
            entry_id,
            (self.session, self.count),
            kg,
            info.name,
            info.scope.value,
            info.factor,
        )

    @callback
    def _async_flush_soon(self) -> None:
        """The throttle's write: publish what is marked, in a task (the broker answers later)."""
        if self._flushing is not None and not self._flushing.done():
            # A flush is under way: what was marked since goes right after it.
            self._again = True
            return
        self._flushing = self.hass.async_create_background_task(
            self._async_flush_while_marked(), f"{DOMAIN} publisher {self.entry_id}"
        )

    async def _async_flush_while_marked(self) -> None:
        while True:
            self._again = False
            await self._async_flush()
            if not self._again:
                return

    async def _async_flush(self) -> None:
        """Publish the marked ports (and the site's status)."""
        prefix, site = self.settings.prefix, self.settings.site_id
        ports, self._dirty = self._dirty, set()
        try:
            await mqtt.async_publish(
                self.hass, status_topic(prefix, site), STATUS_ONLINE, qos=QOS, retain=True
            )
            for entry_id in sorted(ports):
                if (state := self.port_state(entry_id)) is None:
                    continue
                await mqtt.async_publish(
                    self.hass,
                    state_topic(prefix, site, state.port, state.cycle),
                    encode(state),
                    qos=QOS,
                    retain=True,
                )
                self.published += 1
        except HomeAssistantError as err:
            # MQTT not ready: the ports go again with the next connection.
            self._dirty.update(ports)
            _LOGGER.warning("Site %s: not published: %s", site, err)
        self.listeners.async_notify()

    async def async_stop(self) -> None:
        """The entry unloads: what is marked goes out, then the site says it is offline."""
        self._throttle.cancel()
        if self._flushing is not None:
            await self._flushing
        if self._dirty:
            await self._async_flush()
        with contextlib.suppress(HomeAssistantError):
            await mqtt.async_publish(
                self.hass,
                status_topic(self.settings.prefix, self.settings.site_id),
                STATUS_OFFLINE,
                qos=QOS,
                retain=True,
            )
