"""Shipments to kilograms, and the ledger that counts each order once. No HA imports.

Two methods:

- **tonne-km** (ISO 14083 / GLEC, the default): mass (quantity x kg per unit) in tonnes x distance
  in km x the mode's kg CO2e per tonne-km;
- **per-km**: distance x the product's kg CO2e per km (per unit) x quantity x the mode's per-km
  multiplier (1 unless the catalogue says otherwise).

The ledger keys every record by its order id. The same order with the same content again is a
no-op; with different content it is a correction: its old figure is replaced, so the totals move by
the difference. A record is checked and priced completely before anything is applied, so a bad
record in a batch changes nothing and a good one is never half applied.

Each record is bounded by plausibility limits (``LIMITS``): every field finite is not enough,
since finite records (a quantity of 1e300) add up to an infinite total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
import json
from math import isfinite
from typing import Any, NamedTuple

from ..core.compensated import CompensatedSum

# Plausibility limits of one record: what no real shipment exceeds. They keep every total finite
# (a ledger of a million records at the largest figure is 1e14 kg).
MAX_QUANTITY = 1e9  # units in one record
MAX_DISTANCE_KM = 50_000.0  # longer than once around the Earth
MAX_TONNES = 1e6  # over twice the largest ship afloat
MAX_KG = 1e8  # 100 kt CO2e from one record
FIRST_YEAR, LAST_YEAR = 1900, 2200  # a shipment's time, in UTC
LIMITS = {
    "quantity": MAX_QUANTITY,
    "distance_km": MAX_DISTANCE_KM,
    "tonnes": MAX_TONNES,
    "kg": MAX_KG,
}


class Method(StrEnum):
    """How a shipment is priced."""

    TONNE_KM = "tonne_km"
    PER_KM = "per_km"


class RecordProblem(StrEnum):
    """Why a record is refused; values are translated error keys."""

    MISSING_FIELD = "record_missing_field"
    BAD_TIME = "record_bad_time"
    UNKNOWN_PRODUCT = "record_unknown_product"
    UNKNOWN_MODE = "record_unknown_mode"
    BAD_QUANTITY = "record_bad_quantity"
    BAD_DISTANCE = "record_bad_distance"
    NO_INTENSITY = "record_no_intensity"
    OUT_OF_RANGE = "record_out_of_range"


class Outcome(StrEnum):
    """What applying a record did to the ledger."""

    ADDED = "added"
    UNCHANGED = "unchanged"
    CORRECTED = "corrected"


@dataclass(frozen=True, slots=True)
class Product:
    """A product model in the catalogue."""

    model: str
    kg_per_unit: float
    kg_co2e_per_km: float | None = None  # per unit, for the per-km method


@dataclass(frozen=True, slots=True)
class Mode:
    """A transport mode with the intensities in force (defaults or overrides)."""

    id: str
    kg_per_tonne_km: float | None
    per_km_multiplier: float = 1.0


@dataclass(frozen=True, slots=True)
class Shipment:
    """One outbound record, checked."""

    order_id: str
    time: datetime
    model: str
    quantity: float
    distance_km: float
    mode: str
    origin: str | None = None
    destination: str | None = None

    def fingerprint(self) -> str:
        """What makes two records of one order the same content, as one string."""
        return fingerprint_text(
            # The same instant written with another offset is the same record.
            self.time.astimezone(UTC).isoformat(),
            self.model,
            self.quantity,
            self.distance_km,
            self.mode,
            self.origin,
            self.destination,
        )


def fingerprint_text(*fields: Any) -> str:
    """A record's content as text.

    A string, unlike a tuple, is no work for the garbage collector, and a ledger keeps one per
    order.
    """
    return json.dumps(list(fields))


@dataclass(frozen=True, slots=True)
class RecordError:
    """A refused record: what is wrong, and with which field or value."""

    problem: RecordProblem
    detail: str = ""


REQUIRED = ("order_id", "time", "model", "quantity", "distance_km", "mode")


def parse_record(raw: Mapping[str, Any]) -> Shipment | RecordError:
    """Check a record's fields (not yet against the catalogue)."""
    for name in REQUIRED:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return RecordError(RecordProblem.MISSING_FIELD, name)
    time = raw["time"]
    if isinstance(time, str):
        try:
            time = datetime.fromisoformat(time)
        except ValueError:
            return RecordError(RecordProblem.BAD_TIME, str(raw["time"]))
    if not isinstance(time, datetime) or time.tzinfo is None:
        return RecordError(RecordProblem.BAD_TIME, str(raw["time"]))
    try:
        # Valid ISO 8601 can still fall outside what a time in UTC can be (0001-01-01T00:00+01:00).
        year = time.astimezone(UTC).year
    except OverflowError:
        return RecordError(RecordProblem.BAD_TIME, str(raw["time"]))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return RecordError(RecordProblem.OUT_OF_RANGE, f"time {raw['time']}")
    quantity = _positive(raw["quantity"])
    if quantity is None:
        return RecordError(RecordProblem.BAD_QUANTITY, str(raw["quantity"]))
    if quantity > MAX_QUANTITY:
        return RecordError(RecordProblem.OUT_OF_RANGE, f"quantity {quantity:g} > {MAX_QUANTITY:g}")
    distance = _positive(raw["distance_km"])
    if distance is None:
        return RecordError(RecordProblem.BAD_DISTANCE, str(raw["distance_km"]))
    if distance > MAX_DISTANCE_KM:
        return RecordError(
            RecordProblem.OUT_OF_RANGE, f"distance_km {distance:g} > {MAX_DISTANCE_KM:g}"
        )
    return Shipment(
        str(raw["order_id"]),
        time,
        str(raw["model"]),
        quantity,
        distance,
        str(raw["mode"]),
        None if raw.get("origin") is None else str(raw["origin"]),
        None if raw.get("destination") is None else str(raw["destination"]),
    )


