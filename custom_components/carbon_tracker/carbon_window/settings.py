"""A carbon-aware window's settings: which forecast, how long a run, how far ahead to look."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.core import State

from ..const import CONF_PORT

CONF_FORECAST_ENTITY = "forecast_entity"
CONF_FORECAST_ATTRIBUTE = "forecast_attribute"
CONF_LENGTH_MINUTES = "length_minutes"
CONF_HORIZON_HOURS = "horizon_hours"
# The run's energy: with a port, each run is recorded as a plan (its forecast carbon).
CONF_PLANNED_KWH = "planned_kwh"
# The load's own port (its tracking node): each run's measured carbon beside its plan.
CONF_LOAD_PORT = "load_port"

# Where the common carbon-intensity integrations keep their forecast (core/carbon_windows.py
# names the formats): Carbon Intensity UK's rates, carbon_intensity_uk's forecast, Energi Data
# Service's emissions, and a Target Timeframes-shaped data source.
KNOWN_ATTRIBUTES = ("rates", "forecast", "emissions", "data")


@dataclass(frozen=True, slots=True)
class WindowSettings:
    """What a window is found in, and how long and how far ahead.

    The forecast entity (and attribute, if not one of the known), the run's length and the
    horizon the window must start and end within.
    """

    forecast_entity: str
    forecast_attribute: str | None
    length: timedelta
    horizon: timedelta
    # With both, the window is a forecast port: each run planned into it adds its forecast kg.
    planned_kwh: float | None = None
    port: int | None = None
    load_port: int | None = None

    @property
    def plans(self) -> bool:
        """Whether runs are recorded as plans (a forecast port)."""
        return self.planned_kwh is not None and self.port is not None

    @classmethod
    def from_entry(cls, options: Mapping[str, Any]) -> WindowSettings:
        """Everything a window has is an option."""
        return cls(
            str(options[CONF_FORECAST_ENTITY]),
            str(options.get(CONF_FORECAST_ATTRIBUTE) or "").strip() or None,
            timedelta(minutes=float(options[CONF_LENGTH_MINUTES])),
            timedelta(hours=float(options[CONF_HORIZON_HOURS])),
            None if options.get(CONF_PLANNED_KWH) is None else float(options[CONF_PLANNED_KWH]),
            None if options.get(CONF_PORT) is None else int(options[CONF_PORT]),
            None if options.get(CONF_LOAD_PORT) is None else int(options[CONF_LOAD_PORT]),
        )


def forecast_of(state: State | None, attribute: str | None) -> Any:
    """The forecast a state carries: the attribute named, else the first known one present."""
    if state is None:
        return None
    if attribute is not None:
        return state.attributes.get(attribute)
    return next(
        (state.attributes[name] for name in KNOWN_ATTRIBUTES if name in state.attributes), None
    )
