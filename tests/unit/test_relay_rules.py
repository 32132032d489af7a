"""Pure rules of a programme relay: which calls may carry relay facts, a unit's state, broken links and
completion per level. No AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.errors import ValidationError
from chalicelib.relay import rules

LEVELS = ["assembly", "mandal", "shakti_kendra", "booth"]
DEADLINE = datetime(2026, 3, 11, 12, 30, tzinfo=UTC)
BEFORE, AFTER = DEADLINE - timedelta(minutes=1), DEADLINE + timedelta(minutes=1)


def test_relay_facts_belong_to_connected_calls_of_a_relay() -> None:
    assert rules.check_relay_facts(None, kind="scheme", disposition="busy") is None
    assert rules.check_relay_facts({"received": True}, kind="programme_relay", disposition="connected") == {
        "received": True, "passed_on": False}
    for relay, kind, disposition, field in [
        ({"received": True}, "scheme", "connected", "relay"),
        ({"received": True}, "programme_relay", "no_answer", "relay"),
        ({"received": False, "passed_on": True}, "programme_relay", "connected", "relay.passed_on"),
    ]:
        with pytest.raises(ValidationError) as exc:
            rules.check_relay_facts(relay, kind=kind, disposition=disposition)
        assert exc.value.field == field


def test_levels_and_deadline_default_from_the_campaign() -> None:
    assert rules.levels_of({"levels": ["booth", "mandal"]}, ["assembly"]) == ["mandal", "booth"]
    assert rules.levels_of(None, ["booth", "mandal", "booth"]) == ["mandal", "booth"]
    assert rules.deadline_of({"deadline": "2026-03-11T12:30:00.000Z"}, "2026-03-31") == DEADLINE
    # no programme record: the end of the last IST day (midnight IST is 18:30 UTC the day before)
    assert rules.deadline_of(None, "2026-03-11") == datetime(2026, 3, 11, 18, 30, tzinfo=UTC)


def test_the_next_level_below_skips_levels_the_programme_does_not_go_through() -> None:
    assert rules.next_level_below("district", LEVELS) == "assembly"
    assert rules.next_level_below("mandal", ["mandal", "booth"]) == "booth"
    assert rules.next_level_below("booth", LEVELS) is None
    assert rules.next_level_below("shakti_kendra", ["assembly", "mandal"]) is None


@pytest.mark.parametrize(("figures", "level", "now", "state", "confirmed", "broken"), [
    ({}, "mandal", AFTER, "not_targeted", False, False),
    ({"targets": 3}, "mandal", AFTER, "not_reached", False, False),
    ({"targets": 3, "relay_received": 1}, "mandal", AFTER, "received", False, False),
    ({"targets": 3, "relay_received": 1, "relay_passed_on": 1}, "mandal", BEFORE, "passed_on", False, False),
    ({"targets": 3, "relay_received": 1, "relay_passed_on": 1}, "mandal", AFTER, "passed_on", False, True),
    ({"targets": 3, "relay_received": 1, "relay_passed_on": 1, "received_shakti_kendra": 1}, "mandal", AFTER,
     "confirmed_below", True, False),
    # a unit further down received it (a booth), not the next level: not a confirmation of this link
    ({"targets": 3, "relay_passed_on": 1, "relay_received": 1, "received_booth": 2}, "mandal", AFTER,
     "passed_on", False, True),
    ({"targets": 1, "relay_received": 2, "relay_passed_on": 2}, "booth", AFTER, "passed_on", False, False),
    # its own contacts never answered, but the level below has it: confirmed below
    ({"targets": 3, "received_shakti_kendra": 1}, "mandal", AFTER, "confirmed_below", True, False),
])
def test_node_state(figures: dict[str, int], level: str, now: datetime, state: str, confirmed: bool,
                    broken: bool) -> None:
    node = rules.node_state(figures, level, LEVELS, DEADLINE, now)
    assert (node.state, node.confirmed_below, node.broken_link) == (state, confirmed, broken)


def test_completion_per_level_from_one_item() -> None:
    figures = {"targeted_mandal": 4, "received_mandal": 3, "targeted_booth": 20, "received_booth": 5,
               "targeted_assembly": 1, "received_assembly": 1}
    assert rules.completion("assembly", ["assembly", "mandal", "booth"], figures) == [
        {"level": "assembly", "targeted_units": 1, "received_units": 1, "share": 1.0},
        {"level": "mandal", "targeted_units": 4, "received_units": 3, "share": 0.75},
        {"level": "booth", "targeted_units": 20, "received_units": 5, "share": 0.25}]
    assert rules.completion("mandal", ["assembly", "shakti_kendra"], figures) == [
        {"level": "shakti_kendra", "targeted_units": 0, "received_units": 0, "share": None}]
