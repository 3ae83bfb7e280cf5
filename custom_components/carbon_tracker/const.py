"""Constants of the Carbon Tracker integration."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "carbon_tracker"

# Config entry data: every entry says what kind it is (see kinds.py).
CONF_KIND: Final = "kind"
# Node data (what the node is wired to; changed by the reconfigure flow).
CONF_SOURCE: Final = "source"
# Config entry options (how it prices; changed by the options flow and the factor number).
CONF_PORT: Final = "port"
CONF_FACTOR_MODE: Final = "factor_mode"
CONF_FACTOR_ID: Final = "factor_id"
CONF_FACTOR_VALUE: Final = "factor_value"
CONF_FACTOR_UNIT: Final = "factor_unit"
CONF_INTENSITY_ENTITY: Final = "intensity_entity"
CONF_MAX_DELTA_PER_HOUR: Final = "max_delta_per_hour"
# The unit the plausibility limit is in (the meter's unit when it was set), kept with it so that
# changing the factor's unit never changes what the limit allows.
CONF_MAX_DELTA_UNIT: Final = "max_delta_unit"
# Whether a fixed factor is also a number entity (opt-in since 1.3: 5,000 numbers cost a factory
# as much memory as its 5,000 carbon sensors).
CONF_FACTOR_NUMBER: Final = "factor_number"
# The GHG Protocol scope ("1", "2" or "3") reports put a node's carbon in (default: its factor's).
CONF_GHG_SCOPE: Final = "ghg_scope"
# What a node's meter measures: consumption (the default), or energy exported or generated,
# whose grid carbon displaced the node counts as avoided emissions (outside the inventory).
CONF_METER_ROLE: Final = "meter_role"
# A grid-electricity node's market-based factor (kg CO2e per kWh: a supplier's, a tariff's, a
# contract's or a residual mix) and where it comes from, beside its location-based factor.
CONF_MARKET_FACTOR: Final = "market_factor"
CONF_MARKET_SOURCE: Final = "market_source"
# Or a row of the built-in table that is a market-based factor (a residual mix or its proxy).
CONF_MARKET_FACTOR_ID: Final = "market_factor_id"
# The table's rows that are market-based factors.
MARKET_SCOPE: Final = "scope2_market"
# Node data: the meter's history is still to be imported (asked for when the node was added).
CONF_BACKFILL: Final = "backfill"

PORT_MIN: Final = 1
PORT_MAX: Final = 65535
FACTOR_MAX: Final = 1_000_000.0

EVENT_FACTOR_CHANGED: Final = "carbon_tracker_factor_changed"


class MeterRole(StrEnum):
    """What a node's meter measures."""

    CONSUMPTION = "consumption"
    # Exported to the grid or generated (solar export, a battery discharging to the grid).
    EXPORT = "export"


class FactorMode(StrEnum):
    """Where a node's emission factor comes from."""

    LIBRARY = "library"
    CUSTOM = "custom"
    ENTITY = "entity"
    # The source already measures carbon: factor 1 (after converting t or g to kg).
    CARBON = "carbon"


# Binding group data and options (see groups/).
CONF_GROUP_KIND: Final = "group_kind"
CONF_LEFT: Final = "left"
CONF_RIGHT: Final = "right"
CONF_NOTATION: Final = "notation"
CONF_FORECAST_TEMPLATE: Final = "forecast_template"
CONF_GROUP_NUMBER: Final = "group_number"
CONF_WINDOW: Final = "window"
CONF_THRESHOLD_KG: Final = "threshold_kg"
# The alarm preset of a group: errors beyond it alarm (the threshold line only bounds tolerance).
CONF_ALARM_KG: Final = "alarm_kg"
CONF_THRESHOLD_PCT: Final = "threshold_pct"
CONF_HYSTERESIS_PCT: Final = "hysteresis_pct"
CONF_MIN_REFERENCE_KG: Final = "min_reference_kg"

GROUP_NUMBER_MAX: Final = 9999

EVENT_THRESHOLD_CROSSED: Final = "carbon_tracker_threshold_crossed"
EVENT_THRESHOLD_CLEARED: Final = "carbon_tracker_threshold_cleared"

EVENT_REPORT: Final = "carbon_tracker_report"
