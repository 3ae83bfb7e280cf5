"""Tests for a logistics entry's sensors, its ledger on disk and its diagnostics."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import refusal
from tests.logistics.conftest import logistics_entry as warehouse, record_shipment

ENTRY_ID = "logistics_main"
STORE_KEY = f"carbon_tracker.logistics.{ENTRY_ID}"
WEBHOOK_ID = "0123456789abcdef0123456789abcdef"
TOTAL = "sensor.warehouse_logistics_emissions"
LAST = "sensor.warehouse_last_shipment"
WIDGET = {"model": "widget", "kg_per_unit": 12.5}
CRATE = {"model": "crate", "kg_per_unit": 40, "kg_co2e_per_km": 0.002}
SHIPMENT = {
    "order_id": "SO-1",
    "time": "2025-03-01T08:30:00+00:00",
    "model": "widget",
    "quantity": 20,
    "distance_km": 340,
    "mode": "hgv",
}
# Tonne-km: quantity x kg per unit / 1000 x distance x the mode's kg CO2e per tonne-km.
SO_1_KG = 20 * 12.5 / 1000 * 340 * 0.10163  # 8.63855 (HGV, DESNZ 2025)
SO_2_KG = 40 * 12.5 / 1000 * 1000 * 0.02779  # 13.895 (rail)
SO_1_CORRECTED_KG = 10 * 12.5 / 1000 * 340 * 0.10163  # 4.319275


def approx(value: float) -> Any:
    """Equal far below the gram."""
    return pytest.approx(value, abs=1e-9)


def logistics_entry(entry_id: str = ENTRY_ID, **options: Any) -> MockConfigEntry:
    """A tonne-km logistics entry at port 7 with widgets and crates."""
    return warehouse(
        **{
            "port": 7,
            "entry_id": entry_id,
            "webhook_id": WEBHOOK_ID,
            "products": [WIDGET, CRATE],
            "modes": {},
            **options,
        }
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry | None = None) -> MockConfigEntry:
    """Add and set up a logistics entry."""
    entry = entry or logistics_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def record(hass: HomeAssistant, **changes: Any) -> dict[str, Any]:
    """Record one shipment (SO-1 unless told otherwise) through the action."""
    return await record_shipment(hass, port=7, **{**SHIPMENT, **changes})


def value(hass: HomeAssistant, entity_id: str) -> float:
    """A sensor's state as a number."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state)


def mode_entity(hass: HomeAssistant, mode: str, entry_id: str = ENTRY_ID) -> str | None:
    """The entity id of a mode's sensor, by its unique id."""
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry_id}_mode_{mode}")


# --------------------------------------------------------------------------------------------------
# Sensors
# --------------------------------------------------------------------------------------------------


async def test_sensors_before_any_record(hass: HomeAssistant) -> None:
    await setup_entry(hass)
    total = hass.states.get(TOTAL)
    assert total is not None
    assert float(total.state) == 0.0
    assert hass.states.get(LAST).state == STATE_UNKNOWN
    assert "order_id" not in hass.states.get(LAST).attributes
    assert mode_entity(hass, "hgv") is None

    devices = dr.async_entries_for_config_entry(dr.async_get(hass), ENTRY_ID)
    assert len(devices) == 1
    device = devices[0]
    assert device.identifiers == {(DOMAIN, ENTRY_ID)}
    assert device.name == "Warehouse"
    assert device.model == "Logistics"
    assert device.serial_number == "port 7"
    assert device.entry_type is dr.DeviceEntryType.SERVICE


