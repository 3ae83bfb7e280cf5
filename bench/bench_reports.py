"""Benchmark of a year's month-by-month report against HA's own monthly statistics call.

Run from the repository root:

    .venv/bin/python -m bench.bench_reports

Prints exactly one ``name=value`` line per figure on stdout; everything else goes to stderr (every
sample too). Set ``BENCH_PROFILE=1`` to also print, on stderr, a cProfile of one 1000-node report
(with Python 3.14 it also covers the reading in the recorder's executor thread).

One Home Assistant instance (the test harness of pytest_homeassistant_custom_component, used
outside pytest) runs a real recorder on a SQLite file in its temporary config directory, and
holds NODES_LARGE tracking nodes, each on its own meter. As in the test harness's recorder
fixtures, the recorder's periodic work is switched off (the 5-minute statistics compile, the
compile of missing statistics at start, the nightly purge), so that it never runs during a timed
call; the statistics come from the import below only.

The data: a whole year of hourly statistics (the last full calendar year in HA's time zone, 8,760
rows) for each node's carbon sensor, as the recorder keeps them for a sensor in kg (source
recorder, statistic id the entity id, mean type none, has sum, unit class mass). The metadata is
created through the recorder's API (``async_import_statistics`` with no rows); the rows are written
by a task on the recorder's own queue (so in its thread, with its session, and no other writer):
two temporary tables, the year's hours (start, cumulative kg of a reference profile computed here)
and the nodes (metadata id, scale), then one ``INSERT INTO statistics ... SELECT`` of their cross
product, in the order of the unique (metadata_id, start_ts) index; the index on start_ts alone is
dropped for the insert and created again after it, with the statement it was created with. A
node's sum at an hour is the profile's cumulative kg times the node's scale: one multiplication in
SQLite, the same IEEE double as here, so the expected figures are known exactly. The profile
varies with the hour of the day and the season. The 8.76 M rows of 1000 nodes take about ten
seconds this way (``async_import_statistics`` of the rows themselves looks each row up and adds
it through the ORM, one at a time: far slower; not measured here).

The figures, for the first NODES (100) nodes, in a database holding their year only (the issue's
setting: 876,000 hourly rows):

- report_year_s_100: ``async_build`` of the year's report, period month, from 1 January to
  1 January of the next year in HA's time zone (wall-clock seconds, on the event loop; the sums
  are read in the recorder's executor).
- plain_statistics_year_s_100: ``statistics_during_period(hass, start, end, ids, "month", None,
  {"change"})`` for the same 100 statistic ids, run in the recorder's executor: HA reads every
  hourly row and reduces them to months.
- report_year_vs_plain_statistics: the first over the second (goal: at most 0.05).

The two run side by side, interleaved (REPS repetitions, the order alternating), after one untimed
call of each; a figure is the median. Before timing, both are checked to give every node's
figure of every month, and the same as the data's, to 1e-6 kg.

Then the other nodes' years are written (8.76 M rows in all) and report_year_1000_nodes_s is the
median of REPS reports of the same year for all NODES_LARGE nodes (checked the same way). For the
log only, the 100-node report and HA's call side by side again in that 8.76 M-row database (HA's
call reads the same 876,000 rows there, spread among the other ids' rows).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
import cProfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import io
from itertools import pairwise
import logging
import math
import os
from pathlib import Path
import pstats
import statistics
import sys
import time
from typing import Any
from unittest.mock import patch

from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.models import StatisticMeanType
from homeassistant.components.recorder.statistics import (
    async_import_statistics,
    statistics_during_period,
)
from homeassistant.components.recorder.tasks import RecorderTask
from homeassistant.core import HomeAssistant
from homeassistant.helpers import recorder as recorder_helper
from homeassistant.helpers.recorder import get_instance, session_scope
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.components.recorder.common import (  # type: ignore[import-untyped]
    async_recorder_block_till_done,
    async_wait_recording_done,
)

from bench.common import carbon_entity_id, configure_logging, emit, fresh_hass, setup_metered_nodes
from custom_components.carbon_tracker.core.windows import Period
from custom_components.carbon_tracker.reports.assembly import Report
from custom_components.carbon_tracker.reports.build import async_build
from custom_components.carbon_tracker.reports.request import ReportRequest, report_range

NODES = 100
NODES_LARGE = 1000
REPS = 5
START_TS_INDEX = "ix_statistics_start_ts"
TOLERANCE = 1e-6  # kg
HOUR = timedelta(hours=1)

_LOGGER = logging.getLogger("bench")


# --------------------------------------------------------------------------------------------------
# Home Assistant with a recorder, and the nodes
# --------------------------------------------------------------------------------------------------


def _quiet_recorder() -> list[Any]:
    """What the test harness's recorder fixtures patch by default: no periodic work."""
    return [
        patch.object(Recorder, "async_periodic_statistics", lambda self: None),
        patch.object(Recorder, "_schedule_compile_missing_statistics", lambda self: None),
        patch.object(Recorder, "async_nightly_tasks", lambda self, now: None),
    ]


