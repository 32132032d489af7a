"""Late calls under moto: a call made while the agent held the contact, but recorded after the lease
lapsed (the phone was offline) and after another agent took the contact, is recorded as a late call of
that agent: flagged, counted once, its do-not-call or wrong-number effect applied, without touching the
other agent's lease and without counting the target's completion twice. An agent who was never handed
the contact is still refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.calls.store import CallLogModel
from chalicelib.campaigns.store import TargetModel
from chalicelib.core import clock as core_clock
from chalicelib.core.clock import iso
from chalicelib.org.store import ContactModel
from chalicelib.reporting.counters import CounterModel, day_agent, figures
from tests.api.calling import (
    B1,
    Clock,
    active_campaign,
    add_contacts,
    agents_on_duty,
    all_time,
    call_body,
    ist,
    next_call,
)
from tests.api.conftest import Api, Env

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))


@pytest.fixture
def agents(aws: Env, clock: Clock) -> dict[str, str]:
    return agents_on_duty(aws, "agent01", "agent02")


def offline_call(api: Api, clock: Clock, cid: str, tokens: dict[str, str], disposition: str,
                 **extra: Any) -> tuple[str, dict[str, Any]]:
    """agent01 is handed the one contact at 10:00 and calls at 10:02 with the phone offline; the lease
    (10 min) lapses; agent02 is handed the contact at 10:11. Returns the contact and agent01's call."""
    screen = next_call(api, cid, tokens["agent01"]).json
    contact = screen["contact"]["contact_id"]
    body = call_body(cid, contact, disposition, started_at=iso(core_clock.now_utc() + timedelta(minutes=2)),
                     **extra)
    clock.advance(minutes=11)
    taken = next_call(api, cid, tokens["agent02"]).json
    assert taken["status"] == "leased" and taken["contact"]["contact_id"] == contact
    return contact, body


def test_a_late_call_is_recorded_and_leaves_the_other_agents_lease_alone(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 1)
    cid = active_campaign(api)["campaign_id"]
    contact, body = offline_call(api, clock, cid, agents, "do_not_call", answers=None, notes="फ़ोन मत करना")
    before = TargetModel.get(cid, contact)
    clock.advance(minutes=1)  # back online: the outbox sends the call

    late = api.post("/calls", body, token=agents["agent01"])
    assert late.status == 201, late.body
    assert late.json["late"] is True and late.json["agent"] == "agent01"
    assert late.json["target"]["status"] == "queued" and late.json["target"]["attempts"] == 1
    log = CallLogModel.get(body["call_id"])
    assert log.late is True and log.agent == "agent01" and log.disposition == "do_not_call"
    assert ContactModel.get(contact).opted_out is True  # the person's wish reaches them at once
    after = TargetModel.get(cid, contact)
    assert (after.lease_agent, after.lease_until, after.leased_at, after.agent_key) == (
        "agent02", before.lease_until, before.leased_at, "agent02")
    assert (after.status, after.attempts, after.last_agent) == ("queued", 1, "agent01")
    counted = all_time(cid)
    assert (counted["attempts"], counted["d_do_not_call"], counted["completed"]) == (1, 1, 0)
    assert figures(CounterModel.get(*day_agent(DAY, "agent01")))["attempts"] == 1

    # the retry of the late call (the outbox sends again) changes nothing
    again = api.post("/calls", body, token=agents["agent01"])
    assert again.status == 201 and again.json == late.json and again.headers.get("Idempotent-Replayed") == "true"
    # agent02, still holding the contact, records their call: it goes through and finishes the target once
    theirs = api.post("/calls", call_body(cid, contact, "no_answer"), token=agents["agent02"])
    assert theirs.status == 201 and "late" not in theirs.json, theirs.body
    assert theirs.json["target"]["attempts"] == 2
    # the person opted out: the next lease closes the target instead of handing it out
    clock.advance(hours=3)
    assert next_call(api, cid, agents["agent02"]).json["status"] == "nothing_due"
    done = TargetModel.get(cid, contact)
    assert (done.status, done.outcome) == ("closed", "opted_out")
    counted = all_time(cid)
    assert (counted["attempts"], counted["completed"], counted["targets"]) == (2, 1, 1)
    assert len(list(CallLogModel.by_contact.query(contact))) == 2


def test_a_late_call_after_the_other_agents_call_counts_the_completion_once(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 1)
    cid = active_campaign(api)["campaign_id"]
    contact, body = offline_call(api, clock, cid, agents, "connected")
    assert api.post("/calls", call_body(cid, contact, "declined"), token=agents["agent02"]).status == 201
    assert all_time(cid)["completed"] == 1
    late = api.post("/calls", body, token=agents["agent01"])
    assert late.status == 201 and late.json["late"] is True, late.body
    t = TargetModel.get(cid, contact)
    assert (t.status, t.outcome, t.attempts) == ("closed", "declined", 2)
    counted = all_time(cid)
    assert (counted["attempts"], counted["connects"], counted["completed"]) == (2, 1, 1)
    assert all_time(cid, B1)["reached_booth"] == 1  # the connect still reaches the booth


def test_a_late_call_on_a_target_nobody_holds_moves_it_on(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 1)
    cid = active_campaign(api)["campaign_id"]
    contact, body = offline_call(api, clock, cid, agents, "wrong_number", answers=None)
    assert api.post("/calls", call_body(cid, contact, "busy"), token=agents["agent02"]).status == 201
    late = api.post("/calls", body, token=agents["agent01"])
    assert late.status == 201 and late.json["late"] is True, late.body
    t = TargetModel.get(cid, contact)
    assert (t.status, t.outcome, t.attempts, t.queue_key, t.lease_agent) == ("closed", "wrong_number", 2, None, None)
    assert ContactModel.get(contact).wrong_number is True
    counted = all_time(cid)
    assert (counted["attempts"], counted["d_wrong_number"], counted["completed"]) == (2, 1, 1)


def test_only_an_agent_who_was_handed_the_contact_records_late(
        api: Api, aws: Env, clock: Clock, agents: dict[str, str]) -> None:
    first, second = add_contacts(api, B1, 2)
    cid = active_campaign(api)["campaign_id"]
    held = next_call(api, cid, agents["agent01"]).json["contact"]["contact_id"]
    other = second if held == first else first
    # never handed `other`: refused, nothing written
    r = api.post("/calls", call_body(cid, other, "no_answer"), token=agents["agent01"])
    assert r.status == 409 and r.error["code"] == "lease_not_held"
    # agent02 has never been handed `held`, which agent01 holds: refused
    r = api.post("/calls", call_body(cid, held, "connected"), token=agents["agent02"])
    assert r.status == 409 and r.error["code"] == "lease_not_held"
    # a call started long after the agent was handed the contact (a lease and an hour): refused
    clock.advance(hours=2)
    taken = next_call(api, cid, agents["agent02"]).json["contact"]["contact_id"]
    if taken == other:  # both are due: agent02 calls `other` first, then is handed agent01's lapsed hold
        assert api.post("/calls", call_body(cid, other, "busy"), token=agents["agent02"]).status == 201
        taken = next_call(api, cid, agents["agent02"]).json["contact"]["contact_id"]
    assert taken == held
    r = api.post("/calls", call_body(cid, held, "no_answer"), token=agents["agent01"])
    assert r.status == 409 and r.error["code"] == "lease_not_held"
    assert all_time(cid)["attempts"] <= 1  # agent02's call on `other` at most
    assert not list(CallLogModel.by_contact.query(held))
    assert TargetModel.get(cid, held).attempts == 0 and TargetModel.get(cid, held).lease_agent == "agent02"
