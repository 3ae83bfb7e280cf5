"""Records, pricing and the ledger, against hand-computed figures and an exact oracle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from math import isfinite
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.carbon_tracker.logistics.ledger import (
    MAX_DISTANCE_KM,
    MAX_KG,
    MAX_QUANTITY,
    REQUIRED,
    Ledger,
    Method,
    Mode,
    Outcome,
    Product,
    RecordError,
    RecordProblem,
    Shipment,
    parse_record,
    price,
)

T0 = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
GOOD: dict[str, Any] = {
    "order_id": "SO-1",
    "time": "2025-03-01T08:30:00+00:00",
    "model": "widget",
    "quantity": 20,
    "distance_km": 340,
    "mode": "hgv",
}
PRODUCTS = {
    "widget": Product("widget", 12.5, 0.002),
    "crate": Product("crate", 40.0),  # no per-km factor
}
MODES = {
    "hgv": Mode("hgv", 0.10163),
    "rail": Mode("rail", 0.02779, per_km_multiplier=1.2),
    "inland_waterway": Mode("inland_waterway", None),
}


def record(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def shipment(**changes: Any) -> Shipment:
    parsed = parse_record(record(**changes))
    assert isinstance(parsed, Shipment), parsed
    return parsed


# parse_record ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REQUIRED)
@pytest.mark.parametrize("missing", ["absent", None, ""])
def test_each_missing_field_is_refused_by_name(name: str, missing: str | None) -> None:
    raw = record()
    if missing == "absent":
        del raw[name]
    else:
        raw[name] = missing
    assert parse_record(raw) == RecordError(RecordProblem.MISSING_FIELD, name)


def test_the_first_missing_field_is_named() -> None:
    assert parse_record({}) == RecordError(RecordProblem.MISSING_FIELD, "order_id")


@pytest.mark.parametrize(
    "time",
    [
        "yesterday",
        "2025-13-01T00:00:00+00:00",
        "2025-03-01T08:30:00",  # naive string
        "2025-03-01",  # a date: naive
        datetime(2025, 3, 1, 8, 30),  # naive datetime
        T0.date(),
        1740817800,
        1740817800.0,
    ],
    ids=repr,
)
def test_a_bad_or_naive_time_is_refused(time: Any) -> None:
    assert parse_record(record(time=time)) == RecordError(RecordProblem.BAD_TIME, str(time))


BAD_NUMBERS = [
    0,
    0.0,
    -0.0,
    -1,
    -1e-9,
    float("nan"),
    float("inf"),
    float("-inf"),
    "nan",
    "inf",
    "-3",
    "0",
    "ten",
    True,
    False,
    [1],
    {"v": 1},
    object(),
    1j,
]


@pytest.mark.parametrize("bad", BAD_NUMBERS, ids=[f"bad-{i}" for i in range(len(BAD_NUMBERS))])
def test_a_bad_quantity_is_refused(bad: Any) -> None:
    assert parse_record(record(quantity=bad)) == RecordError(RecordProblem.BAD_QUANTITY, str(bad))


@pytest.mark.parametrize("bad", BAD_NUMBERS, ids=[f"bad-{i}" for i in range(len(BAD_NUMBERS))])
def test_a_bad_distance_is_refused(bad: Any) -> None:
    assert parse_record(record(distance_km=bad)) == RecordError(
        RecordProblem.BAD_DISTANCE, str(bad)
    )


@pytest.mark.parametrize("field", ["order_id", "model", "mode", "quantity"])
def test_a_blank_field_is_missing(field: str) -> None:
    assert parse_record(record(**{field: "  "})) == RecordError(RecordProblem.MISSING_FIELD, field)


def test_the_same_instant_in_another_offset_is_the_same_record() -> None:
    first = parse_record(record(time="2025-03-01T09:30:00+01:00"))
    second = parse_record(record(time="2025-03-01T08:30:00+00:00"))
    assert isinstance(first, Shipment)
    assert isinstance(second, Shipment)
    assert first.fingerprint() == second.fingerprint()


def test_quantity_is_checked_before_distance() -> None:
    parsed = parse_record(record(quantity=-1, distance_km=-1))
    assert parsed == RecordError(RecordProblem.BAD_QUANTITY, "-1")


def test_a_good_record_with_an_iso_time_and_an_offset() -> None:
    parsed = parse_record(
        record(time="2025-03-01T09:30:00+01:00", origin="Leeds", destination="York")
    )
    assert parsed == Shipment(
        "SO-1",
        datetime(2025, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        "widget",
        20.0,
        340.0,
        "hgv",
        "Leeds",
        "York",
    )
    assert isinstance(parsed, Shipment)
    assert parsed.time == T0  # the same instant
    assert type(parsed.quantity) is float
    assert type(parsed.distance_km) is float


def test_a_good_record_with_a_datetime_numeric_strings_and_non_string_ids() -> None:
    parsed = parse_record(
        record(
            order_id=1001,
            time=T0,
            model=7,
            quantity="2.5",
            distance_km=" 12e1 ",
            origin=3,
        )
    )
    assert parsed == Shipment("1001", T0, "7", 2.5, 120.0, "hgv", "3", None)


def test_a_z_suffix_is_utc() -> None:
    assert shipment(time="2025-03-01T08:30:00Z").time == T0


def test_the_same_content_has_the_same_fingerprint_however_numbers_are_written() -> None:
    assert shipment(quantity="20", distance_km=340.0).fingerprint() == shipment().fingerprint()
    assert shipment(quantity=21).fingerprint() != shipment().fingerprint()
    assert shipment(destination="York").fingerprint() != shipment().fingerprint()


def test_a_quantity_too_large_for_a_float_is_refused_not_raised() -> None:
    assert parse_record(record(quantity=10**400)) == RecordError(
        RecordProblem.BAD_QUANTITY, str(10**400)
    )


# price -----------------------------------------------------------------------------------------


def test_tonne_km_by_hand() -> None:
    # 20 units x 12.5 kg = 0.25 t, over 340 km, by HGV at 0.10163 kg CO2e per t.km.
    kg = price(shipment(), PRODUCTS, MODES, Method.TONNE_KM)
    assert kg == pytest.approx(0.25 * 340 * 0.10163, rel=1e-12)
    assert kg == pytest.approx(8.63855, rel=1e-12)


def test_tonne_km_ignores_the_per_km_multiplier_and_factor() -> None:
    # 3 crates x 40 kg = 0.12 t, over 500 km, by rail at 0.02779.
    kg = price(
        shipment(model="crate", quantity=3, distance_km=500, mode="rail"),
        PRODUCTS,
        MODES,
        Method.TONNE_KM,
    )
    assert kg == pytest.approx(0.12 * 500 * 0.02779, rel=1e-12)
    assert kg == pytest.approx(1.6674, rel=1e-12)


def test_per_km_by_hand_with_the_mode_multiplier() -> None:
    # 150 km x 0.002 kg per km per unit x 30 units x 1.2 (rail's multiplier) = 10.8 kg.
    kg = price(shipment(quantity=30, distance_km=150, mode="rail"), PRODUCTS, MODES, Method.PER_KM)
    assert kg == pytest.approx(10.8, rel=1e-12)


def test_per_km_with_the_default_multiplier_of_one() -> None:
    # 340 km x 0.002 x 20 = 13.6 kg; hgv's intensity plays no part.
    assert price(shipment(), PRODUCTS, MODES, Method.PER_KM) == pytest.approx(13.6, rel=1e-12)


def test_per_km_needs_no_tonne_km_intensity() -> None:
    kg = price(shipment(mode="inland_waterway"), PRODUCTS, MODES, Method.PER_KM)
    assert kg == pytest.approx(13.6, rel=1e-12)


@pytest.mark.parametrize("method", list(Method))
def test_an_unknown_product_is_refused(method: Method) -> None:
    assert price(shipment(model="gadget"), PRODUCTS, MODES, method) == RecordError(
        RecordProblem.UNKNOWN_PRODUCT, "gadget"
    )


@pytest.mark.parametrize("method", list(Method))
def test_an_unknown_mode_is_refused(method: Method) -> None:
    assert price(shipment(mode="zeppelin"), PRODUCTS, MODES, method) == RecordError(
        RecordProblem.UNKNOWN_MODE, "zeppelin"
    )


def test_the_product_is_checked_before_the_mode() -> None:
    assert price(
        shipment(model="gadget", mode="zeppelin"), PRODUCTS, MODES, Method.TONNE_KM
    ) == RecordError(RecordProblem.UNKNOWN_PRODUCT, "gadget")


def test_inland_waterway_without_an_override_has_no_intensity() -> None:
    assert price(shipment(mode="inland_waterway"), PRODUCTS, MODES, Method.TONNE_KM) == RecordError(
        RecordProblem.NO_INTENSITY, "inland_waterway"
    )


def test_inland_waterway_with_an_override_is_priced() -> None:
    modes = {**MODES, "inland_waterway": Mode("inland_waterway", 0.03)}
    kg = price(shipment(mode="inland_waterway"), PRODUCTS, modes, Method.TONNE_KM)
    assert kg == pytest.approx(0.25 * 340 * 0.03, rel=1e-12)


def test_per_km_without_a_product_factor_has_no_intensity() -> None:
    assert price(shipment(model="crate"), PRODUCTS, MODES, Method.PER_KM) == RecordError(
        RecordProblem.NO_INTENSITY, "crate"
    )


@settings(max_examples=300)
@given(
    st.floats() | st.integers() | st.text(max_size=8),
    st.floats() | st.integers() | st.text(max_size=8),
    st.sampled_from(list(Method)),
)
def test_every_record_priced_is_within_the_limits(
    quantity: Any, distance: Any, method: Method
) -> None:
    """Any quantity and distance, huge and finite included: refused, or priced within the
    plausibility limits, so that the totals of any realistic ledger stay finite."""
    parsed = parse_record(record(quantity=quantity, distance_km=distance))
    if isinstance(parsed, RecordError):
        assert parsed.problem in {
            RecordProblem.MISSING_FIELD,  # blank text
            RecordProblem.BAD_QUANTITY,
            RecordProblem.BAD_DISTANCE,
            RecordProblem.OUT_OF_RANGE,
        }
        return
    assert 0 < parsed.quantity <= MAX_QUANTITY
    assert 0 < parsed.distance_km <= MAX_DISTANCE_KM
    kg = price(parsed, PRODUCTS, MODES, method)
    if isinstance(kg, RecordError):
        assert kg.problem in {RecordProblem.OUT_OF_RANGE, RecordProblem.NO_INTENSITY}
        return
    assert 0 <= kg <= MAX_KG
    ledger = Ledger()
    ledger.apply(parsed, kg)
    ledger.total.add(kg * 1e6)  # a million records like it
    assert isfinite(ledger.total.value)


def test_a_time_no_utc_time_can_be_is_a_bad_time() -> None:
    """Valid ISO 8601 that overflows in UTC, refused like any bad time (not an internal error)."""
    assert parse_record(record(time="0001-01-01T00:00+01:00")) == RecordError(
        RecordProblem.BAD_TIME, "0001-01-01T00:00+01:00"
    )
    assert parse_record(record(time="9999-12-31T23:59-01:00")) == RecordError(
        RecordProblem.BAD_TIME, "9999-12-31T23:59-01:00"
    )


# Ledger ----------------------------------------------------------------------------------------


def test_a_new_order_is_added() -> None:
    ledger = Ledger()
    assert ledger.last_order is None
    assert ledger.apply(shipment(), 8.5) == (Outcome.ADDED, 8.5)
    assert ledger.total.value == 8.5
    assert ledger.mode_totals() == {"hgv": 8.5}
    assert ledger.last_order == "SO-1"
    assert ledger.entry("SO-1").kg == 8.5
    assert ledger.entry("SO-1").time == T0


def test_the_same_content_again_is_unchanged() -> None:
    ledger = Ledger()
    ledger.apply(shipment(), 8.5)
    ledger.apply(shipment(order_id="SO-2"), 1.0)
    # The same content, however written; the kg passed is ignored.
    assert ledger.apply(shipment(quantity="20.0", time=T0), 99.0) == (Outcome.UNCHANGED, 0.0)
    assert ledger.total.value == 9.5
    assert ledger.mode_totals() == {"hgv": 9.5}
    assert ledger.entry("SO-1").kg == 8.5
    assert ledger.last_order == "SO-2"  # an unchanged record is not a new order


def test_different_content_is_a_correction_by_the_difference() -> None:
    ledger = Ledger()
    ledger.apply(shipment(), 8.5)
    ledger.apply(shipment(order_id="SO-2"), 1.0)
    assert ledger.apply(shipment(quantity=30), 12.75) == (Outcome.CORRECTED, 4.25)
    assert ledger.total.value == 13.75
    assert ledger.mode_totals() == {"hgv": 13.75}
    assert ledger.entry("SO-1").kg == 12.75
    assert ledger.last_order == "SO-1"
    # A correction down.
    assert ledger.apply(shipment(quantity=10), 4.25) == (Outcome.CORRECTED, -8.5)
    assert ledger.total.value == 5.25


def test_a_correction_to_another_mode_moves_the_mode_totals() -> None:
    ledger = Ledger()
    ledger.apply(shipment(), 8.5)
    ledger.apply(shipment(order_id="SO-2"), 1.0)
    assert ledger.apply(shipment(mode="rail"), 2.0) == (Outcome.CORRECTED, -6.5)
    assert ledger.total.value == 3.0
    assert ledger.mode_totals() == {"hgv": 1.0, "rail": 2.0}
    assert ledger.entry("SO-1").mode == "rail"
    # And back again.
    assert ledger.apply(shipment(), 8.5) == (Outcome.CORRECTED, 6.5)
    assert ledger.mode_totals() == {"hgv": 9.5, "rail": 0.0}
    assert ledger.total.value == 9.5


def test_a_correction_of_only_the_time_or_route_is_still_a_correction() -> None:
    ledger = Ledger()
    ledger.apply(shipment(), 8.5)
    later = T0 + timedelta(hours=1)
    assert ledger.apply(shipment(time=later), 8.5) == (Outcome.CORRECTED, 0.0)
    assert ledger.entry("SO-1").time == later
    assert ledger.apply(shipment(time=later, origin="Hull"), 8.5) == (Outcome.CORRECTED, 0.0)
    assert ledger.total.value == 8.5


# Property: the ledger against an exact oracle ---------------------------------------------------

ORDERS = ["A", "B", "C"]
TIMES = [T0, T0 + timedelta(days=1)]
STEP = st.tuples(
    st.sampled_from(ORDERS),
    st.sampled_from(TIMES),
    st.sampled_from(sorted(PRODUCTS)),
    st.one_of(st.integers(1, 200), st.floats(0.001, 500.0)),
    st.one_of(st.integers(1, 3000), st.floats(0.01, 5000.0)),
    st.sampled_from(["hgv", "rail"]),
    st.sampled_from([None, "Leeds"]),
    st.booleans(),  # repeat this order's latest record instead
)


def exact_kg(raw: dict[str, Any], method: Method) -> Fraction | None:
    """The record's kg CO2e in exact arithmetic, or None if it cannot be priced."""
    product = PRODUCTS[raw["model"]]
    mode = MODES[raw["mode"]]
    quantity = Fraction(raw["quantity"])
    distance = Fraction(raw["distance_km"])
    if method is Method.TONNE_KM:
        assert mode.kg_per_tonne_km is not None
        return (
            Fraction(product.kg_per_unit)
            * quantity
            / 1000
            * distance
            * Fraction(mode.kg_per_tonne_km)
        )
    if product.kg_co2e_per_km is None:
        return None
    return distance * Fraction(product.kg_co2e_per_km) * quantity * Fraction(mode.per_km_multiplier)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(list(Method)), st.lists(STEP, max_size=60))
