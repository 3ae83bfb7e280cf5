"""Shipment records coming in: the record_shipment action, the warehouse webhook and CSV imports,
and the ledger surviving a reload. Every kilogram is computed by hand from the catalogue:
A1 weighs 12.5 kg, B2 2 kg; hgv 0.10163 kg CO2e per tonne-km (DESNZ 2025), inland waterway
0.03 (the entry's override)."""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator
from ipaddress import ip_address
import json
from math import fsum
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.durable import RETRY_DELAY
from custom_components.carbon_tracker.logistics import intake
from custom_components.carbon_tracker.logistics.runtime import LogisticsRuntime
from tests.common import add_nodes, refusal, refusing_disk, setup_node
from tests.logistics.conftest import (
    HOOK,
    logistics_entry,
    record_shipment,
    shipment,
    write_import,
)

HGV = 0.10163
WATERWAY = 0.03
KG_PER_UNIT = {"A1": 12.5, "B2": 2.0}
CSV_HEADER = "order_id,time,model,quantity,distance_km,mode,origin,destination"


def tonne_km(model: str, quantity: float, distance: float, intensity: float) -> float:
    """The kg of a shipment by hand: mass in tonnes x km x kg per tonne-km."""
    return KG_PER_UNIT[model] * quantity / 1000.0 * distance * intensity


SO_1_KG = 0.25 * 340 * HGV  # 8.63855 kg


def runtime_of(entry: MockConfigEntry) -> LogisticsRuntime:
    """The entry's ledger and who shows it."""
    runtime: LogisticsRuntime = entry.runtime_data
    return runtime


def total(entry: MockConfigEntry) -> float:
    """The ledger's total in kg."""
    return runtime_of(entry).ledger.total.value


