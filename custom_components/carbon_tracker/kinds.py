"""The kinds of config entry Carbon Tracker has; each entry stores its kind in its data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from homeassistant.config_entries import ConfigEntry, OptionsFlow
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util.hass_dict import HassKey

from .const import CONF_KIND, DOMAIN
from .core.comparison import GroupInfo
from .core.port_info import NodeInfo, Port, PublishedSide
from .flow_steps import FlowSteps


class EntryKind(StrEnum):
    """What a config entry is. The value is also the config flow's menu step for adding one."""

    TRACKING_NODE = "tracking_node"
    BINDING_GROUP = "binding_group"
    REPORT_PROFILE = "report_profile"
    LOGISTICS = "logistics"
    DECLARATION = "declaration"
    SITE_PUBLISHER = "site_publisher"
    REMOTE_SITE = "remote_site"
    CARBON_WINDOW = "carbon_window"


def entry_kind(data: Mapping[str, Any]) -> EntryKind:
    """The kind an entry's data declares."""
    return EntryKind(data[CONF_KIND])


def entries_of_kind(hass: HomeAssistant, *kinds: EntryKind) -> list[ConfigEntry]:
    """The integration's entries of these kinds, loaded or not.

    An entry written before kinds existed (1.1, until it is migrated) is a tracking node.
    """
    wanted = set(kinds)
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get(CONF_KIND, EntryKind.TRACKING_NODE) in wanted
    ]


# A kind's entities of one platform: added for an entry (its own typed entry).
type EntityAdder = Callable[[HomeAssistant, Any, AddConfigEntryEntitiesCallback], None]


def adding(factory: Callable[[HomeAssistant, Any], Sequence[Entity]]) -> EntityAdder:
    """An adder for a kind whose entities of a platform are known when the entry is set up."""

    def add(
        hass: HomeAssistant, entry: Any, async_add_entities: AddConfigEntryEntitiesCallback
    ) -> None:
        async_add_entities(factory(hass, entry))

    return add


type KgInPeriods = Callable[
    [Any, Sequence[tuple[datetime, datetime]], tzinfo], list[float | None] | None
]


@dataclass(frozen=True, slots=True)
class PortReport:
    """How a kind of port appears in a report.

    ``info`` describes its row; a kind whose carbon is not best read from its statistics gives
    its kilograms per period itself (``kg_in_periods``: a person's declarations, whose days
    count on the day declared for).
    """

    info: Callable[[HomeAssistant, ConfigEntry], NodeInfo]
    kg_in_periods: KgInPeriods | None = None


async def _nothing_to_remove(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """A kind that keeps nothing beyond its entry."""


@dataclass(frozen=True, slots=True)
class KindSpec:
    """What Home Assistant's hooks need of one kind of entry; each kind's folder exports one.

    Setting an entry up is two steps: ``build`` makes the runtime, which becomes the entry's
    runtime_data, then ``start`` starts it (listeners, platforms), which read it from the entry.
    """

    kind: EntryKind
    # The handler of the config flow's steps that add one (its first step is ``kind``'s value),
    # given the flow; and the options flow of an entry.
    config_steps: Callable[[Any], FlowSteps]
    options_flow: Callable[[], OptionsFlow]
    build: Callable[[HomeAssistant, Any], Awaitable[Any]]
    start: Callable[[HomeAssistant, Any], Awaitable[None]]
    # The entry's options or data changed (its one update listener, after its device took the
    # entry's title): apply them in place, or reload.
    updated: Callable[[HomeAssistant, Any], Awaitable[None]]
    # Every platform the kind can set up (a node sets up a subset: its runtime says which).
    platforms: tuple[Platform, ...]
    entities: Mapping[Platform, EntityAdder]
    diagnostics: Callable[[HomeAssistant, Any], dict[str, Any]]
    # What goes with a deleted entry besides its issues and durable record.
    remove: Callable[[HomeAssistant, Any], Awaitable[None]] = field(default=_nothing_to_remove)
    # The flows that fix the kind's repair issues, by the kind (issues.py); given the
    # entry, each makes a RepairsFlow.
    repair_flows: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    # What makes a new entry the same as an existing one (data keys): one node per meter, one
    # declaration entry per person. Kinds a user may well want several alike of have none; only
    # their port is theirs alone.
    identity: tuple[str, ...] = ()
    # How the logbook describes the kind's events, by event type.
    logbook: Mapping[str, Callable[[Any], dict[str, Any]]] = field(default_factory=dict)
    # How an entry appears in a report: a port's row, or a group's comparison.
    port_report: PortReport | None = None
    group_report: Callable[[ConfigEntry], GroupInfo] | None = None
    # A kind whose entry holds many ports (a remote site): the ports it has now, and how each
    # appears in a report.
    extra_ports: Callable[[HomeAssistant, ConfigEntry], list[Port]] | None = None
    extra_port_info: Callable[[HomeAssistant, Port], NodeInfo] | None = None
    # A kind a site publisher can publish sums of (a binding group's sides): its entry's sides.
    published_sides: Callable[[ConfigEntry], list[PublishedSide]] | None = None
    # Port numbers an entry holds without being ports (a publisher's group sides): no port may
    # take them.
    reserved_ports: Callable[[ConfigEntry], Iterable[int]] | None = None


# The registry at run time, for what cannot import it (the reports are a kind themselves):
# every kind's spec, by kind. Set once when the integration is set up.
KINDS: HassKey[Mapping[EntryKind, KindSpec]] = HassKey(f"{DOMAIN}_kinds")
