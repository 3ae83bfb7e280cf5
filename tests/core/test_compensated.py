"""Tests of the compensated sum against an exact oracle."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, strategies as st

from custom_components.carbon_tracker.core.compensated import CompensatedSum


@given(st.lists(st.floats(0.0, 1.0), max_size=2000))
def test_compensated_sum_stays_within_a_microgram(values: list[float]) -> None:
    total = CompensatedSum()
    for value in values:
        total.add(value)
    assert abs(Fraction(total.value) - sum(map(Fraction, values), Fraction(0))) < Fraction(1, 10**9)


def test_it_starts_where_it_is_told() -> None:
    total = CompensatedSum(2.5)
    total.add(0.5)
    assert total.value == 3.0
