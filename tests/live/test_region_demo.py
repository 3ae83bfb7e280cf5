"""The README's one command for a region (``scripts/region``) works: the broker, two sites and
the central start, and the central counts both sites and its region group."""

from __future__ import annotations

from pathlib import Path

import pytest_socket

from devtools import region_demo, services


def test_the_region_demo_counts_both_sites_and_the_region_group(tmp_path: Path) -> None:
    pytest_socket.enable_socket()
    layout = region_demo.Layout(
        folder=tmp_path / "region",
        broker_port=services.free_port(),
        central_http=services.free_port(),
        site_http=(services.free_port(), services.free_port()),
    )
    states = region_demo.run(layout, check=True)

    def number(entity_id: str) -> float:
        return float(states[entity_id]["state"])

    # Each site counts at the central (its total written at most every 5 s, its ports' since).
    for site, base in (("a", 1000), ("b", 2000)):
        ports = number(f"sensor.site_site_{site}_port_{base + 1}_grid") + number(
            f"sensor.site_site_{site}_port_{base + 2}_gas"
        )
        site_total = number(f"sensor.site_site_{site}_site_emissions")
        # Sums of the same kilograms in another order differ below a microgram.
        assert 0 < site_total <= ports + 1e-9
    # G1: the region's main meter against the sites' grid meters, all counted at the central.
    assert number("sensor.region_vs_sites_total") >= 0
    assert number("sensor.region_vs_sites_sum_of_sub_meters") >= 0
    assert states["sensor.site_site_a_port_1001_grid"]["attributes"]["central_port"] == 1001
    assert states["sensor.site_site_b_port_2002_gas"]["attributes"]["scope"] == "2"
    # The dashboard the README shows is there.
    dashboards = (layout.folder / "central" / ".storage" / "lovelace.region").read_text()
    assert "Region vs sites" in dashboards