def _positive(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except TypeError, ValueError, OverflowError:
        return None
    return number if isfinite(number) and number > 0.0 else None


def price(
    shipment: Shipment,
    products: Mapping[str, Product],
    modes: Mapping[str, Mode],
    method: Method,
) -> float | RecordError:
    """The shipment's kg CO2e by the method, or why it cannot be priced."""
    product = products.get(shipment.model)
    if product is None:
        return RecordError(RecordProblem.UNKNOWN_PRODUCT, shipment.model)
    mode = modes.get(shipment.mode)
    if mode is None:
        return RecordError(RecordProblem.UNKNOWN_MODE, shipment.mode)
    tonnes = product.kg_per_unit * shipment.quantity / 1000.0
    if tonnes > MAX_TONNES:
        return RecordError(RecordProblem.OUT_OF_RANGE, f"tonnes {tonnes:g} > {MAX_TONNES:g}")
    if method is Method.TONNE_KM:
        if mode.kg_per_tonne_km is None:
            return RecordError(RecordProblem.NO_INTENSITY, mode.id)
        kg = tonnes * shipment.distance_km * mode.kg_per_tonne_km
    elif product.kg_co2e_per_km is None:
        return RecordError(RecordProblem.NO_INTENSITY, product.model)
    else:
        kg = (
            shipment.distance_km
            * product.kg_co2e_per_km
            * shipment.quantity
            * mode.per_km_multiplier
        )
    if not isfinite(kg) or kg > MAX_KG:
        # Counting it would make the totals implausible, and in the end infinite.
        return RecordError(RecordProblem.OUT_OF_RANGE, f"kg {kg:g} > {MAX_KG:g}")
    return kg


class OrderEntry(NamedTuple):
    """What the ledger keeps of an order, by name (made on demand from its plain tuple)."""

    fingerprint: str
    kg: float
    mode: str
    time: datetime


# What the ledger keeps of an order: a plain tuple of atomic values, which CPython's garbage
# collector stops tracking. A ledger of tens of thousands of orders then never sets off a full
# collection (a pause of over 100 ms on the event loop) as it grows.
type Entry = tuple[str, float, str, datetime]


@dataclass(slots=True)
class Ledger:
    """Every order counted once; totals in all and per mode."""

    orders: dict[str, Entry] = field(default_factory=dict)
    total: CompensatedSum = field(default_factory=CompensatedSum)
    by_mode: dict[str, CompensatedSum] = field(default_factory=dict)
    last_order: str | None = None

    def apply(self, shipment: Shipment, kg: float) -> tuple[Outcome, float]:
        """Count a priced shipment; the outcome and the kilograms the totals moved by."""
        fingerprint = shipment.fingerprint()
        old = self.orders.get(shipment.order_id)
        if old is not None and old[0] == fingerprint:
            return Outcome.UNCHANGED, 0.0
        if old is not None:
            self._add(old[2], -old[1])
        self._add(shipment.mode, kg)
        self.orders[shipment.order_id] = (fingerprint, kg, shipment.mode, shipment.time)
        self.last_order = shipment.order_id
        if old is None:
            return Outcome.ADDED, kg
        return Outcome.CORRECTED, kg - old[1]

    def entry(self, order_id: str) -> OrderEntry | None:
        """An order's entry by name."""
        found = self.orders.get(order_id)
        return None if found is None else OrderEntry(*found)

    def _add(self, mode: str, kg: float) -> None:
        self.total.add(kg)
        self.by_mode.setdefault(mode, CompensatedSum()).add(kg)

    def mode_totals(self) -> dict[str, float]:
        """Kg per mode."""
        return {mode: total.value for mode, total in self.by_mode.items()}
