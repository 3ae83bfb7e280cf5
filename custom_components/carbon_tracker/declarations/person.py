"""Following a declaration entry's person: a new entity id, or the person deleted.

The entry keeps the person's entity id. When the person is given another one, the entry follows
(its data is updated, and the entry reloads with it); when the person is deleted, or is missing
when the entry starts, a repair issue asks for another person, and the reminder has no one to
reach meanwhile.
"""

from __future__ import annotations

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_entity_registry_updated_event

from ..issues import PERSON_MISSING, async_clear, async_raise_person_missing
from .runtime import DeclarationConfigEntry
from .settings import CONF_PERSON


@callback
def async_follow_person(hass: HomeAssistant, entry: DeclarationConfigEntry) -> None:
    """Check the person now, and follow its registry entry while the entry is loaded.

    A person is missing only when it has neither a state nor a registry entry: the registry is
    loaded before any integration, so a person whose integration starts after this entry is
    not taken for a deleted one.
    """
    person = str(entry.data[CONF_PERSON])
    if hass.states.get(person) is None and er.async_get(hass).async_get(person) is None:
        async_raise_person_missing(hass, entry.entry_id, entry.title, person)
    else:
        async_clear(hass, PERSON_MISSING, entry.entry_id)

    @callback
    def changed(event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        data = event.data
        if data["action"] == "remove":
            async_raise_person_missing(hass, entry.entry_id, entry.title, person)
        elif data["action"] == "update" and data["entity_id"] != person:
            # Renamed: the entry now names the new id (and reloads with it).
            hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_PERSON: data["entity_id"]}
            )

    entry.async_on_unload(async_track_entity_registry_updated_event(hass, person, changed))
