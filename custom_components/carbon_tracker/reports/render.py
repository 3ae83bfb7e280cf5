"""A report as response data, CSV and Markdown. No HA imports.

Kilograms are written to the gram (3 decimals), per cent to 2 decimals, activity and factors as
they are; times in the report's time zone, ISO 8601 with their offset, so a day that starts at
+08:00 reads as that day. Nodes are listed by port.

Every node row can be checked by hand: its activity and unit (what its meter counted, in the
factor's unit), the factor's value and unit, where the factor comes from (the table's row id and
verification status), its gas basis (CO2 only, or CO2e), and what the statistics cover.
"""

from __future__ import annotations

from collections.abc import Iterable
import csv
from datetime import datetime, tzinfo
import io
from typing import Any

from ..core.comparison import GroupInfo, GroupKind
from ..core.port_info import NodeInfo
from ..core.scopes import Scope
from .assembly import PeriodRows, Report

SIDE_NAMES = {
    GroupKind.FORECAST_VS_MEASURED: ("forecast", "measured"),
    GroupKind.TOTAL_VS_SUB: ("total", "subs"),
}


def kg(value: float) -> float:
    """Kilograms to the gram."""
    return round(value, 3) + 0.0  # + 0.0: no "-0.0"


def pct(value: float | None) -> float | None:
    """Per cent to 2 decimals."""
    return None if value is None else round(value, 2) + 0.0


def _kg_text(value: float, sign: str = "") -> str:
    """Kilograms as text to the gram, without trailing zeros and never in exponent notation."""
    return f"{kg(value):{sign}.3f}".rstrip("0").rstrip(".")


