"""Repair issues of Carbon Tracker: their ids, and raising and clearing them, in one place."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

SOURCE_MISSING = "source_missing"
IMPLAUSIBLE_JUMP = "implausible_jump"
MEMBER_DELETED = "member_deleted"
PERSON_MISSING = "person_missing"
SOURCE_WENT_BACK = "source_went_back"
# Every issue kind an entry can have; all of them go when the entry is removed.
ENTRY_ISSUES = (SOURCE_MISSING, IMPLAUSIBLE_JUMP, MEMBER_DELETED, PERSON_MISSING, SOURCE_WENT_BACK)


def issue_id(kind: str, entry_id: str) -> str:
    """The id of an entry's issue of this kind."""
    return f"{kind}_{entry_id}"


def parse_issue_id(issue: str) -> tuple[str, str] | None:
    """The (kind, entry id) an issue id was made from, or None if it is not one of ours."""
    for kind in ENTRY_ISSUES:
        if issue.startswith(f"{kind}_"):
            return kind, issue[len(kind) + 1 :]
    return None


@callback
def _async_raise(
    hass: HomeAssistant,
    kind: str,
    entry_id: str,
    severity: ir.IssueSeverity,
    placeholders: dict[str, str],
) -> None:
    """Raise (or refresh) an entry's fixable issue; its fix flow is picked by its kind."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry_id),
        data={"entry_id": entry_id},
        is_fixable=True,
        severity=severity,
        translation_key=kind,
        translation_placeholders=placeholders,
    )


@callback
def async_raise_source_missing(hass: HomeAssistant, entry_id: str, name: str, source: str) -> None:
    """A node's meter is gone: the user picks another in the repair flow."""
    _async_raise(
        hass,
        SOURCE_MISSING,
        entry_id,
        ir.IssueSeverity.ERROR,
        {"name": name, "source": source},
    )


@callback
def async_raise_implausible_jump(
    hass: HomeAssistant, entry_id: str, name: str, *, source: str, delta: float, unit: str
) -> None:
    """A jump above the plausibility limit is held: the user counts or discards it."""
    _async_raise(
        hass,
        IMPLAUSIBLE_JUMP,
        entry_id,
        ir.IssueSeverity.WARNING,
        {"name": name, "source": source, "delta": f"{delta:g}", "unit": unit},
    )


@callback
def async_raise_source_went_back(
    hass: HomeAssistant, entry_id: str, name: str, *, source: str, restored: str, reached: str
) -> None:
    """A restart found the meter back at an older reading of its own.

    The user is told how the node dealt with it: a notice they close (its fix flow confirms).
    """
    _async_raise(
        hass,
        SOURCE_WENT_BACK,
        entry_id,
        ir.IssueSeverity.WARNING,
        {"name": name, "source": source, "restored": restored, "reached": reached},
    )


@callback
def async_raise_member_deleted(hass: HomeAssistant, entry_id: str, name: str, count: int) -> None:
    """A group binds members that were deleted: the user replaces or drops them."""
    _async_raise(
        hass, MEMBER_DELETED, entry_id, ir.IssueSeverity.ERROR, {"name": name, "count": str(count)}
    )


@callback
def async_raise_person_missing(hass: HomeAssistant, entry_id: str, name: str, person: str) -> None:
    """A declaration entry's person was deleted: the user links the entry to another one."""
    _async_raise(
        hass, PERSON_MISSING, entry_id, ir.IssueSeverity.ERROR, {"name": name, "person": person}
    )


@callback
def async_clear(hass: HomeAssistant, kind: str, entry_id: str) -> None:
    """The problem is gone."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry_id))


@callback
def async_clear_all(hass: HomeAssistant, entry_id: str) -> None:
    """The entry is removed: so are its issues."""
    for kind in ENTRY_ISSUES:
        async_clear(hass, kind, entry_id)