async def setup_recorder(hass: HomeAssistant, path: Path) -> Recorder:
    """The recorder on a SQLite file, started and idle."""
    recorder_helper.async_initialize_recorder(hass)
    assert await async_setup_component(
        hass, "recorder", {"recorder": {"db_url": f"sqlite:///{path}"}}
    )
    await hass.async_block_till_done()
    await async_recorder_block_till_done(hass)
    return get_instance(hass)


# --------------------------------------------------------------------------------------------------
# The data
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Year:
    """The year's hours and the reference profile's cumulative kg at the end of each."""

    start: datetime  # UTC, 1 January 00:00 in HA's time zone
    end: datetime
    hour_starts: list[float]  # start_ts of each hour
    cumulative: list[float]  # the profile's sum at the end of each hour, kg

    @classmethod
    def last_full(cls) -> Year:
        """The last full calendar year in HA's time zone."""
        zone = dt_util.get_default_time_zone()
        year = dt_util.now().year - 1
        start = dt_util.as_utc(datetime(year, 1, 1, tzinfo=zone))
        end = dt_util.as_utc(datetime(year + 1, 1, 1, tzinfo=zone))
        hours = round((end - start) / HOUR)
        hour_starts = []
        cumulative = []
        total = 0.0
        for index in range(hours):
            moment = start + index * HOUR
            local = dt_util.as_local(moment)
            day = local.timetuple().tm_yday
            total += (
                0.2
                + 0.1 * math.sin(math.pi * local.hour / 12)
                + 0.05 * math.cos(2 * math.pi * day / 365)
            )
            hour_starts.append(moment.timestamp())
            cumulative.append(total)
        return cls(start, end, hour_starts, cumulative)

    def sum_at(self, boundary: datetime, scale: float) -> float:
        """A node's sum at a boundary: that of the hour ending there (0 before the first)."""
        index = round((boundary - self.start) / HOUR)
        return 0.0 if index == 0 else self.cumulative[index - 1] * scale


def scale_of(node: int) -> float:
    """The factor of node ``node`` (0-based) on the reference profile."""
    return 0.5 + (node % 10) * 0.25 + node * 1e-3


def metadata(statistic_id: str) -> Any:
    """Statistics metadata of a carbon sensor, as the recorder keeps it for a kg sensor."""
    return {
        "mean_type": StatisticMeanType.NONE,
        "has_sum": True,
        "name": None,
        "source": "recorder",
        "statistic_id": statistic_id,
        "unit_class": "mass",
        "unit_of_measurement": "kg",
    }


