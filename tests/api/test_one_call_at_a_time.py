"""One person, one call at a time, across campaigns (issue 20 point 6), under moto: a contact leased by
one agent in one campaign cannot be leased by another agent in another campaign until the call is
recorded (which releases the lock) or the lease lapses; a person is called at most daily_call_cap times
an IST day in all (a callback they asked for is leased beyond it and not counted); a queued target whose
contact is at the cap is held to the next IST day, shown as "held: called today" in progress and on the
contact's campaigns, and comes back the next day."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.campaigns import lease_store
from chalicelib.campaigns import store as campaign_store
from chalicelib.campaigns.models import TargetModel
from chalicelib.followup import escalation
from chalicelib.org.store import ContactModel
from chalicelib.reporting.counters import CounterModel, day_agent, day_unit
from chalicelib.shifts import config_store
from tests.api.calling import (
    B1,
    Clock,
    active_campaign,
    add_contacts,
    agents_on_duty,
    call_body,
    ist,
    next_call,
    on_duty,
)
from tests.api.conftest import Api, Env

pytestmark = pytest.mark.usefixtures("district")
DAY, NEXT_DAY = "2026-03-10", "2026-03-11"
BOOTH = {"unit_id": B1, "roles": ["booth_committee_member"]}
K1 = "chw-a1-m1-k1"  # booth 1's shakti kendra


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))


def campaigns(api: Api, n: int, **extra: Any) -> list[str]:
    return [active_campaign(api, target=BOOTH, title_en=f"Campaign {i}", **extra)["campaign_id"] for i in range(n)]


def contact(contact_id: str) -> ContactModel:
    return ContactModel.get(contact_id, consistent_read=True)


def target(campaign_id: str, contact_id: str) -> TargetModel:
    return TargetModel.get(campaign_id, contact_id, consistent_read=True)


def leased(r: Any, contact_id: str) -> None:
    assert r.status == 200 and r.json["status"] == "leased", r.body
    assert r.json["contact"]["contact_id"] == contact_id


def nothing(r: Any) -> None:
    assert r.status == 200 and r.json["status"] == "nothing_due", r.body


def record(api: Api, token: str, campaign_id: str, contact_id: str, disposition: str = "no_answer",
           **extra: Any) -> dict[str, Any]:
    r = api.post("/calls", call_body(campaign_id, contact_id, disposition, **extra), token=token)
    assert r.status == 201, r.body
    return dict(r.json)


def test_a_person_leased_in_one_campaign_is_not_leased_by_another_agent_in_another(
        api: Api, aws: Env, clock: Clock) -> None:
    tokens = agents_on_duty(aws, "agent01", "agent02")
    (person,) = add_contacts(api, B1, 1)
    c1, c2 = campaigns(api, 2, retry_delay_minutes=0)

    leased(next_call(api, c1, tokens["agent01"]), person)
    held = contact(person)
    assert (held.lock_agent, held.lock_campaign) == ("agent01", c1)
    assert held.lock_until == target(c1, person).lease_until  # the lock and the lease end together
    nothing(next_call(api, c2, tokens["agent02"]))  # locked by agent01 in c1: not leasable in c2
    assert target(c2, person).lease_agent is None

    # the call releases the lock and counts one call today
    record(api, tokens["agent01"], c1, person)
    after = contact(person)
    assert (after.lock_agent, after.lock_campaign, after.lock_until) == (None, None, None)
    assert (after.calls_day, after.calls_n) == (DAY, 1)
    leased(next_call(api, c2, tokens["agent02"]), person)
    assert contact(person).lock_agent == "agent02"

    # a lapsed lease frees the person by itself (nothing to release): agent01 has them again in c1
    clock.advance(minutes=5)
    nothing(next_call(api, c1, tokens["agent01"]))
    clock.advance(minutes=6)  # agent02's 10-minute lease has lapsed
    leased(next_call(api, c1, tokens["agent01"]), person)
    assert (contact(person).lock_agent, contact(person).lock_campaign) == ("agent01", c1)
    # agent02's call after its lease lapsed is still recorded and counted; it does not release agent01's lock
    record(api, tokens["agent02"], c2, person)
    after = contact(person)
    assert (after.lock_agent, after.calls_n) == ("agent01", 2)


def test_the_lock_is_checked_by_the_lease_transaction_not_only_on_the_read(api: Api, aws: Env, clock: Clock) -> None:
    """A stale read (the contact read before another agent's lease) is refused by the transaction:
    LOCKED, then CAPPED for a person called up to the cap, and nothing written."""
    tokens = agents_on_duty(aws, "agent01", "agent02")
    (person,) = add_contacts(api, B1, 1)
    c1, c2 = campaigns(api, 2)
    stale = contact(person)
    leased(next_call(api, c1, tokens["agent01"]), person)
    now = "2026-03-10T04:30:00.000Z"

    def attempt(how: str = "queue") -> str:
        return lease_store.lease(lease_store.Lease(
            target(c2, person), stale, "agent02", how, now, "2026-03-10T04:40:00.000Z",
            day_agent(DAY, "agent02"), f"{now}#test0001", day=DAY, cap=2))

    assert attempt() == lease_store.LOCKED
    assert target(c2, person).lease_agent is None and contact(person).lock_agent == "agent01"
    record(api, tokens["agent01"], c1, person)
    ContactModel(person).update(actions=[ContactModel.calls_n.set(2)])  # called twice today
    assert attempt() == lease_store.CAPPED
    assert target(c2, person).lease_agent is None and contact(person).lock_agent is None


def test_called_up_to_the_cap_the_next_target_is_held_to_the_next_day(api: Api, aws: Env, clock: Clock) -> None:
    tokens = agents_on_duty(aws, "agent01", "agent02", "agent03")
    (person,) = add_contacts(api, B1, 1)
    c1, c2, c3 = campaigns(api, 3)
    for campaign_id, agent in ((c1, "agent01"), (c2, "agent02")):
        leased(next_call(api, campaign_id, tokens[agent]), person)
        record(api, tokens[agent], campaign_id, person)
    assert (contact(person).calls_day, contact(person).calls_n) == (DAY, 2)  # the default cap: 2

    nothing(next_call(api, c3, tokens["agent03"]))
    held = target(c3, person)
    assert (held.status, held.held, held.held_day) == ("queued", "called_today", DAY)
    assert held.due_at == "2026-03-10T18:30:00.000Z" and held.queue_sort.startswith("2026-03-10T18:30:00.000Z#")
    assert held.lease_agent is None and contact(person).lock_agent is None
    nothing(next_call(api, c3, tokens["agent01"]))  # not due again today: held once, counted once

    # progress shows it: the day's counters of the target's units (booth up to the district)
    assert CounterModel.get(*day_unit(DAY, c3, B1)).held == 1
    overview = api.get(f"/campaigns/{c3}/overview", role="supervisor")
    assert overview.status == 200 and overview.json["today"]["held_today"] == 1, overview.body
    progress = api.get(f"/campaigns/{c3}/progress", role="supervisor")
    assert progress.status == 200 and progress.json["held_today"] == 1, progress.body
    assert api.get(f"/campaigns/{c1}/progress", role="supervisor").json["held_today"] == 0
    mine = {i["campaign_id"]: i for i in api.get(f"/contacts/{person}/campaigns", role="supervisor").json["items"]}
    assert (mine[c3]["state"], mine[c3]["held"], mine[c3]["held_day"]) == ("held", "called_today", DAY)
    assert mine[c3]["status"] == "queued" and mine[c1]["state"] == "queued" and mine[c1]["held"] is None

    # the next IST day it comes back, counted afresh, and the hold is gone
    clock.set_ist(NEXT_DAY, "10:00")
    on_duty("agent03")
    leased(next_call(api, c3, tokens["agent03"]), person)
    assert target(c3, person).held is None
    record(api, tokens["agent03"], c3, person, "connected")
    assert (contact(person).calls_day, contact(person).calls_n) == (NEXT_DAY, 1)
    assert api.get(f"/campaigns/{c3}/progress", role="supervisor").json["held_today"] == 0


def test_a_callback_the_person_asked_for_is_leased_beyond_the_cap_and_not_counted(
        api: Api, aws: Env, clock: Clock) -> None:
    tokens = agents_on_duty(aws, "agent01", "agent02")
    (person,) = add_contacts(api, B1, 1)
    c1, c2 = campaigns(api, 2)
    config_store.put_config("calling", {"daily_call_cap": 2}, 0, "2026-03-10T04:00:00.000Z", "admin")
    leased(next_call(api, c1, tokens["agent01"]), person)
    record(api, tokens["agent01"], c1, person, "callback_requested", callback_at="2026-03-10T10:30:00+05:30",
           answers=None)
    leased(next_call(api, c2, tokens["agent02"]), person)
    record(api, tokens["agent02"], c2, person)
    assert contact(person).calls_n == 2  # the cap

    clock.set_ist(DAY, "10:31")
    leased(next_call(api, c1, tokens["agent01"]), person)  # the callback asked for: beyond the cap
    assert next_call(api, c1, tokens["agent01"]).json["lease"]["how"] == "renewed"
    record(api, tokens["agent01"], c1, person, "connected")
    after = contact(person)
    assert (after.calls_day, after.calls_n, after.lock_agent) == (DAY, 2, None)  # not counted; released


def test_a_cap_of_one_set_in_the_calling_settings(api: Api, aws: Env, clock: Clock) -> None:
    tokens = agents_on_duty(aws, "agent01", "agent02")
    people = add_contacts(api, B1, 2)
    c1, c2 = campaigns(api, 2)
    config_store.put_config("calling", {"daily_call_cap": 1}, 0, "2026-03-10T04:00:00.000Z", "admin")
    first = next_call(api, c1, tokens["agent01"])
    person = first.json["contact"]["contact_id"]
    record(api, tokens["agent01"], c1, person)
    other = next(p for p in people if p != person)
    leased(next_call(api, c2, tokens["agent02"]), other)  # the one called today is not leased
    nothing(next_call(api, c2, tokens["agent01"]))  # the other is agent02's; the one called today is held
    assert target(c2, person).held == "called_today" and target(c2, other).held is None


def test_a_callback_whose_person_is_on_another_call_does_not_hide_the_next_callback(
        api: Api, aws: Env, clock: Clock) -> None:
    """The race harness found it: an agent's earliest due callback whose person another agent holds in
    another campaign was the only callback /next tried, so the agent's later callbacks waited behind it."""
    tokens = agents_on_duty(aws, "agent01", "agent02")
    first, second = add_contacts(api, B1, 2)
    c1, c2 = campaigns(api, 2)
    for person, at in ((first, "10:20"), (second, "10:25")):  # agent01's two callbacks in c1, due in that order
        r = next_call(api, c1, tokens["agent01"])
        assert r.json["status"] == "leased", r.body
        got = r.json["contact"]["contact_id"]
        record(api, tokens["agent01"], c1, got, "callback_requested", callback_at=f"{DAY}T{at}:00+05:30",
               answers=None)
        if got != person:  # the queue's order is not the list's: name them as they came
            first, second = (got, second) if person == first else (first, got)
    clock.set_ist(DAY, "10:26")
    r = next_call(api, c2, tokens["agent02"])  # agent02 takes the first callback's person in c2 meanwhile
    if r.json["contact"]["contact_id"] == second:
        record(api, tokens["agent02"], c2, second)
        r = next_call(api, c2, tokens["agent02"])
    leased(r, first)
    leased(next_call(api, c1, tokens["agent01"]), second)  # the later callback, whose person is free: not hidden
    assert target(c1, first).status == "callback"  # the earlier one waits for its person's call to end


def test_an_escalation_to_a_person_held_by_the_cap_keeps_the_hold_counted_once(
        api: Api, aws: Env, clock: Clock) -> None:
    """The race harness found it: an escalation made a held target due now, the next /next held it again,
    and progress counted two holds for one target."""
    tokens = agents_on_duty(aws, "agent01")
    (incharge,) = add_contacts(api, K1, 1, role="shakti_kendra_incharge")
    c1, c2, c3 = [active_campaign(api, target={"unit_id": K1, "roles": ["shakti_kendra_incharge"]},
                                  title_en=f"Campaign {i}")["campaign_id"] for i in range(3)]
    for campaign_id in (c1, c2):  # the person called up to the cap (2) today, by a supervisor
        assert api.post("/calls", call_body(campaign_id, incharge, "no_answer"), role="supervisor").status == 201
    nothing(next_call(api, c3, tokens["agent01"]))
    assert target(c3, incharge).held == "called_today"

    clock.set_ist(DAY, "10:05")
    record_ = escalation.escalate_unit(campaign_store.get_campaign(c3), B1, "silent", days=2)
    assert record_ is not None and record_.incharge_contact_id == incharge
    kept = target(c3, incharge)
    assert (kept.held, kept.due_at, kept.escalation["unit_id"]) == ("called_today", "2026-03-10T18:30:00.000Z", B1)
    nothing(next_call(api, c3, tokens["agent01"]))
    assert CounterModel.get(*day_unit(DAY, c3, K1)).held == 1
    assert api.get(f"/campaigns/{c3}/progress", role="supervisor").json["held_today"] == 1

    clock.set_ist(NEXT_DAY, "10:00")  # the next day the in-charge is called, with the escalation's reason
    on_duty("agent01")
    screen = next_call(api, c3, tokens["agent01"])
    leased(screen, incharge)
    assert screen.json["escalation_reason"] is not None