def emissions_state(hass: HomeAssistant, entry: MockConfigEntry) -> float:
    """The total as its sensor shows it."""
    entity_id = er.async_get(hass).async_get_entity_id(
        Platform.SENSOR, DOMAIN, f"{entry.entry_id}_emissions"
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


async def import_file(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call import_shipments and return its answer."""
    response = await hass.services.async_call(
        DOMAIN, "import_shipments", {"port": 20, **data}, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


# --------------------------------------------------------------------------------------------------
# record_shipment
# --------------------------------------------------------------------------------------------------


async def test_one_record_from_fields_by_port_and_by_entry_id(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    answer = await record_shipment(hass, port=20, **shipment("SO-1"))
    assert answer == {
        "accepted": 1,
        "refused": 0,
        "results": [{"order_id": "SO-1", "outcome": "added", "kg": round(SO_1_KG, 6)}],
    }
    assert answer["results"][0]["kg"] == 8.63855
    assert total(entry) == pytest.approx(8.63855, abs=1e-9)
    assert emissions_state(hass, entry) == pytest.approx(8.63855, abs=1e-9)

    # 10 x B2 = 20 kg = 0.02 t, 200 km by inland waterway at the entry's 0.03.
    answer = await record_shipment(
        hass,
        config_entry_id=entry.entry_id,
        **shipment("SO-2", model="B2", quantity=10, distance_km=200, mode="inland_waterway"),
        origin="Suzhou warehouse",
        destination="Shanghai port",
    )
    assert answer["results"] == [{"order_id": "SO-2", "outcome": "added", "kg": 0.12}]
    assert total(entry) == pytest.approx(8.63855 + 0.12, abs=1e-9)
    assert runtime_of(entry).ledger.mode_totals() == {
        "hgv": pytest.approx(8.63855, abs=1e-9),
        "inland_waterway": pytest.approx(0.12, abs=1e-9),
    }
    last = runtime_of(entry).last_shipment()
    assert last is not None
    assert last["order_id"] == "SO-2"


BAD_RECORDS: list[tuple[Any, str | None, str, str]] = [
    # (record, order id in the answer, error key, detail)
    ({k: v for k, v in shipment("BAD-1").items() if k != "mode"}, "BAD-1", "missing_field", "mode"),
    (shipment("BAD-2", model="  "), "BAD-2", "missing_field", "model"),
    (shipment("BAD-3", time="yesterday"), "BAD-3", "bad_time", "yesterday"),
    (shipment("BAD-4", time="2026-11-25T09:30:00"), "BAD-4", "bad_time", "2026-11-25T09:30:00"),
    (shipment("BAD-5", model="Z9"), "BAD-5", "unknown_product", "Z9"),
    (shipment("BAD-6", mode="teleport"), "BAD-6", "unknown_mode", "teleport"),
    (shipment("BAD-7", quantity=-1), "BAD-7", "bad_quantity", "-1"),
    (shipment("BAD-8", quantity="lots"), "BAD-8", "bad_quantity", "lots"),
    (shipment("BAD-9", distance_km=0), "BAD-9", "bad_distance", "0"),
    (shipment("BAD-10", distance_km="far"), "BAD-10", "bad_distance", "far"),
    # Finite, yet beyond any real shipment: totals would overflow.
    (
        shipment("BAD-11", quantity=1e300, distance_km=1e300),
        "BAD-11",
        "out_of_range",
        "quantity 1e+300 > 1e+09",
    ),
    (shipment("BAD-12", distance_km=60000), "BAD-12", "out_of_range", "distance_km 60000 > 50000"),
    # 12.5 kg x 1e8 units = 1.25 Mt in one record.
    (shipment("BAD-13", quantity=1e8), "BAD-13", "out_of_range", "tonnes 1.25e+06 > 1e+06"),
    # Valid ISO 8601 that no time in UTC can be, and a year no shipment has.
    (
        shipment("BAD-14", time="0001-01-01T00:00+01:00"),
        "BAD-14",
        "bad_time",
        "0001-01-01T00:00+01:00",
    ),
    (
        shipment("BAD-15", time="1850-01-01T00:00+00:00"),
        "BAD-15",
        "out_of_range",
        "time 1850-01-01T00:00+00:00",
    ),
]
GOOD_RECORDS = [
    (shipment("OK-1"), SO_1_KG),
    (
        shipment("OK-2", model="B2", quantity=10, distance_km=100),
        tonne_km("B2", 10, 100, HGV),  # 0.02 t x 100 km x 0.10163 = 0.20326 kg
    ),
    (
        shipment("OK-3", quantity="40", distance_km="200", mode="inland_waterway"),
        tonne_km("A1", 40, 200, WATERWAY),  # 0.5 t x 200 km x 0.03 = 3 kg
    ),
]


async def test_batch_with_good_and_bad_records(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Each bad record is refused with its key, the good ones are counted, nothing else."""
    records = [GOOD_RECORDS[0][0], *(bad[0] for bad in BAD_RECORDS)]
    records += [good[0] for good in GOOD_RECORDS[1:]]
    answer = await record_shipment(hass, port=20, records=records)

    assert answer["accepted"] == 3
    assert answer["refused"] == len(BAD_RECORDS)
    results = answer["results"]
    assert len(results) == len(records)
    assert results[0] == {"order_id": "OK-1", "outcome": "added", "kg": 8.63855}
    assert results[-2] == {"order_id": "OK-2", "outcome": "added", "kg": 0.20326}
    assert results[-1] == {"order_id": "OK-3", "outcome": "added", "kg": 3.0}
    for result, (_, order_id, key, detail) in zip(results[1:-2], BAD_RECORDS, strict=True):
        assert result == refusal(order_id, f"record_{key}", detail)
    good_sum = fsum(kg for _, kg in GOOD_RECORDS)
    assert good_sum == pytest.approx(8.63855 + 0.20326 + 3.0, abs=1e-12)
    assert total(entry) == pytest.approx(good_sum, abs=1e-9)
    assert emissions_state(hass, entry) == pytest.approx(good_sum, abs=1e-9)
    assert set(runtime_of(entry).ledger.orders) == {"OK-1", "OK-2", "OK-3"}


async def test_no_intensity_for_the_method(hass: HomeAssistant) -> None:
    """Per-km: A1 has no kg CO2e per km; B2 has 0.002 per unit-km."""
    per_km = await setup_node(hass, logistics_entry(method="per_km"))
    answer = await record_shipment(
        hass,
        config_entry_id=per_km.entry_id,
        records=[shipment("PK-1"), shipment("PK-2", model="B2", quantity=10, distance_km=100)],
    )
    assert answer["results"] == [
        refusal("PK-1", "record_no_intensity", "A1"),
        # 100 km x 0.002 kg per km x 10 units x multiplier 1 = 2 kg.
        {"order_id": "PK-2", "outcome": "added", "kg": 2.0},
    ]
    assert total(per_km) == pytest.approx(2.0, abs=1e-12)


async def test_a_non_object_record_in_an_action_batch(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The action's schema takes objects only: a batch with a non-object is refused whole
    (the webhook reports such a record alone, see test_webhook_non_object_records)."""
    with pytest.raises(vol.Invalid):
        await record_shipment(hass, port=20, records=[shipment("OK-1"), "not a record", 7])
    assert total(entry) == 0.0


async def test_same_order_again_is_unchanged_and_a_correction_moves_the_total(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    await record_shipment(hass, port=20, records=[shipment("SO-1"), shipment("SO-2", quantity=40)])
    before = total(entry)
    assert before == pytest.approx(3 * SO_1_KG, abs=1e-9)

    # The same content, even written with another UTC offset, changes nothing.
    again = await record_shipment(
        hass, port=20, **shipment("SO-1", time="2026-11-25T01:30:00+00:00", quantity=20.0)
    )
    assert again["results"] == [{"order_id": "SO-1", "outcome": "unchanged", "kg": 8.63855}]
    assert total(entry) == before

    # SO-2 was 40 units; it really was 30 by rail (0.375 t x 340 km x 0.02779 kg/t-km).
    corrected = await record_shipment(hass, port=20, **shipment("SO-2", quantity=30, mode="rail"))
    new_kg = tonne_km("A1", 30, 340, 0.02779)
    assert corrected["results"] == [
        {"order_id": "SO-2", "outcome": "corrected", "kg": round(new_kg, 6)}
    ]
    assert total(entry) == pytest.approx(before - 2 * SO_1_KG + new_kg, abs=1e-9)
    assert runtime_of(entry).ledger.mode_totals() == {
        "hgv": pytest.approx(SO_1_KG, abs=1e-9),
        "rail": pytest.approx(new_kg, abs=1e-9),
    }
    assert emissions_state(hass, entry) == pytest.approx(total(entry), abs=1e-9)
    # A per-mode sensor came with the first rail shipment.
    registry = er.async_get(hass)
    assert registry.async_get_entity_id(Platform.SENSOR, DOMAIN, f"{entry.entry_id}_mode_rail")


@pytest.mark.parametrize(
    "target",
    [{"port": 21}, {"config_entry_id": "nope"}, {}, {"port": 1}],
    ids=["other_port", "unknown_id", "none", "node_port"],
)
async def test_unknown_entry_is_refused(
    hass: HomeAssistant, entry: MockConfigEntry, target: dict[str, Any]
) -> None:
    await add_nodes(hass, 1)  # a node's port is no logistics entry
    with pytest.raises(ServiceValidationError) as raised:
        await record_shipment(hass, **target, **shipment("SO-1"))
    assert raised.value.translation_key == "not_a_logistics_entry"
    assert total(entry) == 0.0


async def test_an_unloaded_entry_is_refused(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as raised:
        await record_shipment(hass, port=20, **shipment("SO-1"))
    assert raised.value.translation_key == "not_a_logistics_entry"
    assert str(raised.value) == "20 is not a loaded Carbon Tracker logistics entry"


# --------------------------------------------------------------------------------------------------
# Webhook
# --------------------------------------------------------------------------------------------------


async def test_webhook_one_record_a_list_and_records(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()

    response = await client.post(HOOK, json=shipment("W-1"))
    assert response.status == 200
    assert await response.json() == {
        "accepted": 1,
        "refused": 0,
        "results": [{"order_id": "W-1", "outcome": "added", "kg": 8.63855}],
    }

    response = await client.post(HOOK, json=[shipment("W-2"), shipment("W-3", model="Z9")])
    assert response.status == 200
    assert await response.json() == {
        "accepted": 1,
        "refused": 1,
        "results": [
            {"order_id": "W-2", "outcome": "added", "kg": 8.63855},
            refusal("W-3", "record_unknown_product", "Z9"),
        ],
    }

    response = await client.post(HOOK, json={"records": [shipment("W-1"), shipment("W-4")]})
    assert response.status == 200
    assert await response.json() == {
        "accepted": 2,
        "refused": 0,
        "results": [
            {"order_id": "W-1", "outcome": "unchanged", "kg": 8.63855},
            {"order_id": "W-4", "outcome": "added", "kg": 8.63855},
        ],
    }
    assert total(entry) == pytest.approx(3 * SO_1_KG, abs=1e-9)
    assert emissions_state(hass, entry) == pytest.approx(3 * SO_1_KG, abs=1e-9)


async def test_webhook_non_object_records(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    response = await client.post(HOOK, json=[shipment("W-1"), "text", 7, None, [1]])
    assert response.status == 200
    body = await response.json()
    assert body["accepted"] == 1
    assert body["refused"] == 4
    refused_record = refusal(None, "record_missing_field", "record")
    assert body["results"][1:] == [refused_record] * 4
    assert total(entry) == pytest.approx(SO_1_KG, abs=1e-9)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "not_json"),
        (b"", "not_json"),
        (b"\xff\xfe\x00", "not_json"),
        (b'"a string"', "not_records"),
        (b"42", "not_records"),
        (b"null", "not_records"),
        # Nested deeper than the JSON parser goes (it raises RecursionError, not ValueError).
        (b"[" * 200_000 + b"]" * 200_000, "not_json"),
    ],
)
async def test_webhook_bad_bodies(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    body: bytes,
    error: str,
) -> None:
    client = await hass_client_no_auth()
    response = await client.post(HOOK, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert await response.json() == {"error": error}
    assert total(entry) == 0.0


def chunked(body: bytes, size: int = 16) -> AsyncIterator[bytes]:
    """The body sent in small chunks, without a Content-Length (chunked transfer encoding)."""

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), size):
            yield body[start : start + size]

    return chunks()


async def test_webhook_body_over_the_limit_by_its_length(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Refused by its Content-Length before anything is read; exactly at the limit is fine."""
    client = await hass_client_no_auth()
    big = json.dumps([shipment(f"B-{index}") for index in range(4)]).encode()
    limit = len(big) - 1
    with patch.object(intake, "MAX_BODY_BYTES", limit):
        response = await client.post(HOOK, data=big)
        assert response.status == 413
        assert await response.json() == {"error": "body_too_large", "limit_bytes": limit}
    assert total(entry) == 0.0
    with patch.object(intake, "MAX_BODY_BYTES", len(big)):
        response = await client.post(HOOK, data=big)
        assert response.status == 200
        assert (await response.json())["accepted"] == 4


async def test_webhook_body_over_the_limit_while_reading(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """No Content-Length (chunked): the body is refused once reading passes the limit."""
    client = await hass_client_no_auth()
    big = json.dumps([shipment(f"B-{index}") for index in range(4)]).encode()
    limit = len(big) - 1
    with patch.object(intake, "MAX_BODY_BYTES", limit):
        response = await client.post(HOOK, data=chunked(big, size=len(big)))
        assert response.status == 413
        assert await response.json() == {"error": "body_too_large", "limit_bytes": limit}
    assert total(entry) == 0.0


async def test_webhook_body_in_many_chunks(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A body that arrives in parts is read whole: under the limit it is counted, over the limit
    it is refused with 413 (not 400 for a half-read body)."""
    client = await hass_client_no_auth()
    big = json.dumps([shipment(f"B-{index}") for index in range(4)]).encode()
    with patch.object(intake, "MAX_BODY_BYTES", len(big) - 1):
        response = await client.post(HOOK, data=chunked(big))
        assert response.status == 413
    assert total(entry) == 0.0
    response = await client.post(HOOK, data=chunked(big))
    assert response.status == 200, await response.text()
    assert (await response.json())["accepted"] == 4
    assert total(entry) == pytest.approx(4 * SO_1_KG, abs=1e-9)


async def test_webhook_too_many_records(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    with patch.object(intake, "MAX_RECORDS", 2):
        response = await client.post(HOOK, json=[shipment(f"M-{index}") for index in range(3)])
    assert response.status == 413
    assert await response.json() == {"error": "too_many_records", "limit": 2}
    assert total(entry) == 0.0


async def test_webhook_wrong_id_or_method_changes_nothing(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    # HA answers 200 for an unknown id: it never tells whether a hook exists.
    response = await client.post("/api/webhook/guessed-hook", json=shipment("X-1"))
    assert response.status == 200
    response = await client.put(HOOK, json=shipment("X-2"))
    assert response.status == 405
    assert total(entry) == 0.0
    assert runtime_of(entry).ledger.orders == {}


async def test_webhook_refuses_a_remote_request(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Local only: a request from a public address is dropped (HA answers 200 regardless)."""
    client = await hass_client_no_auth()
    with patch(
        "homeassistant.components.webhook.ip_address",
        return_value=ip_address("123.123.123.123"),
    ):
        response = await client.post(HOOK, json=shipment("R-1"))
    assert response.status == 200
    assert await response.read() == b""
    # A forwarded-for header is not trusted without a configured proxy: still refused.
    response = await client.post(
        HOOK, json=shipment("R-2"), headers={"X-Forwarded-For": "192.168.1.10"}
    )
    assert total(entry) == 0.0
    assert runtime_of(entry).ledger.orders == {}


async def test_webhook_gone_after_unload(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    runtime = runtime_of(entry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    response = await client.post(HOOK, json=shipment("U-1"))
    assert response.status == 200
    assert await response.read() == b""
    assert runtime.ledger.orders == {}


async def test_webhook_ten_thousand_records(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A day of a busy warehouse in one post: all counted, exactly."""
    records = [
        shipment(
            f"D-{index}",
            model="A1" if index % 3 else "B2",
            quantity=1 + index % 7,
            distance_km=10 + index % 500,
            mode="hgv" if index % 2 else "inland_waterway",
        )
        for index in range(10_000)
    ]
    expected = fsum(
        tonne_km(
            r["model"], r["quantity"], r["distance_km"], HGV if r["mode"] == "hgv" else WATERWAY
        )
        for r in records
    )
    client = await hass_client_no_auth()
    response = await client.post(HOOK, json=records)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["accepted"] == 10_000
    assert body["refused"] == 0
    assert all(result["outcome"] == "added" for result in body["results"])
    assert total(entry) == pytest.approx(expected, abs=1e-9)
    assert emissions_state(hass, entry) == pytest.approx(expected, abs=1e-9)


async def test_webhook_is_reachable_with_the_entry_alone(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Setting up the entry brings HA's webhook component (its HTTP view) with it."""
    entry = await setup_node(hass, logistics_entry())
    client = await hass_client_no_auth()
    response = await client.post(HOOK, json=shipment("E-1"))
    assert response.status == 200
    assert total(entry) == pytest.approx(SO_1_KG, abs=1e-9)


# --------------------------------------------------------------------------------------------------
# import_shipments
# --------------------------------------------------------------------------------------------------


async def test_import_csv(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    rows = [
        CSV_HEADER,
        "C-1,2026-11-25T09:30:00+08:00,A1,20,340,hgv,Suzhou warehouse,Shanghai port",
        "C-2,2026-11-25T10:00:00+08:00,B2,10,100,hgv,,",
        "C-3,2026-11-25T11:00:00+08:00,A1,40,200,inland_waterway,Suzhou,Ningbo",
        "C-4,not a time,A1,1,1,hgv,,",
        "C-5,2026-11-25T11:00:00+08:00,Z9,1,1,hgv,,",
        "C-6,2026-11-25T11:00:00+08:00,A1,,1,hgv,,",
        "C-7,2026-11-25T11:00:00+08:00,A1,1,-5,hgv,,",
        "C-8,2026-11-25T11:00:00+08:00,A1,1,1,zeppelin,,",
    ]
    await write_import(hass, "november.csv", "\n".join(rows) + "\n")
    answer = await import_file(hass, file="november.csv")
    assert answer == {
        "file": "november.csv",
        "accepted": 3,
        "refused": 5,
        "results": [
            {"order_id": "C-1", "outcome": "added", "kg": 8.63855},
            {"order_id": "C-2", "outcome": "added", "kg": 0.20326},
            {"order_id": "C-3", "outcome": "added", "kg": 3.0},
            refusal("C-4", "record_bad_time", "not a time"),
            refusal("C-5", "record_unknown_product", "Z9"),
            refusal("C-6", "record_missing_field", "quantity"),
            refusal("C-7", "record_bad_distance", "-5"),
            refusal("C-8", "record_unknown_mode", "zeppelin"),
        ],
    }
    expected = SO_1_KG + tonne_km("B2", 10, 100, HGV) + tonne_km("A1", 40, 200, WATERWAY)
    assert total(entry) == pytest.approx(expected, abs=1e-9)
    # Importing the same file again changes nothing.
    again = await import_file(hass, file="november.csv")
    assert again["accepted"] == 3
    assert {r.get("outcome") for r in again["results"][:3]} == {"unchanged"}
    assert total(entry) == pytest.approx(expected, abs=1e-9)


async def test_import_csv_with_a_bom_and_crlf(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    text = f"{CSV_HEADER}\r\nB-1,2026-11-25T09:30:00+08:00,A1,20,340,hgv,Suzhou,Shanghai\r\n"
    await write_import(hass, "bom.csv", b"\xef\xbb\xbf" + text.encode())
    answer = await import_file(hass, file="bom.csv")
    assert answer["results"] == [{"order_id": "B-1", "outcome": "added", "kg": 8.63855}]
    assert total(entry) == pytest.approx(SO_1_KG, abs=1e-9)


async def test_import_in_a_sub_folder(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await write_import(
        hass, "2026/dec.csv", f"{CSV_HEADER}\nS-1,2026-12-01T00:00:00Z,A1,20,340,hgv,,\n"
    )
    answer = await import_file(hass, file="2026/dec.csv")
    assert answer["accepted"] == 1
    assert total(entry) == pytest.approx(SO_1_KG, abs=1e-9)


async def test_import_refuses_paths_outside_the_folder(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Nothing outside ``<config>/carbon_tracker/imports/`` is read, even a good CSV."""
    good = f"{CSV_HEADER}\nP-1,2026-11-25T09:30:00+08:00,A1,20,340,hgv,,\n"
    secret = Path(hass.config.path("carbon_tracker", "secret.csv"))
    outside = Path(hass.config.path("outside.csv"))

    def write() -> None:
        secret.parent.mkdir(parents=True, exist_ok=True)
        secret.write_text(good, encoding="utf-8")
        outside.write_text(good, encoding="utf-8")

    await hass.async_add_executor_job(write)
    await write_import(hass, "inside.csv", good)
    folder = hass.config.path("carbon_tracker", "imports")
    for name in ("../secret.csv", "../../outside.csv", str(secret), str(outside), "a/../../x"):
        with pytest.raises(ServiceValidationError) as raised:
            await import_file(hass, file=name)
        assert raised.value.translation_key == "path_outside_import_folder"
        assert raised.value.translation_placeholders == {"file": name, "folder": folder}
        assert str(raised.value) == f"{name} is outside the import folder {folder}"
    assert total(entry) == 0.0


async def test_import_refuses_a_symlink_out_of_the_folder(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    outside = Path(hass.config.path("outside.csv"))
    link = await write_import(hass, "placeholder.csv", "")

    def make_link() -> None:
        outside.write_text(f"{CSV_HEADER}\nL-1,2026-11-25T09:30:00+08:00,A1,20,340,hgv,,\n")
        link.unlink()
        link.symlink_to(outside)

    await hass.async_add_executor_job(make_link)
    with pytest.raises(ServiceValidationError) as raised:
        await import_file(hass, file="placeholder.csv")
    assert raised.value.translation_key == "path_outside_import_folder"
    assert total(entry) == 0.0


async def test_import_missing_file_or_a_folder(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    folder = hass.config.path("carbon_tracker", "imports")
    with pytest.raises(ServiceValidationError) as raised:
        await import_file(hass, file="nothing.csv")
    assert raised.value.translation_key == "import_file_not_found"
    assert str(raised.value) == f"nothing.csv is not in the import folder {folder}"
    await write_import(hass, "sub/x.csv", "")
    with pytest.raises(ServiceValidationError) as raised:
        await import_file(hass, file="sub")
    assert raised.value.translation_key == "import_file_not_found"


async def test_import_too_large(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    content = f"{CSV_HEADER}\nT-1,2026-11-25T09:30:00+08:00,A1,20,340,hgv,,\n"
    await write_import(hass, "big.csv", content)
    size = len(content.encode())
    with (
        patch.object(intake, "MAX_FILE_BYTES", size - 1),
        pytest.raises(ServiceValidationError) as raised,
    ):
        await import_file(hass, file="big.csv")
    assert raised.value.translation_key == "import_file_too_large"
    assert str(raised.value) == f"big.csv is larger than {size - 1} bytes"
    assert total(entry) == 0.0
    with patch.object(intake, "MAX_FILE_BYTES", size):
        assert (await import_file(hass, file="big.csv"))["accepted"] == 1


async def test_import_too_many_records(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    lines = [CSV_HEADER] + [f"N-{i},2026-11-25T09:30:00+08:00,A1,1,1,hgv,," for i in range(3)]
    await write_import(hass, "many.csv", "\n".join(lines))
    with patch.object(intake, "MAX_RECORDS", 2), pytest.raises(ServiceValidationError) as raised:
        await import_file(hass, file="many.csv")
    assert raised.value.translation_key == "too_many_records"
    assert str(raised.value) == "3 records; at most 2 at a time"
    assert total(entry) == 0.0


async def test_import_for_an_unknown_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await write_import(hass, "x.csv", f"{CSV_HEADER}\n")
    with pytest.raises(ServiceValidationError) as raised:
        await import_file(hass, port=99, file="x.csv")
    assert raised.value.translation_key == "not_a_logistics_entry"


# --------------------------------------------------------------------------------------------------
# Restart
# --------------------------------------------------------------------------------------------------


async def test_ledger_survives_a_reload_once_written(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    await record_shipment(
        hass,
        port=20,
        records=[
            shipment("SO-1"),
            shipment("SO-2", model="B2", quantity=10, distance_km=100),
            shipment("SO-3", quantity=40, distance_km=200, mode="inland_waterway"),
        ],
    )
    await record_shipment(
        hass, port=20, **shipment("SO-2", model="B2", quantity=15, distance_km=100)
    )
    before_orders = dict(runtime_of(entry).ledger.orders)
    before_total = total(entry)
    before_modes = runtime_of(entry).ledger.mode_totals()
    key = f"{DOMAIN}.logistics.{entry.entry_id}"
    # On disk by the time the action answered.
    assert set(hass_storage[key]["data"]["orders"]) == {"SO-1", "SO-2", "SO-3"}
    assert hass_storage[key]["data"]["last_order"] == "SO-2"

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert runtime_of(entry).ledger.orders == before_orders
    assert total(entry) == pytest.approx(before_total, abs=1e-12)
    assert runtime_of(entry).ledger.mode_totals() == pytest.approx(before_modes, abs=1e-12)
    assert emissions_state(hass, entry) == pytest.approx(before_total, abs=1e-9)
    last = runtime_of(entry).last_shipment()
    assert last is not None
    assert last["order_id"] == "SO-2"
    # Still idempotent after the reload.
    again = await record_shipment(hass, port=20, **shipment("SO-1"))
    assert again["results"][0]["outcome"] == "unchanged"


async def test_immediate_reload_keeps_the_records(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A reload (options changed, say) within the save delay must not lose a record, and the old
    entry's pending save must not later overwrite the new one's ledger."""
    await record_shipment(hass, port=20, **shipment("SO-1"))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert set(runtime_of(entry).ledger.orders) == {"SO-1"}
    assert total(entry) == pytest.approx(SO_1_KG, abs=1e-9)

    await record_shipment(hass, port=20, **shipment("SO-2"))
    key = f"{DOMAIN}.logistics.{entry.entry_id}"
    assert set(hass_storage[key]["data"]["orders"]) == {"SO-1", "SO-2"}


async def test_an_order_the_disk_refuses_is_not_acknowledged(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_storage: dict[str, Any],
) -> None:
    """Disk full: the action raises a translated error, the webhook answers 503; once the disk
    takes writes again, the same batch resent is acknowledged (once on disk) and counted once."""
    client = await hass_client_no_auth()
    key = f"{DOMAIN}.logistics.{entry.entry_id}"
    with refusing_disk():
        with pytest.raises(HomeAssistantError) as refused:
            await record_shipment(hass, port=20, **shipment("D-1"))
        assert refused.value.translation_key == "not_saved"
        response = await client.post(HOOK, json=shipment("D-2"))
        assert response.status == 503
        assert await response.json() == {"error": "not_saved", "retry_after_s": RETRY_DELAY}
    assert key not in hass_storage
    kg_each = total(entry) / 2
    assert kg_each > 0
    # The sender retries: both orders answered unchanged, after they are on disk.
    answer = await record_shipment(hass, port=20, **shipment("D-1"))
    assert answer["results"][0]["outcome"] == "unchanged"
    assert set(hass_storage[key]["data"]["orders"]) == {"D-1", "D-2"}
    response = await client.post(HOOK, json=shipment("D-2"))
    assert response.status == 200
    assert (await response.json())["results"][0]["outcome"] == "unchanged"
    assert total(entry) == pytest.approx(2 * kg_each)


UTF_ROW = "E-1,2026-11-25T09:30:00+08:00,A1,20,340,hgv,Zürich Lager,Ålesund"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
async def test_import_utf16_with_its_bom_is_read(
    hass: HomeAssistant, entry: MockConfigEntry, encoding: str
) -> None:
    """A spreadsheet's "Unicode text" export: UTF-16 with a byte order mark, unambiguous."""
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    text = f"{CSV_HEADER}\r\n{UTF_ROW}\r\n"
    await write_import(hass, "unicode.csv", bom + text.encode(encoding))
    answer = await import_file(hass, file="unicode.csv")
    assert answer["accepted"] == 1
    assert total(entry) == pytest.approx(SO_1_KG)


@pytest.mark.parametrize(
    ("content", "key", "shown"),
    [
        # Latin-1 (or any legacy code page): not told apart reliably, so refused with advice.
        (
            f"{CSV_HEADER}\n{UTF_ROW}\n".encode("latin-1"),
            "import_file_encoding",
            'bad.csv is not UTF-8 or UTF-16 text (byte 110 cannot be read). Save it as "CSV '
            'UTF-8" and import it again',
        ),
        (
            f"{CSV_HEADER}\nX-1,2026-11-25T09:30:00+08:00,A1,{'9' * 200_000},340,hgv,,\n".encode(),
            "import_file_not_csv",
            "bad.csv cannot be read as CSV: field larger than field limit (131072)",
        ),
    ],
)
async def test_import_of_what_is_not_csv_text_is_refused(
    hass: HomeAssistant, entry: MockConfigEntry, content: bytes, key: str, shown: str
) -> None:
    """A translated refusal, and nothing counted (no internal decoding or csv error)."""
    await write_import(hass, "bad.csv", content)
    with pytest.raises(ServiceValidationError) as raised:
        await import_file(hass, file="bad.csv")
    assert raised.value.translation_key == key
    assert str(raised.value) == shown
    assert total(entry) == 0.0


async def test_import_file_name_with_a_nul_is_refused(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await import_file(hass, file="orders\x00.csv")
    assert raised.value.translation_key == "import_file_name_invalid"
    assert str(raised.value) == "orders\\0.csv is not a file name (it holds a NUL character)"


async def test_import_with_a_nul_in_a_field_refuses_that_record(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Python's csv reads a NUL as a character: the record with it names no product."""
    rows = [CSV_HEADER, "X-1,2026-11-25T09:30:00+08:00,A1\x00,20,340,hgv,,", UTF_ROW]
    await write_import(hass, "nul.csv", "\n".join(rows) + "\n")
    answer = await import_file(hass, file="nul.csv")
    assert (answer["accepted"], answer["refused"]) == (1, 1)
    assert answer["results"][0]["error"] == "record_unknown_product"
    assert total(entry) == pytest.approx(SO_1_KG)