@dataclass(slots=True)
class BulkInsertTask(RecorderTask):
    """Writes the year's rows of the given statistics, in the recorder's thread."""

    statistic_ids: list[str]
    scales: list[float]
    year: Year
    errors: list[BaseException] = field(default_factory=list)

    def run(self, instance: Recorder) -> None:
        """Insert the cross product of the year's hours and the nodes, by the index's order."""
        try:
            self._run(instance)
        except BaseException as err:  # reported on the event loop
            self.errors.append(err)

    def _run(self, instance: Recorder) -> None:
        with session_scope(session=instance.get_session()) as session:
            found = instance.statistics_meta_manager.get_many(
                session, statistic_ids=set(self.statistic_ids)
            )
            nodes = [
                (found[sid][0], scale)
                for sid, scale in zip(self.statistic_ids, self.scales, strict=True)
            ]
            run = session.connection().exec_driver_sql
            # The index on start_ts alone would take the rows in 8,760 places each (out of the
            # cache once the table is large): dropped, and built again once at the end.
            (index_sql,) = run(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                (START_TS_INDEX,),
            ).one()
            run(f"DROP INDEX {START_TS_INDEX}")
            run(
                "CREATE TEMP TABLE bench_hours"
                " (hour INTEGER PRIMARY KEY, start_ts FLOAT, cum FLOAT)"
            )
            run("CREATE TEMP TABLE bench_nodes (metadata_id INTEGER PRIMARY KEY, scale FLOAT)")
            run(
                "INSERT INTO bench_hours VALUES (?, ?, ?)",
                [
                    (index, start_ts, cum)
                    for index, (start_ts, cum) in enumerate(
                        zip(self.year.hour_starts, self.year.cumulative, strict=True)
                    )
                ],
            )
            run("INSERT INTO bench_nodes VALUES (?, ?)", nodes)
            # In the order of the (metadata_id, start_ts) index: appended at its end.
            run(
                "INSERT INTO statistics (created_ts, metadata_id, start_ts, state, sum)"
                " SELECT ?, n.metadata_id, h.start_ts, h.cum * n.scale, h.cum * n.scale"
                " FROM bench_nodes AS n CROSS JOIN bench_hours AS h"
                " ORDER BY n.metadata_id, h.hour",
                (time.time(),),
            )
            run("DROP TABLE bench_hours")
            run("DROP TABLE bench_nodes")
            run(index_sql)


async def create_metadata(hass: HomeAssistant, statistic_ids: Sequence[str]) -> None:
    """Statistics metadata for each id, through the recorder's API (no rows)."""
    for statistic_id in statistic_ids:
        async_import_statistics(hass, metadata(statistic_id), [])
    await async_wait_recording_done(hass)


async def write_years(
    hass: HomeAssistant, statistic_ids: Sequence[str], first: int, year: Year
) -> None:
    """The year's hourly rows for nodes ``first``, ``first + 1``, ... (their statistic ids)."""
    scales = [scale_of(first + index) for index in range(len(statistic_ids))]
    task = BulkInsertTask(list(statistic_ids), scales, year)
    get_instance(hass).queue_task(task)
    await async_recorder_block_till_done(hass)
    if task.errors:
        raise task.errors[0]
    await async_wait_recording_done(hass)


# --------------------------------------------------------------------------------------------------
# The contenders and the checks
# --------------------------------------------------------------------------------------------------


def month_boundaries(year: Year) -> list[datetime]:
    """1 January, 1 February, ..., 1 January of the next year, in UTC."""
    zone = dt_util.get_default_time_zone()
    local_year = dt_util.as_local(year.start).year
    months = [datetime(local_year, month, 1, tzinfo=zone) for month in range(1, 13)]
    return [
        dt_util.as_utc(moment) for moment in [*months, datetime(local_year + 1, 1, 1, tzinfo=zone)]
    ]


def expected_months(year: Year, node: int) -> list[float]:
    """Node ``node``'s kg of each month, from the data as written."""
    scale = scale_of(node)
    sums = [year.sum_at(boundary, scale) for boundary in month_boundaries(year)]
    return [after - before for before, after in pairwise(sums)]


