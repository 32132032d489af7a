"""POST /reports/flags/{call_id}/recheck under moto: a flagged call's report goes into its campaign's
verification campaign (followup's path) whatever the sampling rate, once however often asked."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.campaigns.store import TargetModel
from chalicelib.followup import rules
from tests.api.calling import Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env
from tests.api.test_verification import QUESTIONS

pytestmark = pytest.mark.usefixtures("district")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, ist("2026-03-10", "10:00"))


def test_a_recheck_puts_the_calls_report_into_verification_once(api: Api, aws: Env, clock: Clock) -> None:
    add_contacts(api, "chw-a1-m1-k1-b1", 2)
    cid = str(active_campaign(api, questions=QUESTIONS, verification={"rate": 0, "seed": "s"})["campaign_id"])
    on_duty("agent01")
    token = aws.user("agent01", "agent")
    ids = []
    for disposition in ("connected", "no_answer"):
        contact = next_call(api, cid, token).json["contact"]["contact_id"]
        call_id = str(uuid.uuid4())
        answers = {"meeting_held": True, "attendance": 40} if disposition == "connected" else None
        body = call_body(cid, contact, disposition, call_id=call_id, **({"answers": answers} if answers else {}))
        assert api.post("/calls", body, token=token).status == 201
        ids.append((call_id, contact))
    vid = rules.verification_campaign_id(cid)
    assert list(TargetModel.query(vid)) == []  # rate 0: nothing sampled by itself

    (connected, contact), (unanswered, _) = ids
    r = api.post(f"/reports/flags/{connected}/recheck", role="supervisor")
    assert r.status == 200, r.body
    assert r.json == {"call_id": connected, "verification_campaign_id": vid, "contact_id": contact, "status": "added"}
    (target,) = TargetModel.query(vid)
    assert target.contact_id == contact and target.verify["answers"] == {"meeting_held": True, "attendance": 40}
    assert target.verify["agent"] == "agent01" and target.exclude_agent == "agent01"
    again = api.post(f"/reports/flags/{connected}/recheck", role="admin")
    assert again.status == 200 and again.json["status"] == "already" and len(list(TargetModel.query(vid))) == 1

    refused = api.post(f"/reports/flags/{unanswered}/recheck", role="supervisor")
    assert refused.status == 409 and refused.error["code"] == "not_verifiable"
    assert api.post(f"/reports/flags/{uuid.uuid4()}/recheck", role="supervisor").status == 404
    assert api.post("/reports/flags/x/recheck", role="supervisor").error["field"] == "call_id"
    assert api.post(f"/reports/flags/{connected}/recheck", role="state_leader").status == 403