async def test_sensors_after_records(hass: HomeAssistant) -> None:
    await setup_entry(hass)
    answer = await record(hass)
    assert answer == {
        "accepted": 1,
        "refused": 0,
        "results": [{"order_id": "SO-1", "outcome": "added", "kg": round(SO_1_KG, 6)}],
    }

    total = hass.states.get(TOTAL)
    assert float(total.state) == approx(8.63855)
    assert total.attributes["state_class"] == "total"
    assert total.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kg"
    assert total.attributes[ATTR_DEVICE_CLASS] == "weight"
    assert er.async_get(hass).async_get(TOTAL).unique_id == f"{ENTRY_ID}_emissions"

    # The first HGV shipment brings the HGV sensor.
    hgv = mode_entity(hass, "hgv")
    assert hgv == "sensor.warehouse_emissions_by_hgv"
    assert value(hass, hgv) == approx(8.63855)
    state = hass.states.get(hgv)
    assert state.attributes["state_class"] == "total"
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kg"
    assert state.attributes[ATTR_DEVICE_CLASS] == "weight"
    assert mode_entity(hass, "rail") is None

    last = hass.states.get(LAST)
    assert last.state == "2025-03-01T08:30:00+00:00"
    assert last.attributes[ATTR_DEVICE_CLASS] == "timestamp"
    assert last.attributes["order_id"] == "SO-1"
    assert last.attributes["kg"] == round(SO_1_KG, 6)
    assert last.attributes["mode"] == "hgv"

    # A rail shipment: its sensor appears; HGV's is untouched.
    await record(
        hass,
        order_id="SO-2",
        time="2025-03-02T10:00:00+01:00",
        quantity=40,
        distance_km=1000,
        mode="rail",
    )
    rail = mode_entity(hass, "rail")
    assert rail == "sensor.warehouse_emissions_by_rail"
    assert value(hass, rail) == approx(13.895)
    assert value(hass, hgv) == approx(8.63855)
    assert value(hass, TOTAL) == approx(8.63855 + 13.895)
    last = hass.states.get(LAST)
    assert last.state == "2025-03-02T09:00:00+00:00"
    assert last.attributes["order_id"] == "SO-2"
    assert last.attributes["kg"] == round(SO_2_KG, 6)
    assert last.attributes["mode"] == "rail"

    # The same mode again adds no second sensor.
    await record(hass, order_id="SO-3", quantity=1, distance_km=1)
    hgv_sensors = [
        entity
        for entity in er.async_entries_for_config_entry(er.async_get(hass), ENTRY_ID)
        if entity.unique_id == f"{ENTRY_ID}_mode_hgv"
    ]
    assert len(hgv_sensors) == 1
    assert value(hass, hgv) == approx(8.63855 + 0.0125 * 0.10163)
    # Named as people say them, not by the mode's id.
    assert hass.states.get(hgv).name.endswith("Emissions by HGV")
    assert hass.states.get(mode_entity(hass, "rail")).name.endswith("Emissions by rail")


async def test_per_km_method(hass: HomeAssistant) -> None:
    """Distance x kg CO2e per km x quantity x the mode's multiplier."""
    await setup_entry(
        hass,
        logistics_entry(method="per_km", modes={"rail": {"per_km_multiplier": 1.2}}),
    )
    answer = await record(hass, model="crate", quantity=10, distance_km=100, mode="rail")
    assert answer["results"][0]["kg"] == pytest.approx(100 * 0.002 * 10 * 1.2)
    assert value(hass, TOTAL) == approx(2.4)
    assert value(hass, mode_entity(hass, "rail")) == approx(2.4)


async def test_refused_record_changes_nothing(hass: HomeAssistant) -> None:
    await setup_entry(hass)
    await record(hass)
    answer = await record(hass, order_id="SO-9", model="gizmo")
    assert answer["accepted"] == 0
    assert answer["results"][0]["error"] == "record_unknown_product"
    assert value(hass, TOTAL) == approx(SO_1_KG)
    assert hass.states.get(LAST).attributes["order_id"] == "SO-1"


async def test_correction_lowers_the_total(hass: HomeAssistant) -> None:
    await setup_entry(hass)
    await record(hass)
    await record(hass, order_id="SO-2", quantity=40, distance_km=1000, mode="rail")
    assert value(hass, TOTAL) == approx(SO_1_KG + SO_2_KG)

    answer = await record(hass, quantity=10)
    assert answer["results"] == [
        {"order_id": "SO-1", "outcome": "corrected", "kg": round(SO_1_CORRECTED_KG, 6)}
    ]
    assert value(hass, TOTAL) == approx(4.319275 + 13.895)
    assert value(hass, mode_entity(hass, "hgv")) == approx(4.319275)
    assert value(hass, mode_entity(hass, "rail")) == approx(13.895)
    assert hass.states.get(LAST).attributes["order_id"] == "SO-1"
    assert hass.states.get(LAST).attributes["kg"] == round(SO_1_CORRECTED_KG, 6)

    # Corrected onto another mode: its old mode falls to zero, the new one has it all.
    await record(hass, order_id="SO-2", quantity=40, distance_km=1000, mode="hgv")
    assert value(hass, mode_entity(hass, "rail")) == approx(0.0)
    assert value(hass, mode_entity(hass, "hgv")) == approx(4.319275 + 0.5 * 1000 * 0.10163)
    assert value(hass, TOTAL) == approx(4.319275 + 0.5 * 1000 * 0.10163)

    # The same content again is no change.
    answer = await record(hass, order_id="SO-2", quantity=40, distance_km=1000, mode="hgv")
    assert answer["results"][0]["outcome"] == "unchanged"
    assert value(hass, TOTAL) == approx(4.319275 + 0.5 * 1000 * 0.10163)