def request_for(entries: Sequence[MockConfigEntry], year: Year) -> ReportRequest:
    """The year's report, month by month, for the nodes."""
    start, end = report_range(Period.MONTH, start=year.start, end=year.end)
    assert (start, end) == (year.start, year.end)
    return ReportRequest(
        title="Bench year",
        period=Period.MONTH,
        start=start,
        end=end,
        nodes=tuple(entry.entry_id for entry in entries),
        groups=(),
        threshold_kg=None,
    )


async def plain_statistics(
    hass: HomeAssistant, year: Year, statistic_ids: Sequence[str]
) -> dict[str, list[Any]]:
    """HA's monthly changes of the statistics, in the recorder's executor."""
    return await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        year.start,
        year.end,
        set(statistic_ids),
        "month",
        None,
        {"change"},
    )


def check_report(report: Report, entries: Sequence[MockConfigEntry], year: Year) -> None:
    """Every node's figure of every month, as written."""
    boundaries = month_boundaries(year)
    assert [period.start for period in report.periods] == boundaries[:-1]
    assert [period.end for period in report.periods] == boundaries[1:]
    for node, entry in enumerate(entries):
        expected = expected_months(year, node)
        got = [period.nodes[entry.entry_id] for period in report.periods]
        for month, (value, want) in enumerate(zip(got, expected, strict=True)):
            assert abs(value - want) <= TOLERANCE, ("report", entry.title, month, value, want)


def check_plain(plain: dict[str, list[Any]], statistic_ids: Sequence[str], year: Year) -> None:
    """Every statistic's change of every month, as written."""
    boundaries = month_boundaries(year)
    assert set(plain) == set(statistic_ids), len(plain)
    for node, statistic_id in enumerate(statistic_ids):
        rows = plain[statistic_id]
        assert [row["start"] for row in rows] == [b.timestamp() for b in boundaries[:-1]]
        expected = expected_months(year, node)
        for month, (row, want) in enumerate(zip(rows, expected, strict=True)):
            assert abs(row["change"] - want) <= TOLERANCE, ("plain", statistic_id, month, row)


def check_same(
    report: Report,
    plain: dict[str, list[Any]],
    entries: Sequence[MockConfigEntry],
    statistic_ids: Sequence[str],
) -> None:
    """The report and HA's call agree on every node's month."""
    for entry, statistic_id in zip(entries, statistic_ids, strict=True):
        for period, row in zip(report.periods, plain[statistic_id], strict=True):
            assert abs(period.nodes[entry.entry_id] - row["change"]) <= TOLERANCE, (
                entry.title,
                period.start,
                period.nodes[entry.entry_id],
                row["change"],
            )


def count_rows(hass: HomeAssistant) -> int:
    """Rows in the statistics table."""
    with session_scope(hass=hass, read_only=True) as session:
        count = session.connection().exec_driver_sql("SELECT COUNT(*) FROM statistics").scalar()
        return int(count or 0)


async def timed[T](call: Callable[[], Any]) -> tuple[float, T]:
    """Wall-clock seconds of one awaited call, and its result."""
    start = time.perf_counter()
    result = await call()
    return time.perf_counter() - start, result


async def side_by_side(
    hass: HomeAssistant,
    year: Year,
    entries: Sequence[MockConfigEntry],
    statistic_ids: Sequence[str],
    reps: int = REPS,
) -> tuple[list[float], list[float]]:
    """``reps`` interleaved timings of the report and of HA's call, after a checked untimed pair."""
    request = request_for(entries, year)

    def report() -> Any:
        return async_build(hass, request)

    def plain() -> Any:
        return plain_statistics(hass, year, statistic_ids)

    first_report = await async_build(hass, request)
    first_plain = await plain()
    check_report(first_report, entries, year)
    check_plain(first_plain, statistic_ids, year)
    check_same(first_report, first_plain, entries, statistic_ids)
    rows = await get_instance(hass).async_add_executor_job(count_rows, hass)
    report_samples: list[float] = []
    plain_samples: list[float] = []
    for rep in range(reps):
        order = [(report, report_samples), (plain, plain_samples)]
        if rep % 2:
            order.reverse()
        for call, samples in order:
            seconds, _ = await timed(call)
            samples.append(seconds)
    _LOGGER.info(
        "N=%d, %d rows: report s: %s; plain statistics s: %s",
        len(entries),
        rows,
        " ".join(f"{sample:.4f}" for sample in report_samples),
        " ".join(f"{sample:.3f}" for sample in plain_samples),
    )
    return report_samples, plain_samples


