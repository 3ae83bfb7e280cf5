"""What the region's two kinds (site publisher, remote site) share at the HA level.

Both talk through HA's MQTT integration: the broker, its user, password and TLS are set up
there, once, and used by both.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

MQTT = "mqtt"
# Every state and status goes at least once: the central drops what it has already.
QOS = 1


def mqtt_set_up(hass: HomeAssistant) -> bool:
    """Whether HA's MQTT integration has a loaded entry (the broker is configured there)."""
    return any(
        entry.state is ConfigEntryState.LOADED for entry in hass.config_entries.async_entries(MQTT)
    )
