"""A declaration entry follows its person: a new entity id, or the person deleted and replaced
through the repair flow. The declared days stay with the entry throughout."""

from __future__ import annotations

from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import declaration_entry, state_number

from .conftest import People


async def declare(hass: HomeAssistant, user_id: str, kg: float) -> None:
    """A user declares today."""
    await hass.services.async_call(
        DOMAIN, "declare", {"kg": kg}, blocking=True, context=Context(user_id=user_id)
    )
    await hass.async_block_till_done()


def issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    """The entry's person-missing issue, if raised."""
    return ir.async_get(hass).async_get_issue(DOMAIN, f"person_missing_{entry.entry_id}")


async def test_a_renamed_person_is_followed(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """person.alex becomes person.alex_smith: the entry names the new id and Alex declares on."""
    await declare(hass, people.alex.id, 2)
    er.async_get(hass).async_update_entity("person.alex", new_entity_id="person.alex_smith")
    await hass.async_block_till_done()
    assert alex_entry.data["person"] == "person.alex_smith"
    await declare(hass, people.alex.id, 3)
    assert state_number(hass, "sensor.alex_declared_today") == 3.0
    assert issue(hass, alex_entry) is None


async def test_a_deleted_person_is_a_repair_that_links_another(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry, blair_entry: MockConfigEntry
) -> None:
    """Deleted: an issue; its fix refuses a person with an entry or none, takes a free one."""
    await declare(hass, people.alex.id, 2)
    er.async_get(hass).async_remove("person.alex")
    hass.states.async_remove("person.alex")
    await hass.async_block_till_done()
    raised = issue(hass, alex_entry)
    assert raised is not None
    assert raised.is_fixable
    assert raised.translation_placeholders == {"name": "Alex", "person": "person.alex"}

    assert await async_setup_component(hass, "repairs", {})
    flows = repairs_flow_manager(hass)
    assert flows is not None
    result = await flows.async_init(DOMAIN, data={"issue_id": raised.issue_id})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "person"
    assert result["description_placeholders"] == {"name": "Alex", "person": "person.alex"}
    result = await flows.async_configure(result["flow_id"], {"person": "person.blair"})
    assert result["errors"] == {"person": "person_already_declares"}
    result = await flows.async_configure(result["flow_id"], {"person": "person.nobody"})
    assert result["errors"] == {"person": "person_not_found"}
    result = await flows.async_configure(result["flow_id"], {"person": "person.sam"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert alex_entry.data["person"] == "person.sam"
    assert issue(hass, alex_entry) is None
    # The days are kept; Sam now declares through the entry (today again: it replaces today).
    assert state_number(hass, "sensor.alex_declared_total") == 2.0
    await declare(hass, people.admin.id, 1)
    assert state_number(hass, "sensor.alex_declared_total") == 1.0


async def test_a_person_missing_at_start_is_a_repair(hass: HomeAssistant, people: People) -> None:
    """An entry whose person is gone when it starts raises the issue; a present one clears it."""
    entry = declaration_entry("person.gone", port=45, title="Gone")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert issue(hass, entry) is not None
    hass.config_entries.async_update_entry(entry, data={**entry.data, "person": "person.blair"})
    await hass.async_block_till_done()
    assert issue(hass, entry) is None
