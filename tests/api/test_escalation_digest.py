"""The district digest's follow-up sections over a synthetic district: escalated units with their
reasons and whom to call, and verification discrepancy rates per agent and per reporter, in the
stored digest and in what SES received, in Hindi and English, with no phone number anywhere."""

from __future__ import annotations

import email
from email.message import Message

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.digests import rules as digest_rules
from chalicelib.digests.routes import DAY_FUNCTION
from chalicelib.digests.store import DigestModel, digest_key
from chalicelib.followup import rules
from chalicelib.notify import service as notify
from tests.api.calling import B1, B2, Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env

pytestmark = pytest.mark.usefixtures("district")
DAY = "2026-03-10"
K1 = "chw-a1-m1-k1"
QUESTIONS = [{"id": "meeting_held", "kind": "yes_no", "text_hi": "क्या बूथ बैठक हुई?",
              "text_en": "Was the booth meeting held?", "required": True, "verifiable": True}]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    monkeypatch.setattr(notify, "sleep", lambda _s: None)
    return Clock(monkeypatch, ist(DAY, "10:00"))


def district_mails() -> list[str]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["ap-south-1"]
    out = []
    for raw in (m.raw_data for m in backend.sent_messages if hasattr(m, "raw_data")):
        message: Message = email.message_from_string(raw)
        if message["To"] == "district@example.org":
            out += [p.get_payload(decode=True).decode("utf-8") for p in message.get_payload()]  # type: ignore[union-attr]
    return out


def test_the_district_digest_lists_escalations_and_verification_rates(api: Api, aws: Env, clock: Clock) -> None:
    on_duty("agent01", "agent02")
    a1, a2 = aws.user("agent01", "agent"), aws.user("agent02", "agent")
    assert api.put("/settings/digests", {"version": 0, "audiences": {
        "district": {"recipients": ["district@example.org"]}}}).status == 200
    unreachable = add_contacts(api, B1, 1)[0]
    reporters = add_contacts(api, B2, 2)
    incharge = add_contacts(api, K1, 1, role="shakti_kendra_incharge")[0]
    cid = active_campaign(api, questions=QUESTIONS, max_attempts=1, verification={"rate": 1, "seed": "x"},
                          target={"unit_id": "chw", "roles": ["booth_committee_member"]})["campaign_id"]
    # booth 1's only contact is switched off; booth 2's two report a meeting; the kendra in-charge,
    # called about booth 1, is busy (so the escalation stays open)
    called = []
    while (screen := next_call(api, cid, a1).json)["status"] == "leased":
        contact = screen["contact"]["contact_id"]
        called.append(contact)
        disposition = "connected" if contact in reporters else "switched_off" if contact == unreachable else "busy"
        body = call_body(cid, contact, disposition, answers={"meeting_held": True} if contact in reporters else None)
        assert api.post("/calls", body, token=a1).status == 201, body
        clock.advance(minutes=2)
    assert len(called) == 4 and called.index(incharge) > called.index(unreachable)
    vid = rules.verification_campaign_id(cid)
    for _ in range(2):  # agent02 verifies: one of the two says no meeting was held
        contact = next_call(api, vid, a2).json["contact"]["contact_id"]
        heard = {"meeting_held": contact == reporters[0]}
        assert api.post("/calls", call_body(vid, contact, "connected", answers=heard), token=a2).status == 201
        clock.advance(minutes=2)

    clock.set_ist(DAY, "22:00")
    event = api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], region="ap-south-1")
    event["time"] = clock.now.isoformat()
    api.client.lambda_.invoke(DAY_FUNCTION, event)

    stored = DigestModel.get(digest_key("district", DAY)).content
    esc = stored["escalations"]
    assert (esc["open"], esc["no_incharge"], esc["resolved"], esc["more"]) == (1, 0, 0, 0)
    (item,) = esc["items"]
    assert item["unit_id"] == B1 and item["name_en"] == "Booth 1" and item["trigger"] == "unreachable"
    assert item["reason_en"] == "no contact reachable at booth Booth 1 after 1 attempts"
    assert item["call_en"] == "shakti kendra in-charge, Jhirpa" and item["call_hi"] == "शक्ति केंद्र प्रभारी, झिरपा"
    ver = stored["verification"]
    assert (ver["verified"], ver["discrepant"], ver["rate"]) == (2, 1, 0.5)
    assert ver["agents"] == [{"agent": "agent01", "verified": 2, "discrepant": 1, "rate": 0.5}]
    assert sorted((r["unit_en"], r["role_en"], r["verified"], r["discrepant"]) for r in ver["reporters"]) == \
        [("Booth 2", "booth committee member", 1, 0), ("Booth 2", "booth committee member", 1, 1)]
    assert ver["reporters"][0]["discrepant"] == 1  # the highest discrepancy rate first
    text, html = district_mails()
    assert "आगे बढ़ाए गए मामले / Escalations: 1 खुले / open" in text
    assert "no contact reachable at booth Booth 1 after 1 attempts" in text and "बूथ 1" in text
    assert "सत्यापन / Verified field reports: 1/2" in text and "agent01: 1/2 (50%)" in text
    assert "Escalations" in html and "Verified field reports" in html and "50%" in html
    for body in (text, html):
        assert not digest_rules.has_phone(body)
    state = api.get(f"/digests/{DAY}?audience=state&format=json", role="admin").json["digest"]
    assert "escalations" not in state and "verification" not in state  # the district's own sections
