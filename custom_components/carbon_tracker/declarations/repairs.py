"""Repair flow of a declaration entry: its person was deleted; link another one."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.helpers import selector
import voluptuous as vol

from ..issues import PERSON_MISSING, async_clear
from ..kinds import EntryKind, entries_of_kind
from .runtime import DeclarationConfigEntry
from .settings import CONF_PERSON


class PersonMissingRepairFlow(RepairsFlow):
    """Pick the person the declarations now belong to (their book is kept)."""

    def __init__(self, entry: DeclarationConfigEntry) -> None:
        """Remember the entry."""
        self._entry = entry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Start at the only step."""
        return await self.async_step_person()

    async def async_step_person(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """A person that exists and has no declaration entry of its own."""
        entry = self._entry
        errors: dict[str, str] = {}
        if user_input is not None:
            person = user_input[CONF_PERSON]
            taken = any(
                other.data.get(CONF_PERSON) == person and other.entry_id != entry.entry_id
                for other in entries_of_kind(self.hass, EntryKind.DECLARATION)
            )
            if taken:
                errors[CONF_PERSON] = "person_already_declares"
            elif self.hass.states.get(person) is None:
                errors[CONF_PERSON] = "person_not_found"
            else:
                async_clear(self.hass, PERSON_MISSING, entry.entry_id)
                # The entry reloads with its new person (its update listener).
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_PERSON: person}
                )
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="person",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_PERSON): selector.EntitySelector(
                        selector.EntitySelectorConfig(domain="person")
                    )
                }
            ),
            errors=errors,
            description_placeholders={
                "name": entry.title,
                "person": str(entry.data.get(CONF_PERSON)),
            },
        )


DECLARATION_REPAIR_FLOWS: dict[str, Any] = {PERSON_MISSING: PersonMissingRepairFlow}
