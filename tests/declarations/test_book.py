"""The personal activity table and the declaration book, without Home Assistant."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, strategies as st
import pytest

from custom_components.carbon_tracker.declarations.activities import (
    ACTIVITIES,
    ACTIVITIES_BY_ID,
)
from custom_components.carbon_tracker.declarations.book import (
    Book,
    DeclarationError,
    DeclarationProblem,
    check_day,
    declare,
)

TODAY = date(2026, 11, 25)
GRID = 0.5306  # kg CO2/kWh, China national 2023


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """These tests need no Home Assistant."""


def test_the_activity_table() -> None:
    assert len(ACTIVITIES_BY_ID) == len(ACTIVITIES)
    for needed in (
        "car_petrol",
        "car_diesel",
        "car_electric",
        "taxi",
        "bus",
        "metro",
        "rail",
        "high_speed_rail",
        "flight_domestic",
        "flight_international",
        "home_electricity",
        "natural_gas",
        "meal_beef",
        "meal_pork",
        "meal_poultry",
        "meal_vegetarian",
    ):
        activity = ACTIVITIES_BY_ID[needed]
        assert activity.source
        assert activity.status in {"V", "S"}
    # Only home electricity waits for the user's grid factor.
    assert [a.id for a in ACTIVITIES if a.kg_per_unit is None] == ["home_electricity"]


def test_a_declaration_is_priced_item_by_item() -> None:
    declaration = declare(
        TODAY,
        [
            {"activity": "car_petrol", "amount": 12},
            {"activity": "home_electricity", "amount": "8.5"},
            {"activity": "meal_beef", "amount": 0.2},
        ],
        direct_kg=1.25,
        note="office day",
        activities=ACTIVITIES_BY_ID,
        grid_factor=GRID,
    )
    kgs = [line.kg for line in declaration.lines]
    assert kgs == pytest.approx([12 * 0.16272, 8.5 * GRID, 0.2 * 99.48])
    assert declaration.lines[1].factor == GRID
    assert declaration.lines[1].unit == "kWh"
    assert declaration.kg == pytest.approx(sum(kgs) + 1.25)
    assert declaration.note == "office day"


@pytest.mark.parametrize(
    ("items", "direct", "grid", "problem"),
    [
        ([], None, GRID, DeclarationProblem.EMPTY),
        ([{"activity": "rocket", "amount": 1}], None, GRID, DeclarationProblem.UNKNOWN_ACTIVITY),
        ([{"activity": "bus", "amount": -1}], None, GRID, DeclarationProblem.BAD_AMOUNT),
        ([{"activity": "bus", "amount": "far"}], None, GRID, DeclarationProblem.BAD_AMOUNT),
        ([{"activity": "bus", "amount": True}], None, GRID, DeclarationProblem.BAD_AMOUNT),
        ([{"activity": "bus", "amount": float("nan")}], None, GRID, DeclarationProblem.BAD_AMOUNT),
        ([{"activity": "bus", "amount": 10**400}], None, GRID, DeclarationProblem.BAD_AMOUNT),
        ([], -2, GRID, DeclarationProblem.BAD_AMOUNT),
        (
            [{"activity": "home_electricity", "amount": 3}],
            None,
            None,
            DeclarationProblem.NO_GRID_FACTOR,
        ),
    ],
)
def test_refused_declarations(
    items: list[dict[str, object]], direct: object, grid: float | None, problem: DeclarationProblem
) -> None:
    with pytest.raises(DeclarationError) as caught:
        declare(
            TODAY, items, direct_kg=direct, note=None, activities=ACTIVITIES_BY_ID, grid_factor=grid
        )
    assert caught.value.problem is problem


def test_a_direct_figure_alone_and_zero_are_declarations() -> None:
    for kg in (0, "2.5"):
        declaration = declare(
            TODAY, [], direct_kg=kg, note=None, activities=ACTIVITIES_BY_ID, grid_factor=None
        )
        assert declaration.kg == float(kg)


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        (TODAY + timedelta(days=1), DeclarationProblem.FUTURE_DATE),
        (TODAY - timedelta(days=8), DeclarationProblem.TOO_OLD),
    ],
)
def test_dates_a_declaration_may_not_be_for(day: date, problem: DeclarationProblem) -> None:
    with pytest.raises(DeclarationError) as caught:
        check_day(day, TODAY, 7)
    assert caught.value.problem is problem
    assert caught.value.detail == day.isoformat()


def test_today_and_the_oldest_allowed_day_are_fine() -> None:
    check_day(TODAY, TODAY, 7)
    check_day(TODAY - timedelta(days=7), TODAY, 7)


def test_declaring_a_day_again_replaces_it() -> None:
    book = Book()

    def direct(day: date, kg: float) -> float:
        return book.record(
            declare(day, [], direct_kg=kg, note=None, activities={}, grid_factor=None)
        )

    assert direct(TODAY, 5.0) == 5.0
    assert direct(TODAY - timedelta(days=1), 3.0) == 3.0
    # A correction of today: the total moves by the difference, nothing is counted twice.
    assert direct(TODAY, 2.0) == -3.0
    assert book.total.value == pytest.approx(5.0)
    assert book.day_kg(TODAY) == 2.0
    assert book.day_kg(TODAY - timedelta(days=5)) == 0.0


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 10**6).map(lambda grams: grams / 1000)),
        max_size=40,
    )
)
def test_the_total_is_the_sum_of_each_days_latest_declaration(
    declarations: list[tuple[int, float]],
) -> None:
    book = Book()
    oracle: dict[int, Fraction] = {}
    for offset, kg in declarations:
        day = TODAY - timedelta(days=offset)
        book.record(declare(day, [], direct_kg=kg, note=None, activities={}, grid_factor=None))
        oracle[offset] = Fraction(kg)
    assert book.total.value == pytest.approx(float(sum(oracle.values())), abs=1e-9)
    for offset, kg in oracle.items():
        assert book.day_kg(TODAY - timedelta(days=offset)) == float(kg)
