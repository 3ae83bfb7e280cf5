"""The one write path: changes on disk a fixed delay after the first, never postponed."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
import pytest

from custom_components.carbon_tracker import durable
from custom_components.carbon_tracker.durable import STORE_KEY, NotSaved, async_setup_durable
from tests.common import refusing_disk, store_file

DELAY = 0.5


def on_disk(hass_storage: dict[str, Any]) -> dict[str, Any]:
    """The records as last written."""
    return dict(hass_storage.get(STORE_KEY, {}).get("data", {}))


async def test_a_steady_stream_cannot_postpone_the_write(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """The round is due half a second after the first change; later changes join it and leave
    it where it is (a delayed save that restarts its delay on each change never writes under a
    steady stream). The round writes the newest record, once."""
    with patch.object(durable, "WRITE_DELAY", DELAY):
        records = await async_setup_durable(hass)
        records.async_mark("entry", lambda: {"value": 0})
        round_due = records.writer._timer
        assert isinstance(round_due, asyncio.TimerHandle)
        due_at = round_due.when()
        assert due_at - hass.loop.time() <= DELAY
        for step in range(1, 20):
            records.async_mark("entry", lambda value=step: {"value": value})
            await asyncio.sleep(0)
        assert records.writer._timer is round_due
        assert round_due.when() == due_at
        assert on_disk(hass_storage) == {}
        await records.writer.async_write_now()
    assert on_disk(hass_storage) == {"entry": {"value": 19}}


async def test_waiting_for_the_write_returns_once_on_disk(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    records = await async_setup_durable(hass)
    records.async_mark("entry", lambda: {"kg": 1.5})
    assert on_disk(hass_storage) == {}
    await records.writer.async_written()
    assert on_disk(hass_storage) == {"entry": {"kg": 1.5}}
    # Nothing new marked: no wait at all.
    await records.writer.async_written()


async def test_the_last_round_is_written_when_ha_stops(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    with patch.object(durable, "WRITE_DELAY", 60.0):
        records = await async_setup_durable(hass)
        records.async_mark("entry", lambda: {"kg": 2.0})
        await hass.async_stop()
    assert on_disk(hass_storage) == {"entry": {"kg": 2.0}}


async def test_a_record_is_read_back_and_a_forgotten_one_is_gone(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    hass_storage[STORE_KEY] = store_file(STORE_KEY, {"kept": {"kg": 1.0}, "gone": {"kg": 9.0}})
    records = await async_setup_durable(hass)
    assert await async_setup_durable(hass) is records
    assert records.get("kept") == {"kg": 1.0}
    records.async_forget("gone")
    records.async_forget("never there")
    await records.writer.async_write_now()
    assert on_disk(hass_storage) == {"kept": {"kg": 1.0}}


async def test_a_round_the_disk_refuses_is_not_acknowledged_and_is_tried_again(
    hass: HomeAssistant, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Disk full: who waits is told, the error is logged once, and the records stay in memory
    until a round is written; everything marked meanwhile goes with it."""
    records = await async_setup_durable(hass)
    with refusing_disk():
        records.async_mark("entry", lambda: {"kg": 1.0})
        with pytest.raises(NotSaved):
            await records.writer.async_written()
        retry = records.writer._timer
        assert isinstance(retry, asyncio.TimerHandle)
        assert retry.when() - hass.loop.time() == pytest.approx(durable.RETRY_DELAY, abs=0.5)
        records.async_mark("other", lambda: {"kg": 2.0})
        # Writing now (HA stops) tries at once, and leaves the next try in place.
        await records.writer.async_write_now()
        assert isinstance(records.writer._timer, asyncio.TimerHandle)
    assert on_disk(hass_storage) == {}
    assert records.get("entry") == {"kg": 1.0}
    assert caplog.text.count("Could not write") == 1
    assert "No space left on device" in caplog.text
    await records.writer.async_write_now()
    assert on_disk(hass_storage) == {"entry": {"kg": 1.0}, "other": {"kg": 2.0}}
    assert "is written again" in caplog.text
    await records.writer.async_written()
