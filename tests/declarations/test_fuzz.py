"""Fuzzing the declare action: any date, kg, items, note and person, as a plain user.

Each example is a declaration taken (its day's figure finite and at least zero) or a refusal the
user can read (the schema's, or a translated one), never an internal error; a refusal changes
nothing, also after the entry reads its book back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from math import isfinite
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from hypothesis import HealthCheck, event, given, settings, strategies as st
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.carbon_tracker.declarations.activities import ACTIVITIES_BY_ID
from tests.strategies import hostile

from .conftest import People
from .test_actions import declare

TODAY = date(2026, 11, 25)
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

days = (
    st.integers(-12, 3).map(lambda offset: (TODAY + timedelta(days=offset)).isoformat()) | hostile
)
items = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "activity": st.sampled_from(sorted(ACTIVITIES_BY_ID)) | hostile,
            "amount": st.floats(-10, 1e6) | hostile,
        },
    )
    | hostile,
    max_size=4,
)
GOOD = {
    "date": (TODAY - timedelta(days=1)).isoformat(),
    "items": [{"activity": "car_petrol", "amount": 10}, {"activity": "meal_beef", "amount": 0.2}],
    "kg": 1.5,
    "note": "fuzz",
}
# A good declaration with one field (or one item's field) made hostile, or any fields at all.
one_bad_field = st.one_of(
    st.builds(lambda key, value: {**GOOD, key: value}, st.sampled_from(sorted(GOOD)), hostile),
    st.builds(
        lambda key, value: {**GOOD, "items": [{**GOOD["items"][0], key: value}]},
        st.sampled_from(["activity", "amount"]),
        hostile | st.floats(),
    ),
    st.just(GOOD),
)
fields = one_bad_field | st.fixed_dictionaries(
    {},
    optional={
        "date": days,
        "kg": st.floats(-1, 1e6) | hostile,
        "items": items | hostile,
        "note": st.text(max_size=30) | hostile,
        "person": st.sampled_from(["person.alex", "person.blair", "person.nobody"]) | hostile,
    },
)


def book_of(entry: MockConfigEntry) -> dict[date, float]:
    return entry.runtime_data.book.kg_by_day()


@FUZZ
@given(data=fields)
async def test_any_declaration(
    hass: HomeAssistant,
    people: People,
    alex_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    data: dict[str, Any],
) -> None:
    freezer.move_to(datetime(2026, 11, 25, 9, 30, tzinfo=dt_util.get_default_time_zone()))
    before = book_of(alex_entry)
    try:
        answer = await declare(hass, people.alex.id, **data)
    except vol.Invalid, ServiceValidationError:
        refused = True
    else:
        refused = False
    after = book_of(alex_entry)
    event("refused" if refused else "taken")
    if refused:
        assert after == before
    else:
        assert answer is not None
        assert isfinite(answer["total_kg"])
        assert answer["total_kg"] >= 0
        assert all(isfinite(item["kg"]) and item["kg"] >= 0 for item in answer["items"])
        assert all(isfinite(kg) and kg >= 0 for kg in after.values())
        assert TODAY - timedelta(days=7) <= max(set(after) - set(before) or after) <= TODAY
    assert await hass.config_entries.async_reload(alex_entry.entry_id)
    await hass.async_block_till_done()
    assert book_of(alex_entry) == after
