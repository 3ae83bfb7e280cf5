"""Tests of the binding notation: examples, malformed input, and parse(show(b)) == b."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.carbon_tracker.groups.notation import (
    PORT_MAX,
    Binding,
    NotationError,
    NotationProblem,
    parse,
    show,
    show_live,
)


@pytest.mark.parametrize(
    ("text", "binding"),
    [
        ("1/2 > 3", Binding(None, (1, 2), (3,))),
        ("G1: 5 > 6/7/8", Binding(1, (5,), (6, 7, 8))),
        ("g12:5>6", Binding(12, (5,), (6,))),
        ("  3 /  4>  5 / 6 ", Binding(None, (3, 4), (5, 6))),
        ("G 2 : 10 > 11", Binding(2, (10,), (11,))),
    ],
)
def test_the_methods_examples(text: str, binding: Binding) -> None:
    assert parse(text) == binding


@pytest.mark.parametrize(
    ("text", "problem", "position"),
    [
        ("", NotationProblem.EMPTY, 0),
        ("   ", NotationProblem.EMPTY, 0),
        ("1/2 3", NotationProblem.SYNTAX, 5),
        ("1 > 2 > 3", NotationProblem.SYNTAX, 6),
        ("> 3", NotationProblem.EMPTY_SIDE, 0),
        ("1/2 >", NotationProblem.EMPTY_SIDE, 5),
        ("1//2 > 3", NotationProblem.EMPTY_SIDE, 2),
        ("1/x > 3", NotationProblem.SYNTAX, 2),
        ("1 > 0", NotationProblem.PORT_RANGE, 4),
        (f"1 > {PORT_MAX + 1}", NotationProblem.PORT_RANGE, 4),
        ("1/1 > 3", NotationProblem.PORT_REPEATED, 2),
        ("1/2 > 2", NotationProblem.PORT_ON_BOTH_SIDES, 6),
        ("G1 5 > 6", NotationProblem.SYNTAX, 0),
        ("G1: > 6", NotationProblem.EMPTY_SIDE, 3),
        ("5 > 6 G1:", NotationProblem.SYNTAX, 3),
        # Numbers too long for a port or a group (Python reads none of over 4,300 digits).
        (f"1 > {'9' * 5000}", NotationProblem.SYNTAX, 3),
        (f"1 > {'9' * 10}", NotationProblem.SYNTAX, 3),
        (f"1 > {'9' * 9}", NotationProblem.PORT_RANGE, 4),
        (f"G{'7' * 5000}: 1 > 2", NotationProblem.SYNTAX, 0),
    ],
)
def test_malformed_input_says_what_and_where(
    text: str, problem: NotationProblem, position: int
) -> None:
    with pytest.raises(NotationError) as err:
        parse(text)
    assert err.value.problem is problem
    assert err.value.position == position


def test_the_port_in_question_is_named() -> None:
    with pytest.raises(NotationError) as err:
        parse("4/7 > 9/7")
    assert err.value.port == 7


ports = st.integers(1, PORT_MAX)
bindings = st.builds(
    lambda group, unique: Binding(
        group, tuple(unique[: len(unique) // 2 or 1]), tuple(unique[len(unique) // 2 or 1 :])
    ),
    st.none() | st.integers(0, 999),
    st.lists(ports, min_size=2, max_size=12, unique=True),
)


@given(bindings)
def test_what_is_shown_reads_back_the_same(binding: Binding) -> None:
    assert parse(show(binding)) == binding


@given(
    st.text(alphabet="0123456789 /><Gg:x", max_size=30)
    | st.lists(st.sampled_from(["9" * 5000, "1", " > ", "/", "G", ":"]), max_size=6).map("".join)
)
def test_any_text_is_a_binding_or_a_notation_error(text: str) -> None:
    try:
        binding = parse(text)
    except NotationError as err:
        position = err.position
        assert 0 <= position <= len(text)
    else:
        assert binding.left
        assert binding.right
        assert not set(binding.left) & set(binding.right)
        assert parse(show(binding)) == binding


@pytest.mark.parametrize(
    ("group", "left", "right", "text"),
    [
        (None, [1, 2], [3], "1/2 > 3"),
        (1, [5], [6, 7, 8], "G1: 5 > 6/7/8"),
        (2, None, [4], "G2: T > 4"),
        (None, [1], [None, 3], "1 > ?/3"),
    ],
)
def test_show_live(
    group: int | None, left: list[int | None] | None, right: list[int | None], text: str
) -> None:
    assert show_live(group, left, right) == text


def test_a_port_on_both_sides_is_located_where_it_is_written() -> None:
    # Not inside "21", where the digits "1" occur last.
    with pytest.raises(NotationError) as caught:
        parse("G1: 1 > 1/21")
    assert (caught.value.problem, caught.value.position, caught.value.port) == (
        NotationProblem.PORT_ON_BOTH_SIDES,
        8,
        1,
    )
