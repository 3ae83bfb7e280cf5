"""The registry of kinds: every kind of entry, by its kind. Adding a kind is one line here.

Home Assistant's hooks (set-up, unload, removal, the entity platforms, diagnostics) look a kind
up here and call what its folder exports (``<kind>/spec.py``); none of them names a kind.
"""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .carbon_window.spec import SPEC as CARBON_WINDOW
from .declarations.spec import SPEC as DECLARATION
from .groups.spec import SPEC as BINDING_GROUP
from .kinds import EntryKind, KindSpec, entry_kind
from .logistics.spec import SPEC as LOGISTICS
from .nodes.spec import SPEC as TRACKING_NODE
from .publisher.spec import SPEC as SITE_PUBLISHER
from .remote.spec import SPEC as REMOTE_SITE
from .reports.spec import SPEC as REPORT_PROFILE
from .runtime_data import CarbonTrackerConfigEntry

SPECS: dict[EntryKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        TRACKING_NODE,
        BINDING_GROUP,
        REPORT_PROFILE,
        LOGISTICS,
        DECLARATION,
        SITE_PUBLISHER,
        REMOTE_SITE,
        CARBON_WINDOW,
    )
}


def spec_of(entry: CarbonTrackerConfigEntry) -> KindSpec:
    """The spec of an entry's kind (its data says which)."""
    return SPECS[entry_kind(entry.data)]


def async_add_platform_entities(
    hass: HomeAssistant,
    entry: CarbonTrackerConfigEntry,
    platform: Platform,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A platform's entities of an entry, as its kind adds them."""
    spec_of(entry).entities[platform](hass, entry, async_add_entities)
