"""Checking a group's members as the user gives them: picked, as notation, or a template.

Used by the group's flows and by its repair (a member gone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import TemplateError
from homeassistant.helpers.template import Template

from ..const import (
    CONF_FORECAST_TEMPLATE,
    CONF_GROUP_NUMBER,
    CONF_LEFT,
    CONF_NOTATION,
    CONF_RIGHT,
    GROUP_NUMBER_MAX,
)
from ..core.comparison import GroupKind
from ..kinds import EntryKind, entries_of_kind
from .members import is_cumulative_carbon, member_ports, resolve_member
from .notation import NotationError, parse


@dataclass
class MemberCheck:
    """The outcome of checking a members form: the options to store, or what is wrong."""

    options: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    placeholders: dict[str, str] = field(default_factory=dict)

    def refuse(self, where: str, problem: str, **placeholders: str) -> MemberCheck:
        """Record the first problem."""
        self.errors.setdefault(where, problem)
        self.placeholders.update(placeholders)
        return self


def check_members(
    hass: HomeAssistant,
    kind: GroupKind,
    user_input: Mapping[str, Any],
    exclude_entry_id: str | None = None,
) -> MemberCheck:
    """Check a members form; the notation, when typed, stands for the member pickers."""
    check = MemberCheck()
    number = user_input.get(CONF_GROUP_NUMBER)
    template = (user_input.get(CONF_FORECAST_TEMPLATE) or "").strip() or None
    notation = (user_input.get(CONF_NOTATION) or "").strip()
    if notation:
        sides = _sides_from_notation(hass, notation, check)
        if sides is None:
            return check
        left, right, typed_number = sides
        if typed_number is not None:
            number = typed_number
    else:
        left = _as_list(user_input.get(CONF_LEFT))
        right = _as_list(user_input.get(CONF_RIGHT))
    if (
        _template_refused(hass, kind, template, left, bool(notation), check)
        or _sides_refused(hass, kind, template, left, right, bool(notation), check)
        or _number_refused(hass, number, bool(notation), exclude_entry_id, check)
    ):
        return check
    check.options = {
        CONF_LEFT: left,
        CONF_RIGHT: right,
        CONF_FORECAST_TEMPLATE: template,
        CONF_GROUP_NUMBER: None if number is None else int(number),
    }
    return check


def _sides_from_notation(
    hass: HomeAssistant, notation: str, check: MemberCheck
) -> tuple[list[str], list[str], int | None] | None:
    """The members a typed notation names, by entry id; None (and the error) if it cannot."""
    try:
        binding = parse(notation)
    except NotationError as err:
        check.refuse(
            CONF_NOTATION,
            err.problem.value,
            position=str(err.position + 1),
            port="" if err.port is None else str(err.port),
        )
        return None
    by_port = member_ports(hass)
    for port in binding.left + binding.right:
        if port not in by_port:
            check.refuse(CONF_NOTATION, "unknown_port", port=str(port))
            return None
    return (
        [by_port[port].member_id for port in binding.left],
        [by_port[port].member_id for port in binding.right],
        binding.group,
    )


def _template_refused(  # noqa: PLR0917 (the form's parts, each needed)
    hass: HomeAssistant,
    kind: GroupKind,
    template: str | None,
    left: list[str],
    typed: bool,
    check: MemberCheck,
) -> bool:
    """A forecast template: only for forecasts, instead of forecast ports, and valid."""
    if template is None:
        return False
    if kind is not GroupKind.FORECAST_VS_MEASURED:
        check.refuse(CONF_FORECAST_TEMPLATE, "template_not_for_total")
    elif typed:
        check.refuse(CONF_NOTATION, "notation_with_template")
    elif left:
        check.refuse(CONF_FORECAST_TEMPLATE, "forecast_twice")
    else:
        try:
            Template(template, hass).ensure_valid()
        except TemplateError as err:
            check.refuse(CONF_FORECAST_TEMPLATE, "invalid_template", reason=str(err))
    return bool(check.errors)


def _sides_refused(  # noqa: PLR0917 (the form's parts, each needed)
    hass: HomeAssistant,
    kind: GroupKind,
    template: str | None,
    left: list[str],
    right: list[str],
    typed: bool,
    check: MemberCheck,
) -> bool:
    """Both sides filled, one total meter, no member twice, every member cumulative carbon."""
    where = CONF_NOTATION if typed else CONF_RIGHT
    if template is None and not left:
        check.refuse(CONF_NOTATION if typed else CONF_LEFT, "empty_side")
    elif not right:
        check.refuse(where, "empty_side")
    elif kind is GroupKind.TOTAL_VS_SUB and len(left) != 1:
        check.refuse(CONF_NOTATION if typed else CONF_LEFT, "one_total")
    elif both := set(left) & set(right):
        check.refuse(where, "port_on_both_sides", port=str(resolve_member(hass, min(both)).port))
    else:
        for entry_id in left + right:
            member = resolve_member(hass, entry_id)
            if member.port is None:
                check.refuse(where, "unknown_member")
                break
            if not is_cumulative_carbon(hass, member.entity_id):
                check.refuse(where, "not_cumulative", port=str(member.port), name=member.name)
                break
    return bool(check.errors)


def _number_refused(
    hass: HomeAssistant,
    number: Any,
    typed: bool,
    exclude_entry_id: str | None,
    check: MemberCheck,
) -> bool:
    """A group number, when given, is in the field's range and one no other group has."""
    if number is None:
        return False
    where = CONF_NOTATION if typed else CONF_GROUP_NUMBER
    if not 1 <= int(number) <= GROUP_NUMBER_MAX:
        # Only the notation can get here: the field's selector bounds it.
        check.refuse(where, "group_number_range", group=str(int(number)))
        return True
    taken = {
        entry.options.get(CONF_GROUP_NUMBER): entry.title
        for entry in group_entries(hass, exclude_entry_id)
    }
    if int(number) in taken:
        check.refuse(
            where,
            "group_number_taken",
            group=str(int(number)),
            name=str(taken[int(number)]),
        )
    return bool(check.errors)


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def group_entries(hass: HomeAssistant, exclude_entry_id: str | None = None) -> list[ConfigEntry]:
    """Every binding group entry (other than ``exclude_entry_id``)."""
    return [
        entry
        for entry in entries_of_kind(hass, EntryKind.BINDING_GROUP)
        if entry.entry_id != exclude_entry_id
    ]
