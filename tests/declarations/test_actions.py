"""The ``carbon_tracker.declare`` action: who may declare for whom, every refused field, the
breakdown it answers, a day declared again, and the book across a restart.

The clock is frozen at Wednesday 2026-11-25 09:30 in HA's time zone (US/Pacific in tests), so
"today", "yesterday" and the age limit are fixed days.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.file import WriteError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from syrupy.assertion import SnapshotAssertion
import voluptuous as vol

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.declarations.runtime import EVENT_DECLARED
from custom_components.carbon_tracker.diagnostics import async_get_config_entry_diagnostics
from tests.common import declaration_entry, refusing_disk, state_number

from .conftest import People

TODAY = date(2026, 11, 25)
ALEX_TOTAL = "sensor.alex_declared_total"
ALEX_TODAY = "sensor.alex_declared_today"
ALEX_LAST = "sensor.alex_last_declaration"
BLAIR_TOTAL = "sensor.blair_declared_total"


@pytest.fixture(autouse=True)
def frozen_morning(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """09:30 local time on TODAY."""
    freezer.move_to(datetime(2026, 11, 25, 9, 30, tzinfo=dt_util.get_default_time_zone()))


async def declare(hass: HomeAssistant, user_id: str | None = None, **data: Any) -> dict[str, Any]:
    """Call the action as a user (or as an automation, with no user); its answer."""
    answer = await hass.services.async_call(
        DOMAIN,
        "declare",
        data,
        blocking=True,
        return_response=True,
        context=Context(user_id=user_id),
    )
    assert answer is not None
    return dict(answer)


async def test_a_user_declares_for_their_own_person_by_default(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """No person named: the calling user's person; the answer itemises factor and source."""
    answer = await declare(
        hass,
        people.alex.id,
        items=[{"activity": "car_petrol", "amount": 10}, {"activity": "meal_beef", "amount": 0.2}],
        kg=1.5,
        note="Office day",
    )
    assert answer["person"] == "person.alex"
    assert answer["date"] == TODAY.isoformat()
    assert answer["items"] == [
        {
            "activity": "car_petrol",
            "amount": 10.0,
            "unit": "km",
            "factor": 0.16272,
            "factor_unit": "kg CO2e/km",
            "source": "UK DESNZ GHG conversion factors 2025, average car, petrol (25_301_3070_4_1)",
            "kg": 1.6272,
        },
        {
            "activity": "meal_beef",
            "amount": 0.2,
            "unit": "kg",
            "factor": 99.48,
            "factor_unit": "kg CO2e/kg",
            "source": "Poore & Nemecek 2018 via Our World in Data (ghg-per-kg-poore), "
            "beef (beef herd)",
            "kg": 19.896,
        },
    ]
    assert answer["direct_kg"] == 1.5
    assert answer["total_kg"] == pytest.approx(1.6272 + 19.896 + 1.5)
    assert answer["replaced_kg"] is None
    assert answer["note"] == "Office day"
    assert state_number(hass, ALEX_TOTAL) == pytest.approx(23.0232)
    assert state_number(hass, ALEX_TODAY) == pytest.approx(23.0232)
    assert dt_util.parse_datetime(hass.states.get(ALEX_LAST).state) == dt_util.utcnow()


async def test_home_electricity_is_priced_at_the_entrys_grid_factor(
    hass: HomeAssistant, people: People
) -> None:
    """The table factor chosen, or the one typed in; none at all is a translated refusal."""
    for person, port, options, factor in (
        ("person.alex", 40, {}, 0.177),
        ("person.blair", 41, {"grid_factor_id": None, "grid_factor": 0.5}, 0.5),
    ):
        entry = declaration_entry(person, port=port, title=person[7:].title(), **options)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        answer = await declare(
            hass, items=[{"activity": "home_electricity", "amount": 4}], person=person
        )
        assert answer["items"][0]["factor"] == factor
        assert answer["total_kg"] == pytest.approx(4 * factor)
    sam = declaration_entry("person.sam", port=42, title="Sam", grid_factor_id=None)
    sam.add_to_hass(hass)
    assert await hass.config_entries.async_setup(sam.entry_id)
    with pytest.raises(ServiceValidationError) as refused:
        await declare(
            hass, items=[{"activity": "home_electricity", "amount": 4}], person="person.sam"
        )
    assert refused.value.translation_key == "declaration_no_grid_factor"
    assert state_number(hass, "sensor.sam_declared_total") == 0.0


