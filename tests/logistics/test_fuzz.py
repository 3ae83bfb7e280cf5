"""Fuzzing every way records come in: webhook bodies, the action's fields, CSV files.

Each example asserts a correct outcome or a refusal the sender can read (a status and an error
key, or a translated error), never an internal error; a refusal changes nothing, including after
the entry is loaded again from its store.
"""

from __future__ import annotations

import json
from math import isfinite
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from hypothesis import HealthCheck, event, given, settings, strategies as st
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.carbon_tracker.const import DOMAIN
from custom_components.carbon_tracker.logistics.intake import RECORD_FIELDS
from tests.logistics.conftest import HOOK, shipment, write_import
from tests.strategies import hostile, json_values, records_like

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RESULT_KEYS = ({"order_id", "outcome", "kg"}, {"order_id", "error", "detail", "message"})


def ledger_of(entry: MockConfigEntry) -> tuple[float, dict[str, Any]]:
    """The ledger's total and orders (a copy)."""
    ledger = entry.runtime_data.ledger
    return ledger.total.value, dict(ledger.orders)


async def reloaded(hass: HomeAssistant, entry: MockConfigEntry) -> tuple[float, dict[str, Any]]:
    """The ledger as the entry reads it back from its store."""
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    return ledger_of(entry)


def check_answer(answer: dict[str, Any], sent: int) -> None:
    """An answer per record, each an outcome or an error, and the counts add up."""
    results = answer["results"]
    assert len(results) == sent
    assert answer["accepted"] + answer["refused"] == sent
    for result in results:
        assert set(result) in RESULT_KEYS, result
        if "kg" in result:
            assert isfinite(result["kg"])
            assert result["kg"] >= 0


bodies = (
    json_values.map(lambda value: json.dumps(value).encode())
    | st.binary(max_size=200)
    | st.lists(records_like(RECORD_FIELDS), max_size=4).map(lambda rows: json.dumps(rows).encode())
    | records_like(RECORD_FIELDS).map(lambda row: json.dumps({"records": [row]}).encode())
)


@FUZZ
@given(body=bodies)
async def test_any_webhook_body(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    body: bytes,
) -> None:
    client = await hass_client_no_auth()
    before = ledger_of(entry)
    response = await client.post(HOOK, data=body, headers={"Content-Type": "application/json"})
    assert response.status in {200, 400}, await response.text()
    answer = await response.json()
    if response.status == 400:
        event(f"refused: {answer['error']}")
        assert answer["error"] in {"not_json", "not_records"}
        assert ledger_of(entry) == before
        assert await reloaded(hass, entry) == before
        return
    payload = json.loads(body)
    sent = (
        len(payload["records"])
        if isinstance(payload, dict) and isinstance(payload.get("records"), list)
        else len(payload)
        if isinstance(payload, list)
        else 1
    )
    check_answer(answer, sent)
    event(f"answered, {answer['accepted']} taken")
    after = ledger_of(entry)
    assert isfinite(after[0])
    if answer["accepted"] == 0:
        assert after == before
    assert await reloaded(hass, entry) == after


@FUZZ
@given(fields=records_like(RECORD_FIELDS))
async def test_any_action_fields(
    hass: HomeAssistant, entry: MockConfigEntry, fields: dict[str, Any]
) -> None:
    fields.pop("", None)
    before = ledger_of(entry)
    try:
        answer = await hass.services.async_call(
            DOMAIN,
            "record_shipment",
            {"port": 20, **fields},
            blocking=True,
            return_response=True,
        )
    except vol.Invalid, ServiceValidationError:
        assert ledger_of(entry) == before
        return
    assert answer is not None
    check_answer(dict(answer), 1)
    if answer["accepted"] == 0:
        assert ledger_of(entry) == before
    assert isfinite(ledger_of(entry)[0])


CSV_CELLS = st.text(max_size=12) | st.sampled_from(["\x00", '"', "\r\n", "9" * 300])
GOOD_FILE = (
    "order_id,time,model,quantity,distance_km,mode\n"
    + ",".join(str(value) for value in shipment("F-1").values())
    + "\n"
)
CSV_CELLS = st.text(max_size=12) | st.sampled_from(["\x00", '"', "\r\n", "9" * 300])
GOOD_FILE = (
    "order_id,time,model,quantity,distance_km,mode\n"
    + ",".join(str(value) for value in shipment("F-1").values())
    + "\n"
)
csv_files = (
    st.binary(max_size=300)
    | st.lists(st.lists(CSV_CELLS, max_size=9), max_size=5).map(
        lambda rows: "\n".join(",".join(row) for row in rows).encode()
    )
    | st.sampled_from(["utf-8", "utf-16", "latin-1", "utf-16-le"]).map(GOOD_FILE.encode)
)


@FUZZ
@given(content=csv_files)
async def test_any_import_file(hass: HomeAssistant, entry: MockConfigEntry, content: bytes) -> None:
    await write_import(hass, "fuzz.csv", content)
    before = ledger_of(entry)
    try:
        answer = await hass.services.async_call(
            DOMAIN,
            "import_shipments",
            {"port": 20, "file": "fuzz.csv"},
            blocking=True,
            return_response=True,
        )
    except ServiceValidationError as err:
        refused: ServiceValidationError | None = err
    else:
        refused = None
    if refused is not None:
        assert refused.translation_key is not None  # a translated refusal, not a crash
        assert ledger_of(entry) == before
        return
    assert answer is not None
    assert answer["file"] == "fuzz.csv"
    counts = {key: answer[key] for key in ("accepted", "refused", "results")}
    check_answer(counts, len(answer["results"]))
    if answer["accepted"] == 0:
        assert ledger_of(entry) == before


@FUZZ
@given(value=hostile)
async def test_any_value_in_any_field_of_a_good_record(
    hass: HomeAssistant, entry: MockConfigEntry, value: Any
) -> None:
    """One field at a time made hostile, in a batch with a good record: the good one counts,
    whatever the other is."""
    for field in RECORD_FIELDS:
        good = shipment(f"G-{field}")
        bad = {**shipment(f"B-{field}"), field: value}
        answer = await hass.services.async_call(
            DOMAIN,
            "record_shipment",
            {"port": 20, "records": [bad, good]},
            blocking=True,
            return_response=True,
        )
        assert answer is not None
        check_answer(dict(answer), 2)
        assert "outcome" in answer["results"][1]
        assert f"G-{field}" in entry.runtime_data.ledger.orders
