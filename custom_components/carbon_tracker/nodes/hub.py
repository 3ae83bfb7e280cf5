"""One listener for every node's meter: its state changes and its registry changes.

HA's per-entity trackers give each node a job, a job name, a remover and a closure for its meter's
states, and as many again for its meter's registry entry: a few KiB a node, which a factory of
5,000 nodes notices. The hub listens once for all nodes and keeps one dict entry per node; a
meter's state change reaches its node through a dict lookup, as with HA's own tracker.

Registry changes of a meter: renamed, the node follows the new entity id (its entry is updated and
reloaded); removed, the node raises its missing-source repair; moved to another device, the node
is reloaded, so its entities sit on the meter's new device.

Once HA has started (or at once, for a node set up later), the hub checks that each node's meter
exists: one check for all nodes rather than a start-up listener per node.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import (
    CoreState,
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.start import async_at_started
from homeassistant.util.hass_dict import HassKey

from ..const import CONF_SOURCE, DOMAIN
from ..core.throttle import WritePace


class NodeSource(Protocol):
    """What the hub needs of a node (the node runtime, which imports the hub, is one)."""

    entry_id: str
    name: str

    @property
    def source(self) -> str:
        """The meter's entity id."""

    def async_take(self, state: State) -> None:
        """A new state of the meter."""

    def async_source_gone(self) -> None:
        """The meter was removed."""

    def async_check_source(self) -> None:
        """Whether the meter exists, once HA has started: its repair raised or cleared."""


_LOGGER = logging.getLogger(__name__)

HUB_KEY: HassKey[NodeHub] = HassKey(f"{DOMAIN}_node_hub")


class NodeHub:
    """The nodes by the entity id of their meter."""

    __slots__ = ("by_source", "following", "hass", "pace")

    def __init__(self, hass: HomeAssistant) -> None:
        """Listen once, for all nodes, for as long as HA runs."""
        self.hass = hass
        # Set up: the meter's registry changes matter. Started: its readings are taken too.
        self.by_source: dict[str, NodeSource] = {}
        self.following: dict[str, NodeSource] = {}
        # The carbon sensors' write interval: 5 s, longer past a thousand following nodes.
        self.pace = WritePace(self.following)
        hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_state, event_filter=self._is_followed)
        hass.bus.async_listen(
            er.EVENT_ENTITY_REGISTRY_UPDATED,
            self._on_registry,
            event_filter=self._is_meter_entry,
        )
        async_at_started(hass, self._check_sources)

    @callback
    def async_add(self, node: NodeSource) -> None:
        """Watch the registry entry of the node's meter (from the node's setup).

        Set up after HA has started, its meter is checked now; before, with all the others.
        """
        self.by_source[node.source] = node
        if self.hass.state is CoreState.running:
            node.async_check_source()

    @callback
    def _check_sources(self, _: HomeAssistant) -> None:
        for node in list(self.by_source.values()):
            node.async_check_source()

    @callback
    def async_remove(self, node: NodeSource) -> None:
        """Stop watching it (the node is unloaded)."""
        if self.by_source.get(node.source) is node:
            del self.by_source[node.source]

    @callback
    def async_follow(self, node: NodeSource) -> None:
        """Hand the node each new state of its meter (from its start, once it is restored)."""
        self.following[node.source] = node

    @callback
    def async_unfollow(self, node: NodeSource) -> None:
        """Stop handing them."""
        if self.following.get(node.source) is node:
            del self.following[node.source]

    @callback
    def _is_followed(self, data: EventStateChangedData) -> bool:
        return data["entity_id"] in self.following

    @callback
    def _on_state(self, event: Event[EventStateChangedData]) -> None:
        data = event.data
        if (new_state := data["new_state"]) is not None:
            self.following[data["entity_id"]].async_take(new_state)

    @callback
    def _is_meter_entry(self, data: er.EventEntityRegistryUpdatedData) -> bool:
        by_source = self.by_source
        return data["entity_id"] in by_source or data.get("old_entity_id") in by_source

    @callback
    def _on_registry(self, event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        data: Any = event.data
        hass = self.hass
        if data["action"] == "remove":
            if (node := self.by_source.get(data["entity_id"])) is not None:
                _LOGGER.warning(
                    "Source %s of tracking node %s no longer exists", data["entity_id"], node.name
                )
                node.async_source_gone()
            return
        if data["action"] != "update":
            return
        changes = data["changes"]
        if "entity_id" in changes and (node := self.by_source.get(data["old_entity_id"])):
            entry = hass.config_entries.async_get_entry(node.entry_id)
            if entry is not None:
                # The entry's update listener reloads the node on its new meter.
                hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_SOURCE: data["entity_id"]}
                )
            return
        if "device_id" in changes and (node := self.by_source.get(data["entity_id"])):
            hass.config_entries.async_schedule_reload(node.entry_id)


@callback
def node_hub(hass: HomeAssistant) -> NodeHub:
    """The hub, made on first use."""
    if (hub := hass.data.get(HUB_KEY)) is None:
        hub = hass.data[HUB_KEY] = NodeHub(hass)
    return hub
