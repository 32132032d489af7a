"""Escalation over a synthetic district, through the API under moto: a booth nobody at which can be
reached after max attempts is escalated once (also under a replayed call), with one callback target
for the shakti kendra in-charge; a unit silent for N days is escalated by the daily sweep, once
however often the schedule fires; the supervisors' view lists escalations."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.campaigns.store import TargetModel
from chalicelib.followup.routes import SWEEP_FUNCTION
from chalicelib.followup.store import EscalationModel
from chalicelib.reporting.counters import CounterModel, campaign_unit, figures
from devtools import call_counter
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
K1 = "chw-a1-m1-k1"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))


@pytest.fixture
def agent(aws: Env, clock: Clock) -> str:
    on_duty("agent01")
    return aws.user("agent01", "agent")


def all_time(cid: str, unit_id: str) -> dict[str, int]:
    try:
        return figures(CounterModel.get(*campaign_unit(cid, unit_id)))
    except CounterModel.DoesNotExist:
        return figures(None)


def escalations(cid: str) -> list[EscalationModel]:
    return list(EscalationModel.query(cid))


def targets(cid: str) -> dict[str, TargetModel]:
    return {t.contact_id: t for t in TargetModel.query(cid)}


def work(api: Api, cid: str, token: str, unreachable: set[str], clock: Clock, limit: int = 20) -> list[dict[str, Any]]:
    """Call until nothing is due: contacts in `unreachable` never answer, the others connect."""
    bodies = []
    for _ in range(limit):
        r = next_call(api, cid, token)
        assert r.status == 200, r.body
        if r.json["status"] != "leased":
            return bodies
        contact = r.json["contact"]["contact_id"]
        body = call_body(cid, contact, "no_answer" if contact in unreachable else "connected")
        if contact not in unreachable:
            body["answers"] = {"received": True}
        posted = api.post("/calls", body, token=token)
        assert posted.status == 201, posted.body
        bodies.append(body)
        clock.advance(minutes=2)
    raise AssertionError("the queue did not empty")


def test_a_booth_unreachable_after_max_attempts_is_escalated_once_to_the_kendra_incharge(
        api: Api, clock: Clock, agent: str) -> None:
    booth1 = add_contacts(api, B1, 2)
    add_contacts(api, B2, 1)
    incharge = add_contacts(api, K1, 1, role="shakti_kendra_incharge")[0]
    cid = active_campaign(api, max_attempts=2, retry_delay_minutes=0)["campaign_id"]
    before = {unit: all_time(cid, unit) for unit in (B1, K1, "chw")}
    bodies = work(api, cid, agent, set(booth1), clock)
    # two attempts at each of booth 1's two contacts, one connect at booth 2, and the in-charge's call,
    # which can only come after booth 1's last attempt (the in-charge is no target before)
    called = [b["contact_id"] for b in bodies]
    assert len(called) == 6 and called.count(incharge) == 1
    assert called.index(incharge) > max(i for i, c in enumerate(called) if c in booth1)

    found = escalations(cid)
    assert [(e.unit_id, e.trigger, e.status, e.incharge_contact_id, e.parent_unit_id) for e in found] == \
        [(B1, "unreachable", "resolved", incharge, K1)]  # the queue emptied: the in-charge was reached
    assert found[0].reason["en"] == "no contact reachable at booth Booth 1 after 2 attempts"
    assert "बूथ 1" in found[0].reason["hi"]
    held = targets(cid)
    assert len(held) == 4 and held[incharge].status == "done"  # the in-charge became the fourth target
    assert held[incharge].escalation["unit_id"] == B1
    after = {unit: all_time(cid, unit) for unit in (B1, K1, "chw")}
    assert after[B1]["targets"] == before[B1]["targets"] == 2
    assert after[K1]["targets"] == before[K1]["targets"] + 1 == 4  # counted as activation would
    assert after["chw"]["targets"] == before["chw"]["targets"] + 1
    assert after[K1]["targeted_shakti_kendra"] == before[K1]["targeted_shakti_kendra"] == 1
    assert after[K1]["completed"] == after[K1]["targets"]  # every target finished, the in-charge too


def test_the_escalation_target_is_due_now_with_its_reason_and_a_replay_changes_nothing(
        api: Api, clock: Clock, agent: str) -> None:
    booth1 = add_contacts(api, B1, 1)
    incharge = add_contacts(api, K1, 1, role="shakti_kendra_incharge")[0]
    cid = active_campaign(api, max_attempts=1)["campaign_id"]
    screen = next_call(api, cid, agent).json
    assert screen["contact"]["contact_id"] == booth1[0] and screen["escalation_reason"] is None
    body = call_body(cid, booth1[0], "switched_off")
    assert api.post("/calls", body, token=agent).status == 201
    counters_then = all_time(cid, K1)
    for _ in range(2):  # the client retries: the same answer, no second escalation or target
        again = api.post("/calls", body, token=agent)
        assert again.status == 201 and again.json["target"]["outcome"] == "max_attempts"
    assert len(escalations(cid)) == 1 and escalations(cid)[0].status == "open"
    assert set(targets(cid)) == {booth1[0], incharge}
    assert all_time(cid, K1) == counters_then
    listed = api.get(f"/campaigns/{cid}/escalations?status=open", role="supervisor")
    assert listed.status == 200, listed.body
    assert [(e["unit_id"], e["incharge_contact_id"], e["reason_en"]) for e in listed.json["items"]] == \
        [(B1, incharge, "no contact reachable at booth Booth 1 after 1 attempts")]
    clock.advance(minutes=1)
    screen = next_call(api, cid, agent).json
    assert screen["contact"]["contact_id"] == incharge and screen["contact"]["role"] == "shakti_kendra_incharge"
    assert screen["escalation_reason"]["en"] == "no contact reachable at booth Booth 1 after 1 attempts"
    assert "बूथ 1" in screen["escalation_reason"]["hi"]
    board = api.get("/board", role="supervisor").json
    (row,) = [c for c in board["campaigns"] if c["campaign_id"] == cid]
    assert row["open_escalations"] == 1
    assert [(e["unit_id"], e["campaign_id"], e["title_en"]) for e in board["escalations"]["items"]] == \
        [(B1, cid, row["title_en"])] and board["escalations"]["more"] is False
    # the escalation is on the sparse index of unresolved ones while open, and leaves it when resolved
    (open_one,) = EscalationModel.open_by_district.query(escalations(cid)[0].district_id)
    assert open_one.unit_id == B1
    assert api.post("/calls", call_body(cid, incharge), token=agent).status == 201  # the in-charge is reached
    (resolved,) = escalations(cid)
    assert resolved.status == "resolved" and resolved.open_district is None and resolved.open_sort is None
    assert list(EscalationModel.open_by_district.query(resolved.district_id)) == []
    board = api.get("/board", role="supervisor").json
    assert board["escalations"]["items"] == [] and board["campaigns"][0]["open_escalations"] == 0


def test_a_callback_the_incharge_asked_for_comes_back_to_the_agent(api: Api, clock: Clock, agent: str) -> None:
    """The race harness found it: an escalation's target carries no unit path (the call screen reads the
    units), and /next counted that read and a pacing refusal's record both, beyond its five calls, on the
    agent's own callback: answered queue_busy for ever, the callback never came back."""
    booth1 = add_contacts(api, B1, 1)
    incharge = add_contacts(api, K1, 1, role="shakti_kendra_incharge")[0]
    cid = active_campaign(api, max_attempts=1)["campaign_id"]
    assert next_call(api, cid, agent).json["contact"]["contact_id"] == booth1[0]
    assert api.post("/calls", call_body(cid, booth1[0], "switched_off"), token=agent).status == 201
    clock.advance(minutes=1)
    screen = next_call(api, cid, agent).json
    assert screen["contact"]["contact_id"] == incharge and targets(cid)[incharge].unit_path is None
    asked = call_body(cid, incharge, "callback_requested", callback_at="2026-03-10T10:30:00+05:30", answers=None)
    assert api.post("/calls", asked, token=agent).status == 201
    clock.set_ist(DAY, "10:31")
    r = next_call(api, cid, agent)
    assert r.status == 200 and r.json["status"] == "leased", r.body
    assert (r.json["contact"]["contact_id"], r.json["lease"]["how"]) == (incharge, "callback")
    assert r.json["contact"]["unit_path"] == screen["contact"]["unit_path"] != []  # the units read, as before