# --------------------------------------------------------------------------------------------------
# The ledger on disk
# --------------------------------------------------------------------------------------------------


async def record_two(hass: HomeAssistant) -> None:
    """SO-1 by HGV, SO-2 by rail."""
    await record(hass)
    await record(
        hass,
        order_id="SO-2",
        time="2025-03-02T09:00:00+00:00",
        quantity=40,
        distance_km=1000,
        mode="rail",
    )


def assert_two_recorded(hass: HomeAssistant) -> None:
    """What ``record_two`` shows."""
    assert value(hass, TOTAL) == approx(SO_1_KG + SO_2_KG)
    assert value(hass, mode_entity(hass, "hgv")) == approx(SO_1_KG)
    assert value(hass, mode_entity(hass, "rail")) == approx(SO_2_KG)
    last = hass.states.get(LAST)
    assert last.state == "2025-03-02T09:00:00+00:00"
    assert last.attributes["order_id"] == "SO-2"


async def test_reload_right_after_records_keeps_the_ledger(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    entry = await setup_entry(hass)
    await record_two(hass)
    assert set(hass_storage[STORE_KEY]["data"]["orders"]) == {"SO-1", "SO-2"}  # before the answer

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert set(hass_storage[STORE_KEY]["data"]["orders"]) == {"SO-1", "SO-2"}
    assert_two_recorded(hass)
    # The orders are known again: the same record is no change.
    answer = await record(hass)
    assert answer["results"][0]["outcome"] == "unchanged"
    assert value(hass, TOTAL) == approx(SO_1_KG + SO_2_KG)


async def test_mode_sensors_after_reload(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """The modes counted come back with the entry; a new mode adds its sensor once."""
    entry = await setup_entry(hass)
    await record(hass)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert value(hass, mode_entity(hass, "hgv")) == approx(SO_1_KG)

    await record(hass, order_id="SO-2", quantity=40, distance_km=1000, mode="rail")
    assert value(hass, mode_entity(hass, "rail")) == approx(SO_2_KG)
    mode_sensors = [
        entity.unique_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), ENTRY_ID)
        if "_mode_" in entity.unique_id
    ]
    assert sorted(mode_sensors) == [f"{ENTRY_ID}_mode_hgv", f"{ENTRY_ID}_mode_rail"]
    assert "Traceback" not in caplog.text
    assert "already" not in caplog.text


