"""The region demo: a broker, two sites and a central, each a real Home Assistant.

    scripts/region            # start everything; Ctrl-C stops it
    scripts/region --check    # start, wait until the central counts both sites, stop (tests)

* A private Mosquitto (persistence in ``region_demo/broker``) on 127.0.0.1:1884.
* **Site A** (http://127.0.0.1:8124) and **Site B** (http://127.0.0.1:8125): two tracking
  nodes each, on meters that count up with the clock, and a site publisher of both.
* **The central** (http://127.0.0.1:8123): a remote site for each (ports 1001-1002 and 2001-2002),
  its own "Region main meter" (port 1: the sites' grid meters and 5 % network losses), the group
  **Region vs sites** (G1: 1 > 1001/2001), and the **Region** dashboard: each site's total, the
  group, the remote ports' history and a button that writes a region report (CSV and Markdown).

Log in everywhere as demo / demo. Everything lives in ``region_demo/`` (kept across runs: the
demo goes on counting where it stopped; delete the folder to start afresh).
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import ExitStack
from dataclasses import dataclass
import json
from pathlib import Path
import signal
import subprocess
import sys
import time
from typing import Any
import urllib.request

from devtools import services
from devtools.seed import HOST, seed

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "region_demo"
INTEGRATION = ROOT / "custom_components" / "carbon_tracker"
BROKER_PORT = 1884
PREFIX = "carbon_tracker"


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the region runs: its folder, the broker's port and each Home Assistant's."""

    folder: Path = FOLDER
    broker_port: int = BROKER_PORT
    central_http: int = 8123
    site_http: tuple[int, ...] = (8124, 8125)

    def http_of(self, site: str) -> int:
        """A site's HTTP port."""
        return self.site_http[list(SITES).index(site)]


# The meters count from this moment at their rate (kWh an hour), read every 10 seconds.
EPOCH = 1_790_000_000
SITES: dict[str, dict[str, Any]] = {
    "site-a": {"base": 1000, "meters": {"grid": 120.0, "gas": 40.0}},
    "site-b": {"base": 2000, "meters": {"grid": 80.0, "gas": 25.0}},
}
LOSSES = 1.05
FACTORS = {
    "grid": {"factor_mode": "custom", "factor_value": 0.5, "factor_unit": "kWh"},
    "gas": {"factor_mode": "custom", "factor_value": 0.18, "factor_unit": "kWh"},
}
CHECK_TIMEOUT_S = 240.0

CONFIGURATION = """\
homeassistant:
  name: {name}
  unit_system: metric
  time_zone: Europe/London
  country: GB
frontend:
config:
history:
logbook:
script: !include scripts.yaml
recorder:
  commit_interval: 5
logger:
  default: warning
  logs:
    custom_components.carbon_tracker: info
template:
  - trigger:
      - platform: time_pattern
        seconds: "/10"
      - platform: homeassistant
        event: start
    sensor:
{meters}
"""

METER = """\
      - name: {name}
        unique_id: region_demo_{key}
        unit_of_measurement: kWh
        device_class: energy
        state_class: total_increasing
        state: "{{{{ ((as_timestamp(now()) - {epoch}) / 3600 * {rate}) | round(3) }}}}"
"""


def meter_block(meters: dict[str, tuple[str, float]]) -> str:
    """The template meters: key -> (name, kWh an hour)."""
    return "".join(
        METER.format(name=name, key=key, epoch=EPOCH, rate=rate)
        for key, (name, rate) in meters.items()
    )


def write_config(folder: Path, name: str, meters: dict[str, tuple[str, float]]) -> None:
    """configuration.yaml and the integration linked into custom_components/."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "configuration.yaml").write_text(
        CONFIGURATION.format(name=json.dumps(name), meters=meter_block(meters)), encoding="utf-8"
    )
    components = folder / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / "carbon_tracker"
    if not link.exists():
        link.symlink_to(INTEGRATION, target_is_directory=True)


def region_dashboard(sites: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The central's Region dashboard (entity ids as HA names the sensors)."""
    totals = [f"sensor.site_{site.replace('-', '_')}_site_emissions" for site in sites]
    ports = [
        f"sensor.site_{site.replace('-', '_')}_port_{spec['base'] + index}_{key}"
        for site, spec in sites.items()
        for index, key in enumerate(("grid", "gas"), start=1)
    ]
    return {
        "config": {
            "title": "Region",
            "views": [
                {
                    "title": "Region",
                    "path": "region",
                    "cards": [
                        {"type": "entities", "title": "Sites", "entities": totals},
                        {
                            "type": "entities",
                            "title": "Region vs sites (G1: 1 > 1001/2001)",
                            "entities": [
                                "sensor.region_vs_sites_total",
                                "sensor.region_vs_sites_sum_of_sub_meters",
                                "sensor.region_vs_sites_error",
                                "sensor.region_vs_sites_relative_error",
                            ],
                        },
                        {
                            "type": "history-graph",
                            "title": "Remote ports",
                            "hours_to_show": 6,
                            "entities": ports,
                        },
                        {
                            "type": "button",
                            "name": "Region report (today)",
                            "icon": "mdi:file-chart-outline",
                            "tap_action": {
                                "action": "perform-action",
                                "perform_action": "script.region_report",
                            },
                        },
                    ],
                }
            ],
        }
    }


