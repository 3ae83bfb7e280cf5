"""A remote site's engine at the central: the site's states in, each kilogram counted once.

Every state of the site arrives through HA's MQTT integration (a subscription to the site's
topics, QoS 1). A message is checked (``core/region_wire.py``: a foreign, oversized or malformed
one is refused, logged and counted, never added), then offered to the ledger (``ledger.py``):
only the latest state of each cycle counts. A change tells that port's sensor (O(1)), and the
ledger goes to the entry's store within a second (``durable.CoalescedWriter``): a central killed
and started again reads it back, and the retained states it gets again change nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from homeassistant.components.mqtt import ReceiveMessage
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from ..const import DOMAIN
from ..core.listeners import Listeners
from ..core.region_wire import STATUS_OFFLINE, STATUS_ONLINE, WireError, decode
from ..core.throttle import WriteThrottle
from ..durable import CheckedStore, CoalescedWriter
from .ledger import RemotePort, SiteLedger
from .settings import RemoteSettings

_LOGGER = logging.getLogger(__name__)

STORE_VERSION = 1

type RemoteSiteConfigEntry = ConfigEntry[RemoteSiteRuntime]


def ledger_store(hass: HomeAssistant, entry_id: str) -> CheckedStore[dict[str, Any]]:
    """Where a remote site's ledger is kept at the central."""
    return CheckedStore(hass, STORE_VERSION, f"{DOMAIN}.remote.{entry_id}", atomic_writes=True)


class RemoteSiteRuntime:
    """What the central has counted of one site."""

    def __init__(self, hass: HomeAssistant, entry_id: str, settings: RemoteSettings) -> None:
        """Empty until loaded."""
        self.hass = hass
        self.entry_id = entry_id
        self.settings = settings
        self.ledger = SiteLedger(settings.site_id)
        # The site's total and status (written on each change of any port).
        self.listeners = Listeners()
        # Each port's sensor, by the site's port number: a state tells only its own, written as
        # a node's sensor is (at once, then at most once per interval: core/throttle.py).
        self.port_listeners: dict[int, Listeners] = {}
        self._port_writes: dict[int, WriteThrottle] = {}
        self._site_writes = WriteThrottle(hass.loop, self.listeners.async_notify)
        # Called with a port the first time it is heard of (a new sensor).
        self.new_port_listeners: list[Any] = []
        self.online: bool | None = None
        self.refused = 0
        self.last_refusal: str | None = None
        self._refusals_logged: set[str] = set()
        self._store = ledger_store(hass, entry_id)
        self._writer = CoalescedWriter(hass, self._store, self.ledger.as_dict)

    async def async_load(self) -> None:
        """Read the ledger back (a record not of this site is not used)."""
        data = await self._store.async_load()
        if not data:
            return
        try:
            ledger = SiteLedger.from_dict(data)
        except KeyError, TypeError, ValueError, IndexError:
            _LOGGER.warning("%s: the stored ledger is unreadable", self.settings.site_id)
            return
        if ledger.site == self.settings.site_id:
            self.ledger = ledger
            self._writer = CoalescedWriter(self.hass, self._store, self.ledger.as_dict)

    def central_port(self, port: int) -> int:
        """A remote port's number at the central."""
        return self.settings.port_base + port

    @callback
    def async_state_message(self, message: ReceiveMessage) -> None:
        """One state of the site: checked, then counted if it is its cycle's latest."""
        try:
            payload = message.payload
            raw = payload if isinstance(payload, str) else bytes(payload)
            state = decode(self.settings.prefix, message.topic, raw)
        except WireError as err:
            self._refuse(message.topic, err)
            return
        new = state.port not in self.ledger.ports
        port = self.ledger.offer(state)
        if port is None:
            return  # a duplicate, a retained copy again or an older state: nothing changes
        self._writer.async_changed()
        if new:
            for add_port in self.new_port_listeners:
                add_port(port)
        now = time.time()
        if (writes := self._port_writes.get(port.port)) is not None:
            writes.request(now)
        self._site_writes.request(now)

    @callback
    def async_status_message(self, message: ReceiveMessage) -> None:
        """The site's birth (online) or last will (offline)."""
        payload = message.payload
        text = payload.decode(errors="replace") if isinstance(payload, bytes) else str(payload)
        if text not in (STATUS_ONLINE, STATUS_OFFLINE):
            return
        online = text == STATUS_ONLINE
        if online is self.online:
            return
        self.online = online
        # Every port's sensor is (un)available with its site: a group lists an offline site's
        # ports as missing members, as it does a node whose meter is unavailable.
        now = time.time()
        for writes in (*self._port_writes.values(), self._site_writes):
            writes.at_once(now)

    def port_listeners_of(self, port: RemotePort) -> Listeners:
        """The listeners of one port's sensor."""
        if port.port not in self.port_listeners:
            listeners = self.port_listeners[port.port] = Listeners()
            self._port_writes[port.port] = WriteThrottle(self.hass.loop, listeners.async_notify)
        return self.port_listeners[port.port]

    async def async_flush(self) -> None:
        """The entry unloads: no write to come, and the ledger on disk now."""
        for writes in (*self._port_writes.values(), self._site_writes):
            writes.cancel()
        await self._writer.async_close()

    def _refuse(self, topic: str, error: WireError) -> None:
        """Counted and logged, never added: the first of each kind as a warning."""
        self.refused += 1
        self.last_refusal = error.reason
        level = logging.DEBUG if error.reason in self._refusals_logged else logging.WARNING
        self._refusals_logged.add(error.reason)
        _LOGGER.log(
            level, "Site %s: message on %s refused: %s", self.settings.site_id, topic, error
        )
        self._site_writes.request(time.time())
