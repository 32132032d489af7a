"""The digest archive, GET /digests, under moto: each day's digest of the caller's audience as it was
stored when sent (what the day's schedule built), days with none listed as missing, nothing built by
reading it, one BatchGetItem whatever the number of days, and audiences kept to the roles'."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.digests import service as digest_service
from chalicelib.digests.routes import DAY_FUNCTION
from chalicelib.digests.store import DigestModel
from chalicelib.notify import service as notify
from chalicelib.org.store import ContactModel
from tests.api.calling import Clock, active_campaign, add_contacts, call_body, ist, next_call, on_duty
from tests.api.conftest import Api, Env
from tests.conftest import RECORDER

pytestmark = pytest.mark.usefixtures("district")
DAY, NEXT = "2026-03-10", "2026-03-11"
ROUTE = "GET /digests"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    monkeypatch.setattr(notify, "sleep", lambda _s: None)
    return Clock(monkeypatch, ist(DAY, "10:00"))


def fire_day(api: Api, clock: Clock, day: str) -> None:
    clock.set_ist(day, "22:00")
    event = api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], region="ap-south-1")
    event["time"] = clock.now.isoformat()
    api.client.lambda_.invoke(DAY_FUNCTION, event)


def stored_keys() -> set[str]:
    return {k for k in (f"digest#{a}#{d}" for a in ("district", "state", "central") for d in (DAY, NEXT, "2026-03-09"))
            if DigestModel.count(k) > 0}


def test_the_archive_lists_each_days_digest_as_sent_for_the_callers_audience(
        api: Api, aws: Env, clock: Clock) -> None:
    people = add_contacts(api, "chw-a1-m1-k1-b1", 3)
    cid = active_campaign(api)["campaign_id"]
    on_duty("agent01")
    token = aws.user("agent01", "agent")
    for disposition in ("connected", "no_answer", "connected"):
        screen = next_call(api, cid, token).json
        r = api.post("/calls", call_body(cid, screen["contact"]["contact_id"], disposition), token=token)
        assert r.status == 201, r.body
    fire_day(api, clock, DAY)  # the schedule builds, stores and sends the day's digests
    clock.set_ist(NEXT, "23:00")  # the 11th is digested too, but its schedule has not run
    assert stored_keys() == {f"digest#{a}#{DAY}" for a in ("district", "state", "central")}

    before = set(RECORDER.per_request)
    r = api.get(f"/digests?until={NEXT}&days=3", role="state_leader")
    assert r.status == 200, r.body
    body = r.json
    assert body["audience"] == "state" and [i["date"] for i in body["items"]] == [NEXT, DAY, "2026-03-09"]
    assert [i["stored"] for i in body["items"]] == [False, True, False]
    sent = DigestModel.get(f"digest#state#{DAY}")
    assert body["items"][1]["digest"] == sent.content and body["items"][1]["created_at"] == sent.created_at
    assert body["items"][1]["digest"]["headline"]["attempts"] == 3
    assert body["items"][1]["digest"]["headline"]["connects"] == 2
    assert body["previous_until"] == "2026-03-08"
    assert stored_keys() == {f"digest#{a}#{DAY}" for a in ("district", "state", "central")}  # nothing built
    # the preview of that day (what the email said) is the archive's digest
    assert digest_service.digest("state", DAY) == body["items"][1]["digest"]

    central = api.get(f"/digests?until={DAY}&days=1", role="central_leader").json
    assert central["audience"] == "central" and central["items"][0]["digest"]["audience"] == "central"
    phones = {ContactModel.get(c).phone for c in people}
    for leader in (body, central):
        text = json.dumps(leader, ensure_ascii=False)
        assert "Ram Yadav" not in text and "राम यादव" not in text and "agent01" not in text
        assert not any(p in text or p[3:] in text for p in phones)
    # a day's preview tells a leader how delivery went, never to which addresses; the office sees them
    leader_view = api.get(f"/digests/{DAY}?audience=state", role="state_leader").json
    assert leader_view["deliveries"] and not any("recipient" in d for d in leader_view["deliveries"])
    assert "@" not in json.dumps(leader_view["deliveries"])
    office_view = api.get(f"/digests/{DAY}?audience=state", role="admin").json
    assert [d["status"] for d in office_view["deliveries"]] == [d["status"] for d in leader_view["deliveries"]]
    assert all("recipient" in d for d in office_view["deliveries"])
    default = api.get("/digests", role="supervisor").json  # the office's own: the district's, last 14 days
    assert default["audience"] == "district" and len(default["items"]) == 14 and default["until"] == NEXT
    assert api.get(f"/digests?audience=district&until={DAY}&days=1", role="admin").json["items"][0]["stored"]

    per_request = [sum(ops.values()) for (route, req), ops in RECORDER.per_request.items()
                   if route == ROUTE and (route, req) not in before]
    assert len(per_request) == 4 and max(per_request) == 1, per_request  # one BatchGetItem


@pytest.mark.parametrize(("role", "query", "status", "field"), [
    ("state_leader", "audience=central", 403, None),
    ("central_leader", "audience=state", 403, None),
    ("supervisor", "audience=state", 403, None),
    ("state_leader", "audience=town", 400, "audience"),
    ("state_leader", "until=2026-02-30", 400, "until"),
    ("state_leader", "until=2019-12-31", 400, "until"),
    ("state_leader", "until=2026-04-01", 400, "until"),  # after tomorrow
    ("state_leader", "days=0", 400, "days"),
    ("state_leader", "days=32", 400, "days"),
    ("agent", "", 403, None),
])
def test_refusals(api: Api, clock: Clock, role: str, query: str, status: int, field: Any) -> None:
    r = api.get(f"/digests?{query}", role=role)
    assert r.status == status, r.body
    assert r.error["field"] == field