def test_the_ledger_matches_an_exact_oracle(method: Method, steps: list[tuple]) -> None:
    ledger = Ledger()
    latest_raw: dict[str, dict[str, Any]] = {}
    oracle: dict[str, tuple[Fraction, str]] = {}  # order -> (latest kg, mode)
    last_order = None
    for order, time, model, quantity, distance, mode, origin, repeat in steps:
        if repeat and order in latest_raw:
            raw = dict(latest_raw[order])
        else:
            raw = record(
                order_id=order,
                time=time.isoformat(),
                model=model,
                quantity=quantity,
                distance_km=distance,
                mode=mode,
                origin=origin,
            )
        parsed = parse_record(raw)
        assert isinstance(parsed, Shipment)
        kg = price(parsed, PRODUCTS, MODES, method)
        exact = exact_kg(raw, method)
        if exact is None:
            assert kg == RecordError(RecordProblem.NO_INTENSITY, raw["model"])
            continue  # refused: nothing applied
        assert isinstance(kg, float)
        assert abs(Fraction(kg) - exact) <= Fraction(1, 10**9)
        outcome, moved = ledger.apply(parsed, kg)

        previous = latest_raw.get(order)
        if previous is None:
            assert outcome is Outcome.ADDED
            assert moved == kg
        elif previous == raw:
            assert outcome is Outcome.UNCHANGED
            assert moved == 0.0
        else:
            assert outcome is Outcome.CORRECTED
            assert abs(Fraction(moved) - (exact - oracle[order][0])) <= Fraction(1, 10**9)
        if outcome is not Outcome.UNCHANGED:
            latest_raw[order] = raw
            oracle[order] = (exact, raw["mode"])
            last_order = order

        oracle_total = sum((kg for kg, _ in oracle.values()), Fraction(0))
        oracle_modes: dict[str, Fraction] = {}
        for kg_exact, mode_id in oracle.values():
            oracle_modes[mode_id] = oracle_modes.get(mode_id, Fraction(0)) + kg_exact
        totals = ledger.mode_totals()
        assert abs(Fraction(ledger.total.value) - oracle_total) <= Fraction(1, 10**9)
        for mode_id, value in totals.items():
            expected = oracle_modes.get(mode_id, Fraction(0))  # emptied by corrections: 0
            assert abs(Fraction(value) - expected) <= Fraction(1, 10**9), mode_id
        assert set(oracle_modes) <= set(totals)
        per_mode_sum = sum((Fraction(value) for value in totals.values()), Fraction(0))
        assert abs(Fraction(ledger.total.value) - per_mode_sum) <= Fraction(1, 10**9)
        assert ledger.last_order == last_order
        assert set(ledger.orders) == set(oracle)
