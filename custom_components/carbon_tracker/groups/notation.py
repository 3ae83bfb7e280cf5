"""The binding notation of the tracking method, read and written. No HA imports.

``1/2 > 3`` binds ports 1 and 2 (summed) against port 3; ``G1: 5 > 6/7/8`` is group 1, port 5
against the sum of ports 6, 7 and 8. The left side is the forecast (or the total meter), the
right side the measured ports (or the sub-meters). Spaces are free; ``g1:`` is read as ``G1:``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
import re

PORT_MIN = 1
PORT_MAX = 65535

# At most nine digits: a longer number is no port or group (and Python refuses to read one of
# over 4,300 digits), so it is a syntax error where it is written.
_GROUP = re.compile(r"\s*[Gg]\s*(\d{1,9})\s*:")
_PORT = re.compile(r"\s*(\d{1,9})\s*")


class NotationProblem(StrEnum):
    """Why a text is not a binding; values are translated error keys."""

    EMPTY = "notation_empty"
    SYNTAX = "notation_syntax"
    EMPTY_SIDE = "notation_empty_side"
    PORT_RANGE = "notation_port_range"
    PORT_REPEATED = "notation_port_repeated"
    PORT_ON_BOTH_SIDES = "notation_port_on_both_sides"


class NotationError(ValueError):
    """A text that is not a binding, with what is wrong and where (0-based character offset)."""

    def __init__(self, problem: NotationProblem, position: int, port: int | None = None) -> None:
        """Say what is wrong and where."""
        super().__init__(f"{problem.value} at {position}")
        self.problem = problem
        self.position = position
        self.port = port


@dataclass(frozen=True, slots=True)
class Binding:
    """One group as the notation states it: its number (if given) and the ports of each side."""

    group: int | None
    left: tuple[int, ...]
    right: tuple[int, ...]


def _side(text: str, start: int, end: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The ports between ``start`` and ``end``, separated by ``/``, and where each is written."""
    if not text[start:end].strip():
        raise NotationError(NotationProblem.EMPTY_SIDE, start)
    ports: list[int] = []
    offsets: list[int] = []
    position = start
    for piece in text[start:end].split("/"):
        match = _PORT.fullmatch(piece)
        if match is None:
            problem = NotationProblem.EMPTY_SIDE if not piece.strip() else NotationProblem.SYNTAX
            raise NotationError(problem, position)
        port = int(match.group(1))
        if not PORT_MIN <= port <= PORT_MAX:
            raise NotationError(NotationProblem.PORT_RANGE, position + match.start(1), port)
        if port in ports:
            raise NotationError(NotationProblem.PORT_REPEATED, position + match.start(1), port)
        ports.append(port)
        offsets.append(position + match.start(1))
        position += len(piece) + 1
    return tuple(ports), tuple(offsets)


def parse(text: str) -> Binding:
    """Read one binding; raises NotationError with the first thing that is wrong."""
    if not text.strip():
        raise NotationError(NotationProblem.EMPTY, 0)
    group: int | None = None
    start = 0
    if (match := _GROUP.match(text)) is not None:
        group = int(match.group(1))
        start = match.end()
    arrows = [index for index, char in enumerate(text) if char == ">"]
    if len(arrows) != 1 or arrows[0] < start:
        raise NotationError(NotationProblem.SYNTAX, arrows[1] if len(arrows) > 1 else len(text))
    arrow = arrows[0]
    left, _ = _side(text, start, arrow)
    right, offsets = _side(text, arrow + 1, len(text))
    if both := set(left) & set(right):
        port = min(both)
        # Where the port is written on the right side (not where its digits last occur).
        raise NotationError(NotationProblem.PORT_ON_BOTH_SIDES, offsets[right.index(port)], port)
    return Binding(group, left, right)


def show(binding: Binding) -> str:
    """Write a binding the way the method writes it: ``G1: 5 > 6/7/8``."""
    sides = f"{'/'.join(map(str, binding.left))} > {'/'.join(map(str, binding.right))}"
    return sides if binding.group is None else f"G{binding.group}: {sides}"


def show_live(
    group: int | None, left: Sequence[int | None] | None, right: Sequence[int | None]
) -> str:
    """A stored group as the notation shows it, with its members' ports as they are now.

    ``left`` is None for a forecast template (shown as ``T``); a port of None is a member that
    no longer exists (shown as ``?``).
    """

    def side(ports: Sequence[int | None]) -> str:
        return "/".join("?" if port is None else str(port) for port in ports)

    text = f"{'T' if left is None else side(left)} > {side(right)}"
    return text if group is None else f"G{group}: {text}"