# Who calls, for whom: allowed, or the translated error that refuses it.
PERMISSIONS = [
    ("alex", None, "person.alex"),
    ("alex", "person.alex", "person.alex"),
    ("alex", "person.blair", "declare_not_your_person"),
    ("admin", "person.blair", "person.blair"),
    ("admin", "person.alex", "person.alex"),
    ("admin", None, "declaration_no_entry"),  # Sam's own person has no declaration entry
    (None, "person.blair", "person.blair"),
    (None, None, "declare_person_required"),
]


@pytest.mark.parametrize(("caller", "person", "outcome"), PERMISSIONS)
async def test_permission_matrix(  # noqa: PLR0917 (fixtures and parameters)
    hass: HomeAssistant,
    people: People,
    alex_entry: MockConfigEntry,
    blair_entry: MockConfigEntry,
    caller: str | None,
    person: str | None,
    outcome: str,
) -> None:
    """Plain users only for their own person, administrators for anyone, automations by name."""
    user_id = None if caller is None else getattr(people, caller).id
    data: dict[str, Any] = {"kg": 2}
    if person is not None:
        data["person"] = person
    if outcome.startswith("person."):
        answer = await declare(hass, user_id, **data)
        assert answer["person"] == outcome
        declared = {"person.alex": ALEX_TOTAL, "person.blair": BLAIR_TOTAL}[outcome]
        assert state_number(hass, declared) == 2.0
        assert state_number(hass, ALEX_TOTAL) + state_number(hass, BLAIR_TOTAL) == 2.0
        return
    with pytest.raises(ServiceValidationError) as refused:
        await declare(hass, user_id, **data)
    assert refused.value.translation_key == outcome
    assert state_number(hass, ALEX_TOTAL) == state_number(hass, BLAIR_TOTAL) == 0.0