def _time(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat()


def activity(value: float | None) -> float | None:
    """An activity amount to 6 decimals (a meter's own resolution is coarser)."""
    return None if value is None else round(value, 6) + 0.0


def _by_port(report: Report, entry_ids: Iterable[str]) -> list[str]:
    nodes = report.nodes
    return sorted(entry_ids, key=lambda entry_id: (nodes[entry_id].port, nodes[entry_id].name))


def covered_until(report: Report, period: PeriodRows, entry_id: str) -> datetime:
    """Up to when a node's row in a period is counted.

    Statistics rows: to the last compiled hour. A person's declarations: to when the report was
    made (days are declared as they go).
    """
    if report.nodes[entry_id].declared:
        now = report.as_of or period.end
        return min(period.end, max(period.start, now))
    return period.end if period.statistics_until is None else period.statistics_until


def _group_name(group: GroupInfo) -> str:
    return group.name if group.number is None else f"G{group.number} {group.name}"


def _counted_as(report: Report, entry_id: str) -> tuple[str, GroupInfo | None]:
    """How a node is in the totals: "total", "breakdown", "plan" or "group_side".

    A breakdown is of a group's total meter; a group side is a site's, published to the central.
    """
    inventory = report.inventory
    if entry_id in inventory.plans:
        return "plan", None
    if entry_id in inventory.group_sides:
        return "group_side", None
    if entry_id in inventory.avoided:
        return "avoided", None
    if (group_id := inventory.breakdown_of.get(entry_id)) is not None:
        group = next((g.group for g in report.group_totals if g.group.entry_id == group_id), None)
        return "breakdown", group
    return "total", None


def inventory_rules(report: Report) -> list[str]:
    """The rules the report applied to count each flow once, as sentences."""
    nodes = report.nodes
    rules = []
    by_group: dict[str, list[str]] = {}
    for member, group_id in report.inventory.breakdown_of.items():
        by_group.setdefault(group_id, []).append(member)
    names = {total.group.entry_id: _group_name(total.group) for total in report.group_totals}
    for group_id, members in by_group.items():
        ports = ", ".join(f"{nodes[m].port} {nodes[m].name}" for m in members)
        rules.append(
            f"Sub-meters {ports} are a breakdown of the total meter of "
            f"{names.get(group_id, group_id)}: counted once, in it, not added again."
        )
    if report.inventory.plans:
        ports = ", ".join(f"{nodes[m].port} {nodes[m].name}" for m in report.inventory.plans)
        rules.append(f"Forecast ports {ports} are plans, not emissions: in no total.")
    if report.inventory.avoided:
        ports = ", ".join(f"{nodes[m].port} {nodes[m].name}" for m in report.inventory.avoided)
        rules.append(
            f"Ports {ports} count avoided emissions (energy exported or generated): their own "
            "total, never subtracted from the inventory."
        )
    if report.inventory.group_sides:
        ports = ", ".join(f"{nodes[m].port} {nodes[m].name}" for m in report.inventory.group_sides)
        rules.append(
            f"Ports {ports} are sides of a site's binding group, sums of that site's ports: "
            "compared, in no total."
        )
    return rules


def as_data(report: Report, zone: tzinfo, meta: dict[str, Any]) -> dict[str, Any]:
    """The report as an action's response (and the event's data): plain JSON types."""
    nodes = report.nodes
    return {
        **meta,
        "total_kg": kg(report.total_kg),
        "total_co2_only_kg": kg(report.co2_only_kg),
        "avoided_kg": kg(report.avoided_kg),
        # Only when asked for: the gross inventory minus the avoided emissions.
        "net_kg": None if report.net_kg is None else kg(report.net_kg),
        "complete": all(period.complete for period in report.periods),
        "threshold_kg": report.threshold_kg,
        "group_rows_left_out": report.left_out,
        "inventory_rules": inventory_rules(report),
        "nodes": [
            {
                "config_entry_id": entry_id,
                "port": nodes[entry_id].port,
                "name": nodes[entry_id].name,
                "scope": nodes[entry_id].scope.value,
                **_factor_fields(nodes[entry_id]),
                "activity": activity(report.activity_totals.get(entry_id)),
                "mean_factor": _mean_factor(report, entry_id),
                "total_kg": kg(report.node_totals[entry_id]),
                "counted_as": _counted_as(report, entry_id)[0],
                "breakdown_of": report.inventory.breakdown_of.get(entry_id),
                **_market_fields(report, entry_id),
            }
            for entry_id in _by_port(report, nodes)
        ],
        "scopes": {scope.value: kg(total) for scope, total in report.scope_totals.items()},
        "scopes_co2_only_kg": {
            scope.value: kg(total) for scope, total in report.scope_co2_only.items()
        },
        # Scope 2 both ways (GHG Protocol): the same inventory with each market-based factor in
        # place of its node's location-based one; null when no node has one.
        "scopes_market_based": {
            scope.value: kg(total) for scope, total in report.market_scope_totals.items()
        }
        or None,
        "total_market_based_kg": None
        if report.market_total_kg is None
        else kg(report.market_total_kg),
        "sites": [
            {
                "site": site or None,
                "total_kg": kg(total),
                "scopes": {
                    scope.value: kg(kilograms)
                    for scope, kilograms in report.site_scope_totals[site].items()
                },
            }
            for site, total in report.site_totals.items()
        ],
        "groups": [
            {
                "config_entry_id": total.group.entry_id,
                "name": total.group.name,
                "group_number": total.group.number,
                "group_kind": total.group.kind.value,
                f"{SIDE_NAMES[total.group.kind][0]}_kg": kg(total.left_kg),
                f"{SIDE_NAMES[total.group.kind][1]}_kg": kg(total.right_kg),
                "error_kg": kg(total.error_kg),
                "error_pct": pct(total.error_pct),
            }
            for total in report.group_totals
        ],
        "periods": [
            {
                "start": _time(period.start, zone),
                "end": _time(period.end, zone),
                "complete": period.complete,
                "statistics_until": _time(period.statistics_until or period.end, zone),
                "nodes": {
                    str(nodes[entry_id].port): kg(period.nodes[entry_id])
                    for entry_id in _by_port(report, period.nodes)
                },
                "activity": {
                    str(nodes[entry_id].port): activity(period.activity[entry_id])
                    for entry_id in _by_port(report, period.activity)
                },
                "covered_until": {
                    str(nodes[entry_id].port): _time(covered_until(report, period, entry_id), zone)
                    for entry_id in _by_port(report, period.nodes.keys() | period.activity.keys())
                },
                "groups": [
                    {
                        "config_entry_id": row.group.entry_id,
                        "name": row.group.name,
                        "group_number": row.group.number,
                        f"{SIDE_NAMES[row.group.kind][0]}_kg": kg(row.left_kg),
                        f"{SIDE_NAMES[row.group.kind][1]}_kg": kg(row.right_kg),
                        "error_kg": kg(row.error_kg),
                        "error_pct": pct(row.error_pct),
                        "shares_kg": {
                            str(nodes[member].port): kg(share)
                            for member, share in row.shares.items()
                            if member in nodes
                        },
                    }
                    for row in period.groups
                ],
            }
            for period in report.periods
        ],
    }


def _factor_fields(info: NodeInfo) -> dict[str, Any]:
    """How a node's carbon is priced, one field each."""
    return {
        "activity_unit": info.activity_unit,
        "factor_value": info.factor_value,
        "factor_unit": info.factor_unit,
        "factor_source": info.factor,
        "factor_row": info.factor_row,
        "factor_status": info.factor_status,
        "gas": info.gas,
    }


def _mean_factor(report: Report, entry_id: str) -> float | None:
    mean = report.mean_factor(entry_id)
    return None if mean is None else round(mean, 9) + 0.0


# A text cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _SafeWriter:
    """A CSV writer whose text cells can never be read as formulas.

    A name such as ``=HYPERLINK(...)`` is written with a leading apostrophe, shown as text.
    Numbers stay numbers (a negative figure is a number, not text).
    """

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, cells: list[Any]) -> None:
        self._writer.writerow([_text_cell(cell) for cell in cells])


