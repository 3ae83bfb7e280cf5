"""Runtime of one tracking node: its settings, resolved from the config entry, and its listeners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, callback

from .const import (
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    CONF_INTENSITY_ENTITY,
    CONF_MAX_DELTA_PER_HOUR,
    CONF_PORT,
    CONF_SOURCE,
    FactorMode,
)
from .factor_library import load_library

if TYPE_CHECKING:
    from .sensor import CarbonEmissionsSensor

type TrackingNodeConfigEntry = ConfigEntry[TrackingNode]


@dataclass(frozen=True, slots=True)
class NodeSettings:
    """Everything a node needs from its config entry, validated by the flows."""

    source: str
    port: int
    mode: FactorMode
    # kg CO2e per one per_unit, for library and custom factors.
    static_factor: float | None
    # The unit the factor is priced per; for a live intensity it comes from that entity's unit.
    per_unit: str | None
    factor_id: str | None
    intensity_entity: str | None
    max_delta_per_hour: float | None

    @classmethod
    def from_entry(cls, entry: ConfigEntry[Any]) -> NodeSettings:
        """Resolve the entry's data and options, looking library factors up in the table."""
        options = entry.options
        mode = FactorMode(options[CONF_FACTOR_MODE])
        static_factor: float | None = None
        per_unit: str | None = None
        factor_id = options.get(CONF_FACTOR_ID)
        if mode is FactorMode.LIBRARY:
            factor = load_library()[str(factor_id)]
            static_factor, per_unit = factor.value, factor.per_unit
        elif mode is FactorMode.CUSTOM:
            static_factor = float(options[CONF_FACTOR_VALUE])
            per_unit = options[CONF_FACTOR_UNIT]
        max_delta = options.get(CONF_MAX_DELTA_PER_HOUR)
        return cls(
            source=entry.data[CONF_SOURCE],
            port=int(options[CONF_PORT]),
            mode=mode,
            static_factor=static_factor,
            per_unit=per_unit,
            factor_id=factor_id,
            intensity_entity=options.get(CONF_INTENSITY_ENTITY),
            max_delta_per_hour=None if max_delta is None else float(max_delta),
        )

    def differs_only_in_factor(self, other: NodeSettings) -> bool:
        """True when ``other`` changes just the static factor's value (or its origin).

        That change is applied in place, from this moment on; anything else reloads the node.
        """
        if self.static_factor is None or other.static_factor is None:
            return False
        same_rest = replace(
            other, static_factor=self.static_factor, mode=self.mode, factor_id=self.factor_id
        )
        return same_rest == self


class Listeners:
    """Callbacks of the entities that follow one kind of change of a node."""

    __slots__ = ("_updates",)

    def __init__(self) -> None:
        """Start with nobody listening."""
        self._updates: list[Callable[[], None]] = []

    def __bool__(self) -> bool:
        """Whether anyone listens: checked on the hot path before doing any work."""
        return bool(self._updates)

    @callback
    def async_add(self, update: Callable[[], None]) -> CALLBACK_TYPE:
        """Call ``update`` on each change; returns the remover."""
        self._updates.append(update)

        @callback
        def remove() -> None:
            self._updates.remove(update)

        return remove

    @callback
    def async_notify(self) -> None:
        """Tell the listening entities."""
        for update in tuple(self._updates):
            update()


@dataclass(slots=True)
class TrackingNode:
    """What the entities of one node share."""

    settings: NodeSettings
    carbon_sensor: CarbonEmissionsSensor | None = None
    # The entity that asked for the next factor change, for the confirmation event.
    changed_by: str | None = None
    # Kept apart so that an entity is written only when what it shows can have changed.
    reading_listeners: Listeners = field(default_factory=Listeners)
    factor_listeners: Listeners = field(default_factory=Listeners)
