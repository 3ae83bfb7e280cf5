# ruff: noqa: RUF001 (the Chinese names use Chinese punctuation)
"""Transport modes and their default intensities, each with its source. No HA imports.

Defaults are the UK DESNZ 2025 freight factors (kg CO2e per tonne-km, and per vehicle-km where
DESNZ gives one), tank-to-wheel as DESNZ publishes them (well-to-tank is separate and not
included), taken from the flat file in ``shared/data`` by their DESNZ ids. GLEC values are used
only where they were verified; none were, so inland waterway has no default: its intensity must
be given.
"""

from __future__ import annotations

from dataclasses import dataclass

DESNZ_2025 = "UK DESNZ GHG conversion factors 2025"


@dataclass(frozen=True, slots=True)
class TransportMode:
    """A way of moving goods, and what moving them costs in carbon."""

    id: str
    name: str
    name_zh: str
    kg_per_tonne_km: float | None
    kg_per_vehicle_km: float | None
    source: str


def _desnz(*ids: str) -> str:
    return f"{DESNZ_2025} ({', '.join(ids)})"


DEFAULT_MODES: tuple[TransportMode, ...] = (
    TransportMode(
        "hgv",
        "HGV, all diesel, average laden",
        "重型货车（柴油，平均装载）",
        0.10163,
        0.89121,
        _desnz("27_304_3140_14_1", "27_304_3140_4_1"),
    ),
    TransportMode(
        "hgv_articulated",
        "HGV, articulated, average laden",
        "铰接式重型货车（平均装载）",
        0.078,
        0.92854,
        _desnz("27_304_3136_14_1", "27_304_3136_4_1"),
    ),
    TransportMode(
        "hgv_rigid",
        "HGV, rigid, average laden",
        "刚性重型货车（平均装载）",
        0.19748,
        0.83751,
        _desnz("27_304_3124_14_1", "27_304_3124_4_1"),
    ),
    TransportMode(
        "hgv_refrigerated",
        "HGV, refrigerated, average laden",
        "冷藏重型货车（平均装载）",
        0.11894,
        1.04323,
        _desnz("27_306_3140_14_1", "27_306_3140_4_1"),
    ),
    TransportMode(
        "van",
        "Van up to 3.5 t, diesel",
        "3.5 吨以下厢式货车（柴油）",
        0.6313,
        0.25561,
        _desnz("27_303_3102_14_1", "27_303_3102_4_1"),
    ),
    TransportMode(
        "van_electric",
        "Van up to 3.5 t, battery electric",
        "3.5 吨以下厢式货车（纯电动）",
        0.21992,
        0.06976,
        _desnz("27_303_3108_14_1", "27_303_3108_4_1"),
    ),
    TransportMode("rail", "Freight train", "铁路货运", 0.02779, None, _desnz("27_315_3151_14_1")),
    TransportMode(
        "sea_container",
        "Container ship, average",
        "集装箱船（平均）",
        0.01612,
        None,
        _desnz("27_320_3235_14_1"),
    ),
    TransportMode(
        "sea_bulk",
        "Bulk carrier, average",
        "散货船（平均）",
        0.00353,
        None,
        _desnz("27_320_3221_14_1"),
    ),
    TransportMode(
        "sea_general",
        "General cargo ship, average",
        "杂货船（平均）",
        0.01321,
        None,
        _desnz("27_320_3228_14_1"),
    ),
    TransportMode(
        "sea_roro",
        "RoRo ferry, average",
        "滚装渡轮（平均）",
        0.05158,
        None,
        _desnz("27_320_3241_14_1"),
    ),
    TransportMode(
        "air_long_haul",
        "Air freight, long-haul (without radiative forcing)",
        "航空货运，长途（不含辐射强迫）",
        0.5313,
        None,
        _desnz("27_317_3157_14_1"),
    ),
    TransportMode(
        "air_short_haul",
        "Air freight, short-haul (without radiative forcing)",
        "航空货运，短途（不含辐射强迫）",
        0.75539,
        None,
        _desnz("27_317_3155_14_1"),
    ),
    TransportMode(
        "inland_waterway",
        "Inland waterway (give its intensity)",
        "内河航运（请填写强度）",
        None,
        None,
        "no verified default: GLEC inland-waterway values are unverified transcriptions",
    ),
)

MODES_BY_ID = {mode.id: mode for mode in DEFAULT_MODES}
