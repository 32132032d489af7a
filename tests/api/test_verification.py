"""Verified field reports over a synthetic district, through the API under moto: a sample of connected
calls with verifiable answers (deterministic under the campaign's seed) becomes targets of the
campaign's verification campaign, never handed to the agent who took the report; the verifier's call
is compared with the report and counted per agent and per reporter, once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from chalicelib.campaigns.store import CampaignModel, TargetModel
from chalicelib.followup import rules
from chalicelib.reporting.counters import CounterModel, campaign_unit, day_agent, figures
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
QUESTIONS = [
    {"id": "meeting_held", "kind": "yes_no", "text_hi": "क्या बूथ बैठक हुई?", "text_en": "Was the booth meeting held?",
     "required": True, "verifiable": True},
    {"id": "attendance", "kind": "number", "text_hi": "कितने लोग आए?", "text_en": "How many attended?", "min": 0,
     "max": 500, "verifiable": True},
    {"id": "mood", "kind": "choice", "text_hi": "माहौल?", "text_en": "Mood?",
     "choices": [{"value": "good", "label_hi": "अच्छा", "label_en": "Good"},
                 {"value": "poor", "label_hi": "खराब", "label_en": "Poor"}]},
]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist(DAY, "10:00"))


@pytest.fixture
def agents(aws: Env, clock: Clock) -> dict[str, str]:
    names = ("agent01", "agent02", "agent03")
    on_duty(*names)
    return {name: aws.user(name, "agent") for name in names}


def campaign(api: Api, rate: float, seed: str = "seed-1") -> str:
    return str(active_campaign(api, questions=QUESTIONS, verification={"rate": rate, "seed": seed})["campaign_id"])


def report_all(api: Api, cid: str, token: str, answers: dict[str, Any], call_ids: list[str] | None = None,
               ) -> dict[str, tuple[str, str]]:
    """Lease and record a connected call for every target; {contact: (call_id, agent token)}."""
    done: dict[str, tuple[str, str]] = {}
    ids = list(call_ids or [])
    while True:
        r = next_call(api, cid, token)
        assert r.status == 200, r.body
        if r.json["status"] != "leased":
            return done
        contact = r.json["contact"]["contact_id"]
        call_id = ids.pop(0) if ids else str(uuid.uuid4())
        body = call_body(cid, contact, "connected", call_id=call_id, answers=answers)
        posted = api.post("/calls", body, token=token)
        assert posted.status == 201, posted.body
        done[contact] = (call_id, token)


def vtargets(cid: str) -> dict[str, TargetModel]:
    return {t.contact_id: t for t in TargetModel.query(rules.verification_campaign_id(cid))}


def test_every_report_sampled_at_rate_one_is_verified_by_another_agent_and_counted(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    reporters = add_contacts(api, B1, 2) + add_contacts(api, B2, 1, role="booth_president")
    cid = campaign(api, 1)
    report_all(api, cid, agents["agent01"], {"meeting_held": True, "attendance": 40, "mood": "good"})
    vid = rules.verification_campaign_id(cid)
    verification = CampaignModel.get(vid)
    assert verification.kind == "verification" and verification.status == "active"
    assert verification.parent_id == cid and [q["id"] for q in verification.questions] == ["meeting_held", "attendance"]
    held = vtargets(cid)
    assert set(held) == set(reporters)
    for t in held.values():
        assert t.exclude_agent == "agent01"
        assert t.verify["answers"] == {"meeting_held": True, "attendance": 40} and t.status == "queued"
    assert figures(CounterModel.get(*campaign_unit(vid, "chw")))["targets"] == 3
    assert figures(CounterModel.get(*campaign_unit(vid, "chw")))["targeted_booth"] == 2
    # the reporting agent is never handed a report to verify
    refused = next_call(api, vid, agents["agent01"])
    assert refused.status == 200 and refused.json["status"] == "nothing_due", refused.body
    assert {t.lease_agent for t in vtargets(cid).values()} == {None}
    # another agent verifies: two reports hold, one does not (the meeting was not held)
    verdicts = []
    for _ in range(3):
        screen = next_call(api, vid, agents["agent02"]).json
        contact = screen["contact"]["contact_id"]
        heard = {"meeting_held": contact != reporters[2], "attendance": 40}
        r = api.post("/calls", call_body(vid, contact, "connected", answers=heard), token=agents["agent02"])
        assert r.status == 201, r.body
        verdicts.append(r.json["verification"])
        again = api.post("/calls", call_body(vid, contact, "connected", answers=heard, call_id=r.json["call_id"]),
                         token=agents["agent02"])
        assert again.status in (201, 409)  # a replay (or another body under the id): counted once
    assert sorted(v["discrepant"] for v in verdicts) == [False, False, True]
    assert all(v["reported_by"] == "agent01" for v in verdicts)
    by_agent = CounterModel.get("v#chw#agents", "a#agent01")
    assert (int(by_agent.verified), int(by_agent.discrepant)) == (3, 1)
    # and on the reporting agent's day item of the verification calls' day (issue 20), not the verifier's
    reporter_day = CounterModel.get(*day_agent(DAY, "agent01"))
    assert (int(reporter_day.verified), int(reporter_day.discrepant)) == (3, 1)
    assert not CounterModel.get(*day_agent(DAY, "agent02")).verified
    liar = CounterModel.get("v#chw#reporters", f"r#{reporters[2]}")
    assert (int(liar.verified), int(liar.discrepant), liar.role, liar.unit_id) == (1, 1, "booth_president", B2)
    honest = CounterModel.get("v#chw#reporters", f"r#{reporters[0]}")
    assert (int(honest.verified), int(honest.discrepant or 0)) == (1, 0)


def test_rate_zero_samples_nothing(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 3)
    cid = campaign(api, 0)
    assert len(report_all(api, cid, agents["agent01"], {"meeting_held": True})) == 3
    assert vtargets(cid) == {}
    with pytest.raises(CampaignModel.DoesNotExist):
        CampaignModel.get(rules.verification_campaign_id(cid))


def test_sampling_is_deterministic_under_the_seed(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 8)
    call_ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(8)]
    cid = campaign(api, 0.5, seed="district-seed")
    done = report_all(api, cid, agents["agent01"], {"meeting_held": False, "attendance": 0}, call_ids)
    expected = {contact for contact, (call_id, _) in done.items() if rules.sampled("district-seed", call_id, 0.5)}
    assert 0 < len(expected) < 8  # this seed samples some of these eight, not all
    assert set(vtargets(cid)) == expected


def test_a_report_without_verifiable_answers_is_not_sampled(api: Api, clock: Clock, agents: dict[str, str]) -> None:
    add_contacts(api, B1, 1)
    questions = [dict(q, required=False) for q in QUESTIONS]
    cid = str(active_campaign(api, questions=questions, verification={"rate": 1, "seed": "s"})["campaign_id"])
    report_all(api, cid, agents["agent01"], {"mood": "good"})
    assert vtargets(cid) == {}


def test_campaign_verification_fields_are_validated(api: Api) -> None:
    from tests.api.calling import campaign_body

    plain = [{k: v for k, v in q.items() if k != "verifiable"} for q in QUESTIONS]
    bad = api.post("/campaigns", campaign_body(questions=plain, verification={"rate": 0.1, "seed": "s"}),
                   role="supervisor")
    assert bad.status == 400 and bad.error["field"] == "verification.rate"
    for verification, field in (({"rate": 1.5, "seed": "s"}, "verification.rate"),
                                ({"rate": 0.1}, "verification.seed")):
        r = api.post("/campaigns", campaign_body(questions=QUESTIONS, verification=verification), role="supervisor")
        assert r.status == 400 and r.error["field"] == field, r.body
    r = api.post("/campaigns", campaign_body(escalate_after_days=0), role="supervisor")
    assert r.status == 400 and r.error["field"] == "escalate_after_days"
    ok = api.post("/campaigns", campaign_body(questions=QUESTIONS, verification={"rate": 0.25, "seed": "s"},
                                              escalate_after_days=5), role="supervisor")
    assert ok.status == 201, ok.body
    assert ok.json["verification"] == {"rate": 0.25, "seed": "s"} and ok.json["escalate_after_days"] == 5
    assert [q.get("verifiable") for q in ok.json["questions"]] == [True, True, None]


def test_a_handover_never_gives_a_verification_callback_to_the_reporting_agent(
        api: Api, clock: Clock, agents: dict[str, str]) -> None:
    from chalicelib.campaigns import store as campaign_store

    add_contacts(api, B1, 1)
    cid = campaign(api, 1)
    report_all(api, cid, agents["agent01"], {"meeting_held": True})
    vid = rules.verification_campaign_id(cid)
    screen = next_call(api, vid, agents["agent02"]).json
    contact = screen["contact"]["contact_id"]
    body = call_body(vid, contact, "callback_requested", callback_at="2026-03-11T12:00:00+05:30", answers=None)
    assert api.post("/calls", body, token=agents["agent02"]).status == 201
    held = TargetModel.get(vid, contact)
    assert (held.status, held.agent_key, held.exclude_agent) == ("callback", "agent02", "agent01")
    assert campaign_store.move_callback(held, "agent02", "agent01", "2026-03-10#morning") is None
    assert TargetModel.get(vid, contact).agent_key == "agent02"
    assert campaign_store.move_callback(held, "agent02", "agent03", "2026-03-10#morning") is not None
    assert TargetModel.get(vid, contact).agent_key == "agent03"