async def report_only(
    hass: HomeAssistant, year: Year, entries: Sequence[MockConfigEntry]
) -> list[float]:
    """REPS timings of the report, after a checked untimed one."""
    request = request_for(entries, year)
    check_report(await async_build(hass, request), entries, year)
    samples = []
    for _ in range(REPS):
        seconds, _ = await timed(lambda: async_build(hass, request))
        samples.append(seconds)
    _LOGGER.info("N=%d report s: %s", len(entries), " ".join(f"{sample:.4f}" for sample in samples))
    return samples


async def profile_report(
    hass: HomeAssistant, year: Year, entries: Sequence[MockConfigEntry]
) -> None:
    """Profile one report (with Python 3.14, the reader's executor thread too)."""
    request = request_for(entries, year)
    profiler = cProfile.Profile()
    profiler.enable()
    await async_build(hass, request)
    profiler.disable()
    out = io.StringIO()
    out.write(f"\n=== year report, N={len(entries)} ===\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    sys.stderr.write(out.getvalue())


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------


async def main() -> None:
    """Nodes, metadata, 100 nodes' years: side by side; the other years: the 1000-node report."""
    profile = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
    async with fresh_hass() as hass:
        clock = time.perf_counter()
        await setup_recorder(hass, Path(hass.config.config_dir) / "bench-reports.db")
        entries = await setup_metered_nodes(hass, NODES_LARGE)
        statistic_ids = [carbon_entity_id(hass, entry) for entry in entries]
        await create_metadata(hass, statistic_ids)
        await async_wait_recording_done(hass)
        _LOGGER.info(
            "recorder, %d nodes and their statistics metadata in %.1f s",
            len(entries),
            time.perf_counter() - clock,
        )
        year = Year.last_full()
        _LOGGER.info(
            "year %s to %s (UTC), %d hours",
            year.start.isoformat(),
            year.end.isoformat(),
            len(year.hour_starts),
        )

        clock = time.perf_counter()
        await write_years(hass, statistic_ids[:NODES], 0, year)
        _LOGGER.info(
            "%d hourly rows written in %.1f s",
            NODES * len(year.hour_starts),
            time.perf_counter() - clock,
        )
        report_samples, plain_samples = await side_by_side(
            hass, year, entries[:NODES], statistic_ids[:NODES]
        )
        report_s = statistics.median(report_samples)
        plain_s = statistics.median(plain_samples)
        emit("report_year_s_100", report_s, 4)
        emit("plain_statistics_year_s_100", plain_s)
        emit("report_year_vs_plain_statistics", report_s / plain_s, 4)

        clock = time.perf_counter()
        await write_years(hass, statistic_ids[NODES:], NODES, year)
        _LOGGER.info(
            "%d more hourly rows written in %.1f s",
            (NODES_LARGE - NODES) * len(year.hour_starts),
            time.perf_counter() - clock,
        )
        large = await report_only(hass, year, entries)
        emit("report_year_1000_nodes_s", statistics.median(large), 4)
        # For the log: the 100-node figures again, in the 1000-node database.
        await side_by_side(hass, year, entries[:NODES], statistic_ids[:NODES], reps=3)
        if profile:
            await profile_report(hass, year, entries)


def run() -> None:
    """Entry point: logs at WARNING on stderr, figures on stdout; the recorder kept quiet."""
    configure_logging()
    patches = _quiet_recorder()
    for patcher in patches:
        patcher.start()
    try:
        asyncio.run(main())
    finally:
        for patcher in patches:
            patcher.stop()


if __name__ == "__main__":
    run()
