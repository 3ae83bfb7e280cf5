"""What a config entry's ``runtime_data`` holds: the runtime of the entry's kind.

HA's own modules (``__init__``, the platforms, diagnostics, the config flow) take the typed entry
of this union; each kind's subpackage takes its own alias (``TrackingNodeConfigEntry``, ...).
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry

from .declarations.runtime import DeclarationRuntime
from .groups.runtime import GroupRuntime
from .logistics.runtime import LogisticsRuntime
from .nodes.runtime import NodeRuntime
from .reports.runtime import ProfileRuntime

type CarbonTrackerRuntime = (
    NodeRuntime | GroupRuntime | ProfileRuntime | LogisticsRuntime | DeclarationRuntime
)
type CarbonTrackerConfigEntry = ConfigEntry[CarbonTrackerRuntime]