def _text_cell(cell: Any) -> Any:
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


# The CSV's columns: one field each, numbers without units, the same header for every section.
CSV_COLUMNS = (
    "section",
    "period_start",
    "period_end",
    "covered_until",
    "port",
    "node",
    "group_number",
    "group",
    "scope",
    "counted_as",
    "part_of_group",
    "activity",
    "activity_unit",
    "factor_value",
    "factor_unit",
    "factor_source",
    "factor_row",
    "factor_status",
    "gas",
    "kg",
    "co2_only_kg",
    "left_side",
    "left_kg",
    "right_side",
    "right_kg",
    "error_kg",
    "error_pct",
    # A region's per-site rows (site_total, site_scope_total).
    "site",
    # Scope 2 both ways: node totals, scopes and the total market-based, and the factor.
    "market_based_kg",
    "market_factor_value",
    "market_factor_source",
)


def as_csv(report: Report, zone: tzinfo) -> str:
    """A tidy table: one row per node, group or share per period, then the totals.

    Sections: ``node``, ``group``, ``share`` per period (chronological, nodes by port);
    ``node_total`` per node (``counted_as``: total, breakdown, plan, group_side or avoided),
    ``unaccounted_total`` per total-vs-sub group, a region's ``site_scope_total`` and
    ``site_total``, ``scope_total`` per scope, one ``total``, then ``avoided_total`` (with an
    export or generation node) and ``net_total`` (when asked for). A cell that does not apply to
    a section is empty.
    """
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(list(CSV_COLUMNS))
    rows: list[dict[str, Any]] = []
    nodes = report.nodes
    for period in report.periods:
        times = {"period_start": _time(period.start, zone), "period_end": _time(period.end, zone)}
        for entry_id in _by_port(report, period.nodes.keys() | period.activity.keys()):
            info = nodes[entry_id]
            value = period.nodes.get(entry_id)
            rows.append(
                {
                    "section": "node",
                    **times,
                    "covered_until": _time(covered_until(report, period, entry_id), zone),
                    **_node_cells(report, info),
                    "activity": activity(period.activity.get(entry_id)),
                    "activity_unit": info.activity_unit,
                    "kg": None if value is None else kg(value),
                }
            )
        for group_row in period.groups:
            rows.append(
                {
                    "section": "group",
                    **times,
                    **_group_cells(group_row.group),
                    "left_kg": kg(group_row.left_kg),
                    "right_kg": kg(group_row.right_kg),
                    "error_kg": kg(group_row.error_kg),
                    "error_pct": pct(group_row.error_pct),
                }
            )
            for member in _by_port(report, (m for m in group_row.shares if m in nodes)):
                rows.append(
                    {
                        "section": "share",
                        **times,
                        **_group_cells(group_row.group),
                        "port": nodes[member].port,
                        "node": nodes[member].name,
                        "kg": kg(group_row.shares[member]),
                    }
                )
    for entry_id in _by_port(report, report.node_totals):
        info = nodes[entry_id]
        rows.append(
            {
                "section": "node_total",
                **_node_cells(report, info),
                **_factor_fields(info),
                "activity": activity(report.activity_totals.get(entry_id)),
                "kg": kg(report.node_totals[entry_id]),
                **_market_fields(report, entry_id),
            }
        )
    for group_total in report.group_totals:
        if _has_breakdown(report, group_total.group):
            rows.append(
                {
                    "section": "unaccounted_total",
                    **_group_cells(group_total.group),
                    "kg": kg(group_total.error_kg),
                }
            )
    rows.extend(_total_rows(report))
    for cells in rows:
        writer.writerow([_blank(cells.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def _market_fields(report: Report, entry_id: str) -> dict[str, Any]:
    """A node's market-based kg, factor and source (null for a location-based-only node)."""
    info = report.nodes[entry_id]
    total = report.market_node_totals.get(entry_id)
    return {
        "market_based_kg": None if total is None else kg(total),
        "market_factor_value": info.market_factor,
        "market_factor_source": info.market_source,
    }


def _total_rows(report: Report) -> list[dict[str, Any]]:
    """The CSV's last rows: a region's sites, the scopes, the total, avoided and net."""
    rows: list[dict[str, Any]] = []
    for site, total in report.site_totals.items():
        for scope, kilograms in report.site_scope_totals[site].items():
            rows.append(
                {
                    "section": "site_scope_total",
                    "site": site,
                    "scope": scope.value,
                    "kg": kg(kilograms),
                }
            )
        rows.append({"section": "site_total", "site": site, "kg": kg(total)})
    for scope, total in report.scope_totals.items():
        market = report.market_scope_totals.get(scope)
        rows.append(
            {
                "section": "scope_total",
                "scope": scope.value,
                "kg": kg(total),
                "co2_only_kg": kg(report.scope_co2_only.get(scope, 0.0)),
                "market_based_kg": None if market is None else kg(market),
            }
        )
    rows.append(
        {
            "section": "total",
            "kg": kg(report.total_kg),
            "co2_only_kg": kg(report.co2_only_kg),
            "market_based_kg": None
            if report.market_total_kg is None
            else kg(report.market_total_kg),
        }
    )
    if report.inventory.avoided:
        rows.append({"section": "avoided_total", "kg": kg(report.avoided_kg)})
    if report.net_kg is not None:
        rows.append({"section": "net_total", "kg": kg(report.net_kg)})
    return rows


def _node_cells(report: Report, info: NodeInfo) -> dict[str, Any]:
    counted_as, under = _counted_as(report, info.entry_id)
    return {
        "port": info.port,
        "node": info.name,
        "scope": info.scope.value,
        "gas": info.gas,
        "counted_as": counted_as,
        "part_of_group": None if under is None else _group_name(under),
    }


def _group_cells(group: GroupInfo) -> dict[str, Any]:
    left, right = SIDE_NAMES[group.kind]
    return {
        "group_number": group.number,
        "group": group.name,
        "left_side": left,
        "right_side": right,
    }


def _has_breakdown(report: Report, group: GroupInfo) -> bool:
    """A total-vs-sub group whose sub-meters the totals take as a breakdown of its total."""
    return group.kind is GroupKind.TOTAL_VS_SUB and any(
        report.inventory.breakdown_of.get(member) == group.entry_id for member in group.right
    )


def _blank(value: Any) -> Any:
    return "" if value is None else value


def as_markdown(report: Report, zone: tzinfo, title: str) -> str:
    """A readable report: totals, scopes, nodes, then each period."""
    nodes = report.nodes
    lines = [f"# {title}", ""]
    lines += [f"**Total: {_kg_text(report.total_kg)} kg**", ""]
    if report.inventory.avoided:
        lines += [
            f"Avoided emissions (energy exported or generated, outside the inventory): "
            f"{_kg_text(report.avoided_kg)} kg",
            "",
        ]
    if report.net_kg is not None:
        lines += [
            f"Net (the total minus the avoided emissions, as asked): {_kg_text(report.net_kg)} kg",
            "",
        ]
    if report.co2_only_kg:
        lines += [
            f"Of which {_kg_text(report.co2_only_kg)} kg are priced by CO2-only factors "
            "(without methane and nitrous oxide); the rest is CO2e.",
            "",
        ]
    if not all(period.complete for period in report.periods):
        lines += [
            "Not complete: statistics cover the periods marked below up to the last hour Home "
            "Assistant has compiled.",
            "",
        ]
    if report.scope_totals:
        lines += ["| Scope | kg | of which CO2 only |", "|---|---:|---:|"]
        lines += [
            f"| {scope.value} | {_kg_text(total)} | "
            f"{_kg_text(report.scope_co2_only.get(scope, 0.0))} |"
            for scope, total in _scopes(report)
        ]
        lines.append("")
    lines += _market_lines(report)
    lines += _site_lines(report)
    lines += [
        "| Port | Node | Scope | Activity | Factor | Source | Gas | kg | In the totals |",
        "|---:|---|---|---:|---|---|---|---:|---|",
    ]
    for entry_id in _by_port(report, report.node_totals):
        info = nodes[entry_id]
        counted_as, under = _counted_as(report, entry_id)
        counted = {
            "total": "yes",
            "plan": "no: a plan",
            "group_side": "no: a site's group side",
            "avoided": "no: avoided emissions",
            "breakdown": f"in {_cell(_group_name(under)) if under else 'its total meter'}",
        }[counted_as]
        lines.append(
            f"| {info.port} | {_cell(info.name)} | {info.scope.value} | "
            f"{_activity_text(report, info)} | {_factor_text(report, info)} | "
            f"{_cell(_source_text(info))} | {info.gas} | "
            f"{_kg_text(report.node_totals[entry_id])} | {counted} |"
        )
    lines.append("")
    if rules := inventory_rules(report):
        lines += [*(f"- {_cell(rule)}" for rule in rules), ""]
    if report.group_totals:
        lines += [
            "| Group | Left kg | Right kg | Error kg | Error % |",
            "|---|---:|---:|---:|---:|",
        ]
        for group_total in report.group_totals:
            lines.append(
                f"| {_cell(_group_name(group_total.group))} | {_kg_text(group_total.left_kg)} | "
                f"{_kg_text(group_total.right_kg)} | {_kg_text(group_total.error_kg, '+')} | "
                f"{_pct_text(group_total.error_pct)} |"
            )
        lines.append("")
    if report.threshold_kg is not None:
        lines += [
            f"Group rows with an error at or under {report.threshold_kg:g} kg are left out "
            f"({report.left_out}).",
            "",
        ]
    for period in report.periods:
        lines += _markdown_period(report, period, zone)
    return "\n".join(lines)


def _markdown_period(report: Report, period: PeriodRows, zone: tzinfo) -> list[str]:
    """One period's section: what the statistics cover, the nodes by port, the group rows."""
    nodes = report.nodes
    lines: list[str] = []
    heading = f"## {_time(period.start, zone)} to {_time(period.end, zone)}"
    if not period.complete:
        heading += f" (statistics to {_time(period.statistics_until or period.end, zone)})"
    lines += [heading, ""]
    for entry_id in _by_port(report, period.nodes):
        info = nodes[entry_id]
        amount = period.activity.get(entry_id)
        activity_note = "" if amount is None else f" ({activity(amount):g} {info.activity_unit})"
        declared = ""
        if info.declared and (until := covered_until(report, period, entry_id)) < period.end:
            declared = f", declared to {_time(until, zone)}"
        lines.append(
            f"- {info.port} {_cell(info.name)}: {_kg_text(period.nodes[entry_id])} kg"
            f"{activity_note}{declared}"
        )
    for row in period.groups:
        left, right = SIDE_NAMES[row.group.kind]
        shares = ", ".join(
            f"{nodes[member].port}: {_kg_text(share, '+')} kg"
            for member, share in row.shares.items()
            if member in nodes
        )
        lines.append(
            f"- {_cell(_group_name(row.group))}: {left} {_kg_text(row.left_kg)} kg, {right} "
            f"{_kg_text(row.right_kg)} kg, error {_kg_text(row.error_kg, '+')} kg "
            f"({_pct_text(row.error_pct)})" + (f"; shares {shares}" if shares else "")
        )
    lines.append("")
    return lines


def _activity_text(report: Report, info: NodeInfo) -> str:
    amount = report.activity_totals.get(info.entry_id)
    if amount is None or info.activity_unit is None:
        return "-"
    return f"{activity(amount):g} {info.activity_unit}"


def _factor_text(report: Report, info: NodeInfo) -> str:
    """The factor's value and unit; for a live intensity its mean over the range."""
    if info.factor_value is not None:
        return f"{info.factor_value:g} {info.factor_unit}"
    mean = report.mean_factor(info.entry_id)
    if mean is not None and info.factor_unit is not None:
        return f"{mean:.6g} {info.factor_unit} (mean)"
    return "-"


def _source_text(info: NodeInfo) -> str:
    """Where the factor comes from, with its row id and an unverified row flagged."""
    text = info.factor
    if info.factor_row is not None:
        text += f" [row {info.factor_row}]"
    if info.factor_status == "U":
        text += " [U: unverified]"
    return text


def _market_lines(report: Report) -> list[str]:
    """Scope 2 both ways: each scope location- and market-based, and each market factor."""
    if report.market_total_kg is None:
        return []
    lines = [
        "| Scope | kg, location-based | kg, market-based |",
        "|---|---:|---:|",
        *(
            f"| {scope.value} | {_kg_text(total)} | "
            f"{_kg_text(report.market_scope_totals.get(scope, 0.0))} |"
            for scope, total in _scopes(report)
        ),
        f"| all | {_kg_text(report.total_kg)} | {_kg_text(report.market_total_kg)} |",
        "",
        "Market-based factors (a node without one counts its location-based kg there):",
        "",
    ]
    for entry_id in _by_port(report, report.market_node_totals):
        info = report.nodes[entry_id]
        lines.append(
            f"- {info.port} {_cell(info.name)}: {_kg_text(report.market_node_totals[entry_id])} kg "
            f"at {info.market_factor:g} kg CO2e/kWh ({_cell(info.market_source or '')}); "
            f"location-based {_kg_text(report.node_totals[entry_id])} kg at "
            f"{_cell(_source_text(info))}"
        )
    return [*lines, ""]


def _site_lines(report: Report) -> list[str]:
    """A region's inventory per site, with its scopes ("this site": the central's own ports)."""
    if not report.site_totals:
        return []
    scopes = list(report.scope_totals)
    lines = [
        "| Site | " + " | ".join(f"Scope {scope.value}" for scope in scopes) + " | kg |",
        "|---|" + "---:|" * (len(scopes) + 1),
    ]
    for site, total in report.site_totals.items():
        by_scope = report.site_scope_totals[site]
        cells = " | ".join(_kg_text(by_scope.get(scope, 0.0)) for scope in scopes)
        lines.append(f"| {_cell(site) or 'this site'} | {cells} | {_kg_text(total)} |")
    return [*lines, ""]


def _scopes(report: Report) -> list[tuple[Scope, float]]:
    return list(report.scope_totals.items())


def _pct_text(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{pct(value):+.2f}".rstrip("0").rstrip(".") + " %"


def _cell(text: str) -> str:
    """Text that cannot break a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")
