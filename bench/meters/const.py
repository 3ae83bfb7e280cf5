"""Constants of the bench meters integration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.util.hass_dict import HassKey

if TYPE_CHECKING:
    from .sensor import BenchMeter

DOMAIN = "bench_meters"
CONF_COUNT = "count"
# Idle entities beside the meters: one more HA entity per meter, never written after it is added.
CONF_TWINS = "twins"
# A config entry's (or subentry's) twin: the index of its meter.
CONF_TWIN = "twin"
# The subentry type of a twin seeded as a subentry of one config entry.
TWIN_SUBENTRY = "twin"

# The meters, in order, once the sensor platform has created them.
METERS: HassKey[list[BenchMeter]] = HassKey(DOMAIN)


def meter_entity_id(index: int) -> str:
    """The entity id of meter ``index`` (0-based)."""
    return f"sensor.bench_meter_{index}"


def meter_initial(index: int) -> float:
    """The first reading of meter ``index``, in kWh (distinct and exact in binary)."""
    return 1000.0 + index


# The entity ids of the twins: this, then the index of their meter.
TWIN_PREFIX = "sensor.bench_twin_"


def twin_entity_id(index: int) -> str:
    """The entity id of the idle twin of meter ``index``."""
    return f"{TWIN_PREFIX}{index}"