REPORT_SCRIPT = """
region_report:
  alias: Region report
  sequence:
    - action: carbon_tracker.generate_report
      data:
        period: day
        last: 1
        groups: [1]
        formats: [csv, markdown]
"""


async def seed_region(layout: Layout) -> None:
    """Seed the three folders (once: a second run keeps what they have)."""
    for site, spec in SITES.items():
        folder = layout.folder / site
        if (folder / ".storage").exists():
            continue
        meters = {f"{site}_{key}": (f"{site} {key}", rate) for key, rate in spec["meters"].items()}
        write_config(folder, f"Region demo {site}", meters)
        nodes = [
            (key.capitalize(), f"sensor.{site.replace('-', '_')}_{key}", index, FACTORS[key])
            for index, key in enumerate(spec["meters"], start=1)
        ]
        await seed(
            str(folder),
            port=layout.http_of(site),
            nodes=nodes,
            mqtt_port=layout.broker_port,
            publisher=(site, PREFIX),
        )
    central = layout.folder / "central"
    if (central / ".storage").exists():
        return
    rate = sum(spec["meters"]["grid"] for spec in SITES.values()) * LOSSES
    write_config(central, "Region demo central", {"region_main": ("Region main meter", rate)})
    remotes = [(site, PREFIX, spec["base"]) for site, spec in SITES.items()]
    token = await seed(
        str(central),
        port=layout.central_http,
        nodes=[("Region main", "sensor.region_main_meter", 1, FACTORS["grid"])],
        mqtt_port=layout.broker_port,
        remotes=remotes,
        region_group=("Region vs sites", [1], [(site, 1) for site in SITES]),
        dashboard=("region", region_dashboard(SITES)),
        access_token=True,
    )
    if token is not None:
        (central / "token").write_text(token, encoding="utf-8")
    with (central / "scripts.yaml").open("a", encoding="utf-8") as scripts:
        scripts.write(REPORT_SCRIPT)


def start_hass(folder: Path) -> subprocess.Popen[bytes]:
    """``hass -c folder`` in the background, its output in the folder."""
    return subprocess.Popen(
        [str(Path(sys.prefix) / "bin" / "hass"), "-c", str(folder), "--skip-pip"],
        stdout=(folder / "hass.out.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def central_states(layout: Layout) -> list[dict[str, Any]]:
    """The central's states, through its API with the seeded token (empty until it answers)."""
    token = (layout.folder / "central" / "token").read_text(encoding="utf-8").strip()
    request = urllib.request.Request(
        f"http://{HOST}:{layout.central_http}/api/states",
        headers={"Authorization": f"Bearer {token}"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as response:
            states: list[dict[str, Any]] = json.loads(response.read())
            return states
    except OSError:
        return []


def counted_everywhere(layout: Layout) -> bool:
    """Whether the central shows both sites' ports counting and the group following them."""
    seen = {state["entity_id"]: state for state in central_states(layout)}
    sites_counting = all(
        float(
            seen.get(f"sensor.site_{site.replace('-', '_')}_site_emissions", {}).get("state", 0)
            or 0
        )
        > 0
        for site in SITES
    )
    group = seen.get("sensor.region_vs_sites_sum_of_sub_meters", {}).get("state")
    return sites_counting and group not in (None, "unknown", "unavailable")


def run(layout: Layout, *, check: bool) -> dict[str, dict[str, Any]]:
    """Start the region; with ``check``, return once the central counts both sites.

    What is returned then is the central's states, by entity id (everything is stopped).
    """
    layout.folder.mkdir(parents=True, exist_ok=True)
    asyncio.run(seed_region(layout))
    with ExitStack() as stack:
        broker = services.start_mosquitto(layout.broker_port, layout.folder / "broker")
        stack.callback(services.stop, broker.pid)
        for folder in (layout.folder / "central", *(layout.folder / site for site in SITES)):
            process = start_hass(folder)
            stack.callback(_stop, process)
        print(
            f"region: central http://{HOST}:{layout.central_http} (dashboard: Region), "
            + ", ".join(f"{site} http://{HOST}:{layout.http_of(site)}" for site in SITES)
            + "; log in as demo / demo",
            file=sys.stderr,
        )
        if not check:
            # Ctrl-C or a plain kill: everything started here stops with it.
            signal.signal(signal.SIGTERM, _interrupt)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return {}
        deadline = time.monotonic() + CHECK_TIMEOUT_S
        while not counted_everywhere(layout):
            if time.monotonic() > deadline:
                raise SystemExit("region: the central did not count both sites in time")
            time.sleep(2.0)
        print("region: the central counts both sites and the region group", file=sys.stderr)
        return {state["entity_id"]: state for state in central_states(layout)}


def main() -> None:
    """The command: start (and with --check, verify and stop) the region."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the region counts, then stop")
    run(Layout(), check=parser.parse_args().check)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


if __name__ == "__main__":
    main()
