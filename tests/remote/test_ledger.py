"""The central's count of remote ports: each kilogram once, whatever the broker delivers."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings, strategies as st

from custom_components.carbon_tracker.core.region_wire import PortState
from custom_components.carbon_tracker.remote.ledger import RemotePort, SiteLedger

SITE = "factory-a"


def state(kg: float, seq: tuple[int, int], cycle: str = "c1", port: int = 3) -> PortState:
    return PortState(SITE, port, cycle, seq, kg, "Grid", "2", "typed in")


def test_the_latest_state_of_a_cycle_wins_and_an_older_one_changes_nothing() -> None:
    ledger = SiteLedger(SITE)
    assert ledger.offer(state(1.5, (1, 1))) is not None
    assert ledger.offer(state(2.5, (1, 3))) is not None
    # Late, duplicated and retained-again states.
    assert ledger.offer(state(2.0, (1, 2))) is None
    assert ledger.offer(state(2.5, (1, 3))) is None
    assert ledger.offer(state(1.5, (1, 1))) is None
    assert ledger.ports[3].total == 2.5


def test_a_restarted_site_s_new_session_comes_after_every_old_state() -> None:
    ledger = SiteLedger(SITE)
    ledger.offer(state(9.0, (1, 5000)))
    assert ledger.offer(state(9.25, (2, 0))) is not None
    assert ledger.ports[3].total == 9.25


def test_a_new_cycle_is_added_beside_the_old_one() -> None:
    """A node created again on the same port starts from zero; what the old one counted stays."""
    ledger = SiteLedger(SITE)
    ledger.offer(state(40.0, (1, 9), cycle="old"))
    ledger.offer(state(0.0, (1, 10), cycle="new"))
    ledger.offer(state(2.0, (1, 11), cycle="new"))
    assert ledger.ports[3].total == 42.0


def test_a_lower_state_in_its_cycle_is_followed_down_once() -> None:
    """A shipment corrected downwards at the site: the central follows it."""
    ledger = SiteLedger(SITE)
    ledger.offer(state(10.0, (1, 1)))
    ledger.offer(state(7.0, (1, 2)))
    ledger.offer(state(10.0, (1, 1)))  # the old state again: no
    assert ledger.ports[3].total == 7.0


def test_another_site_s_state_is_not_taken() -> None:
    ledger = SiteLedger(SITE)
    other = PortState("factory-b", 3, "c1", (1, 1), 5.0, "Grid")
    assert ledger.offer(other) is None
    assert ledger.ports == {}


def test_name_scope_and_factor_follow_the_latest_state() -> None:
    ledger = SiteLedger(SITE)
    ledger.offer(state(1.0, (1, 1)))
    ledger.offer(PortState(SITE, 3, "c1", (1, 2), 1.0, "Grid (hall 2)", "2", "DESNZ 2025"))
    port = ledger.ports[3]
    assert (port.name, port.scope, port.factor) == ("Grid (hall 2)", "2", "DESNZ 2025")


def test_the_durable_record_round_trips() -> None:
    ledger = SiteLedger(SITE)
    ledger.offer(state(40.0, (1, 9), cycle="old"))
    ledger.offer(state(2.0, (3, 1), cycle="new", port=4))
    again = SiteLedger.from_dict(ledger.as_dict())
    assert again.as_dict() == ledger.as_dict()
    assert again.total == 42.0
    assert RemotePort.from_dict(ledger.ports[4].as_dict()).total == 2.0


# --- Property: any delivery of the states the sites published counts each kilogram once -------

# A port's life: cycles, each a list of states (milligrams, which may go down: a correction).
cycle_states = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=8)
port_lives = st.lists(cycle_states, min_size=1, max_size=3)
site_lives = st.dictionaries(st.integers(min_value=1, max_value=6), port_lives, max_size=4)


@settings(max_examples=300, deadline=None)
@given(life=site_lives, data=st.data())
def test_any_delivery_counts_each_kilogram_once(
    life: dict[int, list[list[int]]], data: st.DataObject
) -> None:
    published: list[PortState] = []
    exact = {}
    for port, cycles in life.items():
        exact[port] = sum(Fraction(milligrams[-1], 1000) for milligrams in cycles) / 1000
        for index, milligrams in enumerate(cycles):
            # Sessions grow with each restart of the site; counts within a session.
            session = 1
            count = 0
            for milligram in milligrams:
                if data.draw(st.booleans(), label="restart"):
                    session += 1
                    count = 0
                count += 1
                published.append(
                    state(milligram / 1e6, (session, count), cycle=f"c{index}", port=port)
                )
    # The broker delivers every last state at least once, and any other states any number of
    # times, in any order; the central may restart from its durable record at any point.
    last = {(item.port, item.cycle): item for item in published}
    delivered = list(last.values()) + data.draw(
        st.lists(st.sampled_from(published), max_size=30) if published else st.just([]),
        label="extra",
    )
    delivered = data.draw(st.permutations(delivered), label="order")
    cut = data.draw(st.integers(min_value=0, max_value=len(delivered)), label="restart at")
    ledger = SiteLedger(SITE)
    for item in delivered[:cut]:
        ledger.offer(item)
    ledger = SiteLedger.from_dict(ledger.as_dict())
    for item in delivered[cut:]:
        ledger.offer(item)
    for port, kg in exact.items():
        assert abs(Fraction(ledger.ports[port].total) - kg) <= Fraction(1, 10**9)
    assert set(ledger.ports) == set(life)
