"""Fuzzing a report's range: any period, start, end and last, the calendar's edges included.

Each example is a report (with every figure finite) or a refusal the user can read (the
schema's, or a translated one), never an internal error such as an OverflowError.
"""

from __future__ import annotations

from datetime import UTC, datetime
from math import isfinite
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from hypothesis import HealthCheck, event, given, settings, strategies as st
import pytest
import voluptuous as vol

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.core.windows import Period
from tests.common import recorded
from tests.strategies import hostile

from .conftest import ImportHours

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Whole hours and days near the calendar's edges and near now, and anything else.
moments = (
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda moment: moment.replace(minute=0, second=0, microsecond=0)
    )
    | st.sampled_from(
        [
            datetime(1, 1, 1),
            datetime(1, 1, 2),
            datetime(9999, 12, 31),
            datetime(9999, 1, 1),
            datetime(1969, 12, 31),
            datetime(1970, 1, 1),
            datetime(2026, 1, 1),
            datetime(2026, 1, 10),
            datetime(2200, 12, 31),
        ]
    ).map(lambda moment: moment.isoformat(sep=" "))
    | hostile
)
requests = st.fixed_dictionaries(
    {"period": st.sampled_from([period.value for period in Period]) | hostile},
    optional={
        "start": moments,
        "end": moments,
        "last": st.integers(-5, 10**6) | hostile,
        "title": st.text(max_size=300) | hostile,
        "threshold_kg": st.floats() | hostile,
    },
)


def finite_figures(value: Any) -> bool:
    """Every float in an answer is finite."""
    if isinstance(value, dict):
        return all(finite_figures(item) for item in value.values())
    if isinstance(value, list):
        return all(finite_figures(item) for item in value)
    return not isinstance(value, float) or isfinite(value)


@pytest.fixture
async def history(
    hass: HomeAssistant, report_nodes: dict[int, str], import_hours: ImportHours
) -> None:
    """Node 1 has 19 days of hourly carbon in January 2026 (set up once for all examples)."""
    import_hours(1, datetime(2026, 1, 1, 8, tzinfo=UTC), [0.25] * 24 * 19)
    await recorded(hass)


@FUZZ
@given(request=requests)
@pytest.mark.usefixtures("history")
async def test_any_report_request(hass: HomeAssistant, request: dict[str, Any]) -> None:
    try:
        answer = await hass.services.async_call(
            DOMAIN, "generate_report", request, blocking=True, return_response=True
        )
    except vol.Invalid, ServiceValidationError:
        event("refused")
        return
    event("reported")
    assert answer is not None
    assert finite_figures(answer)
    assert answer["files"] == []