async def test_on_disk_when_the_action_answers(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """An acknowledged order is durable: the action answers once its records are written."""
    entry = await setup_entry(hass)
    await record_two(hass)

    saved = hass_storage[STORE_KEY]
    assert saved["version"] == 1
    assert saved["data"]["last_order"] == "SO-2"
    orders = saved["data"]["orders"]
    assert set(orders) == {"SO-1", "SO-2"}
    assert orders["SO-1"][1] == pytest.approx(SO_1_KG)
    assert orders["SO-1"][2] == "hgv"
    assert orders["SO-1"][3] == "2025-03-01T08:30:00+00:00"
    assert orders["SO-2"][1] == pytest.approx(SO_2_KG)
    assert orders["SO-2"][2] == "rail"

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.ledger.total.value == approx(SO_1_KG + SO_2_KG)
    assert_two_recorded(hass)


async def test_loaded_from_storage_at_setup(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    hass_storage[STORE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORE_KEY,
        "data": {
            "orders": {
                "SO-1": [
                    ["2025-03-01T08:30:00+00:00", "widget", 20.0, 340.0, "hgv", None, None],
                    SO_1_KG,
                    "hgv",
                    "2025-03-01T08:30:00+00:00",
                ],
                "SO-2": [
                    ["2025-03-02T09:00:00+00:00", "widget", 40.0, 1000.0, "rail", None, None],
                    SO_2_KG,
                    "rail",
                    "2025-03-02T09:00:00+00:00",
                ],
            },
            "last_order": "SO-2",
        },
    }
    await setup_entry(hass)
    assert_two_recorded(hass)

    # The stored fingerprint is the record's: sent again it changes nothing.
    answer = await record(hass)
    assert answer["results"][0]["outcome"] == "unchanged"
    # Changed, it corrects the stored figure.
    answer = await record(hass, quantity=10)
    assert answer["results"][0]["outcome"] == "corrected"
    assert value(hass, TOTAL) == approx(SO_1_CORRECTED_KG + SO_2_KG)


async def test_empty_storage(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    hass_storage[STORE_KEY] = {"version": 1, "minor_version": 1, "key": STORE_KEY, "data": {}}
    entry = await setup_entry(hass)
    assert value(hass, TOTAL) == 0.0
    assert entry.runtime_data.last_shipment() is None


# --------------------------------------------------------------------------------------------------
# Diagnostics and removal
# --------------------------------------------------------------------------------------------------


async def test_diagnostics(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> None:
    entry = await setup_entry(hass)
    await record_two(hass)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics["kind"] == "logistics"
    assert diagnostics["data"] == {"kind": "logistics", "webhook_id": "**REDACTED**"}
    assert diagnostics["options"] == {
        "port": 7,
        "method": "tonne_km",
        "products": [WIDGET, CRATE],
        "modes": {},
    }
    assert diagnostics["orders"] == 2
    assert diagnostics["total_kg"] == approx(SO_1_KG + SO_2_KG)
    assert diagnostics["by_mode_kg"] == {"hgv": approx(SO_1_KG), "rail": approx(SO_2_KG)}
    assert diagnostics["last_order"] == "SO-2"
    assert WEBHOOK_ID not in str(diagnostics)


async def test_removing_the_entry_removes_its_store_and_entities(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    other = await setup_entry(
        hass,
        MockConfigEntry(
            domain=DOMAIN,
            title="Depot",
            data={"kind": "logistics", "webhook_id": "depot"},
            minor_version=3,
            entry_id="logistics_depot",
            options={"port": 8, "method": "tonne_km", "products": [WIDGET], "modes": {}},
        ),
    )
    entry = await setup_entry(hass)
    await record_two(hass)
    await hass.services.async_call(
        DOMAIN, "record_shipment", {"port": 8, **SHIPMENT}, blocking=True
    )
    # Written: by the delayed save's flush on unload, here by a reload.
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert await hass.config_entries.async_reload(other.entry_id)
    await hass.async_block_till_done()
    assert STORE_KEY in hass_storage
    assert "carbon_tracker.logistics.logistics_depot" in hass_storage
    ids = [e.entity_id for e in er.async_entries_for_config_entry(er.async_get(hass), ENTRY_ID)]
    assert sorted(ids) == sorted(
        [TOTAL, LAST, "sensor.warehouse_emissions_by_hgv", "sensor.warehouse_emissions_by_rail"]
    )

    await record(hass, order_id="SO-4")  # unsaved when the entry goes
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert STORE_KEY not in hass_storage
    assert not er.async_entries_for_config_entry(er.async_get(hass), ENTRY_ID)
    assert all(hass.states.get(entity_id) is None for entity_id in ids)
    assert not dr.async_entries_for_config_entry(dr.async_get(hass), ENTRY_ID)

    # Later delayed saves do not bring it back; the other entry keeps its ledger.
    async_fire_time_changed(hass, fire_all=True)
    await hass.async_block_till_done()
    assert STORE_KEY not in hass_storage
    assert "carbon_tracker.logistics.logistics_depot" in hass_storage
    assert value(hass, "sensor.depot_logistics_emissions") == approx(SO_1_KG)


async def test_batch_counts_only_good_records(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Bad records in a batch (by the action, by the webhook) leave the sensors untouched."""
    assert await async_setup_component(hass, "webhook", {})
    await setup_entry(hass)
    response = await hass.services.async_call(
        DOMAIN,
        "record_shipment",
        {"port": 7, "records": [SHIPMENT, {**SHIPMENT, "order_id": "SO-2", "quantity": -1}]},
        blocking=True,
        return_response=True,
    )
    assert response["accepted"] == 1
    assert response["results"][1] == refusal("SO-2", "record_bad_quantity", "-1")
    # Said for people too, in the server's language.
    assert response["results"][1]["message"] == "The quantity -1 is not a number above zero."
    client = await hass_client_no_auth()
    reply = await client.post(
        f"/api/webhook/{WEBHOOK_ID}",
        json=["not a record", {**SHIPMENT, "order_id": "SO-3", "mode": "rail"}],
    )
    assert reply.status == 200
    answer = await reply.json()
    assert answer["accepted"] == 1
    assert answer["results"][0]["error"] == "record_missing_field"
    await hass.async_block_till_done()

    rail_kg = 0.25 * 340 * 0.02779
    assert value(hass, TOTAL) == approx(SO_1_KG + rail_kg)
    assert value(hass, mode_entity(hass, "rail")) == approx(rail_kg)
    assert hass.states.get(LAST).attributes["order_id"] == "SO-3"


async def test_webhook_served_without_setting_it_up_first(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The entry registers a webhook: HA must load the webhook component for it."""
    await setup_entry(hass)
    client = await hass_client_no_auth()
    reply = await client.post(f"/api/webhook/{WEBHOOK_ID}", json=SHIPMENT)
    assert reply.status == 200
