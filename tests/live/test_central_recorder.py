"""A real Home Assistant whose recorder is PostgreSQL or MariaDB, as a region's central runs it.

The reports and the history backfill read the recorder's tables with SQL of their own. Here a
real ``hass`` runs on each server: a meter's hourly history (with an hour missing, across the
night the clocks go back in Europe/London) is joined to the node's first statistics by
``carbon_tracker.backfill``, and ``carbon_tracker.generate_report`` gives each day the carbon of
the meter's change that day, to the gram: 24, 25 and 24 hours.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_socket
import sqlalchemy as sa
from sqlalchemy_utils import create_database, database_exists, drop_database

from devtools import services
from devtools.live import LiveHass

ZONE = ZoneInfo("Europe/London")
FACTOR = 0.5  # kg CO2e per kWh
NODES = [
    (
        "Site meter",
        "sensor.site_meter",
        1,
        {"factor_mode": "custom", "factor_value": FACTOR, "factor_unit": "kWh"},
    )
]
METER = "sensor.site_meter"
CARBON = "sensor.site_meter_carbon_emissions"
METER_ATTRIBUTES = {
    "unit_of_measurement": "kWh",
    "state_class": "total_increasing",
    "device_class": "energy",
}
# Three local days around the night the clocks go back (25 October 2026: 25 hours).
FIRST_DAY = datetime(2026, 10, 24, tzinfo=ZONE)
DAYS = 3
# One hour the meter's statistics lack: the next hour's sum holds its kWh too.
MISSING = datetime(2026, 10, 26, 13, tzinfo=ZONE)
KWH_PER_HOUR = 1.0
SERVERS = {
    "postgresql": ("CARBON_TRACKER_POSTGRES_URL", ""),
    "mariadb": ("CARBON_TRACKER_MARIADB_URL", "?charset=utf8mb4"),
}


def hours_between(start: datetime, end: datetime) -> list[datetime]:
    """Each hour's start from ``start`` to ``end`` in UTC (a local day has 23, 24 or 25)."""
    moment, found = start.astimezone(ZONE).astimezone(ZoneInfo("UTC")), []
    while moment < end:
        found.append(moment)
        moment += timedelta(hours=1)
    return found


def local_day(index: int) -> datetime:
    return (FIRST_DAY.replace(tzinfo=None) + timedelta(days=index)).replace(tzinfo=ZONE)


@pytest.fixture(scope="module", params=list(SERVERS))
def central(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHass]:
    """A real hass with a node, its recorder on a fresh database of the server's own."""
    # Set up again for each server, after HA's plugin blocked sockets for the test.
    pytest_socket.enable_socket()
    found = services.ensure()
    variable, query = SERVERS[request.param]
    url = f"{found[variable]}carbon_tracker_live{query}"
    if database_exists(url):
        drop_database(url)
    create_database(url)
    try:
        with LiveHass.create(
            NODES,
            directory=tmp_path_factory.mktemp(f"central-{request.param}"),
            db_url=url,
            time_zone=str(ZONE),
        ) as live:
            live.start()
            live.set_state(METER, 5000.0, METER_ATTRIBUTES)
            yield live
            live.stop()
    finally:
        sa.create_engine(url).dispose()
        drop_database(url)
        for pid in found["CARBON_TRACKER_SERVICES_PIDS"].split():
            services.stop(int(pid))


def import_hourly(live: LiveHass, statistic_id: str, unit: str, sums: list[tuple[datetime, float]]):
    """Hourly (start, sum) rows through the recorder's own websocket command, as a tool would."""
    live.ws_command(
        {
            "type": "recorder/import_statistics",
            "metadata": {
                "has_sum": True,
                "mean_type": 0,
                "name": None,
                "source": "recorder",
                "statistic_id": statistic_id,
                "unit_class": "energy" if unit == "kWh" else "mass",
                "unit_of_measurement": unit,
            },
            "stats": [
                {"start": start.isoformat(), "state": total, "sum": total} for start, total in sums
            ],
        }
    )


def hourly_rows(live: LiveHass, statistic_id: str) -> list[dict[str, Any]]:
    """The long-term rows of one statistic, through the recorder's websocket API."""
    result = live.ws_command(
        {
            "type": "recorder/statistics_during_period",
            "start_time": (FIRST_DAY - timedelta(days=2)).isoformat(),
            "statistic_ids": [statistic_id],
            "period": "hour",
            "types": ["sum"],
        }
    )
    return list(result.get(statistic_id, []))


def wait_for_rows(live: LiveHass, statistic_id: str, count: int) -> None:
    deadline = time.monotonic() + 30.0
    while len(hourly_rows(live, statistic_id)) < count:
        assert time.monotonic() < deadline, f"{statistic_id}: the imported rows did not arrive"
        time.sleep(0.5)


def call(live: LiveHass, action: str, data: dict[str, Any]) -> dict[str, Any]:
    answer = live.request("POST", f"/api/services/carbon_tracker/{action}?return_response", data)
    response: dict[str, Any] = answer["service_response"]
    return response


def test_history_joined_and_reported_to_the_gram(central: LiveHass) -> None:
    end = local_day(DAYS)
    # The meter's statistics from the hour before the first day (history starts with the
    # meter's second hour), less one hour.
    meter_hours = [
        hour
        for hour in hours_between(local_day(0) - timedelta(hours=1), end)
        if hour != MISSING.astimezone(ZoneInfo("UTC"))
    ]
    first = hours_between(local_day(0) - timedelta(hours=1), end)[0]
    meter = [
        (hour, 1000.0 + KWH_PER_HOUR * ((hour - first) // timedelta(hours=1)))
        for hour in meter_hours
    ]
    import_hourly(central, METER, "kWh", meter)
    # The node's own first hour of statistics, right after the history.
    import_hourly(central, CARBON, "kg", [(end.astimezone(ZoneInfo("UTC")), 0.25)])
    wait_for_rows(central, METER, len(meter))
    wait_for_rows(central, CARBON, 1)

    answer = call(central, "backfill", {"port": 1})
    days = [len(hours_between(local_day(index), local_day(index + 1))) for index in range(DAYS)]
    assert days == [24, 25, 24]
    assert answer["hours"] == len(meter) - 1
    assert answer["kg"] == pytest.approx(sum(days) * KWH_PER_HOUR * FACTOR, abs=1e-9)
    wait_for_rows(central, CARBON, len(meter))

    report = call(
        central,
        "generate_report",
        {
            "period": "day",
            "start": local_day(0).replace(tzinfo=None).isoformat(sep=" "),
            "end": end.replace(tzinfo=None).isoformat(sep=" "),
            "nodes": [1],
        },
    )
    kilograms = [period["nodes"]["1"] for period in report["periods"]]
    assert kilograms == [pytest.approx(hours * KWH_PER_HOUR * FACTOR, abs=1e-9) for hours in days]
    assert [period["start"] for period in report["periods"]] == [
        "2026-10-24T00:00:00+01:00",
        "2026-10-25T00:00:00+01:00",
        "2026-10-26T00:00:00+00:00",
    ]
    assert report["total_kg"] == pytest.approx(36.5, abs=1e-9)
    # What the report read agrees with the statistics HA shows: the node's sums after the join.
    rows = hourly_rows(central, CARBON)
    assert rows[-1]["sum"] == pytest.approx(36.5 + 0.25, abs=1e-9)
