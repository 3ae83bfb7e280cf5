"""The region's wire format: what a site publishes, what the central accepts."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.carbon_tracker.core.region_wire import (
    MAX_PAYLOAD_BYTES,
    PortState,
    WireError,
    decode,
    encode,
    site_states_filter,
    sites_status_filter,
    state_topic,
    status_topic,
)

PREFIX = "carbon_tracker"
STATE = PortState("factory-a", 3, "01JABCDEF", (2, 17), 123.456, "Grid", "2", "DESNZ 2025")
TOPIC = state_topic(PREFIX, "factory-a", 3, "01JABCDEF")


def payload(**changes: Any) -> str:
    data = json.loads(encode(STATE))
    data.update(changes)
    return json.dumps({key: value for key, value in data.items() if value is not ...})


def test_topics() -> None:
    assert TOPIC == "carbon_tracker/factory-a/port/3/01JABCDEF"
    assert status_topic(PREFIX, "factory-a") == "carbon_tracker/factory-a/status"
    assert site_states_filter(PREFIX, "factory-a") == "carbon_tracker/factory-a/port/+/+"
    assert sites_status_filter("region/north") == "region/north/+/status"


def test_a_state_round_trips() -> None:
    assert decode(PREFIX, TOPIC, encode(STATE)) == STATE
    assert decode(PREFIX, TOPIC, encode(STATE).encode()) == STATE
    bare = PortState("s1", 1, "c1", (0, 0), 0.0, "Meter")
    assert decode(PREFIX, state_topic(PREFIX, "s1", 1, "c1"), encode(bare)) == bare
    assert "role" not in json.loads(encode(bare))
    side = PortState("s1", 901, "01JGROUP-left", (1, 2), 5.5, "G1 Line · Forecast", role="forecast")
    assert decode(PREFIX, state_topic(PREFIX, "s1", 901, "01JGROUP-left"), encode(side)) == side


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("other/factory-a/port/3/01JABCDEF", "foreign_topic"),
        ("carbon_tracker/factory-a/status", "foreign_topic"),
        ("carbon_tracker/Factory-A/port/3/01JABCDEF", "foreign_topic"),
        ("carbon_tracker/factory-a/port/0/01JABCDEF", "foreign_topic"),
        ("carbon_tracker/factory-a/port/65536/01JABCDEF", "foreign_topic"),
        ("carbon_tracker/factory-a/port/x/01JABCDEF", "foreign_topic"),
        ("carbon_tracker/factory-a/port/3/01J ABC", "foreign_topic"),
        ("carbon_tracker/factory-a/port/3/01JABCDEF/extra", "foreign_topic"),
    ],
)
def test_a_foreign_topic_is_refused(topic: str, reason: str) -> None:
    with pytest.raises(WireError) as caught:
        decode(PREFIX, topic, encode(STATE))
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("changes", "reason", "detail"),
    [
        ({"site": "factory-b"}, "foreign_payload", TOPIC),
        ({"port": 4}, "foreign_payload", TOPIC),
        ({"port": True}, "foreign_payload", TOPIC),
        ({"port": "3"}, "foreign_payload", TOPIC),
        ({"cycle": "other"}, "foreign_payload", TOPIC),
        ({"v": 2}, "bad_field", "v"),
        ({"v": ...}, "bad_field", "v"),
        ({"kg": -0.001}, "bad_field", "kg"),
        ({"kg": "12"}, "bad_field", "kg"),
        ({"kg": True}, "bad_field", "kg"),
        ({"kg": 1e16}, "bad_field", "kg"),
        ({"kg": ...}, "bad_field", "kg"),
        ({"seq": [1]}, "bad_field", "seq"),
        ({"seq": [1, -1]}, "bad_field", "seq"),
        ({"seq": [1, 2.0]}, "bad_field", "seq"),
        ({"seq": [True, 2]}, "bad_field", "seq"),
        ({"seq": "1,2"}, "bad_field", "seq"),
        ({"name": ""}, "bad_field", "name"),
        ({"name": ...}, "bad_field", "name"),
        ({"name": "x" * 201}, "bad_field", "name"),
        ({"scope": 2}, "bad_field", "scope"),
        ({"factor": ["a"]}, "bad_field", "factor"),
        ({"role": "plan"}, "bad_field", "role"),
        ({"role": 1}, "bad_field", "role"),
    ],
)
def test_a_bad_field_is_refused_by_name(changes: dict[str, Any], reason: str, detail: str) -> None:
    with pytest.raises(WireError) as caught:
        decode(PREFIX, TOPIC, payload(**changes))
    assert (caught.value.reason, caught.value.detail) == (reason, detail)


@pytest.mark.parametrize(
    "raw", [b"", b"not json", b"\xff\xfe", b"[1, 2]", b"null", b"7", b"[" * 100_000]
)
def test_what_is_not_a_json_object_is_refused(raw: bytes) -> None:
    with pytest.raises(WireError) as caught:
        decode(PREFIX, TOPIC, raw)
    assert caught.value.reason in {"not_json", "oversized"}


def test_an_oversized_payload_is_refused_before_it_is_parsed() -> None:
    big = payload(factor="x" * 10) + " " * MAX_PAYLOAD_BYTES
    with pytest.raises(WireError) as caught:
        decode(PREFIX, TOPIC, big)
    assert caught.value.reason == "oversized"


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=400) | st.text(max_size=400))
def test_any_payload_is_a_state_or_a_wire_error(raw: bytes | str) -> None:
    try:
        state = decode(PREFIX, TOPIC, raw)
    except WireError:
        return
    assert state.site == "factory-a"
    assert state.kg >= 0.0
