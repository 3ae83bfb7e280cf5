"""A report as response data, CSV and Markdown. No HA imports.

Kilograms are written to the gram (3 decimals), per cent to 2 decimals; times in the report's
time zone, ISO 8601 with their offset, so a day that starts at +08:00 reads as that day.
"""

from __future__ import annotations

import csv
from datetime import datetime, tzinfo
import io
from typing import Any

from ..core.scopes import Scope
from ..groups.arithmetic import GroupKind
from .assembly import GroupInfo, Report

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


def _group_name(group: GroupInfo) -> str:
    return group.name if group.number is None else f"G{group.number} {group.name}"


def _counted_as(report: Report, entry_id: str) -> tuple[str, GroupInfo | None]:
    """How a node is in the totals: "total", "breakdown" (of a group's total meter) or "plan"."""
    inventory = report.inventory
    if entry_id in inventory.plans:
        return "plan", None
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
    return rules


def as_data(report: Report, zone: tzinfo, meta: dict[str, Any]) -> dict[str, Any]:
    """The report as an action's response (and the event's data): plain JSON types."""
    nodes = report.nodes
    return {
        **meta,
        "total_kg": kg(report.total_kg),
        "threshold_kg": report.threshold_kg,
        "group_rows_left_out": report.left_out,
        "inventory_rules": inventory_rules(report),
        "nodes": [
            {
                "config_entry_id": entry_id,
                "port": info.port,
                "name": info.name,
                "scope": info.scope.value,
                "factor_source": info.factor,
                "gas": info.gas,
                "total_kg": kg(report.node_totals[entry_id]),
                "counted_as": _counted_as(report, entry_id)[0],
                "breakdown_of": report.inventory.breakdown_of.get(entry_id),
            }
            for entry_id, info in nodes.items()
        ],
        "scopes": {scope.value: kg(total) for scope, total in report.scope_totals.items()},
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
                "nodes": {
                    str(nodes[entry_id].port): kg(value) for entry_id, value in period.nodes.items()
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


def as_csv(report: Report, zone: tzinfo) -> str:
    """One row per figure: section, period, what, the figure's name, its value."""
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(["section", "period_start", "period_end", "subject", "figure", "value"])
    nodes = report.nodes
    for period in report.periods:
        start, end = _time(period.start, zone), _time(period.end, zone)
        for entry_id, value in period.nodes.items():
            info = nodes[entry_id]
            writer.writerow(["node", start, end, f"{info.port} {info.name}", "kg", kg(value)])
        for row in period.groups:
            left, right = SIDE_NAMES[row.group.kind]
            subject = _group_name(row.group)
            figures: tuple[tuple[str, float | None], ...] = (
                (f"{left}_kg", kg(row.left_kg)),
                (f"{right}_kg", kg(row.right_kg)),
                ("error_kg", kg(row.error_kg)),
                ("error_pct", pct(row.error_pct)),
            )
            for figure, figure_value in figures:
                writer.writerow(["group", start, end, subject, figure, _blank(figure_value)])
            for member, share in row.shares.items():
                if member in nodes:
                    info = nodes[member]
                    writer.writerow(
                        [
                            "share",
                            start,
                            end,
                            f"{subject} / {info.port} {info.name}",
                            "kg",
                            kg(share),
                        ]
                    )
    for entry_id, total in report.node_totals.items():
        info = nodes[entry_id]
        counted_as, under = _counted_as(report, entry_id)
        section = {"total": "node_total", "breakdown": "breakdown_total", "plan": "plan_total"}
        subject = f"{info.port} {info.name}"
        if under is not None:
            subject = f"{_group_name(under)} / {subject}"
        writer.writerow(
            [
                section[counted_as],
                "",
                "",
                subject,
                f"kg {info.gas} (scope {info.scope.value}; {info.factor})",
                kg(total),
            ]
        )
    for group_total in report.group_totals:
        if group_total.group.kind is GroupKind.TOTAL_VS_SUB and any(
            report.inventory.breakdown_of.get(m) == group_total.group.entry_id
            for m in group_total.group.right
        ):
            writer.writerow(
                [
                    "unaccounted_total",
                    "",
                    "",
                    _group_name(group_total.group),
                    "kg",
                    kg(group_total.error_kg),
                ]
            )
    for scope, total in report.scope_totals.items():
        writer.writerow(["scope_total", "", "", f"scope {scope.value}", "kg", kg(total)])
    writer.writerow(["total", "", "", "all nodes", "kg", kg(report.total_kg)])
    return out.getvalue()


def _blank(value: float | None) -> float | str:
    return "" if value is None else value


def as_markdown(report: Report, zone: tzinfo, title: str) -> str:
    """A readable report: totals, scopes, nodes, then each period."""
    nodes = report.nodes
    lines = [f"# {title}", ""]
    lines += [f"**Total: {_kg_text(report.total_kg)} kg**", ""]
    if report.scope_totals:
        lines += ["| Scope | kg |", "|---|---:|"]
        lines += [f"| {scope.value} | {_kg_text(total)} |" for scope, total in _scopes(report)]
        lines.append("")
    lines += [
        "| Port | Node | Scope | Factor | Gas | kg | In the totals |",
        "|---:|---|---|---|---|---:|---|",
    ]
    for entry_id, total in report.node_totals.items():
        info = nodes[entry_id]
        counted_as, under = _counted_as(report, entry_id)
        counted = {
            "total": "yes",
            "plan": "no: a plan",
            "breakdown": f"in {_cell(_group_name(under)) if under else 'its total meter'}",
        }[counted_as]
        lines.append(
            f"| {info.port} | {_cell(info.name)} | {info.scope.value} | {_cell(info.factor)} | "
            f"{info.gas} | {_kg_text(total)} | {counted} |"
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
        lines += [f"## {_time(period.start, zone)} to {_time(period.end, zone)}", ""]
        for entry_id, value in period.nodes.items():
            info = nodes[entry_id]
            lines.append(f"- {info.port} {_cell(info.name)}: {_kg_text(value)} kg")
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
    return "\n".join(lines)


def _scopes(report: Report) -> list[tuple[Scope, float]]:
    return list(report.scope_totals.items())


def _pct_text(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{pct(value):+.2f}".rstrip("0").rstrip(".") + " %"


def _cell(text: str) -> str:
    """Text that cannot break a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")
