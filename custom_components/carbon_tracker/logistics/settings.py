"""A logistics entry's settings: its method and catalogues, from the entry's options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .ledger import Method, Mode, Product
from .modes import DEFAULT_MODES

CONF_METHOD = "method"
CONF_PRODUCTS = "products"
CONF_MODES = "modes"
CONF_WEBHOOK_ID = "webhook_id"


@dataclass(frozen=True, slots=True)
class LogisticsSettings:
    """How shipments are priced: the method, the products and the modes in force."""

    method: Method
    products: dict[str, Product]
    modes: dict[str, Mode]

    @classmethod
    def from_entry(cls, options: Mapping[str, Any]) -> LogisticsSettings:
        """The method and catalogues; a mode override replaces its default intensities."""
        products = {
            str(item["model"]).strip(): Product(
                str(item["model"]).strip(),
                float(item["kg_per_unit"]),
                None if item.get("kg_co2e_per_km") is None else float(item["kg_co2e_per_km"]),
            )
            for item in options.get(CONF_PRODUCTS) or []
        }
        overrides: Mapping[str, Any] = options.get(CONF_MODES) or {}
        modes = {}
        for default in DEFAULT_MODES:
            override = overrides.get(default.id) or {}
            modes[default.id] = Mode(
                default.id,
                _float_or(override.get("kg_per_tonne_km"), default.kg_per_tonne_km),
                float(override.get("per_km_multiplier", 1.0)),
            )
        for mode_id, override in overrides.items():
            if mode_id not in modes:
                modes[mode_id] = Mode(
                    mode_id,
                    _float_or(override.get("kg_per_tonne_km"), None),
                    float(override.get("per_km_multiplier", 1.0)),
                )
        return cls(Method(options.get(CONF_METHOD, Method.TONNE_KM)), products, modes)


def _float_or(value: Any, default: float | None) -> float | None:
    return default if value is None else float(value)
