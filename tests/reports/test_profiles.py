"""Report profiles: the flow, the schedule with a frozen clock, the interrupt report on a crossing,
several profiles each with its own total, the last-report sensor across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    mock_restore_cache,
)

from custom_components.carbon_tracker.const import DOMAIN, EVENT_REPORT
from custom_components.carbon_tracker.diagnostics import async_get_config_entry_diagnostics
from custom_components.carbon_tracker.durable import durable_records
from tests.common import group_entry, meter_id, pick_kind, recorded, set_meter, setup_node
from tests.reports.conftest import ImportHours

# The tests run in US/Pacific: 2026-03-02 00:00 there is 08:00 UTC.
DAY_START = datetime(2026, 3, 1, 8, tzinfo=UTC)


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Reports are written into a folder of this test's own."""
    return hass_tmp_config_dir


def profile_entry(entry_id: str, title: str, **options: Any) -> MockConfigEntry:
    """A report profile, daily, with a notification and no files unless told otherwise."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        entry_id=entry_id,
        data={"kind": "report_profile"},
        minor_version=3,
        options={
            "nodes": [],
            "groups": [],
            "period": "day",
            "threshold_kg": None,
            "notify": True,
            "formats": [],
            "interrupt": True,
            **options,
        },
    )


async def fire_at(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: datetime) -> None:
    freezer.move_to(moment)
    async_fire_time_changed(hass, moment)
    await hass.async_block_till_done(wait_background_tasks=True)
    await recorded(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_a_profile_needs_a_node_first(hass: HomeAssistant) -> None:
    """Without any tracking node there is nothing to report on: the flow says so and stops."""
    result = await pick_kind(hass, "report_profile")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_nodes"
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_the_profile_form_offers_ports_by_number_and_groups_by_theirs(
    hass: HomeAssistant, report_nodes: dict[int, str]
) -> None:
    """Ports by their number; groups by G-number, and by name alone when they have none."""
    nodes = [report_nodes[1]]
    await setup_node(hass, group_entry(left=nodes, right=[report_nodes[2]], group_number=2))
    await setup_node(
        hass,
        group_entry(left=nodes, right=[report_nodes[3]], title="Unnumbered", entry_id="g_plain"),
    )
    result = await pick_kind(hass, "report_profile")
    schema = result["data_schema"].schema

    def labels(field: str) -> list[str]:
        return [option["label"] for option in schema[field].config["options"]]

    assert labels("nodes") == ["1 · Meter 1", "2 · Meter 2", "3 · Meter 3"]
    assert labels("groups") == ["G2 · Main vs subs", "Unnumbered"]
    hass.config_entries.flow.async_abort(result["flow_id"])


async def test_add_a_profile_through_the_flow(
    hass: HomeAssistant, report_nodes: dict[int, str]
) -> None:
    result = await pick_kind(hass, "report_profile")
    assert result["step_id"] == "report_profile"
    # A profile on nothing is refused, and what was typed stays.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Site", "period": "month", "notify": False, "interrupt": True}
    )
    assert result["errors"] == {"base": "profile_empty"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "name": " Site ",
            "nodes": [report_nodes[1], report_nodes[2]],
            "period": "month",
            "threshold_kg": 2.0,
            "notify": False,
            "formats": ["csv"],
            "interrupt": False,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == "Site"
    assert entry.data == {"kind": "report_profile"}
    assert entry.options == {
        "nodes": ["node_1", "node_2"],
        "groups": [],
        "period": "month",
        "threshold_kg": 2.0,
        "notify": False,
        "formats": ["csv"],
        "interrupt": False,
    }
    await hass.async_block_till_done()
    sensor = hass.states.get("sensor.site_last_report")
    assert sensor is not None
    assert sensor.state == "unknown"

    # The options: the same form; the profile starts again with them.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "profile"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"nodes": [], "groups": [], "period": "day", "notify": True, "interrupt": True},
    )
    assert result["errors"] == {"base": "profile_empty"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"nodes": [report_nodes[3]], "period": "day", "notify": True, "interrupt": True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["nodes"] == ["node_3"]
    assert entry.runtime_data.settings.period.value == "day"


async def test_reconfigure_of_a_profile_points_to_its_options(
    hass: HomeAssistant, report_nodes: dict[int, str]
) -> None:
    entry = await setup_node(hass, profile_entry("p", "Site", nodes=[report_nodes[1]]))
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "group_in_options"


async def test_a_report_when_each_day_closes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    report_nodes: dict[int, str],
    import_hours: ImportHours,
    hass_config_dir: str,
) -> None:
    freezer.move_to(DAY_START + timedelta(hours=12))
    # Two profiles over different nodes: each has its own total.
    first = await setup_node(
        hass, profile_entry("first", "First", nodes=[report_nodes[1]], formats=["markdown"])
    )
    second = await setup_node(
        hass, profile_entry("second", "Second", nodes=[report_nodes[1], report_nodes[2]])
    )
    import_hours(1, DAY_START, [1.0] * 24)
    import_hours(2, DAY_START, [0.25] * 24)
    await recorded(hass)
    reports = async_capture_events(hass, EVENT_REPORT)
    # The day closes at midnight; the report comes five minutes after, not before.
    await fire_at(hass, freezer, DAY_START + timedelta(days=1, minutes=4))
    assert not reports
    await fire_at(hass, freezer, DAY_START + timedelta(days=1, minutes=5, seconds=1))
    by_profile = {event.data["config_entry_id"]: event.data for event in reports}
    assert set(by_profile) == {"first", "second"}
    assert by_profile["first"]["total_kg"] == 24.0
    assert by_profile["second"]["total_kg"] == 30.0
    assert by_profile["first"]["trigger"] == "schedule"
    assert by_profile["first"]["start"] == "2026-03-01T00:00:00-08:00"
    assert by_profile["first"]["end"] == "2026-03-02T00:00:00-08:00"
    # Files only where asked, under the config folder.
    (path,) = by_profile["first"]["files"]
    assert Path(path).parent == Path(hass_config_dir) / "carbon_tracker" / "reports"
    text = await hass.async_add_executor_job(Path(path).read_text)
    assert "**Total: 24 kg**" in text
    assert by_profile["second"]["files"] == []
    notes = persistent_notification._async_get_or_create_notifications(hass)
    assert notes[f"{DOMAIN}_report_second"]["title"] == "Carbon report: Second"
    assert "total 30 kg" in notes[f"{DOMAIN}_report_second"]["message"]
    sensor = hass.states.get("sensor.second_last_report")
    assert sensor is not None
    assert float(sensor.state) == 30.0
    assert sensor.attributes["trigger"] == "schedule"
    assert sensor.attributes["period"] == "day"
    assert sensor.attributes["start"] == "2026-03-01T00:00:00-08:00"
    # The last report is durable at once, not only in HA's 15-minute restore data.
    records = durable_records(hass)
    await records.writer.async_written()
    assert records.get("second")["total_kg"] == 30.0
    # The next day is reported the next night.
    reports.clear()
    await fire_at(hass, freezer, DAY_START + timedelta(days=2, minutes=6))
    assert {event.data["config_entry_id"] for event in reports} <= {"first", "second"}
    assert first.runtime_data.last is not None
    assert second.runtime_data.last is not None


async def test_an_interrupt_report_on_a_crossing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    report_nodes: dict[int, str],
    import_hours: ImportHours,
) -> None:
    freezer.move_to(DAY_START + timedelta(hours=12))
    await setup_node(
        hass,
        group_entry(
            left=[report_nodes[1]], right=[report_nodes[2]], threshold_kg=1.0, group_number=1
        ),
    )
    await setup_node(hass, profile_entry("watch", "Watch", groups=["group_main"], notify=False))
    await setup_node(hass, profile_entry("quiet", "Quiet", groups=["group_main"], interrupt=False))
    import_hours(1, DAY_START, [1.0] * 10)
    import_hours(2, DAY_START, [0.5] * 10)
    await recorded(hass)
    reports = async_capture_events(hass, EVENT_REPORT)
    set_meter(hass, 110, entity_id=meter_id(1))  # +5 kg on the total: beyond the 1 kg line
    await hass.async_block_till_done(wait_background_tasks=True)
    await recorded(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [event.data["config_entry_id"] for event in reports] == ["watch"]
    report = reports[0].data
    assert report["trigger"] == "interrupt"
    assert report["crossing"]["notation"] == "G1: 1 > 2"
    assert report["crossing"]["error_kg"] == 5.0
    # The current day so far, from the statistics: 10 kg total, 5 kg subs.
    assert report["start"] == "2026-03-01T00:00:00-08:00"
    (group,) = report["groups"]
    assert (group["total_kg"], group["subs_kg"], group["error_kg"]) == (10.0, 5.0, 5.0)
    assert (
        f"{DOMAIN}_report_watch"
        not in persistent_notification._async_get_or_create_notifications(hass)
    )


@pytest.mark.freeze_time("2026-03-01 20:00:00+00:00")  # the recorder starts on that day
async def test_a_report_on_a_day_not_over_says_so(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    report_nodes: dict[int, str],
    import_hours: ImportHours,
) -> None:
    """The current day so far: the notification says up to when its statistics go."""
    profile = await setup_node(hass, profile_entry("now", "Now", nodes=[report_nodes[1]]))
    import_hours(1, DAY_START, [1.0] * 10)
    await recorded(hass)
    data = await profile.runtime_data.async_report(
        DAY_START, DAY_START + timedelta(days=1), "interrupt"
    )
    assert data is not None
    assert data["complete"] is False
    message = persistent_notification._async_get_or_create_notifications(hass)[
        f"{DOMAIN}_report_now"
    ]["message"]
    until = next(p["statistics_until"] for p in data["periods"] if not p["complete"])
    assert f"Not complete: statistics to {until[:16].replace('T', ' ')}" in message


async def test_a_day_without_statistics_makes_no_report(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    report_nodes: dict[int, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    freezer.move_to(DAY_START + timedelta(hours=12))
    await setup_node(hass, profile_entry("p", "Empty", nodes=[report_nodes[3]]))
    reports = async_capture_events(hass, EVENT_REPORT)
    await fire_at(hass, freezer, DAY_START + timedelta(days=1, minutes=6))
    assert not reports
    assert "Empty: no schedule report" in caplog.text


async def test_the_last_report_survives_a_restart(
    hass: HomeAssistant, report_nodes: dict[int, str]
) -> None:
    mock_restore_cache(
        hass,
        [
            State(
                "sensor.site_last_report",
                "12.5",
                {
                    "period": "month",
                    "start": "2026-02-01T00:00:00-08:00",
                    "end": "2026-03-01T00:00:00-08:00",
                    "generated_at": "2026-03-01T00:05:00-08:00",
                    "trigger": "schedule",
                    "files": [],
                },
            )
        ],
    )
    entry = await setup_node(hass, profile_entry("p", "Site", nodes=[report_nodes[1]]))
    sensor = hass.states.get("sensor.site_last_report")
    assert sensor is not None
    assert float(sensor.state) == 12.5
    assert sensor.attributes["period"] == "month"
    assert entry.runtime_data.last is not None
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.site_last_report") is None


async def test_the_durable_last_report_wins_over_older_restore_data(
    hass: HomeAssistant, report_nodes: dict[int, str]
) -> None:
    """After a power cut the durable record (written with the report) is shown, not HA's older
    restore data."""
    last = {
        "total_kg": 30.0,
        "period": "day",
        "start": "2026-03-01T00:00:00-08:00",
        "end": "2026-03-02T00:00:00-08:00",
        "generated_at": "2026-03-02T00:05:01-08:00",
        "trigger": "schedule",
        "files": [],
    }
    # The records of the last run (the nodes already loaded the table when they were set up).
    records = durable_records(hass)
    records.async_mark("p", lambda: last)
    records.async_mark("broken", lambda: {"total": 1})
    mock_restore_cache(hass, [State("sensor.site_last_report", "12.5", {"period": "month"})])
    entry = await setup_node(hass, profile_entry("p", "Site", nodes=[report_nodes[1]]))
    sensor = hass.states.get("sensor.site_last_report")
    assert sensor is not None
    assert float(sensor.state) == 30.0
    assert sensor.attributes["generated_at"] == "2026-03-02T00:05:01-08:00"
    assert entry.runtime_data.record() == last
    broken = await setup_node(hass, profile_entry("broken", "Broken", nodes=[report_nodes[1]]))
    assert broken.runtime_data.last is None


async def test_profile_diagnostics(hass: HomeAssistant, report_nodes: dict[int, str]) -> None:
    entry = await setup_node(hass, profile_entry("p", "Site", nodes=[report_nodes[1]]))
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics == {
        "kind": "report_profile",
        "options": {**entry.options},
        "last_report": None,
    }
