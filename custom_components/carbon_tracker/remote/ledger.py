"""What the central has counted of each remote port, exactly once. No HA imports.

A remote port's total is the sum, over its cycles, of each cycle's latest state (by ``seq``).
A state is cumulative, so taking the latest is idempotent and order-free: a duplicate, a
retained copy delivered again after a reconnection, or an older state arriving late changes
nothing; a node created again on the site's port is a new cycle, added beside the old one,
whose kilograms stay counted (they were emitted). A state may be lower than the one before it in
its cycle (a logistics correction, a declaration replaced): the total follows it down, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import fsum
from typing import Any

from ..core.region_wire import PortState


@dataclass(slots=True)
class CycleState:
    """The latest state of one cycle."""

    seq: tuple[int, int]
    kg: float


@dataclass(slots=True)
class RemotePort:
    """One port of a remote site: its cycles, its name and what it says of itself."""

    port: int
    name: str
    scope: str | None = None
    factor: str | None = None
    cycles: dict[str, CycleState] = field(default_factory=dict)
    total: float = 0.0
    # A site's group side ("forecast", "measured", "total", "subs"): a sum of ports, not a port.
    role: str | None = None

    def offer(self, state: PortState) -> bool:
        """Take a state if it is the latest of its cycle; whether anything changed."""
        held = self.cycles.get(state.cycle)
        if held is not None and state.seq <= held.seq:
            return False
        self.cycles[state.cycle] = CycleState(state.seq, state.kg)
        self.name, self.scope, self.factor = state.name, state.scope, state.factor
        self.role = state.role
        # Recomputed, not adjusted: a port has a handful of cycles, and fsum keeps it exact.
        self.total = fsum(cycle.kg for cycle in self.cycles.values())
        return True

    def as_dict(self) -> dict[str, Any]:
        """For the durable record."""
        return {
            "port": self.port,
            "name": self.name,
            "scope": self.scope,
            "factor": self.factor,
            "role": self.role,
            "cycles": {
                cycle: {"seq": list(held.seq), "kg": held.kg} for cycle, held in self.cycles.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RemotePort:
        """Read back from the durable record (raises on anything not written by ``as_dict``)."""
        port = cls(int(data["port"]), str(data["name"]), data.get("scope"), data.get("factor"))
        port.role = data.get("role")
        for cycle, held in data["cycles"].items():
            seq = held["seq"]
            port.cycles[str(cycle)] = CycleState((int(seq[0]), int(seq[1])), float(held["kg"]))
        port.total = fsum(cycle.kg for cycle in port.cycles.values())
        return port


class SiteLedger:
    """Every port of one remote site, by the site's port number."""

    def __init__(self, site: str) -> None:
        """Nothing counted yet."""
        self.site = site
        self.ports: dict[int, RemotePort] = {}

    def offer(self, state: PortState) -> RemotePort | None:
        """Take a state of this site; the port when something changed, else None."""
        if state.site != self.site:
            return None
        port = self.ports.get(state.port)
        if port is None:
            port = self.ports[state.port] = RemotePort(state.port, state.name)
        return port if port.offer(state) else None

    @property
    def total(self) -> float:
        """The site's kilograms: every port's (a group side is a sum of ports: not again)."""
        return fsum(port.total for port in self.ports.values() if port.role is None)

    def as_dict(self) -> dict[str, Any]:
        """For the durable record."""
        return {"site": self.site, "ports": [port.as_dict() for port in self.ports.values()]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteLedger:
        """Read back from the durable record."""
        ledger = cls(str(data["site"]))
        for item in data["ports"]:
            port = RemotePort.from_dict(item)
            ledger.ports[port.port] = port
        return ledger