async def test_a_user_with_no_person_must_name_one(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """A user not linked to a person: refused without a person, and not a user at all either."""
    lonely = await hass.auth.async_create_user("Lonely", group_ids=["system-users"])
    with pytest.raises(ServiceValidationError) as refused:
        await declare(hass, lonely.id, kg=1)
    assert refused.value.translation_key == "declare_no_person_for_user"
    assert refused.value.translation_placeholders == {"user": "Lonely"}
    with pytest.raises(ServiceValidationError) as refused:
        await declare(hass, "no-such-user", kg=1)
    assert refused.value.translation_key == "declare_unknown_user"
    assert state_number(hass, ALEX_TOTAL) == 0.0


async def test_an_entry_that_is_not_loaded_refuses(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """A disabled or failed entry cannot take a declaration."""
    assert await hass.config_entries.async_unload(alex_entry.entry_id)
    with pytest.raises(ServiceValidationError) as refused:
        await declare(hass, people.alex.id, kg=1)
    assert refused.value.translation_key == "declaration_not_loaded"


# Fields the book refuses, with the translated error and the value it names.
REFUSED = [
    ({"date": "2026-11-26", "kg": 1}, "declaration_future_date", "2026-11-26"),
    ({"date": "2026-11-17", "kg": 1}, "declaration_too_old", "2026-11-17"),
    ({}, "declaration_empty", ""),
    ({"items": []}, "declaration_empty", ""),
    (
        {"items": [{"activity": "teleport", "amount": 1}]},
        "declaration_unknown_activity",
        "teleport",
    ),
    ({"items": [{"activity": "bus", "amount": -1}]}, "declaration_bad_amount", "bus"),
    ({"items": [{"activity": "bus", "amount": "far"}]}, "declaration_bad_amount", "bus"),
    ({"items": [{"activity": "bus", "amount": "nan"}]}, "declaration_bad_amount", "bus"),
    ({"kg": -0.5}, "declaration_bad_amount", "kg"),
    ({"kg": "inf"}, "declaration_bad_amount", "kg"),
    ({"kg": 1_000_001}, "declaration_too_large", "2026-11-25"),
    (
        {"items": [{"activity": "meal_beef", "amount": 1e307}]},
        "declaration_too_large",
        "2026-11-25",
    ),
    (
        {"kg": 1.7e308, "items": [{"activity": "bus", "amount": 1e308}]},
        "declaration_too_large",
        "2026-11-25",
    ),
]


@pytest.mark.parametrize(("data", "key", "detail"), REFUSED)
async def test_every_refused_field_changes_nothing(  # noqa: PLR0917 (fixtures and parameters)
    hass: HomeAssistant,
    people: People,
    alex_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
    detail: str,
) -> None:
    """Each wrong field gets its translated error naming it; the book stays as it was."""
    await declare(hass, people.alex.id, kg=3)
    events = async_capture_events(hass, EVENT_DECLARED)
    with pytest.raises(ServiceValidationError) as refused:
        await declare(hass, people.alex.id, **data)
    assert refused.value.translation_key == key
    assert refused.value.translation_placeholders == {"detail": detail, "days": "7"}
    assert state_number(hass, ALEX_TOTAL) == state_number(hass, ALEX_TODAY) == 3.0
    assert events == []


@pytest.mark.parametrize(
    "data",
    [
        {"date": "yesterday", "kg": 1},
        {"person": "sensor.alex", "kg": 1},
        {"items": [{"activity": "bus"}]},
        {"items": [{"amount": 3}]},
        {"items": "bus"},
        {"note": "x" * 256, "kg": 1},
        {"kg": [1]},
        {"colour": "green", "kg": 1},
    ],
)
async def test_malformed_calls_are_refused_by_the_schema(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry, data: dict[str, Any]
) -> None:
    """A date that is not one, a person that is not a person, a shapeless item, a long note."""
    with pytest.raises(vol.Invalid):
        await declare(hass, people.alex.id, **data)
    assert state_number(hass, ALEX_TOTAL) == 0.0


async def test_the_oldest_day_allowed_follows_the_entrys_setting(
    hass: HomeAssistant, people: People
) -> None:
    """Seven days back by default; 0 allows only today."""
    entry = declaration_entry(max_age_days=0)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    with pytest.raises(ServiceValidationError) as refused:
        await declare(hass, people.alex.id, date="2026-11-24", kg=1)
    assert refused.value.translation_placeholders == {"detail": "2026-11-24", "days": "0"}
    await declare(hass, people.alex.id, date="2026-11-25", kg=1)
    assert state_number(hass, ALEX_TOTAL) == 1.0


async def test_a_day_declared_again_replaces_it(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """A correction moves the total by the difference only; its event names what it replaced."""
    events = async_capture_events(hass, EVENT_DECLARED)
    await declare(hass, people.alex.id, date="2026-11-20", kg=5)
    await declare(hass, people.alex.id, kg=2)
    assert state_number(hass, ALEX_TOTAL) == 7.0
    answer = await declare(
        hass, people.alex.id, date="2026-11-20", items=[{"activity": "rail", "amount": 100}]
    )
    assert answer["replaced_kg"] == 5.0
    assert answer["declared_total_kg"] == pytest.approx(2 + 3.546)
    assert state_number(hass, ALEX_TOTAL) == pytest.approx(5.546)
    assert state_number(hass, ALEX_TODAY) == 2.0  # today's own declaration is untouched
    assert [
        (event.data["date"], event.data["kg"], event.data["previous_kg"]) for event in events
    ] == [
        ("2026-11-20", 5.0, None),
        ("2026-11-25", 2.0, None),
        ("2026-11-20", 3.546, 5.0),
    ]
    assert events[-1].context.user_id == people.alex.id


async def test_declared_today_starts_again_at_midnight(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """At HA's local midnight "declared today" is 0 again; the total keeps every day."""
    await declare(hass, people.alex.id, kg=4)
    midnight = datetime(2026, 11, 26, tzinfo=dt_util.get_default_time_zone())
    freezer.move_to(midnight)
    async_fire_time_changed(hass, midnight)
    await hass.async_block_till_done()
    assert state_number(hass, ALEX_TODAY) == 0.0
    assert state_number(hass, ALEX_TOTAL) == 4.0
    await declare(hass, people.alex.id, date="2026-11-25", kg=1)
    assert state_number(hass, ALEX_TODAY) == 0.0
    assert state_number(hass, ALEX_TOTAL) == 1.0


async def test_the_book_survives_a_restart(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """A reload reads the days back from the store: same total, same today, same last time."""
    await declare(hass, people.alex.id, date="2026-11-23", items=[{"activity": "bus", "amount": 3}])
    await declare(hass, people.alex.id, kg=0.25, note="Tea")
    last = hass.states.get(ALEX_LAST).state
    assert await hass.config_entries.async_reload(alex_entry.entry_id)
    await hass.async_block_till_done()
    assert state_number(hass, ALEX_TOTAL) == pytest.approx(3 * 0.10385 + 0.25)
    assert state_number(hass, ALEX_TODAY) == 0.25
    assert hass.states.get(ALEX_LAST).state == last
    # A correction after the restart still replaces the day read back, not adds to it.
    await declare(hass, people.alex.id, date="2026-11-23", kg=0)
    assert state_number(hass, ALEX_TOTAL) == 0.25


async def test_deleting_the_entry_deletes_the_book(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """A person's entry added again after deletion starts from nothing."""
    await declare(hass, people.alex.id, kg=9)
    key = f"{DOMAIN}.declarations.{alex_entry.entry_id}"
    assert hass_storage[key]["data"]["days"]["2026-11-25"]["direct_kg"] == 9
    assert await hass.config_entries.async_remove(alex_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
    again = declaration_entry()
    again.add_to_hass(hass)
    assert await hass.config_entries.async_setup(again.entry_id)
    await hass.async_block_till_done()
    assert state_number(hass, ALEX_TOTAL) == 0.0


async def test_diagnostics_keep_the_person_and_notes_out(
    hass: HomeAssistant,
    people: People,
    alex_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The settings and the book's size; the person redacted and no note anywhere."""
    await declare(hass, people.alex.id, kg=1, note="private")
    diagnostics = await async_get_config_entry_diagnostics(hass, alex_entry)
    assert "private" not in str(diagnostics)
    assert "person.alex" not in str(diagnostics)
    assert diagnostics == snapshot


async def test_diagnostics_of_an_entry_that_did_not_load(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """Unloaded: its state, settings and redacted data, and nothing it cannot know."""
    assert await hass.config_entries.async_unload(alex_entry.entry_id)
    diagnostics = await async_get_config_entry_diagnostics(hass, alex_entry)
    assert diagnostics == {
        "kind": "declaration",
        "data": {"kind": "declaration", "person": "**REDACTED**"},
        "options": dict(alex_entry.options),
        "state": "not_loaded",
    }


async def test_sensors(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    """Names, units, state classes and device of the three sensors."""
    await declare(hass, people.alex.id, kg=1.25)
    for entity_id in (ALEX_TODAY, ALEX_TOTAL, ALEX_LAST):
        assert hass.states.get(entity_id) == snapshot(name=entity_id)


async def test_a_declaration_is_a_port_of_groups(
    hass: HomeAssistant,
    people: People,
    alex_entry: MockConfigEntry,
    blair_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two people's declarations bound as total vs sub: the group follows both totals."""
    group = MockConfigEntry(
        domain=DOMAIN,
        title="Household",
        data={"kind": "binding_group", "group_kind": "total_vs_sub"},
        minor_version=3,
        options={
            "left": [alex_entry.entry_id],
            "right": [blair_entry.entry_id],
            "window": "day",
            "threshold_kg": 1.0,
        },
    )
    group.add_to_hass(hass)
    assert await hass.config_entries.async_setup(group.entry_id)
    await hass.async_block_till_done()
    await declare(hass, people.alex.id, kg=5)
    await declare(hass, people.blair.id, kg=3)
    # A group writes its sensors at most once a second.
    freezer.tick(2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    sensors = {
        state.entity_id: state.state
        for state in hass.states.async_all("sensor")
        if state.entity_id.startswith("sensor.household")
    }
    assert float(sensors["sensor.household_total"]) == 5.0
    assert float(sensors["sensor.household_sum_of_sub_meters"]) == 3.0
    assert float(sensors["sensor.household_error"]) == 2.0
    nodes = await hass.services.async_call(
        DOMAIN, "list_nodes", {}, blocking=True, return_response=True
    )
    assert nodes == {"nodes": []}  # declarations are ports, not tracking nodes


async def test_a_declaration_the_store_cannot_keep_is_not_counted(
    hass: HomeAssistant, people: People, alex_entry: MockConfigEntry
) -> None:
    """The disk refuses the write (HA's Store would log it and go on): the action fails with a
    translated error and the book is what the store still holds."""
    await declare(hass, people.alex.id, date="2026-11-24", kg=2)
    runtime = alex_entry.runtime_data
    for fields in ({"date": "2026-11-24", "kg": 7}, {"kg": 1}):
        with refusing_disk(), pytest.raises(HomeAssistantError) as refused:
            await declare(hass, people.alex.id, **fields)
        assert refused.value.translation_key == "not_saved"
    assert runtime.book.total == 2.0
    assert set(runtime.book.days) == {date(2026, 11, 24)}
    assert runtime.book.day_kg(date(2026, 11, 24)) == 2.0
    assert await hass.config_entries.async_reload(alex_entry.entry_id)
    assert state_number(hass, ALEX_TOTAL) == 2.0


async def test_declared_today_starts_again_when_summer_time_skips_midnight(
    hass: HomeAssistant, people: People, freezer: FrozenDateTimeFactory
) -> None:
    """Chile moves its clocks from 00:00 to 01:00: the new day still starts at once."""
    await hass.config.async_set_time_zone("America/Santiago")
    zone = dt_util.get_default_time_zone()
    freezer.move_to(datetime(2026, 9, 5, 23, 30, tzinfo=zone))
    entry = declaration_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await declare(hass, people.alex.id, kg=4)
    assert state_number(hass, ALEX_TODAY) == 4.0
    first_moment = datetime(2026, 9, 6, 1, 0, 1, tzinfo=zone)  # 00:00 to 00:59 do not exist
    freezer.move_to(first_moment)
    async_fire_time_changed(hass, first_moment)
    await hass.async_block_till_done()
    assert state_number(hass, ALEX_TODAY) == 0.0
    assert state_number(hass, ALEX_TOTAL) == 4.0


@pytest.mark.parametrize("first_write_fails", [False, True])
async def test_two_declarations_of_one_day_sent_at_once_end_as_one(
    hass: HomeAssistant,
    people: People,
    alex_entry: MockConfigEntry,
    first_write_fails: bool,
) -> None:
    """The second arrives while the first is being written (held at a gate, deterministic):
    the later one is the day everywhere, the sensor, the last event and the book after a
    restart; a first write that fails never undoes the second's day."""
    events = async_capture_events(hass, EVENT_DECLARED)
    gate = asyncio.Event()
    original = Store._async_write_data
    writes = 0

    async def first_held(store: Store[Any], data: dict[str, Any]) -> None:
        nonlocal writes
        writes += 1
        if writes == 1:
            await gate.wait()
            if first_write_fails:
                raise WriteError("No space left on device")
        await original(store, data)

    with patch.object(Store, "_async_write_data", first_held):
        first = hass.async_create_task(declare(hass, people.alex.id, date="2026-11-24", kg=3))
        await asyncio.sleep(0)
        second = hass.async_create_task(declare(hass, people.alex.id, date="2026-11-24", kg=5))
        await asyncio.sleep(0)
        gate.set()
        results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[0], HomeAssistantError) is first_write_fails
    assert not isinstance(results[1], BaseException)
    assert state_number(hass, ALEX_TOTAL) == 5.0
    assert events[-1].data["kg"] == 5.0
    assert [event.data["kg"] for event in events] == ([5.0] if first_write_fails else [3.0, 5.0])
    assert await hass.config_entries.async_reload(alex_entry.entry_id)
    await hass.async_block_till_done()
    assert alex_entry.runtime_data.book.day_kg(date(2026, 11, 24)) == 5.0
    assert state_number(hass, ALEX_TOTAL) == 5.0
