"""The personal activity table and the declaration book, without Home Assistant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from itertools import pairwise
import re
from zoneinfo import ZoneInfo

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
    kg_in_periods,
)

TODAY = date(2026, 11, 25)
GRID = 0.5306  # kg CO2/kWh, China national 2023


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


DESNZ_ID = re.compile(r"\((\d+(?:_\d+){4})\)")
UOM_OF_UNIT = {"km": {"km", "passenger.km"}, "m³": {"cubic metres"}}


def test_desnz_activities_are_the_published_rows(desnz_2025: dict[str, dict[str, str]]) -> None:
    """Each DESNZ activity names its row of the 2025 flat file and has its figure and unit."""
    checked = 0
    for activity in ACTIVITIES:
        if not activity.source.startswith("UK DESNZ"):
            continue
        found = DESNZ_ID.search(activity.source)
        assert found is not None, f"{activity.id} names no DESNZ row"
        row = desnz_2025[found.group(1)]
        assert row["GHG/Unit"] == "kg CO2e", activity.id
        assert float(row["GHG Conversion Factor 2025"]) == activity.kg_per_unit, activity.id
        assert row["UOM"] in UOM_OF_UNIT[activity.unit], activity.id
        checked += 1
    assert checked == 11


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
    assert book.total == pytest.approx(5.0)
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
    assert book.total == pytest.approx(float(sum(oracle.values())), abs=1e-9)
    for offset, kg in oracle.items():
        assert book.day_kg(TODAY - timedelta(days=offset)) == float(kg)


PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
CHATHAM = ZoneInfo("Pacific/Chatham")  # +12:45 / +13:45


def test_each_day_counts_in_the_period_its_midnight_is_in() -> None:
    """Days by month and by hour: a day is in the period its local midnight falls in."""
    days = {date(2026, 10, 31): 1.5, date(2026, 11, 1): 2.0, date(2026, 11, 30): 0.25}
    months = [
        (datetime(2026, 10, 1, tzinfo=PARIS), datetime(2026, 11, 1, tzinfo=PARIS)),
        (datetime(2026, 11, 1, tzinfo=PARIS), datetime(2026, 12, 1, tzinfo=PARIS)),
        (datetime(2026, 12, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS)),
    ]
    assert kg_in_periods(days, months, PARIS) == [1.5, 2.25, None]
    hours = [
        (datetime(2026, 11, 1, hour, tzinfo=PARIS), datetime(2026, 11, 1, hour + 1, tzinfo=PARIS))
        for hour in range(2)
    ]
    assert kg_in_periods(days, hours, PARIS) == [2.0, None]
    assert kg_in_periods(days, [], PARIS) == []
    assert kg_in_periods({}, months, PARIS) == [None, None, None]


@given(
    st.dictionaries(
        st.integers(0, 120).map(lambda offset: date(2026, 9, 1) + timedelta(days=offset)),
        st.integers(0, 10**6).map(lambda grams: grams / 1000),
        max_size=60,
    ),
    st.lists(st.integers(0, 130), min_size=2, max_size=12, unique=True).map(sorted),
    st.sampled_from([PARIS, NEW_YORK, TOKYO, CHATHAM]),
    st.booleans(),
)
def test_period_sums_against_an_exact_oracle(
    kg_by_day: dict[date, float], cut_offsets: list[int], zone: ZoneInfo, in_utc: bool
) -> None:
    """Periods cut at any local midnights (over a change of summer time), east or west of UTC,
    given in local time or in UTC as reports give them: each sum is exact, each day in its own
    period."""
    # Aware arithmetic keeps the wall time: each cut is a local midnight, summer time or not.
    cuts = [datetime(2026, 9, 1, tzinfo=zone) + timedelta(days=offset) for offset in cut_offsets]
    periods = list(pairwise(cuts))
    given_periods = [(start.astimezone(UTC), end.astimezone(UTC)) for start, end in periods]
    sums = kg_in_periods(kg_by_day, given_periods if in_utc else periods, zone)
    for (start, end), found in zip(periods, sums, strict=True):
        inside = [Fraction(kg) for day, kg in kg_by_day.items() if start.date() <= day < end.date()]
        if not inside:
            assert found is None
        else:
            assert found == pytest.approx(float(sum(inside)), abs=1e-9)


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 10**6).map(lambda grams: grams / 1000)),
        max_size=40,
    )
)
def test_the_total_is_the_same_figure_built_or_read_back(
    declarations: list[tuple[int, float]],
) -> None:
    """Corrections in any order give, to the last bit, the total a restart reads back."""
    book = Book()
    for offset, kg in declarations:
        day = TODAY - timedelta(days=offset)
        book.record(declare(day, [], direct_kg=kg, note=None, activities={}, grid_factor=None))
    read_back = Book()
    for declaration in sorted(book.days.values(), key=lambda declaration: declaration.day):
        read_back.record(declaration)
    assert read_back.total == book.total
    # Correctly rounded: the exact sum of the days' figures, rounded once.
    assert book.total == float(sum(Fraction(day.kg) for day in book.days.values()))


def test_a_record_is_put_back_exactly() -> None:
    """Undoing a record leaves the day and the total as they were."""
    book = Book()
    first = declare(TODAY, [], direct_kg=0.1, note=None, activities={}, grid_factor=None)
    book.record(first)
    book.record(declare(TODAY, [], direct_kg=0.7, note=None, activities={}, grid_factor=None))
    book.put_back(TODAY, first)
    assert book.days == {TODAY: first}
    assert book.total == 0.1
    book.put_back(TODAY, None)
    assert book.days == {}
    assert book.total == 0.0
