"""Scope 2 both ways: a node's market-based factor beside its location-based one."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.carbon_tracker.core.library_store import async_load_factor_table
from custom_components.carbon_tracker.nodes.accumulator import CarbonAccumulator, Outcome
from custom_components.carbon_tracker.nodes.settings import market_of
from custom_components.carbon_tracker.reports.build import node_info
from tests.common import (
    approx,
    meter_id,
    node_carbon_id,
    node_entry,
    options_typed_factor,
    set_meter,
    setup_node,
    state_number,
)

MARKET = "sensor.meter_1_carbon_emissions_market_based"
SUPPLIER = {"market_factor": 0.2, "market_source": "Supplier X fuel mix 2026"}


async def market_node(hass: HomeAssistant, **options: Any) -> Any:
    set_meter(hass, 100.0, entity_id=meter_id(1))
    return await setup_node(
        hass,
        node_entry(source=meter_id(1), port=1, title="Meter 1", entry_id="node_1", **options),
    )


async def test_the_same_readings_priced_location_and_market_based(hass: HomeAssistant) -> None:
    entry = await market_node(hass, **SUPPLIER)
    set_meter(hass, 110.0, entity_id=meter_id(1))
    await hass.async_block_till_done()
    set_meter(hass, 112.5, entity_id=meter_id(1))
    await hass.async_block_till_done()
    assert state_number(hass, node_carbon_id(1)) == approx(12.5 * 0.5)
    assert state_number(hass, MARKET) == approx(12.5 * 0.2)
    state = hass.states.get(MARKET)
    assert state is not None
    assert state.attributes["state_class"] == "total_increasing"
    assert state.attributes["unit_of_measurement"] == "kg"
    # A restart continues both from the node's one durable record.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    set_meter(hass, 114.5, entity_id=meter_id(1))
    await hass.async_block_till_done()
    assert state_number(hass, node_carbon_id(1)) == approx(14.5 * 0.5)
    assert state_number(hass, MARKET) == approx(14.5 * 0.2)


async def test_a_node_without_one_has_no_market_sensor(hass: HomeAssistant) -> None:
    await market_node(hass)
    set_meter(hass, 104.0, entity_id=meter_id(1))
    await hass.async_block_till_done()
    assert hass.states.get(MARKET) is None
    assert state_number(hass, node_carbon_id(1)) == approx(2.0)


async def test_a_factor_per_mwh_and_a_meter_in_wh(hass: HomeAssistant) -> None:
    """The market-based factor is per kWh whatever the location-based factor is per."""
    set_meter(hass, 100_000.0, unit="Wh", entity_id=meter_id(1))
    await setup_node(
        hass,
        node_entry(
            source=meter_id(1),
            port=1,
            title="Meter 1",
            factor_value=500.0,
            factor_unit="MWh",
            **SUPPLIER,
        ),
    )
    set_meter(hass, 110_000.0, unit="Wh", entity_id=meter_id(1))
    await hass.async_block_till_done()
    assert state_number(hass, node_carbon_id(1)) == approx(10 * 0.5)
    assert state_number(hass, MARKET) == approx(10 * 0.2)


async def test_options_set_and_clear_the_market_based_factor(hass: HomeAssistant) -> None:
    entry = await market_node(hass)

    async def options(**fields: Any) -> Any:
        result = await hass.config_entries.options.async_init(entry.entry_id)
        return await hass.config_entries.options.async_configure(
            result["flow_id"], {"port": 1, "factor_number": True, "ghg_scope": "2", **fields}
        )

    result = await options(market_factor=0.2)
    assert result["errors"] == {"market_source": "market_source_required"}
    result = await options(**SUPPLIER)
    assert result["step_id"] == "factor"
    result = await options_typed_factor(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert (entry.options["market_factor"], entry.options["market_source"]) == (
        0.2,
        "Supplier X fuel mix 2026",
    )
    assert hass.states.get(MARKET) is not None


async def test_a_residual_mix_row_of_the_table_as_the_market_based_factor(
    hass: HomeAssistant,
) -> None:
    """China's national grid excluding market-traded non-fossil power, the residual-mix proxy
    its source names: offered by the options, its value and source are the table's."""
    entry = await market_node(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    offered = result["data_schema"].schema["market_factor_id"].config["options"]
    assert "cn_mee_grid_national_excl_market_2023" in offered
    assert all("excl_market" in row for row in offered)
    fields = {"port": 1, "factor_number": True, "ghg_scope": "2"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**fields, "market_factor_id": "cn_mee_grid_national_excl_market_2023", **SUPPLIER},
    )
    assert result["errors"] == {"market_factor": "market_one_factor"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**fields, "market_factor_id": "cn_mee_grid_national_excl_market_2023"}
    )
    result = await options_typed_factor(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["market_factor_id"] == "cn_mee_grid_national_excl_market_2023"
    assert "market_factor" not in entry.options
    set_meter(hass, 110.0, entity_id=meter_id(1))
    await hass.async_block_till_done()
    assert state_number(hass, MARKET) == approx(10 * 0.6096)
    info = node_info(hass, entry.entry_id)
    assert info is not None
    assert info.market_factor == 0.6096
    assert info.market_source is not None
    assert info.market_source.endswith("[row cn_mee_grid_national_excl_market_2023, CO2]")


async def test_a_market_based_factor_needs_a_meter_of_energy(hass: HomeAssistant) -> None:
    set_meter(hass, 100.0, unit="m³", entity_id=meter_id(1), device_class="gas")
    entry = await setup_node(
        hass,
        node_entry(source=meter_id(1), port=1, title="Gas", factor_value=2.0, factor_unit="m³"),
    )
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"port": 1, "factor_number": True, "ghg_scope": "1", **SUPPLIER},
    )
    assert result["errors"] == {"market_factor": "market_needs_energy"}


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.integers(0, 5000), min_size=1, max_size=100),
    factor=st.integers(0, 2000),
    market=st.integers(0, 2000),
)
def test_both_totals_are_the_same_increases_at_each_factor(
    steps: list[int], factor: int, market: int
) -> None:
    """Readings in Wh that only grow: each total is the exact sum of the increases at its own
    factor (g per Wh as kg per kWh), to 1e-9; a node without one has no market total."""
    both = CarbonAccumulator()
    alone = CarbonAccumulator()
    reading = 0
    for at, step in enumerate([0, *steps]):
        reading += step
        both.reading(reading / 1000, float(at), factor / 1000, market_factor=market / 1000)
        alone.reading(reading / 1000, float(at), factor / 1000)
    climb = Fraction(reading, 1000)
    assert abs(Fraction(both.total) - climb * Fraction(factor, 1000)) < Fraction(1, 10**9)
    assert both.market_total is not None
    assert abs(Fraction(both.market_total) - climb * Fraction(market, 1000)) < Fraction(1, 10**9)
    assert alone.total == both.total
    assert alone.market_total is None
    restored = CarbonAccumulator.from_dict(CarbonAccumulator.row_as_dict(both.as_row()))
    assert restored.market_total == both.market_total