def test_an_incharge_already_called_is_requeued_not_duplicated(api: Api, clock: Clock, agent: str) -> None:
    booth1 = add_contacts(api, B1, 1)
    incharge = add_contacts(api, K1, 1, role="shakti_kendra_incharge")[0]
    cid = active_campaign(api, max_attempts=1, target={"unit_id": "chw", "roles": [
        "booth_committee_member", "shakti_kendra_incharge"]})["campaign_id"]
    # a supervisor records the calls, in this order: the in-charge is reached, then booth 1 is not
    for contact, disposition in ((incharge, "connected"), (booth1[0], "busy")):
        body = call_body(cid, contact, disposition)
        assert api.post("/calls", body, role="supervisor").status == 201, body
        clock.advance(minutes=1)
    held = targets(cid)
    assert len(held) == 2 and held[incharge].status == "queued" and held[incharge].outcome is None
    assert held[incharge].escalation["unit_id"] == B1
    k1 = all_time(cid, K1)
    assert k1["targets"] == 2 and k1["completed"] == 1  # the reopened in-charge is work again
    screen = next_call(api, cid, agent).json
    assert screen["contact"]["contact_id"] == incharge and screen["escalation_reason"] is not None


def test_a_unit_without_an_incharge_above_is_still_listed(api: Api, clock: Clock, agent: str) -> None:
    booth1 = add_contacts(api, B1, 1)
    cid = active_campaign(api, max_attempts=1)["campaign_id"]
    next_call(api, cid, agent)
    assert api.post("/calls", call_body(cid, booth1[0], "wrong_number"), token=agent).status == 201
    (e,) = escalations(cid)
    assert e.status == "no_incharge" and e.incharge_contact_id is None
    assert set(targets(cid)) == set(booth1)


