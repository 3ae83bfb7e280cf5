"""Fixtures of the declaration tests: users, the people linked to them, a declaration entry."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.common import declaration_entry


@dataclass
class People:
    """Alex and Blair are plain users, each linked to their person; Sam administers."""

    alex: User
    blair: User
    admin: User


@pytest.fixture
async def people(hass: HomeAssistant) -> People:
    """Three users and HA's person integration with a person for each."""
    # The first user HA creates is its owner (an administrator): that is Sam.
    admin = await hass.auth.async_create_user("Sam", group_ids=["system-admin"])
    alex = await hass.auth.async_create_user("Alex", group_ids=["system-users"])
    blair = await hass.auth.async_create_user("Blair", group_ids=["system-users"])
    assert admin.is_admin
    assert not alex.is_admin
    assert not blair.is_admin
    assert await async_setup_component(
        hass,
        "person",
        {
            "person": [
                {"id": "alex", "name": "Alex", "user_id": alex.id},
                {"id": "blair", "name": "Blair", "user_id": blair.id},
                {"id": "sam", "name": "Sam", "user_id": admin.id},
            ]
        },
    )
    await hass.async_block_till_done()
    return People(alex, blair, admin)


@pytest.fixture
async def alex_entry(hass: HomeAssistant, people: People) -> MockConfigEntry:
    """Alex's declaration entry, set up (port 40)."""
    entry = declaration_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def blair_entry(hass: HomeAssistant, people: People) -> MockConfigEntry:
    """Blair's declaration entry, set up (port 41)."""
    entry = declaration_entry("person.blair", port=41, title="Blair")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
