"""Who may call what: every action x administrator, plain user, read-only user, an unknown user and
an automation (no user). What writes a ledger, statistics or files is for administrators (and
automations); a refused call changes nothing. Declarations (one's own person only) have their
own matrix in tests/declarations/test_actions.py."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any
from unittest.mock import MagicMock, patch

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, Unauthorized, UnknownUser
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockUser

from custom_components.carbon_tracker.const import DOMAIN
from tests.common import add_nodes, setup_node
from tests.logistics.test_intake import CSV_HEADER, logistics_entry, shipment, write_import

ADMIN_ONLY = "admin only"
OPEN = "open"


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Imports and reports go to a temporary config folder of the test's own."""
    return hass_tmp_config_dir


@pytest.fixture
async def entries(recorder_mock: None, hass: HomeAssistant) -> None:
    """A node on port 1, a warehouse on port 20 and a file to import."""
    assert await async_setup_component(hass, "webhook", {})
    await add_nodes(hass, 1)
    await setup_node(hass, logistics_entry())
    row = ",".join(str(shipment("CSV-1")[name]) for name in CSV_HEADER.split(",")[:6]) + ",,"
    await write_import(hass, "orders.csv", f"{CSV_HEADER}\n{row}\n")


async def plain_user(hass: HomeAssistant) -> User:
    return await hass.auth.async_create_user("Plain")


# (action, data, who may call it, the function behind the door that must not be reached)
ACTIONS: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("list_nodes", {}, OPEN, None),
    ("generate_report", {"period": "day"}, OPEN, None),
    (
        "generate_report",
        {"period": "day", "formats": ["csv"]},
        ADMIN_ONLY,
        "custom_components.carbon_tracker.reports.actions.request_from_call",
    ),
    (
        "backfill",
        {"port": 1},
        ADMIN_ONLY,
        "custom_components.carbon_tracker.nodes.actions.async_backfill",
    ),
    (
        "record_shipment",
        {"port": 20, **shipment("SO-9")},
        ADMIN_ONLY,
        "custom_components.carbon_tracker.logistics.runtime.LogisticsRuntime.async_record",
    ),
    (
        "import_shipments",
        {"port": 20, "file": "orders.csv"},
        ADMIN_ONLY,
        "custom_components.carbon_tracker.logistics.runtime.LogisticsRuntime.async_record",
    ),
]


async def user_id_of(
    hass: HomeAssistant, caller: str, admin: MockUser, read_only: MockUser
) -> str | None:
    """The user id a call is made with."""
    if caller == "administrator":
        return admin.id
    if caller == "plain user":
        return (await plain_user(hass)).id
    if caller == "read-only user":
        return read_only.id
    if caller == "unknown user":
        return "0123456789abcdef0123456789abcdef"
    return None  # an automation


@pytest.mark.usefixtures("entries")
@pytest.mark.parametrize(
    "caller", ["administrator", "plain user", "read-only user", "unknown user", "automation"]
)
@pytest.mark.parametrize(("action", "data", "who", "behind"), ACTIONS)
async def test_permission_matrix(  # noqa: PLR0917
    hass: HomeAssistant,
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
    caller: str,
    action: str,
    data: dict[str, Any],
    who: str,
    behind: str | None,
) -> None:
    """An admin-only action refuses every user who is not an administrator before it does
    anything; an open one lets everyone through (it may still refuse the request itself)."""
    user_id = await user_id_of(hass, caller, hass_admin_user, hass_read_only_user)
    refused = who == ADMIN_ONLY and caller in {"plain user", "read-only user", "unknown user"}
    # The work behind the door, replaced by a stand-in that says it was reached.
    reached = MagicMock(side_effect=HomeAssistantError("reached"))
    with patch(behind, reached) if behind else nullcontext():
        call = hass.services.async_call(
            DOMAIN,
            action,
            data,
            blocking=True,
            return_response=True,
            context=Context(user_id=user_id),
        )
        if refused:
            expected = UnknownUser if caller == "unknown user" else Unauthorized
            with pytest.raises(expected):
                await call
        else:
            try:
                await call
            except Unauthorized, UnknownUser:
                pytest.fail(f"{caller} refused {action}")
            except HomeAssistantError:
                pass  # through the door; the request itself was refused (e.g. no history)
    if behind is not None:
        assert reached.call_count == (0 if refused else 1)