def fire_sweep(api: Api) -> Any:
    event = api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], region="ap-south-1")
    return api.client.lambda_.invoke(SWEEP_FUNCTION, event).payload


def test_the_sweep_escalates_units_silent_for_n_days_once(api: Api, clock: Clock, agent: str) -> None:
    add_contacts(api, B1, 1)
    booth2 = add_contacts(api, B2, 1)
    incharge = add_contacts(api, K1, 1, role="shakti_kendra_incharge")[0]
    cid = active_campaign(api, escalate_after_days=2, max_attempts=5, retry_delay_minutes=60 * 24 * 5)["campaign_id"]
    assert fire_sweep(api) == {"checked": 0, "escalated": 0}  # day 0: nobody is silent yet
    clock.advance(days=1, hours=8)
    for _ in range(2):  # booth 2 answers on day 1; booth 1 does not (and is not due again for 5 days)
        screen = next_call(api, cid, agent).json
        contact = screen["contact"]["contact_id"]
        body = call_body(cid, contact, "connected" if contact in booth2 else "no_answer")
        assert api.post("/calls", body, token=agent).status == 201
    assert escalations(cid) == []  # booth 1 still has attempts left: nothing at write time
    assert fire_sweep(api) == {"checked": 0, "escalated": 0}  # not yet two days
    clock.advance(days=1)
    assert fire_sweep(api) == {"checked": 1, "escalated": 1}
    assert fire_sweep(api) == {"checked": 1, "escalated": 0}  # a double-fired schedule
    (e,) = escalations(cid)
    assert (e.unit_id, e.trigger, e.incharge_contact_id) == (B1, "silent", incharge)
    assert e.reason["en"] == "no connected call at booth Booth 1 for 2 days"
    assert [t for t in targets(cid) if t == incharge] == [incharge]
    assert all_time(cid, K1)["targets"] == 3


def test_the_sweep_ignores_a_campaign_past_its_window(api: Api, clock: Clock) -> None:
    add_contacts(api, B1, 1)
    add_contacts(api, K1, 1, role="shakti_kendra_incharge")
    cid = active_campaign(api, escalate_after_days=1, starts_on="2026-03-01", ends_on="2026-03-11")["campaign_id"]
    clock.advance(days=3)
    assert fire_sweep(api) == {"checked": 0, "escalated": 0}
    assert escalations(cid) == []


def post_counted(api: Api, monkeypatch: pytest.MonkeyPatch, body: dict[str, Any], token: str) -> int:
    """POST /calls; the DynamoDB requests it made (one BatchGetItem across tables counts once)."""
    with call_counter.counting() as seen:
        assert api.post("/calls", body, token=token).status == 201
    return sum(seen.values())


def test_what_follow_up_adds_to_recording_a_call(api: Api, clock: Clock, agent: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    booth1 = add_contacts(api, B1, 2)
    add_contacts(api, K1, 1, role="shakti_kendra_incharge")
    cid = active_campaign(api, max_attempts=2, retry_delay_minutes=0)["campaign_id"]
    costs = []
    for disposition in ("no_answer", "busy", "switched_off", "no_answer"):
        contact = next_call(api, cid, agent).json["contact"]["contact_id"]
        assert contact in booth1
        costs.append(post_counted(api, monkeypatch, call_body(cid, contact, disposition), agent))
    # a call that leaves its target open: nothing more than the call itself (read + transaction);
    # one that finishes it: one more read (the unit's counter); the one that escalates: 8 more
    # (which contact /next hands out first varies; the escalating call is always the fourth)
    assert sorted(costs[:3]) == [2, 2, 3] and costs[3] == 10
    assert len(escalations(cid)) == 1


def test_escalations_route_checks_its_input_and_roles(api: Api, clock: Clock) -> None:
    add_contacts(api, B1, 1)
    cid = active_campaign(api)["campaign_id"]
    assert api.get(f"/campaigns/{cid}/escalations", role="agent").status == 403
    assert api.get(f"/campaigns/{cid}/escalations", role="admin").json == {"items": [], "next_cursor": None}
    bad = api.get(f"/campaigns/{cid}/escalations?status=nope", role="supervisor")
    assert bad.status == 400 and bad.error["field"] == "status"
    missing = api.get("/campaigns/cp_aaaaaaaaaaaaaaaaaaaaaaaaaa/escalations", role="supervisor")
    assert missing.status == 404
    assert api.get(f"/campaigns/{cid}/escalations?cursor=zzz", role="supervisor").status == 400