def test_a_held_jump_counted_later_counts_market_based_too() -> None:
    accumulator = CarbonAccumulator(max_delta_per_hour=1.0)
    assert accumulator.reading(10.0, 0.0, 0.5, market_factor=0.2) is Outcome.BASELINE
    assert accumulator.reading(110.0, 60.0, 0.5, market_factor=0.2) is Outcome.SPIKE
    assert accumulator.accept_held_spike(0.5, 0.2) == pytest.approx(50.0)
    assert accumulator.market_total == pytest.approx(20.0)
    with pytest.raises(ValueError, match=r"\[0\.0"):
        CarbonAccumulator.row_as_dict([0.0, None, None, None, False, None, 1.0, 2.0])


async def test_a_row_the_table_no_longer_has_prices_nothing_market_based(
    hass: HomeAssistant,
) -> None:
    table = await async_load_factor_table(hass)
    assert market_of({"market_factor_id": "gone_2019"}, table) == (None, None)
    # A row per another unit than kWh is not a market-based factor per kWh.
    gas_row = next(row for row in table.factors.values() if row.per_unit != "kWh")
    assert market_of({"market_factor_id": gas_row.id}, table) == (None, None)
    assert market_of({}, table) == (None, None)
    assert market_of(SUPPLIER, table) == (0.2, "Supplier X fuel mix 2026")
