"""What a site publishes for each of its ports, and how the central reads it. No HA imports.

Topics, under a prefix (``carbon_tracker`` unless the user sets another):

* ``<prefix>/<site>/status``: ``online`` (birth) or ``offline`` (last will), retained;
* ``<prefix>/<site>/port/<port>/<cycle>``: the port's state in that cycle, retained, QoS 1.

A binding group's side may be published too (``role``: what the side is; its kilograms since
the group began; its cycle the group's entry id and the side): it is a sum of ports, compared at
the central, never counted as a port of its own.

A port's **cycle** is the site entry that counts it (its config entry id). A node deleted and
created again on the same port is a new cycle, whose total starts again from zero; a meter reset
is not (the node's total goes on). Each cycle has a topic of its own, so the broker keeps every
cycle's last state, and a central that was away reads each one once it is back.

Within a cycle, ``seq`` orders the states: ``[session, count]``, compared in that order. The
publisher stores a new session before it publishes anything, so a restarted site's states come
after all its old ones whatever its counter was. The state carries the port's cumulative
kilograms, so the last state of each cycle is all the central needs: duplicates, retained
copies delivered again and states out of order change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
import json
from math import isfinite
import re
from typing import Any

DEFAULT_PREFIX = "carbon_tracker"
WIRE_VERSION = 1
# A state is a few hundred bytes; anything much larger is not one of ours.
MAX_PAYLOAD_BYTES = 2048
# Kilograms a port can plausibly hold: a region's century of emissions is far below this.
MAX_KG = 1e15
STATUS_ONLINE = "online"
STATUS_OFFLINE = "offline"
SITE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
CYCLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
PREFIX = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")
PORT_MIN, PORT_MAX = 1, 65535
TEXT_MAX = 200
# What a published group side is (``PortState.role``).
SIDE_ROLES = frozenset({"forecast", "measured", "total", "subs"})


class WireError(ValueError):
    """A message the central refuses; ``reason`` is a translation key, ``detail`` what was wrong."""

    def __init__(self, reason: str, detail: str = "") -> None:
        """Why the message was refused."""
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class PortState:
    """One port's state in one cycle, as a site publishes it."""

    site: str
    port: int
    cycle: str
    seq: tuple[int, int]
    kg: float
    name: str
    scope: str | None = None
    factor: str | None = None
    # A binding group's side (its kilograms since the group began), not a port of its own:
    # "forecast", "measured", "total" or "subs". None for a port.
    role: str | None = None


def status_topic(prefix: str, site: str) -> str:
    """Where a site says it is online (birth) or offline (last will)."""
    return f"{prefix}/{site}/status"


def state_topic(prefix: str, site: str, port: int, cycle: str) -> str:
    """Where a port's state in one cycle is kept."""
    return f"{prefix}/{site}/port/{port}/{cycle}"


def site_states_filter(prefix: str, site: str) -> str:
    """The subscription that reads every state of one site."""
    return f"{prefix}/{site}/port/+/+"


def sites_status_filter(prefix: str) -> str:
    """The subscription that finds every site's status (discovery)."""
    return f"{prefix}/+/status"


def encode(state: PortState) -> str:
    """The payload of a state: JSON, one line."""
    payload: dict[str, Any] = {
        "v": WIRE_VERSION,
        "site": state.site,
        "port": state.port,
        "cycle": state.cycle,
        "seq": list(state.seq),
        "kg": state.kg,
        "name": state.name,
    }
    if state.scope is not None:
        payload["scope"] = state.scope
    if state.factor is not None:
        payload["factor"] = state.factor
    if state.role is not None:
        payload["role"] = state.role
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


@lru_cache(maxsize=65536)
def parse_state_topic(prefix: str, topic: str) -> tuple[str, int, str]:
    """(site, port, cycle) of a state topic under ``prefix``.

    Remembered: a central hears the same few topics again and again (a refused topic is not
    remembered, so no sender can fill the memory).
    """
    head = f"{prefix}/"
    if not topic.startswith(head):
        raise WireError("foreign_topic", topic)
    parts = topic[len(head) :].split("/")
    if len(parts) != 4 or parts[1] != "port":
        raise WireError("foreign_topic", topic)
    site, _, port_text, cycle = parts
    if not SITE_ID.match(site) or not CYCLE_ID.match(cycle) or not port_text.isdigit():
        raise WireError("foreign_topic", topic)
    port = int(port_text)
    if not PORT_MIN <= port <= PORT_MAX:
        raise WireError("foreign_topic", topic)
    return site, port, cycle


def _text(payload: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = payload.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > TEXT_MAX:
        raise WireError("bad_field", key)
    return value


def _seq(value: Any) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(type(part) is int and 0 <= part < 2**63 for part in value)
    ):
        raise WireError("bad_field", "seq")
    return value[0], value[1]


def _kg(value: Any) -> float:
    # A bool is an int to Python, not a number to a sender.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WireError("bad_field", "kg")
    kg = float(value)
    if not isfinite(kg) or not 0.0 <= kg <= MAX_KG:
        raise WireError("bad_field", "kg")
    return kg


def decode(prefix: str, topic: str, payload: bytes | str) -> PortState:
    """A state read off the broker, checked.

    Its topic, its size, every field, and that the payload names the site, port and cycle of the
    topic it came on (no site writes another's).
    """
    site, port, cycle = parse_state_topic(prefix, topic)
    raw = payload.encode() if isinstance(payload, str) else payload
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise WireError("oversized", f"{len(raw)} bytes")
    try:
        data = json.loads(raw)
    except UnicodeDecodeError, json.JSONDecodeError, RecursionError:
        raise WireError("not_json") from None
    if not isinstance(data, dict):
        raise WireError("not_json")
    if data.get("v") != WIRE_VERSION:
        raise WireError("bad_field", "v")
    named_port = data.get("port")
    if (
        data.get("site") != site
        or type(named_port) is not int
        or named_port != port
        or data.get("cycle") != cycle
    ):
        raise WireError("foreign_payload", topic)
    name = _text(data, "name", required=True)
    assert name is not None
    role = data.get("role")
    if role is not None and role not in SIDE_ROLES:
        raise WireError("bad_field", "role")
    return PortState(
        site=site,
        port=port,
        cycle=cycle,
        seq=_seq(data.get("seq")),
        kg=_kg(data.get("kg")),
        name=name,
        scope=_text(data, "scope", required=False),
        factor=_text(data, "factor", required=False),
        role=role,
    )
