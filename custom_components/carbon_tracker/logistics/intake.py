"""Where shipment records come in: the action, the warehouse webhook and CSV imports.

The webhook is HA's, with the entry's secret id, local-only (a warehouse system on the same
network); its body is limited in size. CSV files are read only from the import folder
``<config>/carbon_tracker/imports/``: a path that resolves outside it is refused, and so is a file
larger than the limit. Every answer lists each record's outcome or error.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from pathlib import Path
from typing import Any

from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_register_admin_service
import voluptuous as vol

from ..const import CONF_PORT, DOMAIN
from ..durable import RETRY_DELAY, NotSaved
from ..errors import CarbonTrackerError
from ..kinds import EntryKind, entries_of_kind
from .runtime import LogisticsRuntime
from .settings import CONF_WEBHOOK_ID

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_RECORDS = 100_000
IMPORT_FOLDER = Path(DOMAIN) / "imports"

SERVICE_RECORD_SHIPMENT = "record_shipment"
SERVICE_IMPORT_SHIPMENTS = "import_shipments"

_ENTRY = {
    vol.Exclusive(CONF_PORT, "entry"): vol.All(vol.Coerce(int), vol.Range(min=1, max=65535)),
    vol.Exclusive("config_entry_id", "entry"): cv.string,
}
RECORD_FIELDS = (
    "order_id",
    "time",
    "model",
    "quantity",
    "distance_km",
    "mode",
    "origin",
    "destination",
)
RECORD_SHIPMENT_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Optional("records"): vol.All(cv.ensure_list, [dict], vol.Length(max=MAX_RECORDS)),
        **{vol.Optional(name): vol.Any(str, int, float) for name in RECORD_FIELDS},
    }
)
IMPORT_SHIPMENTS_SCHEMA = vol.Schema({**_ENTRY, vol.Required("file"): cv.string})


# The translated error of the reports' and logistics' actions (one class for all).
IntakeError = CarbonTrackerError


def async_register_logistics_actions(hass: HomeAssistant) -> None:
    """Register the record and import actions (from ``async_setup``).

    They write the ledger and read server files: administrators (and automations) only.
    """
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_RECORD_SHIPMENT,
        _async_record_shipment,
        schema=RECORD_SHIPMENT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_IMPORT_SHIPMENTS,
        _async_import_shipments,
        schema=IMPORT_SHIPMENTS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


def _runtime(hass: HomeAssistant, data: dict[str, Any]) -> LogisticsRuntime:
    """The logistics entry a call names, by port or config entry id."""
    for entry in entries_of_kind(hass, EntryKind.LOGISTICS):
        if entry.entry_id == data.get("config_entry_id") or (
            CONF_PORT in data and entry.options.get(CONF_PORT) == data[CONF_PORT]
        ):
            if entry.state is not ConfigEntryState.LOADED:
                break
            runtime: LogisticsRuntime = entry.runtime_data
            return runtime
    raise IntakeError(
        "not_a_logistics_entry", entry=data.get("config_entry_id", data.get(CONF_PORT, "-"))
    )


def _answer(results: list[dict[str, Any]]) -> dict[str, Any]:
    refused = sum(1 for result in results if "error" in result)
    return {"accepted": len(results) - refused, "refused": refused, "results": results}


async def _async_record_shipment(call: ServiceCall) -> ServiceResponse:
    """One record from the fields, or a batch under ``records``."""
    data = dict(call.data)
    runtime = _runtime(call.hass, data)
    records = data.get("records")
    if records is None:
        records = [{name: data[name] for name in RECORD_FIELDS if name in data}]
    return _answer(await runtime.async_record(records))


async def _async_import_shipments(call: ServiceCall) -> ServiceResponse:
    """Historic outbound records from a CSV file in the import folder."""
    hass = call.hass
    runtime = _runtime(hass, dict(call.data))
    folder = Path(hass.config.path(str(IMPORT_FOLDER)))
    records = await hass.async_add_executor_job(_read_import, folder, call.data["file"])
    if len(records) > MAX_RECORDS:
        raise IntakeError("too_many_records", count=len(records), limit=MAX_RECORDS)
    answer = _answer(await runtime.async_record(records))
    return {"file": call.data["file"], **answer}


def _read_import(folder: Path, name: str) -> list[dict[str | Any, str | Any]]:
    """The file's rows, or a translated refusal.

    Refused: a path outside the folder, a missing or too large file, text in no known
    encoding, or what the csv module cannot read.
    """
    if "\x00" in name:
        raise IntakeError("import_file_name_invalid", file=name.replace("\x00", "\\0"))
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise IntakeError("path_outside_import_folder", file=name, folder=str(folder))
    if not path.is_file():
        raise IntakeError("import_file_not_found", file=name, folder=str(folder))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise IntakeError("import_file_too_large", file=name, limit=MAX_FILE_BYTES)
    text = _decoded(path.read_bytes(), name)
    try:
        return list(csv.DictReader(io.StringIO(text)))
    except csv.Error as err:  # a NUL byte, a field over the csv module's limit, ...
        raise IntakeError("import_file_not_csv", file=name, detail=str(err)) from None


def _decoded(data: bytes, name: str) -> str:
    """The file's text: UTF-8 (with or without a BOM), or UTF-16 with its BOM.

    Those are what a spreadsheet's "CSV UTF-8" and "Unicode text" exports write, each
    unambiguous. Anything else (Latin-1, a legacy code page) cannot be told apart reliably: it
    is refused, with what to do.
    """
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IntakeError("import_file_encoding", file=name, position=err.start) from None


async def async_handle_webhook(
    hass: HomeAssistant, webhook_id: str, request: web.Request
) -> web.Response:
    """A warehouse system posts one record, a list, or ``{"records": [...]}``."""
    runtime = next(
        (
            entry.runtime_data
            for entry in hass.config_entries.async_entries(DOMAIN)
            if entry.data.get(CONF_WEBHOOK_ID) == webhook_id
            and entry.state is ConfigEntryState.LOADED
        ),
        None,
    )
    if runtime is None:
        return web.json_response({"error": "not_found"}, status=404)
    # HA's MockRequest (the webhook/handle WebSocket command, cloudhooks) has no content_length.
    content_length = getattr(request, "content_length", None)
    if content_length is not None and content_length > MAX_BODY_BYTES:
        return web.json_response(
            {"error": "body_too_large", "limit_bytes": MAX_BODY_BYTES}, status=413
        )
    # StreamReader.read(n) returns what has arrived so far (at most n bytes), not the whole body.
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES and (
        chunk := await request.content.read(MAX_BODY_BYTES + 1 - size)
    ):
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    if len(body) > MAX_BODY_BYTES:
        return web.json_response(
            {"error": "body_too_large", "limit_bytes": MAX_BODY_BYTES}, status=413
        )
    try:
        payload = json.loads(body)
    except ValueError, RecursionError:
        # RecursionError: brackets nested deeper than the parser goes; not a body we take.
        return web.json_response({"error": "not_json"}, status=400)
    if isinstance(payload, dict) and isinstance(payload.get("records"), list):
        records = payload["records"]
    elif isinstance(payload, list):
        records = payload
    elif isinstance(payload, dict):
        records = [payload]
    else:
        return web.json_response({"error": "not_records"}, status=400)
    if len(records) > MAX_RECORDS:
        return web.json_response({"error": "too_many_records", "limit": MAX_RECORDS}, status=413)
    try:
        results = await runtime.async_record(records)
    except NotSaved:
        # Counted in memory, not on disk: not acknowledged. A resend counts each order once.
        return web.json_response({"error": "not_saved", "retry_after_s": RETRY_DELAY}, status=503)
    return web.json_response(_answer(results))
