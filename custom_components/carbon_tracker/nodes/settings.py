"""A tracking node's settings, read once from its config entry (validated by the flows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from homeassistant.config_entries import ConfigEntry

from ..const import (
    CONF_FACTOR_ID,
    CONF_FACTOR_MODE,
    CONF_FACTOR_NUMBER,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    CONF_INTENSITY_ENTITY,
    CONF_MARKET_FACTOR,
    CONF_MARKET_FACTOR_ID,
    CONF_MARKET_SOURCE,
    CONF_MAX_DELTA_PER_HOUR,
    CONF_MAX_DELTA_UNIT,
    CONF_METER_ROLE,
    CONF_PORT,
    CONF_SOURCE,
    FactorMode,
    MeterRole,
)
from ..core.carbon_units import GAS_CO2E
from ..core.library_store import FactorTable


@dataclass(frozen=True, slots=True)
class NodeSettings:
    """Everything a node needs from its config entry, validated by the flows."""

    source: str
    port: int
    mode: FactorMode
    # kg of ``gas`` per one per_unit, for library and custom factors.
    static_factor: float | None
    # The unit the factor is priced per; for a live intensity it comes from that entity's unit.
    per_unit: str | None
    # The factor's gas basis, "CO2" or "CO2e", shown with it everywhere.
    gas: str
    factor_id: str | None
    intensity_entity: str | None
    max_delta_per_hour: float | None
    # The unit the limit is in, per hour; None means the factor's unit (never stored that way now).
    max_delta_unit: str | None
    # Whether a fixed factor is also shown (and set) as a number entity.
    factor_number: bool = False
    # Consumption, or export/generation: what it counts is then avoided emissions.
    meter_role: MeterRole = MeterRole.CONSUMPTION
    # Scope 2 market-based: kg CO2e per kWh, and its source (None: location-based only).
    market_factor: float | None = None
    market_source: str | None = None

    @classmethod
    def from_entry(cls, entry: ConfigEntry[Any], table: FactorTable) -> NodeSettings:
        """Resolve the entry's data and options, looking library factors up in the table.

        Raises KeyError with the factor id when the table no longer has the node's factor.
        """
        options = entry.options
        mode = FactorMode(options[CONF_FACTOR_MODE])
        static_factor: float | None = None
        per_unit: str | None = None
        gas = GAS_CO2E
        factor_id = options.get(CONF_FACTOR_ID)
        if mode is FactorMode.LIBRARY:
            factor = table.factors[str(factor_id)]
            static_factor, per_unit, gas = factor.value, factor.per_unit, factor.gas
        elif mode is FactorMode.CUSTOM:
            static_factor = float(options[CONF_FACTOR_VALUE])
            per_unit = options[CONF_FACTOR_UNIT]
        max_delta = options.get(CONF_MAX_DELTA_PER_HOUR)
        market_factor, market_source = market_of(options, table)
        return cls(
            source=entry.data[CONF_SOURCE],
            port=int(options[CONF_PORT]),
            mode=mode,
            static_factor=static_factor,
            per_unit=per_unit,
            gas=gas,
            factor_id=factor_id,
            intensity_entity=options.get(CONF_INTENSITY_ENTITY),
            max_delta_per_hour=None if max_delta is None else float(max_delta),
            max_delta_unit=options.get(CONF_MAX_DELTA_UNIT),
            factor_number=bool(options.get(CONF_FACTOR_NUMBER, False)),
            meter_role=MeterRole(options.get(CONF_METER_ROLE, MeterRole.CONSUMPTION)),
            market_factor=market_factor,
            market_source=market_source,
        )

    def differs_only_in_factor(self, other: NodeSettings) -> bool:
        """True when ``other`` changes just the static factor's value (or its origin).

        That change is applied in place, from this moment on; anything else reloads the node.
        """
        if self.static_factor is None or other.static_factor is None:
            return False
        same_rest = replace(
            other,
            static_factor=self.static_factor,
            mode=self.mode,
            factor_id=self.factor_id,
            gas=self.gas,
        )
        return same_rest == self

    def factor_differs(self, other: NodeSettings) -> bool:
        """Whether ``other`` prices readings differently: that change is announced."""
        return (
            self.mode,
            self.static_factor,
            self.per_unit,
            self.gas,
            self.factor_id,
            self.intensity_entity,
        ) != (
            other.mode,
            other.static_factor,
            other.per_unit,
            other.gas,
            other.factor_id,
            other.intensity_entity,
        )


def market_of(options: Mapping[str, Any], table: FactorTable) -> tuple[float | None, str | None]:
    """A node's market-based factor (kg CO2e per kWh) and its source, from its options.

    A row of the built-in table (a residual mix, or the proxy a source names for one) gives
    both; else the typed factor and the source typed with it; else none. A row the table no
    longer has gives none.
    """
    if (factor_id := options.get(CONF_MARKET_FACTOR_ID)) is not None:
        row = table.factors.get(str(factor_id))
        if row is None or row.per_unit != "kWh":
            return None, None
        return row.value, f"{row.source} [row {row.id}, {row.gas}]"
    if options.get(CONF_MARKET_FACTOR) is None:
        return None, None
    return float(options[CONF_MARKET_FACTOR]), options.get(CONF_MARKET_SOURCE)
