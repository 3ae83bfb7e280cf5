"""The callbacks that follow one kind of change of a runtime: how entities hear of it.

A runtime owns the state and knows nothing of its entities; an entity adds its own write method
here and removes it when it goes. No HA imports beyond the callback marker.
"""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import callback


class Listeners(list[Callable[[], None]]):
    """Callbacks that follow one kind of change of a node.

    A list, so that "is anyone listening" and the calls themselves cost no Python-level method
    on the hot path. No remover closure is handed out (one per entity adds up in a factory): an
    entity removes its own bound method, which compares equal to the one it added.
    """

    __slots__ = ()

    @callback
    def async_add(self, update: Callable[[], None]) -> None:
        """Call ``update`` on each change, until it is removed."""
        self.append(update)

    @callback
    def async_remove(self, update: Callable[[], None]) -> None:
        """Stop calling ``update``."""
        self.remove(update)

    @callback
    def async_notify(self) -> None:
        """Tell everyone listening."""
        for update in self:
            update()
